"""Textual apps: the participant app, the facilitator's host view, the screen.

Each app is thin: it owns a :class:`~kompsesjon.client.SessionClient`, and
its screens and widgets read the client's mirror. Widgets talk upward with
Messages and are updated downward with methods; styling is in ``.tcss``.
"""
