"""How the hub's messages reach the websockets: one write per connection per batch.

A batch may send one connection dozens of messages (a burst of 200 joins is
200 events to everyone). :class:`Writers` writes them with one
``transport.write`` per connection, each message framed once for every
connection that gets it — a server frame is not masked, so the bytes are the
same for everyone. With websockets' public API each message to each
connection is its own ``send()`` (framing, a write, a ``send()`` syscall):
benchmarks/README.md ("Fan-out through the public API") has the measured
difference, which is why this path exists.

It relies on what websockets' documentation does not promise, checked by
tests/server/test_wire.py against the installed version (it fails loudly
when any of it changes):

* ``connection.transport`` is the asyncio transport (``write``,
  ``get_write_buffer_size``, ``is_closing``, ``abort``);
* ``connection.protocol.extensions`` is empty (``compression=None``) and
  ``connection.send_in_progress`` is None unless a fragmented message is
  being sent: then the bytes on the wire are exactly RFC 6455 frames, as
  :func:`frame` builds them;
* writing frames to the transport needs no bookkeeping in websockets (only
  the closing handshake and fragmented sends do, and both are checked).

Where any of it does not hold (:data:`FRAME_PATH` false, or one connection
with an extension or a fragmented send), that connection gets a writer task
that uses only ``send()`` and ``close()``: slower, same order, same limits.

Either way a connection whose unsent data passes the hub's limit is reported
as slow, and is dropped instead of holding anyone up.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from collections import deque
from collections.abc import Callable
from typing import cast

from websockets.asyncio.server import ServerConnection
from websockets.exceptions import ConnectionClosed
from websockets.protocol import State

from .core import Close, Out, Peer, Send

log = logging.getLogger("kompsesjon.wire")


def frame(message: str) -> bytes:
    """An unmasked, unfragmented RFC 6455 text frame (a server's frame)."""
    payload = message.encode()
    n = len(payload)
    if n < 126:
        head = bytes((0x81, n))
    elif n < 1 << 16:
        head = b"\x81\x7e" + n.to_bytes(2, "big")
    else:
        head = b"\x81\x7f" + n.to_bytes(8, "big")
    return head + payload


def close_frame(code: int, reason: str) -> bytes:
    """An unmasked close frame (RFC 6455 5.5.1): the code, then the reason."""
    payload = code.to_bytes(2, "big") + reason.encode()[:123]
    return bytes((0x88, len(payload))) + payload


def _framed(out: Out) -> bytes:
    data = out.frame = frame(out.text)
    return data


def relied_upon(ws: ServerConnection) -> bool:
    """Does this connection look the way the frame path needs?"""
    transport = getattr(ws, "transport", None)
    protocol = getattr(ws, "protocol", None)
    return (
        all(hasattr(transport, name) for name in ("write", "get_write_buffer_size", "is_closing", "abort"))
        and getattr(protocol, "extensions", None) == []
        and hasattr(ws, "send_in_progress")
    )


# How long a connection that was hung up on may take to read its close frame.
HANG_UP = 1.0

# What the server passes to serve(write_limit=…): websockets' send() waits
# while more than this is buffered, so a writer task that is waiting has at
# least this much unsent besides its queue.
WRITE_LIMIT = 32 * 1024

# KOMPSESJON_WIRE=public uses the public path everywhere (to measure it; the
# tests switch it too). See the module docstring.
FRAME_PATH = os.environ.get("KOMPSESJON_WIRE", "frames") != "public"


class Writers:
    """Writes each batch's sends; owns the connections' writer tasks."""

    def __init__(self, slow: Callable[[Peer], None]) -> None:
        self._slow = slow  # called for a connection that stopped reading
        self._pumps: dict[Peer, _Pump] = {}
        self._tasks: set[asyncio.Task[None]] = set()  # closes and pumps, kept until done
        self._layout: bool | None = None  # does websockets look as relied upon? (checked once)

    def _framed(self, ws: ServerConnection) -> bool:
        """May this connection be written on the frame path now?"""
        if self._layout is None:
            self._layout = FRAME_PATH and relied_upon(ws)
            if FRAME_PATH and not self._layout:
                log.warning("websockets is not as server/wire.py expects: writing with send() instead")
        return self._layout and not ws.protocol.extensions and ws.send_in_progress is None

    def write(self, sends: dict[Peer, list[Send]], slow_bytes: int) -> None:
        slow: list[Peer] = []
        for peer, messages in sends.items():
            ws: ServerConnection | None = peer.conn
            if ws is None:
                continue
            pump = self._pumps.get(peer)
            if pump is None and self._framed(ws):
                if not self._frames(peer, ws, messages, slow_bytes):
                    slow.append(peer)
                continue
            if pump is None:
                pump = self._pumps[peer] = _Pump(ws, self._tasks)
            unsent = pump.unsent
            if unsent > slow_bytes + peer.allowance:
                slow.append(peer)
                continue
            if unsent <= slow_bytes and peer.allowance_written:
                peer.allowance = 0
            peer.allowance_written = True
            pump.put(messages)
        for peer in slow:
            self.drop(peer)
            self._slow(peer)

    def _frames(self, peer: Peer, ws: ServerConnection, messages: list[Send], slow_bytes: int) -> bool:
        """Write on the frame path; False: the connection is too slow."""
        transport = ws.transport
        if transport.is_closing() or ws.protocol.state is not State.OPEN:
            return True  # closing or closed: like broadcast(), skip it
        buffered = transport.get_write_buffer_size()
        # A snapshot just sent may be larger than the limit: it is allowed
        # until the connection has once caught up (or it would be dropped
        # while reading it, and sent it again, for ever).
        if buffered > slow_bytes + peer.allowance:
            return False
        if buffered <= slow_bytes and peer.allowance_written:
            peer.allowance = 0
        last = messages[-1]
        close = last if type(last) is Close else None
        body = cast("list[Out]", messages[:-1] if close is not None else messages)
        # The hot loop of a busy room (a message × every connection): one
        # attribute read per message, the frame made by the first connection.
        chunks = [m.frame or _framed(m) for m in body]
        if chunks:
            transport.write(chunks[0] if len(chunks) == 1 else b"".join(chunks))
        peer.allowance_written = True
        if close is not None:
            if close.hang_up:
                # The close frame, and nothing the other side still sends is
                # read. Closing the socket at once would lose the close frame
                # to a reset (there is unread data), so it goes HANG_UP s later.
                transport.write(close_frame(close.code, close.reason))
                transport.pause_reading()
                asyncio.get_running_loop().call_later(HANG_UP, transport.abort)
            else:
                self._keep(ws.close(close.code, close.reason))
        return True

    def drop(self, peer: Peer) -> None:
        """Cut a connection loose at once (it stopped reading)."""
        pump = self._pumps.pop(peer, None)
        ws: ServerConnection | None = peer.conn
        if pump is not None:
            pump.stop()
        if ws is None:
            return
        if self._layout and pump is None:
            ws.transport.abort()
        else:
            self._keep(ws.close(1008, "too slow"))  # times out, then aborts

    def forget(self, peer: Peer) -> None:
        """The connection is gone: its writer task ends with what it has sent."""
        pump = self._pumps.pop(peer, None)
        if pump is not None:
            pump.stop()

    async def close(self) -> None:
        for pump in self._pumps.values():
            pump.stop()
        self._pumps.clear()
        if self._tasks:
            await asyncio.wait(list(self._tasks), timeout=1.0)

    def _keep(self, coroutine) -> None:
        task = asyncio.get_running_loop().create_task(_quietly(coroutine))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)


class _Pump:
    """One connection's writer task on the public path: ``send()`` in order,
    waiting whenever websockets applies back-pressure."""

    def __init__(self, ws: ServerConnection, tasks: set[asyncio.Task[None]]) -> None:
        self.ws = ws
        self.queue: deque[Send] = deque()
        self.pending = 0
        self._wake = asyncio.Event()
        self._stopped = False
        task = asyncio.get_running_loop().create_task(self._run())
        tasks.add(task)
        task.add_done_callback(tasks.discard)

    def put(self, messages: list[Send]) -> None:
        for message in messages:
            if isinstance(message, Out):
                self.pending += len(message.text)
        self.queue.extend(messages)
        self._wake.set()

    @property
    def unsent(self) -> int:
        """At least this many bytes have not reached the kernel."""
        return self.pending + WRITE_LIMIT if self.pending else 0

    def stop(self) -> None:
        self._stopped = True
        self.queue.clear()
        self._wake.set()

    async def _run(self) -> None:
        with contextlib.suppress(ConnectionClosed):
            while not self._stopped:
                await self._wake.wait()
                self._wake.clear()
                while self.queue and not self._stopped:
                    message = self.queue.popleft()
                    if isinstance(message, Close):
                        await self.ws.close(message.code, message.reason)
                        return
                    await self.ws.send(message.text)
                    self.pending -= len(message.text)


async def _quietly(coroutine) -> None:
    try:
        await coroutine
    except Exception:  # a close on a connection already gone
        log.debug("closing a connection failed", exc_info=True)
