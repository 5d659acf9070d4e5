"""Plain words for the public: counting rules and draw methods have plain names, explained on
one public page that every place a rule is named links to; no code names on public pages."""

from __future__ import annotations

import re

import pytest

from tests.giving.round_helpers import as_user
from tests.giving.tasks_helpers import build_tasks_world
from voting import plain_words
from voting.rules.registry import RULES
from voting.sortition import ALGORITHMS

CODE_NAME = re.compile(r"\b(mes|greedy)_[a-z0-9_]+|sortition-algorithms|\blegacy\b|\bmaximin\b")


def _words(page: str) -> str:
    """What a person reads: the page without its tags."""
    return re.sub(r"<[^>]+>", " ", page)


@pytest.fixture
def world(session):
    return build_tasks_world()


def test_every_rule_and_draw_method_has_a_plain_name_and_explanation(app):
    with app.test_request_context():
        for code in RULES:
            explained = plain_words.rule(code)
            assert explained.name
            assert explained.how
            assert not CODE_NAME.search(explained.name + explained.how), code
        for code in ALGORITHMS:
            explained = plain_words.draw_method(code)
            assert not CODE_NAME.search(explained.name + explained.how), code


def test_the_how_this_works_page_explains_each_rule_method_and_score(client, session):
    page = client.get("/how-it-works").get_data(as_text=True)
    assert not CODE_NAME.search(_words(page))
    for heading in ("Equal shares", "Most votes first", "Quota lottery", "Middle", "Fair score"):
        assert heading in page
    assert 'id="rule-mes-cost-add1-greedy"' in page
    assert 'id="fair-score"' in page


def test_a_vote_page_names_its_rule_in_plain_words_and_links_to_how_it_works(client, world):
    as_user(client, world.resident)
    page = client.get(f"/votes/{world.open_vote.id}").get_data(as_text=True)
    assert "Equal shares" in page
    assert 'href="/how-it-works#rule-mes-cost"' in page
    assert not CODE_NAME.search(_words(page))


def test_middle_and_fair_score_are_explained_where_they_appear(client, world):
    as_user(client, world.resident)
    page = client.get(f"/panels/{world.panel.id}").get_data(as_text=True)
    assert "Middle: the score in the middle" in page
    assert 'href="/how-it-works#scores"' in page
    as_user(client, world.manager)
    scores = f"/panels/{world.panel.id}/applications/{world.to_score.id}/scores"
    page = client.get(scores).get_data(as_text=True)
    assert 'href="/how-it-works#scores"' in page
