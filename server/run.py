"""Run the server from the command line until SIGINT/SIGTERM."""

from __future__ import annotations

import asyncio
import signal
import ssl
import sys
from collections.abc import Callable
from pathlib import Path

from kompsesjon.addresses import room_addresses
from kompsesjon.method import Rejection
from kompsesjon.method.text import clean
from kompsesjon.templates import TemplateError, load_template

from .app import CreatedSession, Limits, SessionServer
from .store import Store, StoreError


def web_address(url: str) -> str:
    """The web page's address on the same port as a websocket address."""
    return "https" + url[3:] if url.startswith("wss:") else "http" + url[2:]


def describe(created: CreatedSession, url: str) -> str:
    return (
        f"\nSession «{created.title}»\n"
        f"  join code:          {created.code}\n"
        f"  facilitator token:  {created.token}\n"
        f"    (shown once and stored only as a hash: keep it)\n"
        f"  participants:  {web_address(url)}/{created.code}  (a browser, or a phone: the QR code on the host view)\n"
        f"             or  kompsesjon join {url} --code {created.code}\n"
        f"  facilitator:   kompsesjon host {url} --token {created.token}\n"
        f"  projector:     kompsesjon screen {url} --code {created.code}\n"
    )


async def serve_forever(
    *,
    db: Path,
    host: str,
    port: int,
    template: str,
    title: str | None,
    question: str | None,
    lang: str,
    anonymous: bool,
    new: bool,
    ssl_context: ssl.SSLContext | None,
    durability: str,
    limits: Limits,
    params: dict[str, str] | None = None,
    out: Callable[[str], None] = print,
    ready: asyncio.Event | None = None,
    purpose: str | None = None,
    background: str | None = None,
) -> int:
    try:
        store = await Store.open(db, durability=durability)
    except StoreError as exc:
        out(f"error: {exc}")
        return 1
    server = SessionServer(store, limits)
    resumed = await server.load_sessions()
    created = None
    if new or not resumed:
        created = await server.create_session(
            load_template(template, lang=lang, params=params),
            title=title,
            question=question,
            lang=lang,
            anonymous=anonymous or None,
            purpose=purpose,
            background=background,
        )
    try:
        await server.start(host, port, ssl_context=ssl_context)
    except OSError as exc:
        out(f"error: cannot listen on {host}:{port}: {exc.strerror or exc}")
        await server.stop()
        return 1
    scheme = "wss" if ssl_context else "ws"
    shown = host if host not in ("0.0.0.0", "::", "") else "127.0.0.1"
    url = f"{scheme}://{shown}:{server.port}"
    out(f"kompsesjon is serving on {url}  (database: {db})")
    if host in ("0.0.0.0", "::", ""):
        for address in room_addresses():
            room = f"{scheme}://{address}:{server.port}"
            out(f"  on the room network: {room}  (web page {web_address(room)}/)")
    for hub in resumed:
        assert hub.state is not None
        out(f"Resumed «{hub.state.title}»  join code {hub.code}  ({hub.seq} events)")
    if created:
        out(describe(created, url))
    out("Stop with Ctrl+C; everything is stored.")
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    if ready is not None:
        ready.set()
    await stop.wait()
    out("Stopping: finishing what is in flight …")
    await server.stop()
    out("Stopped.")
    return 0


def run(args) -> int:
    from kompsesjon.paths import default_db

    if bool(args.certfile) != bool(args.keyfile):
        print("error: --certfile and --keyfile go together", file=sys.stderr)
        return 2
    ssl_context = None
    if args.certfile:
        ssl_context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        try:
            ssl_context.load_cert_chain(args.certfile, args.keyfile)
        except (OSError, ssl.SSLError) as exc:
            print(f"error: cannot load the certificate: {exc}", file=sys.stderr)
            return 2
    params: dict[str, str] = {}
    for given in args.param or []:
        name, sep, value = given.partition("=")
        if not sep or not name.strip():
            print(f"error: --param wants NAME=VALUE, not {given!r}", file=sys.stderr)
            return 2
        params[name.strip()] = value
    try:
        load_template(args.template, lang=args.lang, params=params)
    except TemplateError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    for name in ("purpose", "background"):
        try:
            clean("report", getattr(args, name) or "", required=False)
        except Rejection as exc:
            print(f"error: --{name}: {exc.message}", file=sys.stderr)
            return 2
    limits = Limits(rate=args.rate, burst=max(args.rate * 3, 10), per_address=args.max_per_address)
    return asyncio.run(
        serve_forever(
            db=Path(args.db) if args.db else default_db(),
            host=args.host,
            port=args.port,
            template=args.template,
            title=args.title,
            question=args.question,
            lang=args.lang,
            anonymous=args.anonymous,
            new=args.new,
            ssl_context=ssl_context,
            durability=args.durability,
            limits=limits,
            params=params,
            out=lambda line: print(line, flush=True),
            purpose=args.purpose,
            background=args.background,
        )
    )
