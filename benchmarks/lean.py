"""A lean websocket client for load generation: asyncio.Protocol + a tiny
RFC 6455 framer, no websockets library on the receiving path.

Why not :class:`kompsesjon.client.SessionClient` for the load? A thousand full
clients each fold every event into a mirror (pydantic parse + ``evolve``); on
a 2-core machine the load generator would then be the slowest part and the
benchmark would measure itself. Why not the ``websockets`` client either? Its
receive path (sans-I/O parser generator → asyncio queue → ``recv()`` task)
costs several times more per frame than this one, and fan-out latency is the
time until the *last* of N clients has read its frame: client overhead is
paid N times in a row on the load generator's single core.

So this client does only what the protocol needs:

* the opening handshake; text frames in and out; answers pings (the server
  pings every 20 s); answers a close;
* frames to the server are masked with the all-zero key (RFC 6455 requires a
  mask; the server cannot and does not check that the key is random), so
  sending costs no XOR;
* it notes the arrival time of each frame (``time.perf_counter`` in
  ``data_received``, before any parsing) and reads an event's ``seq`` from the
  fixed prefix ``{"type":"event","seq":N,`` without parsing the JSON.

With ``browser=True`` it is the web page at the protocol level instead: the
opening handshake Chromium sends (``Origin``, ``User-Agent``, an offer of
``permessage-deflate`` …), a random mask on every frame, and the hello and
commands exactly as kompsesjon/web/js/client.js writes them (``JSON.stringify``
of the page's objects: its key order, raw UTF-8, a 32-hex-digit command id).
tests/web/test_workshop.py checks :func:`page_hello` and :func:`page_command`
against the frames the real page sent in Chromium.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import os
import random
import time
from collections.abc import Callable
from typing import Any

from websockets.frames import apply_mask  # websockets' C speedup where it is built

now = time.perf_counter  # CLOCK_MONOTONIC on Linux: comparable across processes

EVENT_PREFIX = b'{"type":"event","seq":'
# A batch of events in one frame; its ``seq`` is that of the last one.
EVENTS_PREFIX = b'{"type":"events","seq":'
SNAPSHOT_PREFIX = b'{"type":"snapshot","seq":'


def frame(payload: bytes, opcode: int = 0x1, *, random_mask: bool = False) -> bytes:
    """A client frame (FIN set), masked with the zero key, or a random one as a browser does."""
    n = len(payload)
    if n < 126:
        head = bytes((0x80 | opcode, 0x80 | n))
    elif n < 65536:
        head = bytes((0x80 | opcode, 0x80 | 126)) + n.to_bytes(2, "big")
    else:
        head = bytes((0x80 | opcode, 0x80 | 127)) + n.to_bytes(8, "big")
    if random_mask:
        key = os.urandom(4)
        return head + key + apply_mask(payload, key)
    return head + b"\0\0\0\0" + payload


def browser_handshake(host: str, port: int, key: str, path: str = "/") -> bytes:
    """The opening handshake as Chromium sends it from the page at http://HOST:PORT/."""
    return (
        f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\nConnection: Upgrade\r\nPragma: no-cache\r\n"
        "Cache-Control: no-cache\r\nUser-Agent: Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 "
        "(KHTML, like Gecko) Chrome/156.0.0.0 Safari/537.36\r\nUpgrade: websocket\r\n"
        f"Origin: http://{host}:{port}\r\nSec-WebSocket-Version: 13\r\n"
        "Accept-Encoding: gzip, deflate, br, zstd\r\nAccept-Language: nb-NO,nb;q=0.9\r\n"
        f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n\r\n"
    ).encode()


def _js(value: Any) -> str:
    """``JSON.stringify``: compact, non-ASCII as it is."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def page_hello(code: str, resume: str, last_seq: int, name: str = "", org: str = "") -> str:
    """The hello the web page sends (client.js ``_hello``)."""
    hello: dict[str, Any] = {
        "type": "hello",
        "protocol": 1,
        "role": "participant",
        "code": code,
        "resume": resume,
        "last_seq": last_seq,
    }
    if name:
        hello["name"] = name
    if org:
        hello["org"] = org
    return _js(hello)


def page_command(kind: str, fields: dict[str, Any], command_id: str) -> str:
    """A command as the web page sends it: ``{type, …fields, id}`` (main.js ``send``)."""
    return _js({"type": kind, **fields, "id": command_id})


def seq_of(payload: bytes, prefix_len: int) -> int:
    end = payload.index(b",", prefix_len)
    return int(payload[prefix_len:end])


class LeanSocket(asyncio.Protocol):
    """One websocket connection. ``on_frame(payload, t)`` gets each text frame."""

    def __init__(
        self, on_frame: Callable[[bytes, float], None], on_close: Callable[[], None], browser: bool = False
    ) -> None:
        self.browser = browser
        self.on_frame = on_frame
        self.on_close = on_close
        self.transport: asyncio.Transport | None = None
        self.opened: asyncio.Future = asyncio.get_running_loop().create_future()
        self._buf = bytearray()
        self._handshaking = True
        self._fragments: list[bytes] = []
        self.closed = False

    @classmethod
    async def connect(
        cls,
        host: str,
        port: int,
        on_frame: Callable[[bytes, float], None],
        on_close: Callable[[], None],
        timeout: float = 30.0,
        browser: bool = False,
        path: str = "/",
    ) -> LeanSocket:
        loop = asyncio.get_running_loop()
        sock = cls(on_frame, on_close, browser)
        await loop.create_connection(lambda: sock, host, port)
        key = base64.b64encode(os.urandom(16)).decode()
        assert sock.transport is not None
        if browser:
            sock.transport.write(browser_handshake(host, port, key, path))
        else:
            sock.transport.write(
                (
                    f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                    f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n"
                ).encode()
            )
        try:
            await asyncio.wait_for(asyncio.shield(sock.opened), timeout)
        except BaseException:
            sock.abort()
            raise
        return sock

    # ---- asyncio.Protocol ----------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def connection_lost(self, exc: Exception | None) -> None:
        first = not self.closed
        self.closed = True
        if not self.opened.done():
            self.opened.set_exception(ConnectionError("connection lost during the handshake"))
        if first:
            self.on_close()

    def data_received(self, data: bytes) -> None:
        t = now()
        buf = self._buf
        buf += data
        if self._handshaking:
            end = buf.find(b"\r\n\r\n")
            if end < 0:
                return
            status = bytes(buf[: buf.find(b"\r\n")])
            del buf[: end + 4]
            self._handshaking = False
            if b" 101 " not in status:
                self.opened.set_exception(ConnectionError(status.decode(errors="replace")))
                self.abort()
                return
            self.opened.set_result(None)
        while True:
            size = len(buf)
            if size < 2:
                return
            b0, b1 = buf[0], buf[1]
            n = b1 & 0x7F
            pos = 2
            if n == 126:
                if size < 4:
                    return
                n = int.from_bytes(buf[2:4], "big")
                pos = 4
            elif n == 127:
                if size < 10:
                    return
                n = int.from_bytes(buf[2:10], "big")
                pos = 10
            if size < pos + n:
                return
            payload = bytes(buf[pos : pos + n])
            del buf[: pos + n]
            opcode = b0 & 0x0F
            if opcode == 0x1 or opcode == 0x2 or opcode == 0x0:
                if not b0 & 0x80:  # fragmented (the server never does this, but be correct)
                    self._fragments.append(payload)
                    continue
                if opcode == 0x0 and self._fragments:
                    payload = b"".join(self._fragments) + payload
                    self._fragments.clear()
                self.on_frame(payload, t)
            elif opcode == 0x9:  # ping
                self.write_frame(payload, 0xA)
            elif opcode == 0x8:  # close: answer and hang up
                self.write_frame(payload[:2], 0x8)
                if self.transport is not None:
                    self.transport.close()
                return

    # ---- sending -------------------------------------------------------------

    def write_frame(self, payload: bytes, opcode: int = 0x1) -> None:
        if self.transport is not None and not self.transport.is_closing():
            self.transport.write(frame(payload, opcode, random_mask=self.browser))

    def send(self, text: str | bytes) -> None:
        self.write_frame(text.encode() if isinstance(text, str) else text)

    def close(self) -> None:
        if self.transport is not None and not self.transport.is_closing():
            self.write_frame((1000).to_bytes(2, "big"), 0x8)
            self.transport.close()

    def abort(self) -> None:
        if self.transport is not None:
            self.transport.abort()


class Probe:
    """Counts, for one broadcast, how many of the watched clients have it."""

    def __init__(self) -> None:
        self.id = 0
        self.base = 1 << 62  # events with seq above this count
        self.need = 0
        self.count = 0
        self.first = 0.0
        self.last = 0.0
        self.size = 0
        self.done: asyncio.Future | None = None

    def arm(self, base: int, need: int) -> asyncio.Future:
        self.id += 1
        self.base, self.need, self.count, self.first, self.last = base, need, 0, 0.0, 0.0
        self.done = asyncio.get_running_loop().create_future()
        return self.done

    def disarm(self) -> None:
        self.base = 1 << 62

    def hit(self, t: float, size: int) -> None:
        self.count += 1
        if self.count == 1:
            self.first = t
            self.size = size
        self.last = t
        if self.count >= self.need and self.done is not None and not self.done.done():
            self.done.set_result(None)


class Participant:
    """A participant at the protocol level: hello, seq, commands and their answers.

    It keeps no mirror: only the last ``seq`` it has seen. ``track`` turns on
    full JSON parsing of events (used briefly to learn its own card ids).
    """

    def __init__(
        self,
        host: str,
        port: int,
        code: str,
        index: int,
        *,
        probe: Probe | None = None,
        org: str = "",
        max_delay: float = 0.5,
        browser: bool = False,
    ) -> None:
        self.host, self.port, self.code, self.index = host, port, code, index
        self.browser = browser  # the web page's handshake, masks and messages
        self.name = f"Deltaker {index}"
        self.org = org
        self.resume = base64.urlsafe_b64encode(os.urandom(18)).decode()  # 24 chars
        self.probe = probe
        self.max_delay = max_delay
        self.sock: LeanSocket | None = None
        self.pid: str | None = None
        self.seq = 0
        self.seq_at = 0.0  # when the frame that last raised ``seq`` arrived
        self.frames = 0  # event frames received (one per event, or one per batch of events)
        self.welcome_seq = 0
        self.welcomed: asyncio.Event = asyncio.Event()
        self.welcomed_at = 0.0
        self.created_at = now()
        self.connects = 0
        self.errors: list[dict] = []
        self.pending: dict[str, asyncio.Future] = {}
        self.track = False
        self.my_items: list[str] = []
        self._n = 0
        self._probe_id = -1
        self._stopping = False
        self._task: asyncio.Task | None = None
        self._lost: asyncio.Event = asyncio.Event()

    # ---- life cycle ------------------------------------------------------------

    def start(self) -> None:
        self.created_at = now()
        self._task = asyncio.get_running_loop().create_task(self._run())

    async def _run(self) -> None:
        """Keep a connection open; back off like SessionClient (jittered, doubling)."""
        delay = 0.25
        while not self._stopping:
            self._lost.clear()
            try:
                # The code in the path, as the clients send it (a proxy routes by it).
                self.sock = await LeanSocket.connect(
                    self.host, self.port, self._on_frame, self._lost.set, browser=self.browser, path=f"/s/{self.code}"
                )
            except (TimeoutError, OSError, ConnectionError):
                self.sock = None
            else:
                self.connects += 1
                self.sock.send(self._hello())
                await self._lost.wait()
                self.sock = None
                self.welcomed.clear()
                delay = 0.25
            if self._stopping:
                return
            await asyncio.sleep(delay * (0.5 + random.random()))
            delay = min(delay * 2, self.max_delay)

    def _hello(self) -> str:
        if self.browser:
            return page_hello(self.code, self.resume, self.seq, self.name, self.org)
        hello: dict[str, Any] = {
            "type": "hello",
            "role": "participant",
            "code": self.code,
            "resume": self.resume,
            "name": self.name,
            "org": self.org,
        }
        if self.seq > 0:
            hello["last_seq"] = self.seq
        return json.dumps(hello)

    async def stop(self) -> None:
        self._stopping = True
        if self.sock is not None:
            self.sock.close()
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task

    # ---- receiving -------------------------------------------------------------

    def _on_frame(self, payload: bytes, t: float) -> None:
        batch = payload.startswith(EVENTS_PREFIX)
        if batch or payload.startswith(EVENT_PREFIX):
            self.frames += 1
            seq = seq_of(payload, 23 if batch else 22)
            if seq > self.seq:
                self.seq, self.seq_at = seq, t
            probe = self.probe
            if probe is not None and seq > probe.base and self._probe_id != probe.id:
                self._probe_id = probe.id
                probe.hit(t, len(payload))
            if self.track:
                message = json.loads(payload)
                for one in message["events"] if batch else [message]:
                    self._tracked(one["event"])
            return
        if payload.startswith(SNAPSHOT_PREFIX):
            self.seq = seq_of(payload, 25)
            return
        message = json.loads(payload)
        kind = message["type"]
        if kind == "ack" or kind == "rejected":
            future = self.pending.pop(message["id"], None)
            if future is not None and not future.done():
                future.set_result(message)
        elif kind == "welcome":
            self.pid = message["participant"]
            self.welcome_seq = message["seq"]
            self.seq = max(self.seq, message["seq"])
            if not self.welcomed.is_set():
                self.welcomed_at = t
            self.welcomed.set()
        elif kind == "error":
            self.errors.append(message)

    def _tracked(self, event: dict) -> None:
        if event["type"] == "item_added" and event["item"].get("author") == self.pid:
            self.my_items.append(event["item"]["id"])

    # ---- sending ---------------------------------------------------------------

    def command(self, kind: str, **fields: Any) -> asyncio.Future:
        """Send a command; the future gets the ack or rejected message (a dict)."""
        self._n += 1
        command_id = os.urandom(16).hex() if self.browser else f"c{self._n}"
        future = asyncio.get_running_loop().create_future()
        self.pending[command_id] = future
        fields["type"] = kind
        fields["id"] = command_id
        if self.sock is None:
            future.set_exception(ConnectionError("offline"))
            self.pending.pop(command_id, None)
        elif self.browser:
            del fields["type"], fields["id"]
            self.sock.send(page_command(kind, fields, command_id))
        else:
            self.sock.send(json.dumps(fields, separators=(",", ":")))
        return future
