"""``kompsesjon new``: make a session in the database, print how to reach it, exit.

For several nodes on one PostgreSQL (docs/scaling.md): the session is stored
and given up at once, and the node the proxy sends its first person to hosts
it — no node has to be started or stopped for it. On an SQLite file (no
server running on it: the file has one server) it is the same as ``serve
--new`` without serving; ``serve --resume CODE`` serves it later.
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

from kompsesjon import i18n
from kompsesjon.i18n import t
from kompsesjon.templates import load_template

from .app import CreatedSession, SessionServer, UnknownSession
from .run import describe, new_session_params
from .store import StoreError
from .stores import is_postgres, open_store, without_password

PLACEHOLDER = "ws://HOST:PORT"  # when --url is not given: the lines show where the address goes


async def make_session(
    db: Path | str, *, template: str, lang: str, params: dict[str, str], **options
) -> CreatedSession:
    """Store a new session and give it up: no one hosts it until its people come."""
    store = await open_store(db)
    server = SessionServer(store)
    try:
        return await server.create_session(load_template(template, lang=lang, params=params), lang=lang, **options)
    finally:
        await server.stop()  # the lease is given up with the store: any node may claim it at once


def run(args) -> int:
    from kompsesjon.paths import default_db

    i18n.use(i18n.detect(args.lang))
    lang = args.lang or i18n.DEFAULT
    args.template = args.template or "framtidsverksted"
    url = (args.url or PLACEHOLDER).rstrip("/")
    if not url.startswith(("ws://", "wss://")):
        print(t("cli.not_websocket", url=url), file=sys.stderr)
        return 2
    params = new_session_params(args, lang)
    if params is None:
        return 2
    db: Path | str = (args.db if is_postgres(args.db) else Path(args.db)) if args.db else default_db()
    try:
        created = asyncio.run(
            make_session(
                db,
                template=args.template,
                lang=lang,
                params=params,
                title=args.title,
                question=args.question,
                anonymous=args.anonymous or None,
                purpose=args.purpose,
                background=args.background,
                follows=args.follows,
            )
        )
    except (StoreError, UnknownSession) as exc:
        print(t("cli.error", message=exc), file=sys.stderr)
        return 1
    shared = is_postgres(db)
    print(describe(created, url, shared=shared))
    if args.url is None:
        print(t("cli.new.no_url", placeholder=PLACEHOLDER))
    if shared:
        print(t("cli.new.shared", db=without_password(str(db))))
    else:
        print(t("cli.new.file", code=created.code, db=db))
    return 0
