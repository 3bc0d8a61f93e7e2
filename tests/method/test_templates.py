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
            answered = {tuple(k.split(":")[1:]) for k in state.answers if k.startswith(f"{phase_no}:")}
            expected = {(str(q), g) for q in range(len(phase.questions)) for g in groups}
            if phase.plan:
                expected.discard((str(len(phase.questions) - 1), groups[0]))
            assert answered == expected
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
    with pytest.raises(TemplateError, match=rf"mal\.toml, line {line} \(phases\[3\]\.groups\)"):
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
