"""Session templates: the agenda, boards, group sets and rules, as TOML data.

Built-in templates live next to this module (``<name>.toml``); a user can pass
the path of their own file with ``--template``. A bad file is refused with a
message that names the field and the line, e.g.::

    mal.toml, line 14 (phases[3].minutes): Input should be a valid integer

Texts speak the session's language. Any text (or list of texts) may be given
per language instead of once; Bokmål is required, Nynorsk, Swedish and
English are optional and fall back to Bokmål::

    text.nb = "Hva fungerte godt?"
    text.sv = "Vad fungerade bra?"
    sub.nb = ["…", "…"]

A template may also name *parameters*, e.g. the date of the next gathering:
``[params] first_gathering = "første samling"`` and ``"Hva må skje før
{first_gathering}?"`` in a text; ``kompsesjon serve --param
first_gathering="samlingen 12. mars"`` fills in another value. The language
is chosen and the parameters are filled in when a session is made, so the
session's own record holds plain text.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from kompsesjon import i18n
from kompsesjon.method.agenda import BOARD_PHASES, GROUP_PHASES, BoardSpec, GroupMode, GroupSetSpec, Phase, PhaseKind
from kompsesjon.method.state import Rules
from kompsesjon.method.text import LIMITS

HERE = Path(__file__).parent
LANGUAGES = i18n.SESSION_LANGUAGES  # languages a template's texts may be given in
DEFAULT_LANGUAGE = i18n.DEFAULT
_PARAM = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")


class TemplateError(Exception):
    """A template file that cannot be used; the message says why and where."""


class Template(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str = Field(min_length=1, max_length=60)
    title: str = Field(min_length=1, max_length=LIMITS["title"])
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
    # Regions (counties) offered to pick from when groups are formed by region.
    regions: list[str] = Field(default_factory=list, max_length=200)
    params: dict[str, str] = Field(default_factory=dict)  # defaults, already filled in
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
            if phase.kind == PhaseKind.GROUP_WORK and phase.board is not None and phase.board not in boards:
                out.append((["phases", n, "board"], "the board a group_work phase reflects on must be in [[boards]]"))
            if phase.group_minutes and phase.kind != PhaseKind.REPORT:
                out.append((["phases", n, "group_minutes"], "only a report phase gives each group minutes"))
            for m, question in enumerate(phase.questions):
                if question.answer_each_sub and not question.sub:
                    out.append(
                        (["phases", n, "questions", m, "answer_each_sub"], "answer_each_sub needs sub-questions")
                    )
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


def load_template(name_or_path: str, *, lang: str = DEFAULT_LANGUAGE, params: dict[str, str] | None = None) -> Template:
    """A built-in template by name, or a template file by path, in ``lang``
    with ``params`` filled in."""
    path = template_path(name_or_path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise TemplateError(f"{path}: {exc.strerror or exc}") from None
    return parse_template(text, str(path), lang=lang, params=params)


def parse_template(
    text: str, where: str = "template", *, lang: str = DEFAULT_LANGUAGE, params: dict[str, str] | None = None
) -> Template:
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise TemplateError(f"{where}: not valid TOML: {exc}") from None
    problems: list[tuple[list, str]] = []
    raw = _localized(raw, lang, [], problems)
    if not problems:
        raw = _filled(raw, params or {}, problems)
    if not problems:
        try:
            template = Template.model_validate(raw)
        except ValidationError as exc:
            problems = [(list(err["loc"]), err["msg"]) for err in exc.errors()]
        else:
            problems = template.problems()
            if not problems:
                return template
    raise TemplateError(_describe(text, where, problems))


def _describe(text: str, where: str, found: list[tuple[list, str]]) -> str:
    def describe(loc: list, message: str) -> str:
        line = _line_of(text, loc)
        return f"{where}{f', line {line}' if line else ''} ({_field_name(loc)}): {message}"

    return "\n".join(describe(loc, message) for loc, message in found[:5])


def _is_translated(value: Any) -> bool:
    return isinstance(value, dict) and bool(value) and set(value) <= set(LANGUAGES)


def _localized(value: Any, lang: str, loc: list, problems: list) -> Any:
    """``value`` with every per-language text replaced by the text in ``lang``
    (Bokmål where that language is missing)."""
    if _is_translated(value):
        if DEFAULT_LANGUAGE not in value:
            problems.append((loc, f"a text given per language needs {DEFAULT_LANGUAGE!r} (Bokmål)"))
            return ""
        kinds = {type(v) for v in value.values()}
        if kinds == {list}:
            lengths = {len(v) for v in value.values()}
            if len(lengths) > 1:
                problems.append((loc, "the languages must list the same number of texts"))
        elif kinds != {str}:
            problems.append((loc, "give each language a text (or each a list of texts)"))
        return value.get(lang, value[DEFAULT_LANGUAGE])
    if isinstance(value, dict):
        return {k: _localized(v, lang, [*loc, k], problems) for k, v in value.items()}
    if isinstance(value, list):
        return [_localized(v, lang, [*loc, n], problems) for n, v in enumerate(value)]
    return value


def _filled(raw: dict, given: dict[str, str], problems: list) -> dict:
    """Fill ``{name}`` in every text with the template's parameters."""
    defaults = raw.get("params", {})
    if not isinstance(defaults, dict) or not all(isinstance(v, str) for v in defaults.values()):
        problems.append((["params"], "parameters are names with a text each"))
        return raw
    unknown = sorted(set(given) - set(defaults))
    if unknown:
        known = ", ".join(sorted(defaults)) or "none"
        problems.append((["params"], f"the template has no parameter {', '.join(unknown)} (it has: {known})"))
        return raw
    values = defaults | given

    def fill(value: Any, loc: list) -> Any:
        if isinstance(value, str):

            def one(match: re.Match) -> str:
                name = match.group(1)
                if name not in values:
                    problems.append((loc, f"{{{name}}} is not a parameter of this template (see [params])"))
                    return match.group(0)
                return values[name]

            return _PARAM.sub(one, value)
        if isinstance(value, dict):
            return {k: fill(v, [*loc, k]) for k, v in value.items()}
        if isinstance(value, list):
            return [fill(v, [*loc, n]) for n, v in enumerate(value)]
        return value

    filled = {k: fill(v, [k]) for k, v in raw.items() if k != "params"}
    filled["params"] = values
    return filled


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
            key = re.compile(r"^\s*" + re.escape(part) + r"\s*[=.]")  # text = … or text.nb = …
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
