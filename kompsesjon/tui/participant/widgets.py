"""Small widgets the participant views share."""

from __future__ import annotations

from textual import events
from textual.widgets import Input, TextArea


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

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # One line has nothing to scroll: ↑/↓ belong to the view around it
        # (and its footer shows them, e.g. ↓ to edit or withdraw one's cards).
        if action in ("scroll_up", "scroll_down"):
            return False
        return super().check_action(action, parameters)

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


class FieldArea(TextArea):
    """A text area (an action-plan field, a group's answer) whose Tab moves on
    in typing order.

    Textual moves the focus on Tab through a binding, once the key has bubbled
    up to the app; the keys typed after it are queued here by then. Someone
    who types "answer⇥next answer" quickly (or a terminal that delivers it in
    one read, as on a loaded machine) would get both glued into this field.
    So Tab is handled here, and keys that arrive once the focus has moved on
    go where it went.
    """

    async def _on_key(self, event: events.Key) -> None:
        if event.key in ("tab", "shift+tab"):
            event.stop()
            event.prevent_default()
            if event.key == "tab":
                self.screen.focus_next()
            else:
                self.screen.focus_previous()
            return
        focused = self.screen.focused
        if focused is not None and focused is not self:
            event.stop()
            event.prevent_default()
            focused._forward_event(events.Key(event.key, event.character))
            return
        await super()._on_key(event)
