"""Session templates: the agenda, boards, group sets and rules, as TOML data.

Built-in templates live next to this module (``<name>.toml``); a user can pass
the path of their own file with ``--template``. A bad file is refused with a
message that names the field and the line, e.g.::

    mal.toml, line 14 (phases[3].minutes): Input should be a valid integer
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from kompsesjon.method.agenda import BOARD_PHASES, GROUP_PHASES, BoardSpec, GroupMode, GroupSetSpec, Phase, PhaseKind
from kompsesjon.method.state import Rules

HERE = Path(__file__).parent


class TemplateError(Exception):
    """A template file that cannot be used; the message says why and where."""


class Template(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str = Field(min_length=1, max_length=60)
    title: str = Field(min_length=1, max_length=120)
    description: str = ""
    question: str = ""
    # The facilitator's purpose and background, the first section of the report
    # (``serve --purpose`` / ``--background`` override them).
    purpose: str = Field(default="", max_length=5000)
    background: str = Field(default="", max_length=5000)
    anonymous: bool = False
    rules: Rules = Rules()
    boards: list[BoardSpec] = Field(default_factory=list)
    group_sets: list[GroupSetSpec] = Field(default_factory=list)
    phases: list[Phase] = Field(min_length=1)

    def problems(self) -> list[tuple[list, str]]:
        """References that do not fit together, each with its location."""
        out: list[tuple[list, str]] = []
        boards = [b.id for b in self.boards]
        for n, board in enumerate(self.boards):
            if board.id in boards[:n]:
                out.append((["boards", n, "id"], f"two boards have the id {board.id!r}"))
        sets = [g.id for g in self.group_sets]
        for n, spec in enumerate(self.group_sets):
            if spec.id in sets[:n]:
                out.append((["group_sets", n, "id"], f"two group sets have the id {spec.id!r}"))
            if spec.mode == GroupMode.ACROSS and spec.across not in sets[:n]:
                out.append((["group_sets", n, "across"], "'across' must name a group set defined above this one"))
        for n, phase in enumerate(self.phases):
            if phase.kind in BOARD_PHASES and phase.board not in boards:
                out.append((["phases", n, "board"], f"a {phase.kind.value} phase needs a board defined in [[boards]]"))
            if phase.kind in GROUP_PHASES and phase.groups not in sets:
                out.append(
                    (["phases", n, "groups"], f"a {phase.kind.value} phase needs 'groups' naming a [[group_sets]] id")
                )
            if phase.kind == PhaseKind.GROUP_WORK and not phase.questions:
                out.append((["phases", n, "kind"], "a group_work phase needs at least one [[phases.questions]]"))
            if phase.plan and phase.kind != PhaseKind.GROUP_WORK:
                out.append((["phases", n, "plan"], "only a group_work phase makes a plan from its answers"))
            if phase.plan and not any(q.part for q in phase.questions):
                out.append((["phases", n, "plan"], "a plan needs questions with 'part' (the plan's parts)"))
            for m, question in enumerate(phase.questions):
                if question.part and not phase.plan:
                    out.append((["phases", n, "questions", m, "part"], "a 'part' needs the phase's 'plan' title"))
        return out


def builtin_names() -> list[str]:
    return sorted(p.stem for p in HERE.glob("*.toml"))


def template_path(name_or_path: str) -> Path:
    path = Path(name_or_path)
    if path.suffix == ".toml" or path.exists():
        return path
    builtin = HERE / f"{name_or_path}.toml"
    if not builtin.exists():
        raise TemplateError(
            f"No template called {name_or_path!r}; built in: {', '.join(builtin_names())}, "
            "or give the path of a .toml file."
        )
    return builtin


def load_template(name_or_path: str) -> Template:
    """A built-in template by name, or a template file by path."""
    path = template_path(name_or_path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise TemplateError(f"{path}: {exc.strerror or exc}") from None
    return parse_template(text, str(path))


def parse_template(text: str, where: str = "template") -> Template:
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise TemplateError(f"{where}: not valid TOML: {exc}") from None
    try:
        template = Template.model_validate(raw)
    except ValidationError as exc:
        found = [(list(err["loc"]), err["msg"]) for err in exc.errors()]
    else:
        found = template.problems()
        if not found:
            return template

    def describe(loc: list, message: str) -> str:
        line = _line_of(text, loc)
        return f"{where}{f', line {line}' if line else ''} ({_field_name(loc)}): {message}"

    raise TemplateError("\n".join(describe(loc, message) for loc, message in found[:5]))


def _field_name(loc: list) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "file"


def _line_of(text: str, loc: list) -> int | None:
    """The line of ``loc`` (e.g. ["phases", 3, "minutes"]) in the TOML text.

    Follows array-of-tables headers ([[phases]], [[phases.questions]]) and
    ``key =`` lines; returns the closest line it can find.
    """
    lines = text.splitlines()
    start, end = 0, len(lines)
    found: int | None = None
    path: list[str] = []
    i = 0
    while i < len(loc):
        part = loc[i]
        nxt = loc[i + 1] if i + 1 < len(loc) else None
        if isinstance(part, str) and isinstance(nxt, int):
            header = re.compile(r"^\s*\[\[\s*" + re.escape(".".join([*path, part])) + r"\s*\]\]")
            hits = [n for n in range(start, end) if header.match(lines[n])]
            if nxt < len(hits):
                start = hits[nxt]
                found = start + 1
                following = [n for n in hits if n > start]
                end = following[0] if following else end
                path.append(part)
                i += 2
                continue
        if isinstance(part, str):
            key = re.compile(r"^\s*" + re.escape(part) + r"\s*=")
            hit = next((n for n in range(start, end) if key.match(lines[n])), None)
            if hit is not None:
                found = hit + 1
            else:
                table = re.compile(r"^\s*\[\s*" + re.escape(".".join([*path, part])) + r"\s*\]")
                hit = next((n for n in range(start, end) if table.match(lines[n])), None)
                if hit is not None:
                    found = hit + 1
                    start = hit
            path.append(part)
        i += 1
    return found
