"""Facilitator controls of the host view, made with :func:`control`.

Their descriptions are ``host.…`` i18n keys, translated per instance like
every binding of both apps (:mod:`kompsesjon.tui.keys`)."""

from __future__ import annotations

from textual.binding import Binding


def control(key: str, action: str, description: str, *, show: bool = True, key_display: str | None = None) -> Binding:
    """A facilitator control (never active on a screen)."""
    return Binding(key, action, description, show=show, key_display=key_display)
