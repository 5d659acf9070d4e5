"""Who may give a round's words in other languages: the place's staff only."""

from __future__ import annotations

import pytest

from giving.extensions import db
from tests.access_helpers import assert_sent_to_log_in
from tests.conftest import post_form
from tests.giving.round_helpers import as_user, round_url

ROUTES_COVERED = {"/places/<place_slug>/rounds/<int:round_id>/languages"}


@pytest.fixture
def welsh_world(world):
    world.place.languages = "en,cy"
    return world


def test_visitors_are_sent_to_log_in(client, welsh_world):
    assert_sent_to_log_in(client.get(round_url(welsh_world, "/languages")))


@pytest.mark.parametrize("who", ["member", "resident", "panel", "elsewhere_manager"])
def test_only_the_places_staff_open_or_send_it(client, welsh_world, who):
    url = round_url(welsh_world, "/languages")
    as_user(client, getattr(welsh_world, who))
    assert client.get(url).status_code == 403
    page = round_url(welsh_world)  # a page with a form, for the CSRF token
    response = post_form(client, url, {"title_cy": "Teitl"}, page=page)
    assert response.status_code == 403
    db.session.refresh(welsh_world.round)
    assert welsh_world.round.translations == {}


def test_the_places_staff_use_it(client, welsh_world):
    as_user(client, welsh_world.manager)
    url = round_url(welsh_world, "/languages")
    assert client.get(url).status_code == 200
    assert post_form(client, url, {"title_cy": "Teitl"}).status_code == 302
