"""The ``kompsesjon`` command line: one subcommand per thing a user does."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from . import __version__


def _serve(args: argparse.Namespace) -> int:
    from server.run import run

    return run(args)


def _export(args: argparse.Namespace) -> int:
    from .export import ExportError, export_session

    try:
        text = export_session(args.db, args.session, args.format)
    except ExportError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    if args.output:
        Path(args.output).write_text(text, encoding="utf-8")
        print(f"wrote {args.output}", file=sys.stderr)
    else:
        sys.stdout.write(text)
    return 0


def _sessions(args: argparse.Namespace) -> int:
    import datetime

    from .export import ExportError, list_sessions

    try:
        sessions = list_sessions(args.db)
    except ExportError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    if not sessions:
        print("no sessions stored")
    for s in sessions:
        when = datetime.datetime.fromtimestamp(s.created_at).strftime("%Y-%m-%d %H:%M")
        print(f"{s.code}  {when}  {s.events:>6} events  {s.id}  {s.title}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    from .paths import default_db

    parser = argparse.ArgumentParser(
        prog="kompsesjon",
        description="Live Future Workshops and dialogue conferences in the terminal.",
    )
    parser.add_argument("--version", action="version", version=f"kompsesjon {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    serve = sub.add_parser("serve", help="host sessions on this machine")
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (0.0.0.0: the whole room network)")
    serve.add_argument("--port", type=int, default=8765)
    serve.add_argument("--db", help=f"SQLite database file (default {default_db()})")
    serve.add_argument("--template", default="framtidsverksted", help="template name or .toml file for a new session")
    serve.add_argument("--title", help="title of a new session")
    serve.add_argument("--question", help="the shared question of a new session")
    serve.add_argument("--lang", choices=["nb", "sv", "en"], default="nb")
    serve.add_argument("--anonymous", action="store_true", help="no author ever leaves the server")
    serve.add_argument("--new", action="store_true", help="create a new session even if the database has some")
    serve.add_argument("--certfile", help="TLS certificate (serve wss://)")
    serve.add_argument("--keyfile", help="TLS private key")
    serve.add_argument(
        "--durability",
        choices=["normal", "full"],
        default="normal",
        help="normal: survives crashes; full: also power loss (slower)",
    )
    serve.add_argument("--rate", type=float, default=20.0, help="messages per second per connection")
    serve.add_argument("--max-per-address", type=int, default=64, help="connections per address (loopback exempt)")
    serve.set_defaults(handler=_serve)

    export = sub.add_parser("export", help="write a stored session as a report")
    export.add_argument("session", nargs="?", help="session id or join code (default: the only one)")
    export.add_argument("--db", default=str(default_db()), help="SQLite database file")
    export.add_argument("--format", default="json", choices=["json"])
    export.add_argument("-o", "--output", help="write to this file instead of standard output")
    export.set_defaults(handler=_export)

    sessions = sub.add_parser("sessions", help="list the sessions stored in a database")
    sessions.add_argument("--db", default=str(default_db()), help="SQLite database file")
    sessions.set_defaults(handler=_sessions)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    handler = getattr(args, "handler", None)
    if handler is None:
        parser.print_help()
        return 2
    return int(handler(args) or 0)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
