"""Who may use each public report page, survey and API path, and who may not. The reports
are for everyone, without an account; the surveys only for the people they ask."""

from __future__ import annotations

import pytest

from giving.workflow import State
from tests.conftest import post_form
from tests.factories import FundFactory, PanelFactory, PanelMemberFactory, UserFactory
from tests.giving.round_helpers import as_user, build_world

_P = "/places/<place_slug>"
PUBLIC = {
    "/results",
    _P + "/results",
    _P + "/results/rounds/<int:round_id>",
    _P + "/scorecard",
    "/scorecard/how-we-work-it-out",
    _P + "/participation",
    _P + "/grants",
    _P + "/money",
    "/funds/<int:fund_id>/scorecard",
}
API = {
    "/api/openapi.json",
    "/api/places",
    "/api/places/<place_slug>",
    "/api/places/<place_slug>/rounds",
    "/api/rounds/<round_id>",
    "/api/rounds/<round_id>/results",
    "/api/places/<place_slug>/scorecard",
    "/api/rounds/<round_id>/scorecard",
    "/api/places/<place_slug>/participation",
    "/api/rounds/<round_id>/participation",
    "/api/places/<place_slug>/grants",
    "/api/places/<place_slug>/money",
    "/api/funds/<fund_id>/scorecard",
}
ROUTES_COVERED = (
    PUBLIC
    | API
    | {
        "/applications/<int:application_id>/rate",
        "/applications/<int:application_id>/feedback-privacy",
        _P + "/results/rounds/<int:round_id>/what-you-gained",
        _P + "/figures",
    }
)


@pytest.fixture
def world(session):
    w = build_world()
    w.application.state = State.AWARDED
    w.application.award_pence = 100_000
    w.application.submitted_at = w.application.created_at
    w.application.decided_at = w.application.created_at
    panel = PanelFactory(round=w.round)
    w.panellist = PanelMemberFactory(panel=panel).user
    w.stranger = UserFactory()
    w.fund = FundFactory(place=w.place)
    session.commit()
    return w


def _fill(rule: str, w) -> str:
    return (
        rule.replace("<place_slug>", w.place.slug)
        .replace("<int:round_id>", str(w.round.id))
        .replace("<round_id>", str(w.round.id))
        .replace("<int:application_id>", str(w.application.id))
        .replace("<int:fund_id>", str(w.fund.id))
        .replace("<fund_id>", str(w.fund.id))
    )


@pytest.mark.parametrize("who", ["visitor", "stranger", "member", "manager"])
def test_the_public_reports_and_api_are_open_to_everyone(world, client, who):
    as_user(client, None if who == "visitor" else getattr(world, who))
    for rule in sorted(PUBLIC | API):
        response = client.get(_fill(rule, world))
        assert response.status_code == 200, rule


def test_a_draft_round_has_no_public_results(world, client):
    for user in (None, world.manager):
        as_user(client, user)
        url = f"/places/{world.place.slug}/results/rounds/{world.draft_round.id}"
        assert client.get(url).status_code == 404
        assert client.get(f"/api/rounds/{world.draft_round.id}").status_code == 404
        assert client.get(f"/api/rounds/{world.draft_round.id}/scorecard").status_code == 404
    assert client.get("/places/nowhere/results").status_code == 404


@pytest.mark.parametrize("path", ["rate", "feedback-privacy"])
def test_only_the_group_answers_for_its_application(world, client, path):
    url = f"/applications/{world.application.id}/{path}"
    as_user(client, None)
    assert client.get(url).status_code == 302  # to log in
    for outsider in (world.stranger, world.other_member, world.panel):
        as_user(client, outsider)
        assert client.get(url).status_code == 403
    as_user(client, world.manager)
    assert client.get(url).status_code == 403  # staff see it, but may not answer for the group
    as_user(client, world.member)
    assert client.get(url).status_code == 200


def test_only_people_who_took_part_tell_what_they_gained(world, client):
    url = f"/places/{world.place.slug}/results/rounds/{world.round.id}/what-you-gained"
    as_user(client, None)
    assert client.get(url).status_code == 302
    for outsider in (world.stranger, world.member, world.manager):
        as_user(client, outsider)
        assert client.get(url).status_code == 403
    as_user(client, world.panellist)
    assert client.get(url).status_code == 200


def test_only_staff_set_the_place_figures(world, client, session):
    url = f"/places/{world.place.slug}/figures"
    as_user(client, None)
    assert client.get(url).status_code == 302
    for outsider in (world.stranger, world.member, world.panel, world.elsewhere_manager):
        as_user(client, outsider)
        assert client.get(url).status_code == 403
    as_user(client, world.manager)
    assert client.get(url).status_code == 200
    response = post_form(client, url, {"figures": "Ward, North, 1200\nWard, South, 800"})
    assert response.status_code == 302
    assert "Ward, North, 1200" in client.get(url).get_data(as_text=True)
    bad = post_form(client, url, {"figures": "Ward North 1200"})
    assert bad.status_code == 200
    assert "commas" in bad.get_data(as_text=True)
