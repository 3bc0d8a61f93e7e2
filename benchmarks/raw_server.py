"""The baseline: a minimal websockets server whose only job is broadcast.

Every connection is greeted with ``ready`` once it is in the audience; every
text frame any client sends is passed as it is to ``websockets.broadcast`` for
all connections (the sender included). Same websockets settings as the
kompsesjon server (no compression, same ping and size limits, same backlog),
so the difference between the two is what kompsesjon does on top.

    python -m benchmarks.raw_server --port 0      # prints "listening on PORT"
"""

from __future__ import annotations

import argparse
import asyncio
import signal

from websockets.asyncio.server import ServerConnection, broadcast, serve

AUDIENCE: set[ServerConnection] = set()


async def handler(ws: ServerConnection) -> None:
    AUDIENCE.add(ws)
    try:
        await ws.send("ready")
        async for message in ws:
            broadcast(AUDIENCE, message)
    finally:
        AUDIENCE.discard(ws)


async def main(port: int, backlog: int) -> None:
    async with serve(
        handler,
        "127.0.0.1",
        port,
        compression=None,
        max_size=1 << 20,
        ping_interval=20,
        ping_timeout=20,
        backlog=backlog,
    ) as server:
        print(f"listening on {server.sockets[0].getsockname()[1]}", flush=True)
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        await stop.wait()


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--backlog", type=int, default=2048)
    args = parser.parse_args()
    asyncio.run(main(args.port, args.backlog))
