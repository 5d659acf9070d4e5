"""Panel members score against the round's criteria in their own language where it has been
written; where not, the place's first language, marked with its lang."""

from __future__ import annotations

from giving.extensions import db
from tests.giving.round_helpers import as_user
from tests.voting.panel_helpers import app_url


def test_a_welsh_reader_scores_against_the_welsh_criteria(client, world):
    world.place.languages = "en,cy"
    helps = world.round.criteria[0]
    helps.translations = {"cy": {"name": "Yn helpu pobl"}}
    db.session.flush()
    as_user(client, world.reader.user)
    client.set_cookie("pf_language", "cy")
    page = client.get(app_url(world, world.first, "score")).get_data(as_text=True)
    assert '<html lang="cy"' in page
    assert "Yn helpu pobl" in page
    assert "Helps people" not in page
    # "Good value" has no Welsh: it is shown in English, marked as English, with one note.
    assert '<span lang="en">Good value</span>' in page
    assert page.count('id="content-language-note"') == 1


def test_an_english_reader_sees_the_criteria_as_written(client, world):
    world.place.languages = "en,cy"
    world.round.criteria[0].translations = {"cy": {"name": "Yn helpu pobl"}}
    db.session.flush()
    as_user(client, world.reader.user)
    page = client.get(app_url(world, world.first, "score")).get_data(as_text=True)
    assert "Helps people" in page
    assert "Yn helpu pobl" not in page
    assert "content-language-note" not in page
