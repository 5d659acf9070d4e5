"""Every string a page, form or email can show is in the Welsh and Polish catalogues,
translated (each plural form too), not marked fuzzy, and with the same placeholders as the
English, so that no reader meets English, or a broken sentence, in the middle of their own
language."""

from __future__ import annotations

from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
TRANSLATIONS = ROOT / "translations"
LANGUAGES = ("cy", "pl")


def catalogue(code: str) -> Catalog:
    with (TRANSLATIONS / code / "LC_MESSAGES" / "messages.po").open("rb") as po:
        return read_po(po, locale=code)


def _translated(message) -> bool:
    if isinstance(message.string, tuple | list):
        return bool(message.string) and all(message.string)
    return bool(message.string)


def strings_in_the_code() -> set[str | tuple[str, ...]]:
    """What `make translations-extract` finds in the code and templates today."""
    with (ROOT / "babel.cfg").open() as cfg:
        method_map, options_map = parse_mapping_cfg(cfg)
    keywords = {
        "_": None,
        "gettext": None,
        "ngettext": (1, 2),
        "_l": None,
        "lazy_gettext": None,
        "lazy_ngettext": (1, 2),
        "pgettext": ((1, "c"), 2),
        "npgettext": ((1, "c"), 2, 3),
        # The counting rules' reasons (voting.rules.reasons): marked, translated when shown.
        "N_": None,
        "Nn_": (1, 2),
    }
    found: set[str | tuple[str, ...]] = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
        str(ROOT), method_map, options_map, keywords=keywords
    ):
        found.add(message if isinstance(message, str) else tuple(message))
    return found


@pytest.mark.parametrize("code", LANGUAGES)
def test_every_message_is_translated_and_none_is_fuzzy(code):
    catalog = catalogue(code)
    untranslated = [m.id for m in catalog if m.id and not _translated(m)]
    fuzzy = [m.id for m in catalog if m.id and m.fuzzy]
    assert not untranslated, f"{len(untranslated)} untranslated in {code}: {untranslated[:5]}"
    assert not fuzzy, f"{len(fuzzy)} fuzzy in {code}: {fuzzy[:5]}"


@pytest.mark.parametrize("code", LANGUAGES)
def test_translations_keep_the_placeholders(code):
    """Babel's own checks: a translation that drops or invents a %(name)s would fail when the
    page fills it in."""
    problems = [
        (message.id, [str(error) for error in errors])
        for message, errors in catalogue(code).check()
        if errors
    ]
    assert not problems, problems[:5]


def test_every_string_in_the_code_is_in_each_catalogue():
    """A string marked in the code but missing from a catalogue shows in English: run
    `make translations-update` and translate what it adds."""
    wanted = strings_in_the_code()
    assert len(wanted) > 1000, "the extraction found the app's strings"
    for code in LANGUAGES:
        have = {m.id if isinstance(m.id, str) else tuple(m.id) for m in catalogue(code) if m.id}
        missing = sorted(str(m) for m in wanted - have)
        assert not missing, f"{len(missing)} not in {code}: {missing[:5]}"
