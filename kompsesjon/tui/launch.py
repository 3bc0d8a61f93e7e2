"""Start the apps from the command line (``join``, ``host``, ``screen``).

The command line imports this module for every command (its options), so
it imports neither Textual nor the client at the top: ``--version``,
``serve`` and ``export`` must not pay for them.
"""

from __future__ import annotations

import argparse
import os
import ssl
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from kompsesjon import i18n

if TYPE_CHECKING:
    from textual.app import App

DEFAULT_URL = "ws://127.0.0.1:8765"


def _ssl_context(url: str, cafile: str | None) -> ssl.SSLContext | None:
    if not url.startswith("wss://"):
        return None
    return ssl.create_default_context(cafile=cafile) if cafile else ssl.create_default_context()


def _check_url(url: str) -> str | None:
    if not url.startswith(("ws://", "wss://")):
        return i18n.t("cli.not_websocket", url=repr(url))
    return None


def own_language(args: argparse.Namespace) -> str | None:
    """The person's own choice of language (--lang, $KOMPSESJON_LANG), which
    wins over the session's; None: the app speaks the session's ($LANG until
    it knows it)."""
    return args.lang or os.environ.get("KOMPSESJON_LANG") or None


def _run(app: App | None) -> int:
    """Run ``app`` to its end: its exit code (2: bad arguments, no app)."""
    if app is None:
        return 2
    app.run()
    return app.return_code or 0


def run_join(args: argparse.Namespace) -> int:
    return _run(join_app(args))


def join_app(args: argparse.Namespace) -> App | None:
    """The participant app ``kompsesjon join`` runs (None: bad arguments, said on stderr)."""
    from kompsesjon.tui.participant.app import ParticipantApp

    url = args.url or DEFAULT_URL
    if problem := _check_url(url):
        print(problem, file=sys.stderr)
        return None
    return ParticipantApp(
        url,
        code=args.code,
        name=args.name,
        org=args.org,
        resume_file=Path(args.resume_file) if args.resume_file else None,
        fresh=args.fresh,
        forget=args.forget,
        lang=i18n.detect(args.lang),
        follow_session=own_language(args) is None,
        theme=args.theme,
        ssl_context=_ssl_context(url, args.cafile),
    )


def host_like_app(args: argparse.Namespace, role: str) -> App | None:
    """The host view (``role`` facilitator or screen); None: bad arguments, said on stderr."""
    from kompsesjon.client import SessionClient
    from kompsesjon.tui.host.app import HostApp

    url = args.url or DEFAULT_URL
    if problem := _check_url(url):
        print(problem, file=sys.stderr)
        return None
    if role == "facilitator" and not args.token:
        print(i18n.t("cli.token_needed"), file=sys.stderr)
        return None
    client = SessionClient(
        url,
        role=role,
        token=getattr(args, "token", None),
        code=getattr(args, "code", None),
        ssl_context=_ssl_context(url, args.cafile),
    )
    return HostApp(
        client,
        role=role,
        lang=i18n.detect(args.lang),
        follow_session=own_language(args) is None,
        theme=args.theme,
        page_base=args.page_url,
    )


def run_host(args: argparse.Namespace) -> int:
    return _run(host_like_app(args, "facilitator"))


def run_screen(args: argparse.Namespace) -> int:
    return _run(host_like_app(args, "screen"))


def make_app(args: argparse.Namespace) -> App | None:
    """The app a parsed ``join``, ``host`` or ``screen`` command line runs,
    not yet started (None: bad arguments, said on stderr)."""
    if args.handler is run_join:
        return join_app(args)
    if args.handler is run_host:
        return host_like_app(args, "facilitator")
    if args.handler is run_screen:
        return host_like_app(args, "screen")
    raise ValueError("not an app's command line")


def add_client_options(parser: argparse.ArgumentParser, *, default_theme: str) -> None:
    parser.add_argument("url", nargs="?", help=f"server address (default {DEFAULT_URL})")
    parser.add_argument(
        "--lang",
        choices=list(i18n.LANGUAGES),
        help="your language (default: the session's; before it is known, $LANG, else nb)",
    )
    parser.add_argument("--theme", default=None, help=f"theme name or .toml file (default {default_theme})")
    parser.add_argument("--cafile", help="certificate to trust for wss:// (self-signed servers)")


def add_page_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--page-url",
        help="the web page's address as phones reach it, for the QR code (default: the server's address,"
        " with this machine's room address for 127.0.0.1), e.g. https://kurs.example.no",
    )
