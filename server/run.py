"""Run the server from the command line until a stop signal.

Every way it ends is one line and an exit status, within a few seconds: a
database it cannot serve, a port it cannot listen on, SIGINT (Ctrl+C),
SIGTERM or SIGHUP (its terminal closed) — also while it is still replaying a
long log, also when its output went to a pipe that is gone (``serve | tee``).
A second signal ends it at once; stopping that takes longer than
``STOP_GRACE`` ends it without waiting (everything acknowledged is committed
already). A worker thread left behind (aiosqlite's are not daemons) never
keeps the process alive.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime
import ipaddress
import logging
import os
import signal
import ssl
import sys
import threading
from collections.abc import Callable
from pathlib import Path

from kompsesjon import i18n
from kompsesjon.addresses import room_addresses
from kompsesjon.i18n import t, tn
from kompsesjon.method import Rejection
from kompsesjon.method.text import clean
from kompsesjon.templates import TemplateError, load_template

from .app import CreatedSession, Limits, SessionServer, UnknownSession, normalise_code
from .limits import quiet_when_out_of_files, raise_open_files_limit
from .store import SessionRow, StoreError
from .stores import SessionStore, is_postgres, open_store, without_password

log = logging.getLogger("kompsesjon.server")

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
STOP_GRACE = 4.0  # seconds to finish stopping before it exits without waiting


def web_address(url: str) -> str:
    """The web page's address on the same port as a websocket address."""
    return "https" + url[3:] if url.startswith("wss:") else "http" + url[2:]


def describe(created: CreatedSession, url: str, room: str | None = None, *, shared: bool = False) -> str:
    """A new session: its code and token, and the commands for each role
    (``room``: the address the room reaches, for participants and projector)."""
    room = room or url
    page = f"{web_address(room)}/{created.code}"
    # Behind a proxy (several nodes) the facilitator's address carries the
    # code, so the proxy sends it to the node that hosts the session.
    host = f"{url}/s/{created.code}" if shared else url
    return t(
        "cli.serve.created", title=created.title, code=created.code, token=created.token, page=page, room=room, url=host
    )


def listing(stored: list[SessionRow]) -> str:
    """The stored sessions, newest first, one line each."""
    lines = []
    for row in sorted(stored, key=lambda r: r.created_at, reverse=True):
        when = datetime.datetime.fromtimestamp(row.created_at).strftime("%Y-%m-%d %H:%M")
        lines.append(f"  {row.code}  {when}  «{row.title}»")
    return "\n".join(lines)


def choose_one(stored: list[SessionRow], db: Path | str) -> str:
    """Why ``serve`` does not start: the database holds sessions, and it was not told which."""
    newest = max(stored, key=lambda r: r.created_at)
    return t("cli.serve.choose", db=db, n=len(stored), listing=listing(stored), code=newest.code)


def describe_resumed(title: str, code: str, created_at: float, events: int, url: str, room: str, db: Path | str) -> str:
    when = datetime.datetime.fromtimestamp(created_at).strftime("%Y-%m-%d %H:%M")
    page = f"{web_address(room)}/{code}"
    return "\n" + t(
        "cli.serve.resumed", title=title, when=when, n=events, code=code, url=url, db=db, page=page, room=room
    )


async def serve_forever(
    *,
    db: Path | str,
    host: str,
    port: int,
    template: str,
    title: str | None,
    question: str | None,
    lang: str,
    anonymous: bool,
    new: bool,
    resume: str | None = None,
    ssl_context: ssl.SSLContext | None,
    durability: str,
    limits: Limits,
    params: dict[str, str] | None = None,
    out: Callable[[str], None] = print,
    ready: asyncio.Event | None = None,
    purpose: str | None = None,
    background: str | None = None,
    follows: str | None = None,
) -> int:
    """Serve until a stop signal; the exit status (0 stopped, 1 could not serve)."""
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    lost: list[StoreError] = []
    starting = asyncio.current_task()

    def on_signal(sig: signal.Signals) -> None:
        if stop.is_set():  # a second Ctrl+C: do not wait for anything
            out(t("cli.serve.stopped_at_once", signal=sig.name))
            _leave_now(128 + sig)
        stop.set()
        if starting is not None and not serving:
            starting.cancel()  # still replaying or opening: stop that

    def on_lost(problem: StoreError) -> None:
        lost.append(problem)
        stop.set()

    serving = False
    for sig in STOP_SIGNALS:
        loop.add_signal_handler(sig, on_signal, sig)
    loop.set_exception_handler(quiet_when_out_of_files)
    store: SessionStore | None = None
    server: SessionServer | None = None
    try:
        store = await open_store(db, durability=durability)
        store.on_lost = on_lost
        stored = await store.sessions()
        # Several nodes on one PostgreSQL host what the proxy sends them; one
        # server is told which meeting this is (a new one, following one, or a resumed one).
        if stored and not new and not follows and resume is None and not store.shared:
            out(choose_one(stored, db))
            return 2
        wanted = normalise_code(resume) if resume is not None else None
        if wanted is not None and wanted not in {row.code for row in stored}:
            out(t("cli.serve.no_such_code", db=db, code=repr(resume)))
            out(listing(stored) if stored else t("cli.serve.empty"))
            return 2
        server = SessionServer(store, limits)
        resumed = await server.load_sessions()
        created = None
        # A node of several (PostgreSQL) hosts sessions on demand: it makes
        # one only when asked to, or when the database has none yet.
        if new or follows or not (resumed or (store.shared and await store.sessions())):
            created = await server.create_session(
                load_template(template, lang=lang, params=params),
                title=title,
                question=question,
                lang=lang,
                anonymous=anonymous or None,
                purpose=purpose,
                background=background,
                follows=follows,
            )
        try:
            await server.start(host, port, ssl_context=ssl_context)
        except OSError as exc:
            out(t("cli.serve.cannot_listen", host=host, port=port, reason=exc.strerror or exc))
            return 1
        serving = True
        scheme = "wss" if ssl_context else "ws"
        shown = host if host not in ("0.0.0.0", "::", "") else "127.0.0.1"
        url = f"{scheme}://{shown}:{server.port}"
        room = server.addresses[0] if server.addresses else url  # the room network's, when listening there
        out(t("cli.serve.serving", url=url, db=store.path))
        if host in ("0.0.0.0", "::", ""):
            for address in room_addresses():
                room = f"{scheme}://{address}:{server.port}"
                out(t("cli.serve.room", url=room, page=web_address(room)))
        if store.shared:
            count = len(await store.sessions())
            out(t("cli.serve.shared", n=count))
        for hub in resumed:
            assert hub.state is not None
            if hub.code == wanted:
                out(describe_resumed(hub.state.title, hub.code, hub.state.created_at, hub.seq, url, room, store.path))
            else:
                out(tn("cli.serve.also_open", hub.seq, title=hub.state.title, code=hub.code))
        if created:
            out(describe(created, url, room, shared=store.shared))
            series = server.hubs[created.session].state.series
            if series is not None:
                out(
                    t(
                        "cli.serve.follows",
                        title=series.follows.title,
                        code=series.follows.code,
                        n=len(series.open_actions),
                    )
                )
        out(t("cli.serve.stop_hint"))
        if ready is not None:
            ready.set()
        await stop.wait()
        if lost:
            out(t("cli.error", message=lost[0]))
            return 1
        out(t("cli.serve.stopping"))
        return 0
    except (StoreError, UnknownSession) as exc:
        out(t("cli.error", message=exc))
        return 1
    except asyncio.CancelledError:
        if not stop.is_set():
            raise
        out(t("cli.serve.stopped_early"))
        return 0
    except Exception as exc:  # replaying a session: one line, not a traceback
        log.debug("serve failed", exc_info=True)
        out(t("cli.error", message=f"{without_password(str(db))}: {type(exc).__name__}: {exc}"))
        return 1
    finally:
        # However it ends, it ends within STOP_GRACE: a hang here must not
        # keep the port and the database's lock.
        watchdog = loop.call_later(STOP_GRACE, _too_slow, out)
        try:
            if server is not None:
                await server.stop()
            elif store is not None:
                await store.close()
        except Exception as exc:
            out(t("cli.serve.while_stopping", reason=exc))
        watchdog.cancel()
        for sig in STOP_SIGNALS:
            loop.remove_signal_handler(sig)
        if serving:
            out(t("cli.stopped"))


def _too_slow(out: Callable[[str], None]) -> None:
    out(t("cli.serve.too_slow", seconds=f"{STOP_GRACE:.0f}"))
    _leave_now(1)


def _leave_now(status: int) -> None:
    """Exit at once: what is acknowledged is committed already."""
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):
            stream.flush()
    os._exit(status)


class Output:
    """Print lines for a person; a reader that went away (``serve | tee``
    after Ctrl+C) is not an error — the server still stops cleanly."""

    def __init__(self, stream=None) -> None:
        self.stream = stream or sys.stdout
        self.gone = False

    def __call__(self, line: str) -> None:
        if self.gone:
            return
        try:
            print(line, file=self.stream, flush=True)
        except (BrokenPipeError, OSError, ValueError):
            self.gone = True
            # Python flushes stdout once more at exit; point it somewhere that takes it.
            with contextlib.suppress(OSError, ValueError):
                devnull = os.open(os.devnull, os.O_WRONLY)
                os.dup2(devnull, self.stream.fileno())
                os.close(devnull)


def leave(status: int) -> int:
    """The status to exit with; exits at once if a worker thread would keep
    the process alive after the loop is gone (it must never hang)."""
    stuck = [t for t in threading.enumerate() if not t.daemon and t is not threading.main_thread()]
    for thread in stuck:
        thread.join(1.0)
    if any(t.is_alive() for t in stuck):
        _leave_now(status)
    return status


# What only a new session is made with (serve --new, or an empty database).
NEW_ONLY = ("template", "title", "question", "purpose", "background", "param", "anonymous")


def new_session_params(args, lang: str) -> dict[str, str] | None:
    """A new session's ``--param`` values, once its template, parameters,
    purpose and background are found usable; None: what is wrong is printed."""
    params: dict[str, str] = {}
    for given in args.param or []:
        name, sep, value = given.partition("=")
        if not sep or not name.strip():
            print(t("cli.serve.param_bad", given=repr(given)), file=sys.stderr)
            return None
        params[name.strip()] = value
    try:
        load_template(args.template, lang=lang, params=params)
    except TemplateError as exc:
        print(t("cli.error", message=exc), file=sys.stderr)
        return None
    for name in ("purpose", "background"):
        try:
            clean("report", getattr(args, name) or "", required=False)
        except Rejection as exc:
            print(t("cli.error", message=f"--{name}: {exc.message}"), file=sys.stderr)
            return None
    return params


def run(args) -> int:
    from kompsesjon.paths import default_db

    i18n.use(i18n.detect(args.lang))  # its messages: --lang, else the operator's ($KOMPSESJON_LANG, $LANG)
    session_lang = args.lang or i18n.DEFAULT
    if args.resume is not None:
        given = [f"--{name}" for name in NEW_ONLY if getattr(args, name, None) not in (None, False, [])]
        if given:  # a resumed session keeps what it was made with: say so, do not drop it silently
            print(t("cli.serve.new_only", options=", ".join(given)), file=sys.stderr)
            return 2
    args.template = args.template or "framtidsverksted"

    if bool(args.certfile) != bool(args.keyfile):
        print(t("cli.serve.cert_pair"), file=sys.stderr)
        return 2
    ssl_context = None
    if args.certfile:
        ssl_context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        try:
            ssl_context.load_cert_chain(args.certfile, args.keyfile)
        except (OSError, ssl.SSLError) as exc:
            print(t("cli.serve.cert_bad", reason=exc), file=sys.stderr)
            return 2
    params = new_session_params(args, session_lang)
    if params is None:
        return 2
    trusted = []
    for given in getattr(args, "trusted_proxy", None) or []:
        try:
            trusted.append(ipaddress.ip_network(given.strip(), strict=False))
        except ValueError:
            print(t("cli.serve.proxy_bad", given=repr(given)), file=sys.stderr)
            return 2
    limits = Limits(
        trusted_proxies=tuple(trusted),
        rate=args.rate,
        burst=max(args.rate * 3, 10),
        per_address=args.max_per_address,
        joins_per_address=getattr(args, "joins_per_address", None) or Limits.joins_per_address,
    )
    raise_open_files_limit()  # connections are capped below whatever it is then
    out = Output()
    try:
        status = asyncio.run(
            serve_forever(
                db=(args.db if is_postgres(args.db) else Path(args.db)) if args.db else default_db(),
                host=args.host,
                port=args.port,
                template=args.template,
                title=args.title,
                question=args.question,
                lang=session_lang,
                anonymous=args.anonymous,
                new=args.new,
                resume=args.resume,
                ssl_context=ssl_context,
                durability=args.durability,
                limits=limits,
                params=params,
                out=out,
                purpose=args.purpose,
                background=args.background,
                follows=getattr(args, "follows", None),
            )
        )
    except KeyboardInterrupt:  # before the signal handlers were in place
        out(t("cli.stopped"))
        status = 130
    return leave(status)
