"""Each shipped template loads and runs to its end in the engine."""

from __future__ import annotations

import pytest
from export.sessions import SEVEN_PARTS, run_template

from kompsesjon.export.markdown import render_markdown
from kompsesjon.export.report import build_report
from kompsesjon.method.agenda import PhaseKind
from kompsesjon.method.group_work import active_groups
from kompsesjon.templates import TemplateError, builtin_names, load_template, parse_template


@pytest.mark.parametrize("name", builtin_names())
def test_template_runs_to_its_end(name):
    script = run_template(name)
    state = script.state
    assert state.phase == len(state.agenda) - 1
    assert state.current.kind == PhaseKind.CLOSING
    report = build_report(state)
    assert len(report.check_outs) == 9
    for phase_no, phase in enumerate(state.agenda):
        if phase.kind == PhaseKind.GROUP_WORK:
            # Every group of the round answered every question of the phase
            # (but one plan part, which the script leaves empty on purpose).
            groups = [g.id for g in active_groups(state, phase.groups)]
            answered = {(k.question, k.sub, k.group) for k in state.answers if k.phase == phase_no}
            asked = {
                (q, sub, g) for q, question in enumerate(phase.questions) for sub in question.fields for g in groups
            }
            if phase.plan:
                asked.discard((len(phase.questions) - 1, None, groups[0]))
            assert answered == asked
    text = render_markdown(report)
    assert report.session.title in text.replace("\\", "")


def test_expected_templates_are_shipped():
    assert {"framtidsverksted", "dialogkonferanse", "refleksjon", "fylkessamling"} <= set(builtin_names())
    seed_004 = load_template("fylkessamling")
    municipal = [q.text for p in seed_004.phases for q in p.questions if q.text.startswith("Kommunens plan")]
    assert len(municipal) == 7, "the seven content elements of the municipal plan"
    seed_000 = load_template("refleksjon")
    cases = [p for p in seed_000.phases if p.kind == PhaseKind.GROUP_WORK]
    assert len(cases) == 4 and all(len(p.questions) == 3 for p in cases)


def test_dialogue_conference_cross_groups_bring_new_people_together():
    script = run_template("dialogkonferanse", people=24)
    state = script.state
    base = {pid: g.id for g in active_groups(state, "base") for pid in g.members}
    for group in active_groups(state, "cross"):
        origins = [base[pid] for pid in group.members]
        assert len(origins) == len(set(origins)) or len(group.members) > len(set(base.values()))
        assert len(group.members) <= 8
    for group in active_groups(state, "base"):
        orgs = [state.participants[pid].org for pid in group.members]
        assert len(group.members) <= 8 and len(set(orgs)) >= min(len(orgs), 3)


def test_a_bad_template_names_field_and_line():
    text = load_template.__globals__["template_path"]("dialogkonferanse").read_text(encoding="utf-8")
    broken = text.replace('groups = "cross"', 'groups = "kors"', 1)
    line = next(
        n for n, row in enumerate(text.splitlines(), start=1) if 'groups = "cross"' in row and not row.startswith("id")
    )
    with pytest.raises(TemplateError, match=rf"mal\.toml, line {line} \(phases\[5\]\.groups\)"):
        parse_template(broken, "mal.toml")
    with pytest.raises(TemplateError, match=r"line 4 \(phases\[0\]\.kind\): Input should be"):
        parse_template('name = "x"\ntitle = "y"\n[[phases]]\nkind = "dans"\n', "mal.toml")
    with pytest.raises(TemplateError, match="not valid TOML"):
        parse_template("name = ", "mal.toml")


def test_a_plan_part_needs_a_plan_and_a_plan_needs_parts():
    head = 'name = "x"\ntitle = "y"\n[[group_sets]]\nid = "k"\nmode = "by_org"\n'
    with pytest.raises(TemplateError, match=r"line 11 \(phases\[0\]\.questions\[0\]\.part\): a 'part' needs"):
        parse_template(
            head + '[[phases]]\nkind = "group_work"\ngroups = "k"\n[[phases.questions]]\ntext = "Mål?"\npart = "Mål"\n',
            "mal.toml",
        )
    with pytest.raises(TemplateError, match=r"\(phases\[0\]\.plan\): a plan needs questions with 'part'"):
        parse_template(
            head
            + '[[phases]]\nkind = "group_work"\ngroups = "k"\nplan = "Plan"\n[[phases.questions]]\ntext = "Mål?"\n',
            "mal.toml",
        )
    with pytest.raises(TemplateError, match=r"\(phases\[0\]\.plan\): only a group_work phase"):
        parse_template('name = "x"\ntitle = "y"\n[[phases]]\nkind = "intro"\nplan = "Plan"\n', "mal.toml")


def test_the_county_gathering_fills_the_seven_part_municipal_plan():
    spec = load_template("fylkessamling")
    (phase,) = [p for p in spec.phases if p.plan]
    assert phase.plan == "Kommunens plan" and phase.groups == "kommune"
    assert [q.part for q in phase.questions if q.part] == SEVEN_PARTS
    assert spec.purpose and spec.rules.evaluation


# ---- languages and parameters ---------------------------------------------------

TEXT_FIELDS = {"title", "description", "prompt", "text", "sub", "purpose", "background", "plan", "part"}


def texts_without(raw, lang: str, where: str = "") -> list[str]:
    """Every text of a raw template that is not given in ``lang``."""
    missing: list[str] = []
    if isinstance(raw, dict):
        for key, value in raw.items():
            if key in TEXT_FIELDS and (not isinstance(value, dict) or lang not in value):
                missing.append(f"{where}.{key}")
            elif isinstance(value, (dict, list)) and key not in TEXT_FIELDS:
                missing += texts_without(value, lang, f"{where}.{key}")
    elif isinstance(raw, list):
        for n, value in enumerate(raw):
            missing += texts_without(value, lang, f"{where}[{n}]")
    return missing


@pytest.mark.parametrize("name", builtin_names())
def test_shipped_templates_carry_swedish_and_english(name):
    import tomllib

    raw = tomllib.loads(load_template.__globals__["template_path"](name).read_text(encoding="utf-8"))
    for lang in ("nb", "sv", "en"):
        assert texts_without(raw, lang) == [], f"{name} has texts without {lang}"


def test_a_swedish_session_gets_the_swedish_texts_and_nynorsk_falls_back_to_bokmal():
    swedish = load_template("refleksjon", lang="sv")
    assert swedish.title == "Programrådgivarens roll – samordning"
    case_3 = swedish.phases[-3]
    assert case_3.questions[1].sub[:2] == ["Vad fungerade bra?", "Vad fungerade inte?"]
    assert load_template("refleksjon", lang="nn").title == load_template("refleksjon").title
    own = parse_template(
        'name = "x"\ntitle.nb = "Samling"\ntitle.nn = "Samling på nynorsk"\n[[phases]]\nkind = "intro"\n', lang="nn"
    )
    assert own.title == "Samling på nynorsk"


def test_parameters_fill_in_dates_that_change():
    default = load_template("fylkessamling")
    texts = [s for p in default.phases for q in p.questions for s in [q.text, *q.sub]]
    assert not any("2020" in text for text in texts), "no stale dates"
    assert "Hva må skje før første samling?" in texts
    given = load_template("fylkessamling", params={"first_gathering": "samlingen 12. mars"})
    assert "Hva må skje før samlingen 12. mars?" in [s for p in given.phases for q in p.questions for s in q.sub]
    assert given.params["first_gathering"] == "samlingen 12. mars"
    with pytest.raises(TemplateError, match="no parameter dato"):
        load_template("fylkessamling", params={"dato": "mars"})


@pytest.mark.parametrize(
    "text, message",
    [
        ('title.sv = "Träff"', "needs 'nb'"),
        ('title = "y"\n[[phases]]\nkind = "intro"\nprompt = "Før {dato}"', r"\{dato\} is not a parameter"),
        ('title = "y"\n[[phases]]\nkind = "intro"\nprompt.nb = "a"\nprompt.sv = ["a"]', "each a list"),
    ],
)
def test_bad_texts_and_parameters_are_refused_with_their_place(text, message):
    with pytest.raises(TemplateError, match=message):
        parse_template(f'name = "x"\n{text}\n', "mal.toml")


def test_list_texts_must_agree_across_languages():
    text = """name = "x"
title = "y"
[[group_sets]]
id = "g"
[[phases]]
kind = "group_work"
groups = "g"
  [[phases.questions]]
  text = "Spørsmål"
  sub.nb = ["a", "b"]
  sub.sv = ["a"]
"""
    with pytest.raises(TemplateError, match=r"line 10 \(phases\[0\]\.questions\[0\]\.sub\): the languages must list"):
        parse_template(text, "mal.toml")


def test_group_round_settings_that_do_not_fit_are_refused():
    base = 'name = "x"\ntitle = "y"\n[[group_sets]]\nid = "g"\n[[phases]]\nkind = "group_work"\ngroups = "g"\n'
    question = '  [[phases.questions]]\n  text = "Q"\n'
    with pytest.raises(TemplateError, match="answer_each_sub needs sub-questions"):
        parse_template(base + question + "  answer_each_sub = true\n", "mal.toml")
    with pytest.raises(TemplateError, match="board a group_work phase reflects on"):
        parse_template(base + 'board = "critique"\n' + question, "mal.toml")
    with pytest.raises(TemplateError, match="only a report phase"):
        parse_template(base + "group_minutes = 3\n" + question, "mal.toml")
