"""Which view shows which phase kind: one registry per app.

Each app keeps a :class:`ViewRegistry`; a view module registers its class for
the engine's phase kinds it shows (``@VIEWS.register(PhaseKind.GROUP_WORK)``)
and the app's ``views`` package imports every module in it. A new phase kind
is therefore one view module per app (plus its rules in ``method/``); no list
elsewhere has to learn about it.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable, Iterator
from typing import Generic, TypeVar

from kompsesjon.method.agenda import PhaseKind

V = TypeVar("V", bound=type)


class ViewRegistry(Generic[V]):
    def __init__(self) -> None:
        self._views: dict[PhaseKind, V] = {}
        self.fallback: V | None = None  # for kinds no view registered

    def register(self, *kinds: PhaseKind) -> Callable[[V], V]:
        """Class decorator: the view shows these kinds (none: the fallback)."""

        def add(view: V) -> V:
            if not kinds:
                self.fallback = view
            for kind in kinds:
                if kind in self._views:
                    raise RuntimeError(f"two views for {kind}: {self._views[kind]} and {view}")
                self._views[kind] = view
            return view

        return add

    def view_for(self, kind: PhaseKind) -> V:
        view = self._views.get(kind, self.fallback)
        if view is None:  # pragma: no cover - every app registers a fallback
            raise LookupError(f"no view for {kind}")
        return view

    def __contains__(self, kind: object) -> bool:
        return kind in self._views

    def items(self) -> Iterator[tuple[PhaseKind, V]]:
        return iter(list(self._views.items()))


def import_all(package: str, path: list[str]) -> None:
    """Import every module of a views package, so that each registers."""
    for module in pkgutil.iter_modules(path):
        importlib.import_module(f"{package}.{module.name}")
