"""Session templates: the agenda, boards and rules of a method, as TOML data.

Built-in templates live next to this module (``<name>.toml``); a user can pass
the path of their own file. A bad file is refused with a message that names
the field.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from kompsesjon.method.agenda import BOARD_PHASES, BoardSpec, Phase
from kompsesjon.method.state import Rules

HERE = Path(__file__).parent


class TemplateError(Exception):
    """A template file that cannot be used; the message says why and where."""


class Template(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str
    title: str
    question: str = ""
    anonymous: bool = False
    rules: Rules = Rules()
    boards: list[BoardSpec] = Field(default_factory=list)
    phases: list[Phase] = Field(min_length=1)

    @model_validator(mode="after")
    def _boards_exist(self) -> Template:
        ids = [b.id for b in self.boards]
        if len(set(ids)) != len(ids):
            raise ValueError("two boards have the same id")
        for number, phase in enumerate(self.phases, start=1):
            if phase.kind in BOARD_PHASES and phase.board not in ids:
                raise ValueError(f"phase {number} ({phase.kind.value}) needs a board that is defined in [[boards]]")
        return self


def builtin_names() -> list[str]:
    return sorted(p.stem for p in HERE.glob("*.toml"))


def load_template(name_or_path: str) -> Template:
    """A built-in template by name, or a template file by path."""
    path = Path(name_or_path)
    if not path.suffix and not path.exists():
        path = HERE / f"{name_or_path}.toml"
        if not path.exists():
            raise TemplateError(
                f"No template called {name_or_path!r}; built in: {', '.join(builtin_names())}, "
                "or give the path of a .toml file."
            )
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise TemplateError(f"{path}: no such file") from None
    except tomllib.TOMLDecodeError as exc:
        raise TemplateError(f"{path}: not valid TOML: {exc}") from None
    try:
        return Template.model_validate(raw)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(part) for part in err['loc']) or 'file'}: {err['msg']}" for err in exc.errors()
        )
        raise TemplateError(f"{path}: {problems}") from None
