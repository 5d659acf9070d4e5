"""Forming a panel: residents offer (answers kept apart from accounts), an open panel takes
everyone, a fund manager appoints or draws by lottery, and replaces people who drop out."""

from __future__ import annotations

import pytest
from sqlalchemy import inspect, select

from giving.models import Role, RoleGrant
from giving.workflow import State
from tests.conftest import post_form
from tests.factories import (
    ApplicationFactory,
    PanelFactory,
    PlaceFactory,
    PostcodeAreaFactory,
    RoleGrantFactory,
    RoundFactory,
    UserFactory,
)
from tests.giving.round_helpers import as_user
from voting import services
from voting.models import PanelOffer, ProfileAnswer
from voting.workflow import PanelStatus


@pytest.fixture
def place(session):
    place = PlaceFactory(slug="ashby", name="Ashby")
    PostcodeAreaFactory(place=place, prefix="AS1")
    return place


def _residents(n):
    return [UserFactory(postcode=f"AS1 {i % 9 + 1}AB") for i in range(n)]


def test_profile_answers_are_kept_apart_from_accounts(session):
    columns = {c.key for c in inspect(ProfileAnswer).columns}
    assert columns == {"id", "volunteer_ref", "category_id", "value_id"}


def test_a_resident_offers_to_an_open_panel_and_joins(session, place, ctx):
    manager = RoleGrantFactory(place=place).user
    panel = PanelFactory(round=RoundFactory(place=place), open=True)
    age = services.add_category(session, manager, panel, "Age band", ["Under 40", "40 and over"])
    person = _residents(1)[0]
    offer = services.offer_to_serve(session, person, panel, {age.id: age.values[1].id})
    assert services.member_for(session, person, panel) is not None
    assert session.scalar(
        select(RoleGrant).where(RoleGrant.user_id == person.id, RoleGrant.role == Role.PANEL_MEMBER)
    )
    answers = session.scalars(
        select(ProfileAnswer).where(ProfileAnswer.volunteer_ref == offer.volunteer_ref)
    ).all()
    assert [a.value_id for a in answers] == [age.values[1].id]
    # Withdrawing deletes the answers, takes them off the panel and ends the role.
    services.withdraw_offer(session, person, panel)
    assert services.member_for(session, person, panel) is None
    assert not session.scalars(
        select(ProfileAnswer).where(ProfileAnswer.volunteer_ref == offer.volunteer_ref)
    ).all()
    assert not session.scalar(
        select(RoleGrant).where(RoleGrant.user_id == person.id, RoleGrant.role == Role.PANEL_MEMBER)
    )


def _is_panel_member(session, user, place) -> bool:
    return (
        session.scalar(
            select(RoleGrant).where(
                RoleGrant.user_id == user.id,
                RoleGrant.place_id == place.id,
                RoleGrant.role == Role.PANEL_MEMBER,
            )
        )
        is not None
    )


def test_leaving_the_last_panel_in_a_place_ends_the_panel_member_role(session, place, ctx):
    manager = RoleGrantFactory(place=place).user
    first = PanelFactory(round=RoundFactory(place=place))
    second = PanelFactory(round=RoundFactory(place=place))
    person = _residents(1)[0]
    on_first = services.appoint(session, manager, first, person.email)
    on_second = services.appoint(session, manager, second, person.email)
    assert _is_panel_member(session, person, place)
    # Still on the second panel: still a panel member.
    services.remove_member(session, manager, on_first)
    assert _is_panel_member(session, person, place)
    services.remove_member(session, manager, on_second)
    assert not _is_panel_member(session, person, place)
    # Joining again gives the role back.
    services.appoint(session, manager, first, person.email)
    assert _is_panel_member(session, person, place)


def test_only_residents_may_offer(client, session, place):
    panel = PanelFactory(round=RoundFactory(place=place), open=True)
    url = f"/places/ashby/rounds/{panel.round_id}/panel/offer"
    as_user(client, UserFactory(postcode="ZZ9 9ZZ"))
    assert client.get(url).status_code == 403
    resident = _residents(1)[0]
    as_user(client, resident)
    assert client.get(url).status_code == 200
    assert post_form(client, url, {}).status_code == 302
    assert session.scalar(select(PanelOffer).where(PanelOffer.user_id == resident.id)) is not None


def test_a_drawn_panel_meets_its_quotas_and_can_be_checked_and_refilled(session, place, ctx):
    manager = RoleGrantFactory(place=place).user
    panel = PanelFactory(round=RoundFactory(place=place), drawn=True, size=6)
    age = services.add_category(session, manager, panel, "Age band", ["Young", "Middle", "Old"])
    people = _residents(40)
    for i, person in enumerate(people):
        services.offer_to_serve(session, person, panel, {age.id: age.values[i % 3].id})
    quotas = {v.id: (2, 2) for v in age.values}
    services.plan_lottery(session, manager, panel, "Dice at the meeting", "maximin", quotas)
    services.close_offers(session, manager, panel)
    draw = services.draw_panel(session, manager, panel, "3 1 6 2")
    assert len(panel.active_members) == 6
    assert all(row["chosen"] == 2 for row in draw.summary if row["value"] != "not said")
    assert services.check_draw(draw)
    # Someone drops out; a replacement comes from the alternates, keeping the quotas.
    leaver = panel.active_members[0]
    services.remove_member(session, manager, leaver)
    replacement = services.draw_replacements(session, manager, panel)
    assert replacement.seats == 1
    assert len(panel.active_members) == 6
    assert leaver.user_id not in {m.user_id for m in panel.active_members}
    counts = {}
    for member in panel.active_members:
        offer = services.offer_for(session, member.user, panel)
        answer = session.scalar(
            select(ProfileAnswer).where(ProfileAnswer.volunteer_ref == offer.volunteer_ref)
        )
        counts[answer.value_id] = counts.get(answer.value_id, 0) + 1
    assert sorted(counts.values()) == [2, 2, 2]


def test_a_quota_that_cannot_be_met_tells_the_manager_which_category(client, session, place):
    manager = RoleGrantFactory(place=place).user
    panel = PanelFactory(round=RoundFactory(place=place), drawn=True, size=4)
    as_user(client, manager)
    base = f"/places/ashby/rounds/{panel.round_id}/panel"
    assert (
        post_form(
            client, base + "/questions", {"name": "Ward", "values": "North\nSouth"}
        ).status_code
        == 302
    )
    for person in _residents(5):
        as_user(client, person)
        category = panel.categories[0]
        post_form(client, base + "/offer", {f"category_{category.id}": str(category.values[0].id)})
    as_user(client, manager)
    south = panel.categories[0].values[1]
    north = panel.categories[0].values[0]
    plan = {"algorithm": "maximin", "source": "Dice rolled at the meeting"}
    response = post_form(
        client, base + "/draw", {f"min_{south.id}": "2", f"min_{north.id}": "0"} | plan
    )
    assert response.status_code == 302
    # Closing offers checks the quotas, and names the category that is short.
    response = post_form(client, base + "/draw/close", {})
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Ward is short: the panel needs at least 2 &#39;South&#39;, but only 0 offered." in page
    response = post_form(client, base + "/draw", {f"min_{south.id}": "0"} | plan)
    assert response.status_code == 302
    assert post_form(client, base + "/draw/close", {}).status_code == 302
    response = post_form(client, base + "/draw", {"result": "5"})
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Starting number (seed)" in page
    assert ">5<" in page.replace(" ", "")


def test_starting_review_moves_sent_applications_through_giving(session, place, ctx):
    manager = RoleGrantFactory(place=place).user
    round_ = RoundFactory(place=place)
    panel = PanelFactory(round=round_, forming=True)
    services.appoint(session, manager, panel, _residents(1)[0].email)
    sent = ApplicationFactory(round=round_, state=State.SUBMITTED, answered=True)
    draft = ApplicationFactory(round=round_, state=State.DRAFT)
    services.move_panel(session, manager, panel, "start_review")
    assert panel.status == PanelStatus.REVIEWING
    assert sent.state == State.IN_REVIEW
    assert draft.state == State.DRAFT
    assert services.is_assigned(session, panel.active_members[0], sent)


def test_k_reviewers_each_are_shared_out_evenly(session, place, ctx):
    manager = RoleGrantFactory(place=place).user
    round_ = RoundFactory(place=place)
    panel = PanelFactory(round=round_, forming=True, reviewers_per_application=2)
    for person in _residents(4):
        services.appoint(session, manager, panel, person.email)
    for _ in range(6):
        ApplicationFactory(round=round_, state=State.SUBMITTED, answered=True)
    services.move_panel(session, manager, panel, "start_review")
    loads = [
        sum(
            services.is_assigned(session, m, a) for a in services.panel_applications(session, panel)
        )
        for m in panel.active_members
    ]
    assert sum(loads) == 12
    assert max(loads) - min(loads) <= 1
