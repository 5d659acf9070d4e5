"""The two anonymous surveys: groups rate how the funder treated them (once per group and
round, after a decision), and people who took part say what it gave them. Answers never carry
a name; results show only in totals once five have answered. Groups choose whether their
reasons are published."""

from __future__ import annotations

import pytest
from sqlalchemy import func, inspect, select

from giving.models import (
    FunderRating,
    FunderRatingReceipt,
    GainAnswer,
    GainReceipt,
)
from giving.workflow import State
from tests.conftest import post_form
from tests.factories import (
    ApplicationFactory,
    GroupFactory,
    GroupMemberFactory,
    PanelFactory,
    PanelMemberFactory,
    UserFactory,
)
from tests.giving.round_helpers import as_user, build_world

ANSWERS = {"respect": "5", "clarity": "4", "time": "3", "overall": "4"}


@pytest.fixture
def world(session):
    w = build_world()
    w.application.state = State.DECLINED
    w.application.submitted_at = w.application.created_at
    w.application.decided_at = w.application.created_at
    w.application.feedback = "Another project in your ward did much the same."
    session.commit()
    return w


def test_answers_are_stored_without_the_group_and_only_once_per_group(session, world, client):
    as_user(client, world.member)
    url = f"/applications/{world.application.id}/rate"
    response = post_form(client, url, ANSWERS)
    assert response.status_code == 302
    rating = session.scalar(select(FunderRating))
    assert (rating.respect, rating.clarity, rating.time, rating.overall) == (5, 4, 3, 4)
    assert rating.round_id == world.round.id
    # Nothing on the answer points at the group or the person.
    columns = {c.key for c in inspect(FunderRating).columns}
    assert columns == {"id", "round_id", "respect", "clarity", "time", "overall", "answered_on"}
    receipt = session.scalar(select(FunderRatingReceipt))
    assert receipt.group_id == world.group.id
    # A second member of the same group cannot answer again.
    second = GroupMemberFactory(group=world.group).user
    as_user(client, second)
    page = client.get(url).get_data(as_text=True)
    assert "already answered" in page
    post_form(client, url, ANSWERS)
    assert session.scalar(select(func.count(FunderRating.id))) == 1


def test_only_after_a_decision_and_only_the_group(session, world, client):
    waiting = ApplicationFactory(round=world.round, group=world.other_group, state=State.SUBMITTED)
    as_user(client, world.other_member)
    page = client.get(f"/applications/{waiting.id}/rate").get_data(as_text=True)
    assert "once we have made a decision" in page
    post_form(client, f"/applications/{waiting.id}/rate", ANSWERS, page="/account")
    assert session.scalar(select(func.count(FunderRating.id))) == 0
    as_user(client, world.other_member)
    assert client.get(f"/applications/{world.application.id}/rate").status_code == 403
    as_user(client, world.manager)
    assert client.get(f"/applications/{world.application.id}/rate").status_code == 403


def test_an_answer_out_of_range_is_refused(session, world, client):
    as_user(client, world.member)
    response = post_form(
        client, f"/applications/{world.application.id}/rate", {**ANSWERS, "overall": "9"}
    )
    assert response.status_code == 200
    assert session.scalar(select(func.count(FunderRating.id))) == 0


def test_funded_groups_may_answer_too(session, world, client):
    group = GroupFactory(place=world.place)
    member = GroupMemberFactory(group=group).user
    awarded = ApplicationFactory(round=world.round, group=group, state=State.AWARDED)
    as_user(client, member)
    assert post_form(client, f"/applications/{awarded.id}/rate", ANSWERS).status_code == 302
    assert session.scalar(select(func.count(FunderRating.id))) == 1


def test_the_group_keeps_its_reasons_private_but_the_decision_stays_public(session, world, client):
    results = f"/places/{world.place.slug}/results/rounds/{world.round.id}"
    assert "did much the same" in client.get(results).get_data(as_text=True)
    as_user(client, world.member)
    url = f"/applications/{world.application.id}/feedback-privacy"
    assert post_form(client, url, {"choice": "private"}).status_code == 302
    as_user(client, None)
    page = client.get(results).get_data(as_text=True)
    assert "did much the same" not in page
    assert "asked us to keep the reasons private" in page
    assert world.group.name in page
    api = client.get(f"/api/rounds/{world.round.id}/results").get_json()
    assert api["items"][0]["reasons"] is None
    assert api["items"][0]["decision"] == "declined"
    # Only the group may choose.
    as_user(client, world.manager)
    assert client.get(url).status_code == 403


def test_people_who_took_part_say_what_they_gained_once_and_anonymously(session, world, client):
    panel = PanelFactory(round=world.round)
    member = PanelMemberFactory(panel=panel).user
    url = f"/places/{world.place.slug}/results/rounds/{world.round.id}/what-you-gained"
    as_user(client, member)
    response = post_form(client, url, {"skills": "y", "new_role": "y"})
    assert response.status_code == 302
    answer = session.scalar(select(GainAnswer))
    assert (answer.skills, answer.confidence, answer.new_role) == (True, False, True)
    assert {c.key for c in inspect(GainAnswer).columns} == {
        "id",
        "round_id",
        "skills",
        "confidence",
        "new_role",
        "answered_on",
    }
    assert session.scalar(select(GainReceipt.user_id)) == member.id
    assert "already answered" in client.get(url).get_data(as_text=True)
    post_form(client, url, {"skills": "y"})
    assert session.scalar(select(func.count(GainAnswer.id))) == 1
    # Someone who did not take part may not answer.
    as_user(client, UserFactory())
    assert client.get(url).status_code == 403
