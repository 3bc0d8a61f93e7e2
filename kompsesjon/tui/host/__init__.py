"""The host view: ``kompsesjon host`` (facilitator) and ``kompsesjon screen``.

The same app runs both: the facilitator gets every control as a key binding
(shown in the footer and in the command palette); a screen shows only what
the session makes public and binds no control at all.

* :mod:`.app` — :class:`HostApp`, thin: role, themes, the join code;
* :mod:`.screen` — the one screen: header, agenda, the current phase's view;
* :mod:`.header` — join code, timer, title, question, agenda, status line;
* :mod:`.views` — one view per phase kind;
* :mod:`.rows` — the fast line-based widgets (lists, card walls) for big rooms;
* :mod:`.queries` — linear-time readings of the mirror;
* :mod:`.modals` — text prompts and pickers;
* :mod:`.commands` — the command palette's facilitator actions;
* ``host.tcss`` — all styling.
"""
