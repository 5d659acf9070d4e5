"""The round's decision method binds the fund's team: where a panel or a public vote decides,
staff cannot give money or turn it down; in an emergency they override, with a reason that is
published on the results, the API, the group's timeline and the scorecard. Where the fund's
team decides, it says so, and staff decide as before."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from giving import hooks, services, workflow
from giving.models import AuditEntry, DecidedBy, DecisionMethod
from giving.services import DomainError, NotAllowed
from giving.workflow import Actor, Needs, State
from tests.conftest import post_form
from tests.factories import ApplicationFactory
from tests.giving.round_helpers import as_user, round_url

RESIDENTS_DECIDE = [DecisionMethod.PANEL, DecisionMethod.PUBLIC, DecisionMethod.BOTH]
REASON = "The group closed before the panel met, so its place on the shortlist was given up."


def _waiting(world, method: DecisionMethod, state: State = State.SHORTLISTED):
    world.round.decision_method = method
    return ApplicationFactory(round=world.round, group=world.other_group, state=state)


def _snapshot(session, application) -> tuple:
    session.refresh(application)
    entries = session.scalar(
        select(func.count(AuditEntry.id)).where(
            AuditEntry.object_type == "Application",
            AuditEntry.object_id == str(application.id),
        )
    )
    return (
        application.state,
        application.feedback,
        application.award_pence,
        application.decided_at,
        application.decided_by,
        application.override_reason,
        entries,
    )


def _text(response) -> str:
    return response.get_data(as_text=True).replace("&#39;", "'")


def test_the_table_gives_decisions_about_money_only_to_the_people_deciding():
    for move in workflow.MOVES:
        if move.action in ("shortlist", "award", "decline"):
            assert move.who == {Actor.DECIDING_STAFF, Actor.SYSTEM}
        if move.action.startswith("override_"):
            assert move.who == {Actor.OVERRIDING_STAFF}
            assert Needs.OVERRIDE_REASON in move.needs
            # Before residents decide, or after (a counted winner that closed, say).
            assert move.source in (
                State.IN_REVIEW,
                State.SHORTLISTED,
                State.AWARDED,
                State.DECLINED,
            )
            assert move.target != move.source
    for action in ("start_review", "mark_ineligible", "reconsider", "withdraw"):
        assert all(Actor.STAFF in m.who for m in workflow.MOVES if m.action == action)


STAFF_TRIES = [
    (State.IN_REVIEW, "award", {"award_pence": 100_000}),
    (State.SHORTLISTED, "award", {"award_pence": 100_000}),
    (State.IN_REVIEW, "decline", {"feedback": "Others reached more people."}),
    (State.SHORTLISTED, "decline", {"feedback": "Others reached more people."}),
    (State.IN_REVIEW, "shortlist", {}),
]


@pytest.mark.parametrize("method", RESIDENTS_DECIDE)
@pytest.mark.parametrize(("state", "action", "extra"), STAFF_TRIES)
def test_staff_cannot_decide_where_residents_decide(
    session, world, ctx, method, state, action, extra
):
    application = _waiting(world, method, state)
    session.commit()
    before = _snapshot(session, application)
    with pytest.raises(DomainError) as refused:
        services.decide_application(session, world.manager, application, action, **extra)
    session.rollback()
    assert refused.value.field == "action"
    assert "The fund's team cannot give money, turn it down" in refused.value.message
    assert "override the decision and write why: the reason is published" in refused.value.message
    expected = {
        DecisionMethod.PANEL: "a panel of people who live here decides who gets money",
        DecisionMethod.PUBLIC: "decide who gets money by a public vote",
        DecisionMethod.BOTH: "makes a shortlist, then the people who live here decide",
    }[method]
    assert expected in refused.value.message
    assert _snapshot(session, application) == before


@pytest.mark.parametrize("method", [DecisionMethod.PANEL, DecisionMethod.PUBLIC])
@pytest.mark.parametrize(
    "form",
    [
        {"action": "award", "award_pence": "1,000"},
        {"action": "decline", "feedback": "Others reached more people."},
    ],
)
def test_the_decide_page_refuses_with_the_reason_and_changes_nothing(
    client, session, world, method, form
):
    application = _waiting(world, method, State.IN_REVIEW)
    session.commit()
    before = _snapshot(session, application)
    as_user(client, world.manager)
    url = f"/applications/{application.id}/decide"
    page = _text(client.get(url))
    assert 'value="award"' not in page
    assert 'value="decline"' not in page
    assert "Override the residents' decision" in page
    response = post_form(client, url, form)
    assert response.status_code == 400
    text = _text(response)
    assert "The fund's team cannot give money, turn it down" in text
    assert 'id="action"' in text  # the message sits where the choice is made
    assert _snapshot(session, application) == before


def test_staff_still_check_who_can_be_funded_where_residents_decide(client, session, world):
    application = _waiting(world, DecisionMethod.PANEL, State.SUBMITTED)
    session.commit()
    as_user(client, world.manager)
    url = f"/applications/{application.id}/decide"
    page = _text(client.get(url))
    assert 'value="start_review"' in page
    assert 'value="mark_ineligible"' in page
    response = post_form(
        client, url, {"action": "mark_ineligible", "feedback": "This round is for Riverton only."}
    )
    assert response.status_code == 302
    session.refresh(application)
    assert application.state == State.INELIGIBLE
    assert application.decided_by == DecidedBy.STAFF


def test_residents_decisions_are_recorded_as_theirs(session, world, ctx):
    application = _waiting(world, DecisionMethod.PANEL, State.IN_REVIEW)
    services.transition(session, None, application, "shortlist", as_system=True)
    assert application.decided_by is None  # the shortlist is not a decision about money
    services.transition(session, None, application, "award", award_pence=80_000, as_system=True)
    assert application.decided_by == DecidedBy.RESIDENTS
    assert application.override_reason is None


def test_an_override_needs_a_written_reason(client, session, world):
    application = _waiting(world, DecisionMethod.PANEL)
    session.commit()
    before = _snapshot(session, application)
    with pytest.raises(DomainError) as refused:
        services.override_decision(
            session,
            world.manager,
            application,
            "override_decline",
            override_reason="   ",
            feedback="Sorry.",
        )
    session.rollback()
    assert refused.value.field == "override_reason"
    assert "Write why" in refused.value.message
    assert _snapshot(session, application) == before

    as_user(client, world.manager)
    url = f"/applications/{application.id}/override"
    response = post_form(
        client, url, {"action": "override_decline", "override_reason": "", "feedback": "Sorry."}
    )
    assert response.status_code == 400
    text = _text(response)
    assert "Write why the fund's team is overriding the residents' decision" in text
    assert 'id="override_reason-error"' in text
    assert _snapshot(session, application) == before


def test_an_override_is_published_everywhere(client, app, session, world, mailbox):
    application = _waiting(world, DecisionMethod.PANEL)
    residents_declined = ApplicationFactory(
        round=world.round, state=State.DECLINED, decided_by=DecidedBy.RESIDENTS
    )
    session.commit()
    as_user(client, world.manager)
    page = _text(client.get(f"/applications/{application.id}"))
    assert "Override the residents' decision" in page
    assert "Record a decision or next step" not in page  # nothing else for staff to do here
    url = f"/applications/{application.id}/override"
    form_page = _text(client.get(url))
    assert "The reason you write is published" in form_page
    response = post_form(
        client,
        url,
        {
            "action": "override_decline",
            "override_reason": REASON,
            "feedback": "Your group told us it had closed.",
        },
    )
    assert response.status_code == 302
    session.refresh(application)
    assert application.state == State.DECLINED
    assert application.decided_by == DecidedBy.OVERRIDE
    assert application.override_reason == REASON
    entry = session.scalar(
        select(AuditEntry).where(AuditEntry.action == "application.override_decline")
    )
    assert entry.actor_id == world.manager.id
    assert entry.details["from"] == "shortlisted"
    assert entry.details["residents_had"] == "shortlisted"
    assert "A decision on your application" in mailbox.to(world.other_member.email)[-1]["subject"]

    as_user(client, None)
    results = _text(client.get(f"/places/riverton/results/rounds/{world.round.id}"))
    assert "The fund's team overrode this decision" in results
    assert REASON in results
    assert "The panel had put it on the shortlist." in results
    assert "In this round, a panel of people who live here decides who gets money." in results
    assert "The panel" in results  # who decided the others
    place = _text(client.get("/places/riverton/results"))
    assert "The fund's team overrode this decision" in place
    assert REASON in place
    index = _text(client.get("/results"))
    assert REASON in index

    items = client.get(f"/api/rounds/{world.round.id}/results").get_json()["items"]
    by_id = {item["application_id"]: item for item in items}
    assert by_id[application.id]["decided_by"] == "override"
    assert by_id[application.id]["override_reason"] == REASON
    assert by_id[residents_declined.id]["decided_by"] == "residents"
    assert by_id[residents_declined.id]["override_reason"] is None

    figures = client.get(f"/api/rounds/{world.round.id}/scorecard").get_json()["figures"]
    by_key = {f["key"]: f for f in figures}
    assert by_key["decided_by_residents"]["text"] == "1 of 2"
    assert by_key["overrides"]["value"] == 1
    scorecard = _text(client.get("/places/riverton/scorecard"))
    assert "Decisions made by residents" in scorecard
    assert "Overrides by the fund's team" in scorecard
    how = _text(client.get("/scorecard/how-we-work-it-out"))
    assert 'id="decided-by-residents"' in how
    assert 'id="overrides"' in how

    as_user(client, world.other_member)
    timeline = _text(client.get(f"/applications/{application.id}"))
    assert "The fund's team overrode the residents' decision" in timeline
    assert REASON in timeline


def test_an_override_can_give_money_within_the_round(client, session, world):
    application = _waiting(world, DecisionMethod.PUBLIC, State.IN_REVIEW)
    session.commit()
    as_user(client, world.manager)
    url = f"/applications/{application.id}/override"
    response = post_form(
        client,
        url,
        {
            "action": "override_award",
            "override_reason": "A conflict found late.",
            "award_pence": "",
        },
    )
    assert response.status_code == 400
    assert "Enter how much money to give" in _text(response)
    response = post_form(
        client,
        url,
        {
            "action": "override_award",
            "override_reason": "A conflict found late.",
            "award_pence": "1,200",
        },
    )
    assert response.status_code == 302
    session.refresh(application)
    assert application.state == State.AWARDED
    assert application.award_pence == 120_000
    assert application.decided_by == DecidedBy.OVERRIDE
    as_user(client, None)
    results = _text(client.get(f"/places/riverton/results/rounds/{world.round.id}"))
    assert "Residents had not decided yet." in results
    assert "A conflict found late." in results


def test_where_the_fund_decides_staff_award_and_decline_as_before(client, session, world):
    world.round.decision_method = DecisionMethod.STAFF
    first = ApplicationFactory(round=world.round, group=world.other_group, state=State.IN_REVIEW)
    second = ApplicationFactory(round=world.round, state=State.SHORTLISTED)
    session.commit()
    as_user(client, world.manager)
    page = _text(client.get(f"/applications/{first.id}"))
    assert "Record a decision or next step" in page
    assert "Override the residents' decision" not in page
    decide = _text(client.get(f"/applications/{first.id}/decide"))
    assert 'value="award"' in decide
    assert 'value="decline"' in decide
    response = post_form(
        client, f"/applications/{first.id}/decide", {"action": "award", "award_pence": "1,000"}
    )
    assert response.status_code == 302
    response = post_form(
        client,
        f"/applications/{second.id}/decide",
        {"action": "decline", "feedback": "Others reached more people."},
    )
    assert response.status_code == 302
    session.refresh(first)
    session.refresh(second)
    assert (first.state, first.decided_by) == (State.AWARDED, DecidedBy.STAFF)
    assert (second.state, second.decided_by) == (State.DECLINED, DecidedBy.STAFF)

    # There is no residents' decision to override here.
    third = ApplicationFactory(round=world.round, state=State.IN_REVIEW)
    session.commit()
    override = f"/applications/{third.id}/override"
    assert "no residents' decision to override" in _text(client.get(override))
    with pytest.raises(NotAllowed):
        services.override_decision(
            session, world.manager, third, "override_decline", override_reason="x", feedback="y"
        )
    session.rollback()

    as_user(client, None)
    fund_decides = "In this round, the fund's team decides who gets money."
    assert fund_decides in _text(client.get(round_url(world)))
    results = _text(client.get(f"/places/riverton/results/rounds/{world.round.id}"))
    assert fund_decides in results
    assert "The fund's team" in results
    items = client.get(f"/api/rounds/{world.round.id}/results").get_json()["items"]
    assert {item["decided_by"] for item in items} == {"staff"}
    assert client.get(f"/api/rounds/{world.round.id}").get_json()["decision_method"] == "staff"


def test_round_notes_show_with_the_results_everywhere(client, app, session, world):
    application = _waiting(world, DecisionMethod.PUBLIC)
    session.commit()
    note = "Counted on 2 December; the fund's team confirms the grants by 9 December."
    added = hooks.of(app)
    source = lambda s, rounds: {world.round.id: [note]}  # noqa: E731
    added.round_notes.append(source)
    try:
        assert note in _text(client.get(f"/places/riverton/results/rounds/{world.round.id}"))
        assert note in _text(client.get("/places/riverton/results"))
        assert note in _text(client.get("/results"))
        body = client.get(f"/api/rounds/{world.round.id}/results").get_json()
        assert body["notes"] == [note]
        as_user(client, world.other_member)
        assert note in _text(client.get(f"/applications/{application.id}"))
    finally:
        added.round_notes.remove(source)
