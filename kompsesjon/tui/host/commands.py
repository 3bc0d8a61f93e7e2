"""The command palette (ctrl+p): every action the host view offers now.

Lists the bindings of the host screen and of the current phase's view that
are available (for a facilitator: every control; for a screen: only the
agenda and the theme), with their keys, so nothing depends on remembering
a key.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import partial

from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.content import Content
from textual.dom import DOMNode

from kompsesjon.tui.keys import declared_bindings


def available_actions(screen) -> Iterator[tuple[str, str, DOMNode, str]]:
    """(description, key, node, action) for each available binding."""
    nodes: list[DOMNode] = []
    view = getattr(screen, "view", None)
    if view is not None and view.is_mounted:
        nodes.append(view)
    nodes.append(screen)
    seen: set[tuple[int, str]] = set()
    for node in nodes:
        for binding in declared_bindings(node):
            if not binding.description or (id(node), binding.action) in seen:
                continue
            name = binding.action.split("(")[0]
            if node.check_action(name, ()) is not True:
                continue
            seen.add((id(node), binding.action))
            shown = binding.key_display or node.app.get_key_display(binding)
            yield binding.description, shown, node, binding.action


class HostCommands(Provider):
    """Facilitator actions (and the screen's few) in the command palette."""

    def _actions(self) -> list[tuple[str, str, DOMNode, str]]:
        return list(available_actions(self.screen))

    def _run(self, node: DOMNode, action: str) -> None:
        self.app.call_later(self.app.run_action, action, node)

    async def discover(self) -> Hits:
        for description, key, node, action in self._actions():
            label = f"{description}   ({key})"
            yield DiscoveryHit(Content(label), partial(self._run, node, action), text=label)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for description, key, node, action in self._actions():
            label = f"{description}   ({key})"
            score = matcher.match(label)
            if score > 0:
                yield Hit(score, matcher.highlight(label), partial(self._run, node, action), text=label)
