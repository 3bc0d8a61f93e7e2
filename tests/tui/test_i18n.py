"""Every language has every string, and every key the apps use exists."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest

from kompsesjon import i18n
from kompsesjon.i18n import LANGUAGES, catalog

ROOT = Path(i18n.__file__).parent
TUI = ROOT.parent / "tui"

# t("key"), tn("key", n) and N_("key") (binding descriptions, translated later)
# whose whole first argument is a literal key (not f"…{x}" nor "tie." + x).
KEY_USE = re.compile(r"""\b(?:t|tn|N_)\(\s*f?(["'])([A-Za-z0-9_.]+)\1\s*[,)]""")

# Keys the participant app builds at run time from a fixed set of values.
DYNAMIC = {
    "participant.vote.status_{}": ["done", "abstained", "voting", "not_voted"],
    "participant.brainstorm.rules_{}": ["critique", "vision"],
    "participant.refused.{}": [
        "participant_removed",
        "protocol_version",
        "hello_failed",
        "hello_timeout",
        "too_many_attempts",
        "bad_url",
    ],
    "tie.{}": ["voters", "earlier"],
    "host.refused.{}": ["facilitator", "screen"],
    "plan.{}": ["what", "how", "who", "first_step", "when"],
}


def flat(table: dict, prefix: str = "") -> set[str]:
    out: set[str] = set()
    for key, value in table.items():
        out |= flat(value, f"{prefix}{key}.") if isinstance(value, dict) else {f"{prefix}{key}"}
    return out


def keys_of(lang: str, area: str) -> set[str]:
    return flat(tomllib.loads((ROOT / lang / f"{area}.toml").read_text(encoding="utf-8")))


AREAS = sorted({p.stem for lang in LANGUAGES for p in (ROOT / lang).glob("*.toml")})


@pytest.mark.parametrize("area", AREAS)
def test_every_language_has_the_same_keys(area):
    for lang in LANGUAGES:
        assert (ROOT / lang / f"{area}.toml").exists(), f"{lang}/{area}.toml is missing"
    nb = keys_of("nb", area)
    for lang in LANGUAGES[1:]:
        other = keys_of(lang, area)
        assert other == nb, f"{lang}/{area}.toml: missing {sorted(nb - other)}, extra {sorted(other - nb)}"


def test_placeholders_match_across_languages():
    names = re.compile(r"{(\w*)}")
    nb = catalog("nb")
    for lang in LANGUAGES[1:]:
        for key, text in catalog(lang).items():
            assert set(names.findall(text)) == set(names.findall(nb[key])), f"{lang}: {key}"


def used_keys() -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for path in sorted(TUI.rglob("*.py")):
        for match in KEY_USE.finditer(path.read_text(encoding="utf-8")):
            found.setdefault(match.group(2), []).append(str(path.relative_to(TUI)))
    return found


def test_every_key_used_in_the_apps_exists():
    used = used_keys()
    assert len(used) > 100, "the regex should find the apps' keys"
    nb = catalog("nb")
    missing = {key: files for key, files in used.items() if key not in nb}
    assert not missing, f"keys used but not defined: {missing}"
    for pattern, values in DYNAMIC.items():
        for value in values:
            assert pattern.format(value) in nb, pattern.format(value)


def test_participant_strings_are_not_markup():
    # Our own strings go into widgets that may parse markup (buttons, labels).
    for lang in LANGUAGES:
        for key, text in catalog(lang).items():
            if key.startswith("participant."):
                assert "[" not in text, f"{lang}: {key}"


async def test_apps_with_a_language_of_their_own_do_not_switch_each_other():
    # Several apps in one SSH seat host: each runs in its own context.
    import asyncio

    async def app(lang: str, switch_to: str | None, ready: asyncio.Event, go: asyncio.Event) -> tuple[str, str]:
        i18n.own_language(lang)
        before = i18n.t("commands.quit")
        ready.set()
        await go.wait()
        if switch_to:
            i18n.use(switch_to)
        await asyncio.sleep(0)
        return before, i18n.t("commands.quit")

    process_before = i18n.t("commands.quit")
    ready = [asyncio.Event(), asyncio.Event()]
    go = asyncio.Event()
    kari = asyncio.ensure_future(app("nb", "en", ready[0], go))
    sven = asyncio.ensure_future(app("sv", None, ready[1], go))
    await asyncio.gather(*(event.wait() for event in ready))
    go.set()
    (kari_before, kari_after), (sven_before, sven_after) = await asyncio.gather(kari, sven)
    assert kari_before == catalog("nb")["commands.quit"] and kari_after == catalog("en")["commands.quit"]
    assert sven_before == sven_after == catalog("sv")["commands.quit"], "Kari's switch is Kari's alone"
    assert i18n.t("commands.quit") == process_before, "and the process's language is untouched"
