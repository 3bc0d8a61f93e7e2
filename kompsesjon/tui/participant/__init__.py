"""The participant app: ``kompsesjon join``.

* :mod:`.app` — :class:`ParticipantApp`, thin: the join flow and the client;
* :mod:`.join` — the join form and the "refused" screen;
* :mod:`.session` — the session screen: header, one view per phase, footer;
* :mod:`.views` — what each phase of a framtidsverksted looks like;
* :mod:`.modals` — small dialogs (edit a card, red card, merge a plan field);
* ``participant.tcss`` — all styling.
"""
