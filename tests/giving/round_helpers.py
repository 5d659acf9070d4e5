"""Shared set-up for the rounds and applications tests: a place with a fund manager, a round
taking applications, two groups with a member each, a resident and a panel member."""

from __future__ import annotations

from types import SimpleNamespace

from flask.testing import FlaskClient

from tests.conftest import log_in
from tests.factories import (
    ApplicationFactory,
    GroupFactory,
    GroupMemberFactory,
    RoleGrantFactory,
    RoundFactory,
    UserFactory,
    place_with_wards,
)


def build_world() -> SimpleNamespace:
    place, north, south = place_with_wards("riverton", "Riverton", "RV")
    manager = UserFactory(name="Fran Manager")
    RoleGrantFactory(user=manager, place=place)
    round_ = RoundFactory(place=place, title="Riverton small grants")
    draft_round = RoundFactory(place=place, title="Grants for next year", opened=False)
    group = GroupFactory(place=place, name="Riverton Larder", postcode="RV1 1AA")
    member = GroupMemberFactory(group=group).user
    other_group = GroupFactory(place=place, name="Riverton Choir")
    other_member = GroupMemberFactory(group=other_group).user
    resident = UserFactory(postcode="RV1 2AB")
    panel = UserFactory()
    RoleGrantFactory(user=panel, place=place, panel=True)
    elsewhere_manager = UserFactory()
    RoleGrantFactory(user=elsewhere_manager)
    application = ApplicationFactory(round=round_, group=group, answered=True)
    return SimpleNamespace(
        place=place,
        wards=(north, south),
        manager=manager,
        round=round_,
        draft_round=draft_round,
        group=group,
        member=member,
        other_group=other_group,
        other_member=other_member,
        resident=resident,
        panel=panel,
        elsewhere_manager=elsewhere_manager,
        application=application,
    )


def as_user(client: FlaskClient, user) -> FlaskClient:
    """Log ``user`` in on ``client``, logging out whoever was in (None: stay logged out)."""
    with client.session_transaction() as browser_session:
        browser_session.clear()
    if user is not None:
        response = log_in(client, user)
        assert response.status_code == 302, "log in failed"
    return client


def round_url(world: SimpleNamespace, suffix: str = "", round_=None) -> str:
    round_ = round_ or world.round
    return f"/places/{world.place.slug}/rounds/{round_.id}{suffix}"
