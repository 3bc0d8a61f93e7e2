"""The websocket server: sessions, connections, limits, health, shutdown.

:class:`SessionServer` owns the store and one :class:`~server.hub.Hub` per
session. A connection says ``hello``, is routed to its session's hub by join
code or facilitator token, and from then on each frame is checked (size,
rate, shape: :meth:`server.core.SessionCore.receive`) before it is queued as
a command. Nothing about the method is decided here.
"""

from __future__ import annotations

import asyncio
import ipaddress
import logging
import secrets
import ssl
import time
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any

from websockets.asyncio.server import Server, ServerConnection, broadcast, serve
from websockets.exceptions import ConnectionClosed

from kompsesjon import protocol as proto
from kompsesjon.addresses import listening_addresses
from kompsesjon.method import State, evolve
from kompsesjon.method.budgets import BUDGETS
from kompsesjon.method.commands import FollowSession
from kompsesjon.method.events import SessionCreated
from kompsesjon.method.review import carry_over, with_review
from kompsesjon.method.text import LIMITS, clean
from kompsesjon.templates import Template, load_template

from . import frames, wire
from .core import BUSY, FATAL, GREETED, Peer
from .hub import Hub
from .limits import ConnectionCount, GuessThrottle, JoinBudget, OpenConnections
from .store import StoreError, secret_hash
from .stores import SessionStore
from .tokens import new_token
from .web import CODE_PATH, WebPage

log = logging.getLogger("kompsesjon.server")

# Join codes avoid letters and digits that are easy to confuse on a projector.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 6
HELLO_TIMEOUT = 30.0  # from connect to welcome, whatever the client sends meanwhile
MAX_HELLO_ATTEMPTS = 5
HARD_FRAME_LIMIT = 1 << 20  # above this the websocket layer closes with 1009
# Pending connections the kernel queues before accept(). asyncio's default of
# 100 overflows when a room joins at once (or comes back after a restart): the
# dropped SYNs are retried only after 1 s, then 2 s more. Capped by
# net.core.somaxconn.
BACKLOG = 4096
ELSEWHERE = "elsewhere"  # another node hosts the session (several nodes, one PostgreSQL)


def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def normalise_code(code: str) -> str:
    return "".join(ch for ch in code.upper() if ch.isalnum())


@dataclass
class Limits:
    rate: float = 20.0  # messages per second per connection, on average
    burst: float = 60.0
    per_address: int = 64  # open connections per address (loopback exempt)
    max_connections: int | None = None  # all open connections; None: below the limit on open files
    guesses: int = 10  # wrong codes/tokens per address per minute
    guesses_per_block: int = 60  # … per /24, /64 or loopback
    guesses_overall: int = 120  # … from anywhere
    hello_timeout: float | None = None  # seconds from connect to a welcome; None: HELLO_TIMEOUT
    # Proxies on other machines whose X-Forwarded-For is believed (serve
    # --trusted-proxy CIDR); one on this machine always is.
    trusted_proxies: tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...] = ()
    joins_per_address: int = BUDGETS["joins_per_address"]  # new participants from one address at once …
    join_interval: float = BUDGETS["join_interval"]  # … then one every this many seconds
    # Keepalive: a connection that does not answer a ping within ping_timeout
    # is failed; if its peer has vanished, the socket is closed close_timeout
    # later. A half-open connection is gone after at most the sum of the three.
    ping_interval: float = 20.0
    ping_timeout: float = 20.0
    close_timeout: float = 5.0


class UnknownSession(LookupError):
    """``--follows`` names no session of the database."""


@dataclass(frozen=True)
class CreatedSession:
    session: str
    code: str
    token: str  # shown once; only its hash is stored
    title: str


class SessionServer:
    def __init__(self, store: SessionStore, limits: Limits | None = None) -> None:
        self.store = store
        self.limits = limits or Limits()
        self.hubs: dict[str, Hub] = {}
        self._by_code: dict[str, Hub] = {}
        self._by_token: dict[str, Hub] = {}
        self._guesses = GuessThrottle(
            self.limits.guesses, per_block=self.limits.guesses_per_block, overall=self.limits.guesses_overall
        )
        self._joins = JoinBudget(self.limits.joins_per_address, self.limits.join_interval)
        self._connections = ConnectionCount(self.limits.per_address)
        self._server: Server | None = None
        self._web = WebPage(self._page_lang)
        self.open_connections: OpenConnections | None = None
        self._said_full = 0.0  # when the log last said that connections are refused
        # Several nodes on one PostgreSQL: sessions are hosted on demand, one
        # at a time, and given up when another node takes them over.
        self._hosting = asyncio.Lock()
        self._token_hash: dict[str, str] = {}  # session -> its facilitator token's hash
        self._elsewhere: set[str] = set()  # codes of sessions another node hosts (not wrong guesses)
        self._leaving: dict[str, asyncio.Task[None]] = {}  # session -> the task that stops hosting it
        store.on_moved = self._on_moved
        self.addresses: list[str] = []  # where people reach us (known once listening)

    # ---- sessions -------------------------------------------------------

    async def load_sessions(self) -> list[Hub]:
        """Start a hub for every session in the database (replaying its log).

        Not on a shared store (PostgreSQL): there each session is hosted by
        the node its people are sent to, when the first of them says hello."""
        started: list[Hub] = []
        if self.store.shared:
            return started
        token_hashes = await self.store.token_hashes()
        for row in await self.store.sessions():
            if row.id in self.hubs:
                continue
            hub = self._hub(row.id, row.code)
            await hub.load()
            self._add(hub, token_hashes[row.id])
            started.append(hub)
        return started

    def find(self, ref: str) -> Hub | None:
        """The hub of a session by join code (any case, with or without a dash) or id."""
        return self._by_code.get(normalise_code(ref)) or self.hubs.get(ref.strip())

    async def _earlier(self, ref: str) -> tuple[State, str] | None:
        """The state and code of an earlier session (``follows``) by its join code."""
        hub = self.find(ref)
        if hub is not None:
            return hub.state, hub.code
        return await self._from_log(await self.store.find(code=normalise_code(ref)) if self.store.shared else None)

    async def _from_log(self, found: tuple[str, str, str] | None) -> tuple[State, str] | None:
        """A session another node may host, read from its log (shared store):
        its committed events are the same for every reader."""
        if found is None:
            return None
        state: State | None = None
        for _, event in await self.store.events(found[0]):
            state = evolve(state, event)
        return (state, found[1]) if state is not None else None

    async def _with_series(self, peer: Peer, hub: Hub, command: FollowSession) -> FollowSession:
        """``follow_session`` with the record of the session its token names
        (never what the client sent); none for a wrong token or for this one."""
        earlier: tuple[State, str] | None = None
        if peer.role == "facilitator":
            token_hash = secret_hash(command.token)
            other = self._by_token.get(token_hash)
            if other is not None:
                earlier = (other.state, other.code) if other is not hub else None
            elif self.store.shared:  # hosted by another node, or by none
                try:
                    found = await self.store.find(token_hash=token_hash)
                    earlier = await self._from_log(found if found is not None and found[0] != hub.session else None)
                except StoreError as exc:  # refused as a wrong token; the facilitator may try again
                    log.error("could not read the earlier session for a series: %s", exc.detail or exc)
        return command.model_copy(update={"series": carry_over(*earlier) if earlier is not None else None})

    def _hub(self, session: str, code: str) -> Hub:
        return Hub(session, code, self.store, rate=self.limits.rate, burst=self.limits.burst)

    def _add(self, hub: Hub, token_hash: str) -> None:
        if hub.core is not None:
            hub.core.addresses = self.addresses
        self.hubs[hub.session] = hub
        self._by_code[hub.code] = hub
        self._by_token[token_hash] = hub
        self._token_hash[hub.session] = token_hash
        self._elsewhere.discard(hub.code)
        hub.on_moved = lambda hub: self._on_moved(hub.session, "lost")
        hub.start()

    async def _host(self, hello: proto.Hello) -> Hub | str | None:
        """The hub of the session a hello names, hosting it here if no live
        node does (shared store); ELSEWHERE if one does, None if none has it."""
        hub = self._route(hello)
        if hub is not None or not self.store.shared:
            return hub
        async with self._hosting:
            hub = self._route(hello)  # another hello may have hosted it meanwhile
            if hub is not None:
                return hub
            if hello.role == "facilitator":
                if not hello.token:
                    return None
                found = await self.store.find(token_hash=secret_hash(hello.token))
            else:
                found = await self.store.find(code=normalise_code(hello.code or ""))
            return await self._host_found(found)

    async def _host_found(self, found: tuple[str, str, str] | None) -> Hub | str | None:
        """Claim and host a session looked up in the shared store (the caller holds ``_hosting``)."""
        if found is None:
            return None
        session, code, token_hash = found
        if session in self._leaving:  # still giving it up: its lease is not free yet
            return ELSEWHERE
        if not await self.store.claim(session):
            self._elsewhere.add(code)
            await self.store.want(session)
            return ELSEWHERE
        hub = self._hub(session, code)
        try:
            await hub.load()
        except BaseException:
            await self.store.release(session)
            raise
        self._add(hub, token_hash)
        log.info("hosting session %s (%s) from event %d", code, session, hub.seq)
        return hub

    def _on_moved(self, session: str, why: str) -> None:
        """Another node has the session (``lost``) or asks for it (``wanted``)."""
        hub = self.hubs.get(session)
        if hub is None or session in self._leaving:
            return
        task = asyncio.create_task(self._unhost(hub, why), name=f"leave-{hub.code}")
        self._leaving[session] = task
        task.add_done_callback(lambda _: self._leaving.pop(session, None))

    async def _unhost(self, hub: Hub, why: str) -> None:
        """Stop hosting a session: finish its batch, give up its lease, close
        its connections (1012: they reconnect and find the new owner)."""
        if self.hubs.get(hub.session) is not hub:
            return
        del self.hubs[hub.session]
        self._by_code.pop(hub.code, None)
        self._by_token.pop(self._token_hash.pop(hub.session, ""), None)
        peers = hub.peers()
        await hub.stop()
        if why == "lost":
            self.store.forget(hub.session)
        else:
            try:
                await self.store.release(hub.session)
            except Exception as exc:  # its lease runs out instead
                log.warning("could not give up session %s: %s", hub.code, exc)
        log.warning("session %s moved to another node (%s); closing %d connections", hub.code, why, len(peers))
        await asyncio.gather(*(peer.conn.close(1012, "session moved") for peer in peers), return_exceptions=True)

    async def create_session(
        self,
        template: Template | str = "framtidsverksted",
        *,
        title: str | None = None,
        question: str | None = None,
        lang: str = "nb",
        anonymous: bool | None = None,
        purpose: str | None = None,
        background: str | None = None,
        follows: str | None = None,
    ) -> CreatedSession:
        """A new session; ``follows``: the join code (or id) of an earlier
        session in this database, whose record it carries over."""
        if isinstance(template, str):
            template = load_template(template, lang=lang)
        series = None
        agenda = template.phases
        if follows is not None:
            earlier = await self._earlier(follows)
            if earlier is None:
                raise UnknownSession(f"no session with the join code {follows!r} is stored here")
            series = carry_over(*earlier)
            agenda = with_review(agenda)
        session = secrets.token_hex(6)
        code = new_code()
        while code in self._by_code:  # pragma: no cover - 887 million codes
            code = new_code()
        token = new_token()
        created = SessionCreated(
            session=session,
            title=(title or template.title).strip()[: LIMITS["title"]],
            question=(question if question is not None else template.question).strip()[: LIMITS["question"]],
            lang=lang,
            anonymous=template.anonymous if anonymous is None else anonymous,
            template=template.name,
            created_at=time.time(),
            rules=template.rules,
            boards=template.boards,
            agenda=agenda,
            group_sets=template.group_sets,
            purpose=clean("report", template.purpose if purpose is None else purpose, required=False),
            background=clean("report", template.background if background is None else background, required=False),
            regions=template.regions,
            series=series,
        )
        await self.store.create_session(session, code, token, created.title, created)
        hub = self._hub(session, code)
        await hub.load()
        self._add(hub, secret_hash(token))
        return CreatedSession(session, code, token, created.title)

    # ---- serving --------------------------------------------------------

    async def start(
        self, host: str = "127.0.0.1", port: int = 8765, *, ssl_context: ssl.SSLContext | None = None
    ) -> Server:
        cap = self.limits.max_connections
        self.open_connections = OpenConnections(cap) if cap else OpenConnections.for_this_process()
        self._server = await serve(
            self._handle,
            host,
            port,
            create_connection=_counted(self.open_connections),
            process_request=self._process_request,
            max_size=HARD_FRAME_LIMIT,
            compression=None,  # small messages: saves ~50 KiB per connection
            write_limit=wire.WRITE_LIMIT,
            ping_interval=self.limits.ping_interval,
            ping_timeout=self.limits.ping_timeout,
            close_timeout=self.limits.close_timeout,
            ssl=ssl_context,
            backlog=BACKLOG,
        )
        self.listening_on([sock.getsockname()[:2] for sock in self._server.sockets], tls=ssl_context is not None)
        return self._server

    def listening_on(self, bound: list[tuple[str, int]], *, tls: bool = False) -> None:
        """Where people reach us, from the (host, port) pairs we listen on:
        every session tells its facilitators and screens (their join line)."""
        self.addresses = listening_addresses(bound, tls=tls)
        for hub in self.hubs.values():
            if hub.core is not None:
                hub.core.addresses = self.addresses

    @property
    def port(self) -> int:
        assert self._server is not None
        return self._server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        """Finish in-flight commits, close every connection with 1001, close the store."""
        if self._server is not None:
            self._server.server.close()  # no new connections; open ones stay for now
        await asyncio.gather(*self._leaving.values(), return_exceptions=True)
        for hub in self.hubs.values():
            await hub.stop()
        if self._server is not None:
            self._server.close(close_connections=True)  # 1001 going away
            await self._server.wait_closed()
        await self.store.close()

    # ---- plain HTTP: health and the web page ----------------------------

    def _process_request(self, connection: ServerConnection, request: Any) -> Any:
        if getattr(connection, "admission", "serve") != "serve":
            return self._full(connection)
        if request.path == "/healthz":
            return connection.respond(HTTPStatus.OK, "OK\n")
        address = client_address(connection, request, self.limits.trusted_proxies)
        page = CODE_PATH.match(request.path.split("?", 1)[0])
        if self.store.shared and page and normalise_code(page[1]) not in self._by_code:
            return self._page_of_unhosted(normalise_code(page[1]), request, address)
        return self._web.respond(request, address)

    async def _page_of_unhosted(self, code: str, request: Any, address: str) -> Any:
        """The page of a session no one here hosts yet (shared store): host it
        first (its people come here next: the proxy hashes /CODE and /s/CODE
        alike), so the page is in the session's language."""
        if self._guesses.wait(address) <= 0:
            try:
                async with self._hosting:
                    if code not in self._by_code:
                        await self._host_found(await self.store.find(code=code))
            except StoreError as exc:
                log.error("could not host session %s for its page: %s", code, exc.detail or exc)
        return self._web.respond(request, address)

    def _full(self, connection: ServerConnection) -> Any:
        """No room for another connection: say so, once every 10 s in the log."""
        gate = self.open_connections
        assert gate is not None
        now = time.monotonic()
        if now - self._said_full > 10:
            log.warning(
                "refusing connections: %d open, the cap is %d (below the limit on open files); %d refused",
                gate.open,
                gate.cap,
                gate.refused,
            )
            gate.refused = 0
            self._said_full = now
        response = connection.respond(HTTPStatus.SERVICE_UNAVAILABLE, "The server is full right now; try again soon.\n")
        response.headers["Retry-After"] = "30"
        return response

    def _page_lang(self, code: str, address: str) -> str | None:
        """The language of the session a page address names; a wrong code counts as a guess."""
        if self._guesses.wait(address) > 0:
            return None
        hub = self._by_code.get(normalise_code(code))
        if hub is None and normalise_code(code) in self._elsewhere:
            return None  # hosted by another node: a right code, in the default language here
        if hub is None or hub.state is None:
            self._guesses.failed(address)
            return None
        return hub.state.lang

    # ---- one connection -------------------------------------------------

    async def _handle(self, ws: ServerConnection) -> None:
        address = client_address(ws, ws.request, self.limits.trusted_proxies)
        if not self._connections.admit(address):
            await ws.close(1013, "too many connections from your address")
            return
        peer: Peer | None = None
        hub: Hub | None = None
        try:
            greeted = await self._greet(ws, address)
            if greeted is None:
                return
            peer, hub = greeted
            await self._serve(peer, hub)
        except ConnectionClosed:
            pass
        finally:
            self._connections.release(address)
            if peer is not None and hub is not None:
                hub.disconnect(peer)

    async def _greet(self, ws: ServerConnection, address: str) -> tuple[Peer, Hub] | None:
        # One deadline from connect, however many hellos (or other frames)
        # the client sends before it: not one per attempt.
        timeout = self.limits.hello_timeout if self.limits.hello_timeout is not None else HELLO_TIMEOUT
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        for _ in range(MAX_HELLO_ATTEMPTS):
            try:
                raw = await asyncio.wait_for(ws.recv(), max(0.0, deadline - loop.time()))
            except TimeoutError:
                await _fatal(ws, "hello_timeout", f"Say hello first (within {timeout:g} seconds).")
                return None
            message, refusal = frames.parse(raw)
            if refusal is not None:
                _send(ws, refusal)
                continue
            if not isinstance(message, proto.Hello):
                _error(ws, "hello_first", "The first message must be a hello.")
                continue
            if message.protocol != proto.PROTOCOL_VERSION:
                await _fatal(
                    ws,
                    "protocol_version",
                    f"This server speaks protocol {proto.PROTOCOL_VERSION}, "
                    f"the client {message.protocol}; update kompsesjon.",
                )
                return None
            # A hello that proves itself with a secret nobody can guess is
            # never throttled (the facilitator, a participant coming back):
            # letting it through tells a guesser nothing.
            wait = 0.0 if self._known(self._route(message), message) else self._guesses.wait(address)
            if wait > 0:
                await _fatal(ws, "too_many_attempts", f"Too many wrong codes; try again in {wait:.0f} s.")
                return None
            if message.role == "facilitator" and message.token:
                # The database's token now: `kompsesjon token` may have replaced it.
                await self._facilitators_hub(message.token)
            try:
                hosted = await self._host(message)
            except StoreError as exc:  # the shared database cannot be reached just now
                log.error("could not host a session: %s", exc.detail or exc)
                await ws.close(1013, "database unavailable; try again")
                return None
            if hosted == ELSEWHERE:
                # Another node hosts it (this one just came back, or a client used
                # an address without the code): it hands it over soon; come back then.
                await ws.close(1013, "session moving; try again")
                return None
            if not isinstance(hosted, Hub):
                self._guesses.failed(address)
                if message.role == "facilitator":
                    await _fatal(ws, "bad_token", "That facilitator token is not valid here.")
                else:
                    await _fatal(ws, "bad_code", "No session has that code; check the code on the screen.")
                return None
            hub = hosted
            if message.role == "participant" and not message.resume:
                _error(ws, "resume_required", "A participant hello needs a resume secret (22+ characters).")
                continue
            if message.role == "participant" and not self._known(hub, message):
                wait = self._joins.take(address)
                if wait > 0:
                    _error(
                        ws, "too_many_joins", f"Too many people joined from your address; try again in {wait:.0f} s."
                    )
                    await ws.close(1013, "try again later")  # the client comes back by itself
                    return None
            peer = Peer(message.role, ws)
            outcome = await hub.hello(peer, message)
            if outcome == GREETED:
                return peer, hub
            if outcome == FATAL:
                await ws.close(1008, "refused")
                return None
            if outcome == BUSY:
                await ws.close(1013, "try again later")  # the client comes back by itself
                return None
            if hub.moved:  # another node has the session now: reconnect to find it
                await ws.close(1012, "session moved")
                return None
        await _fatal(ws, "hello_failed", "Too many failed hellos.")
        return None

    @staticmethod
    def _known(hub: Hub | None, hello: proto.Hello) -> bool:
        """Does the hello carry a secret of this session: the facilitator's
        token (it routed the hello) or a known participant's resume secret?"""
        if hub is None or hub.core is None:
            return False
        if hello.role == "facilitator":
            return True
        return hello.role == "participant" and secret_hash(hello.resume or "") in hub.core.resume

    def _route(self, hello: proto.Hello) -> Hub | None:
        if hello.role == "facilitator":
            return self._by_token.get(secret_hash(hello.token or "")) if hello.token else None
        return self._by_code.get(normalise_code(hello.code or ""))

    async def _facilitators_hub(self, token: str) -> Hub | None:
        """The session a facilitator token opens, as the database says now:
        ``kompsesjon token`` may have replaced it while we run (then the old
        one opens nothing). Facilitators say hello rarely; one small query."""
        try:
            hashes = await self.store.token_hashes()
        except StoreError:
            return self._by_token.get(secret_hash(token))  # what we knew
        self._by_token = {token_hash: self.hubs[s] for s, token_hash in hashes.items() if s in self.hubs}
        return self._by_token.get(secret_hash(token))

    async def _serve(self, peer: Peer, hub: Hub) -> None:
        async for raw in peer.conn:
            command = hub.receive(peer, raw)  # size, rate and shape: a refused frame is answered
            if isinstance(command, FollowSession):
                command = await self._with_series(peer, hub, command)
            if command is not None:
                await hub.submit(peer, command)


def client_address(
    connection: ServerConnection,
    request: Any,
    trusted: tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...] = (),
) -> str:
    """The client's address. A proxy may name it in ``X-Forwarded-For``
    (HAProxy in front of several nodes: docs/scaling.md) — believed from a
    proxy on this machine or in ``trusted`` (``--trusted-proxy``), else every
    participant behind the proxy would share its address, and the limits per
    address (connections, wrong codes) with it. Each proxy appends the address
    it got the connection from, so the list is read from its end, past the
    trusted proxies: the first address no trusted proxy has is the client's
    (what a client wrote in the header itself comes before it and is never used)."""
    address = connection.remote_address[0] if connection.remote_address else "?"
    forwarded = request.headers.get("X-Forwarded-For") if request is not None else None
    if not forwarded or not _is_proxy(address, trusted):
        return address
    for hop in reversed([hop.strip() for hop in forwarded.split(",")]):
        if not hop:
            break
        address = hop
        if not _is_proxy(hop, trusted):
            break
    return address


def _is_proxy(address: str, trusted: tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]) -> bool:
    if ConnectionCount.is_loopback(address):
        return True
    if not trusted:
        return False
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return any(ip in network for network in trusted)


def _send(ws: ServerConnection, message: str) -> None:
    """Write to a connection not yet handed to a hub, without waiting."""
    broadcast([ws], message)


def _counted(gate: OpenConnections) -> type[ServerConnection]:
    """Connections that count themselves in ``gate``; one beyond what can be
    answered is closed before it costs anything more than its socket."""

    class Counted(ServerConnection):
        admission = "serve"

        def connection_made(self, transport: asyncio.BaseTransport) -> None:
            super().connection_made(transport)
            self.admission = gate.opened()
            if self.admission == "drop" and isinstance(transport, asyncio.Transport):
                transport.abort()

        def connection_lost(self, exc: Exception | None) -> None:
            gate.closed()
            super().connection_lost(exc)

    return Counted


def _error(ws: ServerConnection, code: str, message: str, *, fatal: bool = False) -> None:
    _send(ws, frames.error(code, message, fatal=fatal))


async def _fatal(ws: ServerConnection, code: str, message: str) -> None:
    _error(ws, code, message, fatal=True)
    await ws.close(1008, code)
