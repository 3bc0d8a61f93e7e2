"""Small widgets the participant views share."""

from __future__ import annotations

from textual import events
from textual.widgets import Input


class LineInput(Input):
    """An input that submits (and clears) on Enter in typing order.

    Textual resolves Enter through key bindings once the key has bubbled up
    to the app, while letters are inserted as soon as the input sees them.
    Someone who types "card one⏎card two⏎" quickly (or a terminal that
    delivers the keys in one read) would get the Enter handled after the
    next letters: two cards glued together, or the next card cleared away.
    Handling Enter here keeps every card exactly as typed.
    """

    def __init__(self, value: str | None = None, *, clear_on_submit: bool = True, **kwargs) -> None:
        super().__init__(value, **kwargs)
        self.clear_on_submit = clear_on_submit

    async def _on_key(self, event: events.Key) -> None:
        if event.key == "enter":
            event.stop()
            event.prevent_default()
            text = self.value
            if self.clear_on_submit:
                self.value = ""
            self.post_message(self.Submitted(self, text))
            return
        await super()._on_key(event)
