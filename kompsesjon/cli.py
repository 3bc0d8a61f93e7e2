"""The ``kompsesjon`` command line: one subcommand per thing a user does."""

from __future__ import annotations

import argparse
import os
import sys

from . import __version__, i18n


class HelpFormatter(argparse.HelpFormatter):
    """Every option's help ends with its default, unless the text says it already."""

    def _get_help_string(self, action: argparse.Action) -> str:
        text = action.help or ""
        default = action.default
        if default in (None, False, argparse.SUPPRESS) or "default" in text or not action.option_strings:
            return text
        return f"{text} (default: %(default)s)"


def template_names() -> list[str]:
    """The built-in templates, the Future Workshop first (without importing them)."""
    from pathlib import Path

    names = sorted(p.stem for p in (Path(__file__).parent / "templates").glob("*.toml"))
    return sorted(names, key=lambda name: name != "framtidsverksted")


def template_help(what: str) -> str:
    first, *rest = template_names()
    return f"{what}: {first} (default), {', '.join(rest)}, or a FILE.toml of your own"


def _demo(args: argparse.Namespace) -> int:
    from .demo import run

    return run(args)


def _serve(args: argparse.Namespace) -> int:
    from server.run import run

    return run(args)


def _new(args: argparse.Namespace) -> int:
    from server.create import run

    return run(args)


def _export(args: argparse.Namespace) -> int:
    from .export import ExportError, load_report, write_export
    from .export.stored import damage

    if args.series and args.session:
        print("error: name the series with --series CODE, not also as SESSION", file=sys.stderr)
        return 2
    try:
        if args.db is None:  # the known databases: serve's and the demo's
            from .databases import locate

            args.db = str(locate(args.series or args.session))
        if args.series:
            from .export.series import load_series_report

            report = load_series_report(args.db, args.series, names=not args.no_names)
        else:
            report = load_report(args.db, args.session, names=not args.no_names)
        found = damage(args.db)
        if found:
            print(i18n.t("cli.export.damaged", db=args.db, found=found), file=sys.stderr)
        result = write_export(report, args.format, args.output, per_org=args.per_org, series=bool(args.series))
    except ExportError as exc:
        print(i18n.t("cli.error", message=exc), file=sys.stderr)
        return 1
    except OSError as exc:
        print(i18n.t("cli.export.cannot_write", path=args.output, reason=exc.strerror or exc), file=sys.stderr)
        return 1
    if isinstance(result, str):
        sys.stdout.write(result)
    else:
        for path in result.paths:
            print(i18n.t("cli.export.wrote", path=path), file=sys.stderr)
    return 0


def _ssh_gateway(args: argparse.Namespace) -> int:
    import asyncio
    from pathlib import Path

    from server.ssh_gateway import GatewayConfig, run_gateway

    if args.facilitator_keys and not args.token:
        print(i18n.t("cli.gateway.token_needed"), file=sys.stderr)
        return 2
    config = GatewayConfig(
        url=args.url,
        code=args.code,
        host=args.host,
        port=args.port,
        authorized_keys=Path(args.authorized_keys) if args.authorized_keys else None,
        facilitator_keys=Path(args.facilitator_keys) if args.facilitator_keys else None,
        token=args.token,
        lang=args.lang,
        max_sessions=args.max_sessions,
        apps_per_process=args.apps_per_process,
    )
    if args.host_key:
        config.host_key = Path(args.host_key)
    return asyncio.run(run_gateway(config, out=lambda line: print(line, flush=True)))


def _token(args: argparse.Namespace) -> int:
    from server.tokens import TokenError, issue_token

    from .paths import default_db

    try:
        session, token = issue_token(args.db or default_db(), args.session)
    except TokenError as exc:
        print(i18n.t("cli.error", message=exc), file=sys.stderr)
        return 1
    print(i18n.t("cli.token.new", title=session.title, code=session.code))
    print(f"  {token}")
    print(i18n.t("cli.token.note"))
    from .databases import in_postgres

    # Behind a proxy (several nodes) the facilitator's address carries the code.
    address = f"ws://HOST/s/{session.code}" if in_postgres(args.db or "") else "ws://HOST:PORT"
    print(f"  kompsesjon host {address} --token {token}")
    return 0


def _sessions(args: argparse.Namespace) -> int:
    import datetime
    from pathlib import Path

    from .databases import ExportError, in_postgres, known_databases, list_sessions
    from .paths import data_dir

    places: list[Path | str] = (
        [args.db if in_postgres(args.db) else Path(args.db)] if args.db else list(known_databases())
    )
    if not places:
        print(i18n.t("cli.sessions.none_known", folder=data_dir()))
        return 0
    status = 0
    for place in places:
        if not args.db:
            print(f"{place}:")
        try:
            sessions = list_sessions(place)
        except ExportError as exc:
            print(i18n.t("cli.error", message=exc), file=sys.stderr)
            status = 1
            continue
        if not sessions:
            print(("  " if not args.db else "") + i18n.t("cli.sessions.none_stored"))
        for s in sessions:
            when = datetime.datetime.fromtimestamp(s.created_at).strftime("%Y-%m-%d %H:%M")
            indent = "" if args.db else "  "
            events = f"{i18n.tn('cli.sessions.events', s.events):>15}"
            print(f"{indent}{s.code}  {when}  {events}  {s.id}  {s.title}")
    return status


def add_new_session_options(parser: argparse.ArgumentParser) -> None:
    """What a new session is made with (``serve --new`` and ``new``)."""
    parser.add_argument("--template", metavar="NAME|FILE", help=template_help("a new session's method"))
    parser.add_argument("--title", help="title of a new session")
    parser.add_argument("--question", help="the shared question of a new session")
    parser.add_argument("--purpose", help="purpose of a new session, for the report (default: the template's)")
    parser.add_argument("--background", help="background of a new session, for the report (default: the template's)")
    parser.add_argument(
        "--lang",
        choices=i18n.SESSION_LANGUAGES,
        help=f"the session's language: its template texts, the apps that join it, these messages"
        f" (default: {i18n.DEFAULT})",
    )
    parser.add_argument(
        "--param",
        action="append",
        metavar="NAME=VALUE",
        help="fill in a template parameter, e.g. first_gathering='samlingen i mars' (repeatable)",
    )
    parser.add_argument("--anonymous", action="store_true", help="no author ever leaves the server")


class _Parser(argparse.ArgumentParser):
    """A subcommand's parser: the same help formatter."""

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("formatter_class", HelpFormatter)
        super().__init__(*args, **kwargs)


def _at_least_one(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"a whole number of at least 1, not {text!r}")
    return value


def build_parser() -> argparse.ArgumentParser:
    from .paths import default_db

    parser = argparse.ArgumentParser(
        prog="kompsesjon",
        description="Live Future Workshops and dialogue conferences in the terminal.",
        formatter_class=HelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"kompsesjon {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    demo = sub.add_parser("demo", help="see it live: a simulated session (Future Workshop …) with the host view")
    demo.add_argument("--template", default="framtidsverksted", metavar="NAME|FILE", help=template_help("the method"))
    demo.add_argument(
        "--participants",
        type=int,
        default=None,
        choices=range(1, 13),
        metavar="1-12",
        help="default 8; 12 in group rounds",
    )
    demo.add_argument("--autopilot", action="store_true", help="a simulated facilitator runs the agenda too")
    demo.add_argument("--phase-seconds", type=float, default=45.0, help="autopilot: seconds per phase")
    demo.add_argument("--speed", type=float, default=1.0, help="how fast the simulated people act (2 = twice)")
    demo.add_argument("--no-host", action="store_true", help="no host view: just the server and the people")
    demo.add_argument("--db", help="database file (default: demo.sqlite3 in the user data folder)")
    demo.add_argument(
        "--lang",
        choices=i18n.LANGUAGES,
        help="language of the session and the host view (default: from $LANG, else nb)",
    )
    demo.add_argument("--theme", help="theme of the host view (default projector)")
    demo.set_defaults(handler=_demo)

    serve = sub.add_parser("serve", help="host sessions on this machine")
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (0.0.0.0: the whole room network)")
    serve.add_argument("--port", type=int, default=8765, help="port to listen on (0: any free one)")
    serve.add_argument(
        "--db",
        help=f"SQLite database file (default {default_db()}), or postgresql://… shared by several servers"
        " (docs/scaling.md)",
    )
    add_new_session_options(serve)
    meeting = serve.add_mutually_exclusive_group()
    meeting.add_argument(
        "--new", action="store_true", help="start a new session (needed when the database holds sessions already)"
    )
    meeting.add_argument(
        "--resume", metavar="CODE", help="go on with the stored session that has this join code (`sessions` lists them)"
    )
    meeting.add_argument(
        "--follows",
        metavar="CODE",
        help="start a new session that follows the stored session CODE: its actions, next steps and follow-ups"
        " carry over",
    )
    serve.add_argument("--certfile", help="TLS certificate (serve wss://)")
    serve.add_argument("--keyfile", help="TLS private key")
    serve.add_argument(
        "--durability",
        choices=["normal", "full"],
        default="normal",
        help="normal: survives crashes; full: also power loss (slower)",
    )
    serve.add_argument(
        "--rate", type=float, default=20.0, help="messages per second per participant (all their connections together)"
    )
    serve.add_argument("--max-per-address", type=int, default=64, help="connections per address (loopback exempt)")
    serve.add_argument(
        "--trusted-proxy",
        action="append",
        metavar="CIDR",
        help="a proxy on another machine (e.g. 10.0.0.5 or 10.0.0.0/24) whose X-Forwarded-For names the"
        " participant, for the limits per address (repeatable; a proxy on this machine is always believed)",
    )
    serve.add_argument(
        "--joins-per-address",
        type=int,
        default=None,  # the session budget (kompsesjon/method/budgets.py): not imported before the signals are set
        help="new participants from one address at once, then one a second (default 300)",
    )
    serve.set_defaults(handler=_serve)

    new = sub.add_parser(
        "new",
        help="make a session in the database and exit (several nodes on PostgreSQL: they host it when people come)",
    )
    new.add_argument(
        "--db",
        help=f"postgresql://… shared by running nodes (docs/scaling.md), or an SQLite file no server is using"
        f" (default {default_db()})",
    )
    new.add_argument(
        "--url",
        metavar="ws://HOST[:PORT]",
        help="the address people reach (the proxy's, behind several nodes) for the lines to give out",
    )
    add_new_session_options(new)
    new.add_argument(
        "--follows",
        metavar="CODE",
        help="the session follows the stored session CODE: its actions, next steps and follow-ups carry over",
    )
    new.set_defaults(handler=_new)

    export = sub.add_parser("export", help="write a stored session as a report")
    export.add_argument("session", nargs="?", help="session id or join code (default: the only one)")
    export.add_argument(
        "--db",
        help=f"SQLite database file (default: the one in {default_db().parent} that holds the session),"
        " or postgresql://… of several nodes",
    )
    export.add_argument(
        "--format",
        default="md",
        choices=["md", "html", "docx", "csv", "json", "ics"],
        help="md (default), html (print-friendly, one file), docx (Word), json, csv (zip or folder),"
        " ics (calendar: the next meeting and the actions with dates)",
    )
    export.add_argument(
        "--series",
        metavar="CODE",
        help="the whole series the session CODE is in: every gathering and each action's history",
    )
    export.add_argument(
        "-o",
        "--output",
        help="file to write (csv and --per-org: a folder or a .zip); default: standard output"
        " (docx, csv, --per-org: kompsesjon-CODE… in this folder)",
    )
    export.add_argument(
        "--per-org",
        action="store_true",
        help="one extract per organisation (municipality): its plan, answers, follow-up, islands and the common lists",
    )
    export.add_argument(
        "--no-names", action="store_true", help="leave every name out (authors, check-ins, attendance, members)"
    )
    export.set_defaults(handler=_export)

    from .tui.launch import add_client_options, add_page_option, run_host, run_join, run_screen

    join = sub.add_parser("join", help="take part in a session (participant app)")
    add_client_options(join, default_theme="kompsesjon-dark")
    join.add_argument("--code", help="the session's join code (asked for if missing)")
    join.add_argument("--name", help="your name (asked for if missing; optional in anonymous sessions)")
    join.add_argument("--org", default=None, help="your organisation or municipality")
    join.add_argument("--fresh", action="store_true", help="join as a new participant, not the remembered one")
    join.add_argument("--resume-file", help="where to keep this participant's resume secret")
    join.add_argument(
        "--forget",
        action="store_true",
        help="a new participant whose resume secret is kept in memory only: reconnects resume,"
        " a relaunch joins anew (shared SSH logins)",
    )
    join.set_defaults(handler=run_join)

    host = sub.add_parser("host", help="run a session: the facilitator's host view")
    add_client_options(host, default_theme="projector")
    add_page_option(host)
    host.add_argument(
        "--token",
        default=os.environ.get("KOMPSESJON_TOKEN"),
        help="the facilitator token printed by serve (or $KOMPSESJON_TOKEN)",
    )
    host.set_defaults(handler=run_host)

    screen = sub.add_parser("screen", help="read-only projector view of a session")
    add_client_options(screen, default_theme="projector")
    add_page_option(screen)
    screen.add_argument("--code", required=True, help="the session's join code")
    screen.set_defaults(handler=run_screen)

    gateway = sub.add_parser("ssh-gateway", help="let people join over SSH (each gets the app in a terminal)")
    gateway.add_argument("--url", default="ws://127.0.0.1:8765", help="the kompsesjon server to connect people to")
    gateway.add_argument("--code", help="join code: every connection joins this session (else the app asks)")
    gateway.add_argument("--host", default="127.0.0.1", help="address to listen on (0.0.0.0: the whole network)")
    gateway.add_argument("--port", type=int, default=2222, help="port to listen on")
    gateway.add_argument("--host-key", help="host key file (generated once if missing)")
    gateway.add_argument("--authorized-keys", help="only these public keys may join")
    gateway.add_argument("--facilitator-keys", help="these keys get the host view (ssh host@…)")
    gateway.add_argument(
        "--token",
        default=os.environ.get("KOMPSESJON_TOKEN"),
        help="facilitator token for the host view (or $KOMPSESJON_TOKEN)",
    )
    gateway.add_argument("--lang", choices=i18n.LANGUAGES, help="language of the apps (default: from $LANG, else nb)")
    gateway.add_argument(
        "--max-sessions",
        type=int,
        default=None,
        help="people at once (default: what this machine holds: ~12 MiB and 1/150 of a core each;"
        " with --apps-per-process 1, ~32 MiB and 1/100)",
    )
    gateway.add_argument(
        "--apps-per-process",
        type=_at_least_one,
        default=8,
        metavar="K",
        help="people's apps that share one process (default 8: less memory each; 1: a process for each person)",
    )
    gateway.set_defaults(handler=_ssh_gateway)

    token = sub.add_parser(
        "token", help="issue a new facilitator token for a stored session (on the server's machine; the old one stops)"
    )
    token.add_argument("session", metavar="CODE", help="the session's join code (or id)")
    token.add_argument(
        "--db", help=f"SQLite database file (default {default_db()}), or postgresql://… of several nodes"
    )
    token.set_defaults(handler=_token)

    sessions = sub.add_parser("sessions", help="list the sessions stored in a database")
    sessions.add_argument(
        "--db",
        help=f"SQLite database file (default: every one in {default_db().parent}), or postgresql://… of several nodes",
    )
    sessions.set_defaults(handler=_sessions)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    i18n.use(i18n.detect(getattr(args, "lang", None)))  # the messages: --lang, else $KOMPSESJON_LANG, $LANG
    handler = getattr(args, "handler", None)
    if handler is None:
        parser.print_help()
        return 2
    try:
        return int(handler(args) or 0)
    except KeyboardInterrupt:  # Ctrl+C before a command set up its own handling
        print(i18n.t("cli.stopped"), file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
