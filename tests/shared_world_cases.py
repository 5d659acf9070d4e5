"""Tests that share a world made once (``shared_session``), run by test_shared_session.py in
a pytest of their own, one after another: each finds the world as it was made, whatever the
test before it changed, in its own session or through a request."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from giving.models import Place, User
from tests.conftest import post_form
from tests.factories import PlaceFactory, PostcodeAreaFactory, UserFactory
from tests.giving.round_helpers import as_user

NAME = "Shared Vale"


@pytest.fixture(scope="module")
def world(shared_session):
    place = PlaceFactory(name=NAME, slug="shared-vale")
    PostcodeAreaFactory(place=place, prefix="SV1")
    person = UserFactory(name="Sam Shared", postcode=None)
    return {"place": place.id, "slug": place.slug, "person": person}


@pytest.mark.parametrize("turn", range(3))
def test_each_test_finds_the_world_as_it_was_made(turn, client, session, world):
    place = session.get(Place, world["place"])
    assert place.name == NAME
    assert session.scalar(select(func.count()).select_from(Place)) == 1
    assert session.get(User, world["person"].id).postcode is None
    # Change the world, in the test's session and in a request; the next test must not see it.
    place.name = f"Changed by test {turn}"
    PlaceFactory()
    session.commit()
    as_user(client, world["person"])
    answer = post_form(client, "/account/postcode", {"postcode": "SV1 1AA"})
    assert answer.status_code == 302
    assert session.get(User, world["person"].id).postcode == "SV1 1AA"
