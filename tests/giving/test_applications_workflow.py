"""The workflow as data: one function moves applications, checks who may, writes the audit
log; the database backs the rules; groups see a timeline, decisions and reasons, and no one
else's."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from giving import hooks, services, workflow
from giving.models import Application, AuditEntry, DecisionMethod
from giving.services import DomainError, NotAllowed
from giving.timeutil import utcnow
from giving.workflow import Actor, Needs, State
from tests.conftest import post_form
from tests.factories import ApplicationFactory
from tests.giving.round_helpers import as_user


def test_the_table_covers_every_state_and_has_no_duplicates():
    keys = [(m.source, m.action) for m in workflow.MOVES]
    assert len(keys) == len(set(keys))
    reached = {m.target for m in workflow.MOVES} | {State.DRAFT}
    assert reached == set(State)
    # A final decision stays made: the only way out is the fund's team overriding residents,
    # with a reason that is published (and "look again" at an application found ineligible).
    for state in workflow.FINAL_STATES - {State.INELIGIBLE}:
        for m in workflow.MOVES:
            if m.source == state:
                assert m.action in workflow.OVERRIDE_ACTIONS
                assert m.who == {Actor.OVERRIDING_STAFF}
                assert Needs.OVERRIDE_REASON in m.needs
    assert not [m for m in workflow.MOVES if m.source == State.WITHDRAWN]
    assert all(m.who for m in workflow.MOVES)


def test_groups_cannot_decide_their_own_applications():
    for move in workflow.MOVES:
        if move.target in (State.AWARDED, State.DECLINED, State.INELIGIBLE, State.SHORTLISTED):
            assert Actor.GROUP not in move.who


def test_a_fund_manager_marks_one_ineligible_with_reasons(client, world, session, mailbox):
    application = ApplicationFactory(
        round=world.round, group=world.other_group, state=State.SUBMITTED
    )
    as_user(client, world.manager)
    url = f"/applications/{application.id}/decide"
    response = post_form(client, url, {"action": "mark_ineligible", "feedback": "   "})
    assert "Write the reasons" in response.get_data(as_text=True)
    session.refresh(application)
    assert application.state == State.SUBMITTED

    reason = "Your group is based outside Riverton, and this round is only for Riverton."
    response = post_form(client, url, {"action": "mark_ineligible", "feedback": reason})
    assert response.status_code == 302
    session.refresh(application)
    assert application.state == State.INELIGIBLE
    assert application.feedback == reason
    assert application.decided_at is not None
    entry = session.scalar(
        select(AuditEntry).where(AuditEntry.action == "application.mark_ineligible")
    )
    assert entry.actor_id == world.manager.id
    assert entry.details == {"from": "submitted", "to": "ineligible"}
    assert "A decision on your application" in mailbox.to(world.other_member.email)[-1]["subject"]

    as_user(client, world.other_member)
    page = client.get(f"/applications/{application.id}").get_data(as_text=True)
    assert "Cannot be funded by this round" in page
    assert "Your group is based outside Riverton" in page


def test_another_group_cannot_read_the_feedback(client, world, session):
    application = ApplicationFactory(
        round=world.round, group=world.other_group, state=State.DECLINED, feedback="Secret reasons"
    )
    as_user(client, world.member)
    response = client.get(f"/applications/{application.id}")
    assert response.status_code == 403
    assert "Secret reasons" not in response.get_data(as_text=True)
    assert "Secret reasons" not in client.get("/applications").get_data(as_text=True)


def test_an_award_needs_an_amount_within_the_round(client, world, session):
    world.round.decision_method = DecisionMethod.STAFF  # the fund's team decides here
    application = ApplicationFactory(
        round=world.round, group=world.other_group, state=State.SHORTLISTED
    )
    as_user(client, world.manager)
    url = f"/applications/{application.id}/decide"
    page = post_form(client, url, {"action": "award"}).get_data(as_text=True)
    assert "Enter how much money to give" in page
    page = post_form(client, url, {"action": "award", "award_pence": "5,000"}).get_data(True)
    assert "The largest grant in this round is £2,000" in page
    session.refresh(application)
    assert application.state == State.SHORTLISTED
    assert application.award_pence is None
    post_form(client, url, {"action": "award", "award_pence": "1,500"})
    session.refresh(application)
    assert application.state == State.AWARDED
    assert application.award_pence == 150_000


def test_awards_cannot_go_beyond_the_budget(session, world, ctx):
    world.round.decision_method = DecisionMethod.STAFF
    world.round.budget_pence = 250_000
    first = ApplicationFactory(round=world.round, state=State.SHORTLISTED)
    second = ApplicationFactory(round=world.round, state=State.SHORTLISTED)
    services.transition(session, world.manager, first, "award", award_pence=200_000)
    with pytest.raises(DomainError, match="Only £500 of the round's budget is left"):
        services.transition(session, world.manager, second, "award", award_pence=100_000)


def test_a_move_not_in_the_table_is_refused(session, world, ctx):
    application = world.application
    with pytest.raises(DomainError, match="cannot be done"):
        services.transition(session, world.manager, application, "award", award_pence=1000)
    with pytest.raises(DomainError, match="cannot be done"):
        services.transition(session, world.manager, application, "no_such_thing")
    assert application.state == State.DRAFT


def test_a_tampered_action_is_refused(client, world, session):
    application = ApplicationFactory(
        round=world.round, group=world.other_group, state=State.SUBMITTED
    )
    as_user(client, world.manager)
    response = post_form(
        client,
        f"/applications/{application.id}/decide",
        {"action": "award", "award_pence": "1000"},
    )
    assert response.status_code == 400
    assert "Not a valid choice" in response.get_data(as_text=True)
    session.refresh(application)
    assert application.state == State.SUBMITTED
    assert application.award_pence is None


def test_group_members_cannot_make_staff_moves(session, world, ctx):
    application = world.application
    application.state = State.SUBMITTED
    application.submitted_at = utcnow()
    with pytest.raises(NotAllowed):
        services.transition(session, world.member, application, "start_review")
    with pytest.raises(NotAllowed):
        services.transition(session, world.other_member, application, "withdraw")
    assert application.state == State.SUBMITTED


def test_decisions_reached_elsewhere_pass_through_the_same_function(session, world, ctx):
    application = ApplicationFactory(round=world.round, state=State.IN_REVIEW)
    services.transition(session, None, application, "shortlist", as_system=True)
    services.transition(session, None, application, "award", award_pence=80_000, as_system=True)
    assert application.state == State.AWARDED
    entry = session.scalar(select(AuditEntry).where(AuditEntry.action == "application.award"))
    assert entry.actor_id is None
    assert entry.details["by"] == "system"
    assert entry.details["award_pence"] == 80_000


@pytest.mark.parametrize(
    "values",
    [
        {"state": "awarded", "award_pence": None},
        {"state": "awarded", "award_pence": 0},
        {"state": "declined", "feedback": "  "},
        {"state": "ineligible", "feedback": ""},
        {"state": "submitted", "award_pence": 100},
        {"state": "submitted", "submitted_at": None},
    ],
)
def test_the_database_backs_the_rules(session, world, values):
    application = ApplicationFactory(
        round=world.round, group=world.other_group, state=State.SUBMITTED
    )
    with pytest.raises(IntegrityError), session.begin_nested():
        session.execute(
            Application.__table__.update()
            .where(Application.__table__.c.id == application.id)
            .values(**values)
        )


def test_the_timeline_shows_each_step_and_the_next_promised_date(client, world, session):
    as_user(client, world.member)
    post_form(client, f"/applications/{world.application.id}/check", {})
    as_user(client, world.manager)
    post_form(client, f"/applications/{world.application.id}/decide", {"action": "start_review"})
    as_user(client, world.member)
    page = client.get(f"/applications/{world.application.id}").get_data(as_text=True)
    assert "The application was sent." in page
    assert "The people deciding started reading it." in page
    day = world.round.decision_date
    assert f"We will tell you the decision by {day.day} {day:%B %Y}." in page
    assert page.index("The application was sent.") < page.index("started reading it")


def test_a_late_decision_is_owned_up_to(session, world, ctx):
    import datetime as dt

    application = ApplicationFactory(round=world.round, state=State.IN_REVIEW)
    world.round.decision_date = (utcnow() - dt.timedelta(days=3)).date()
    assert "We are late, and we are sorry" in services.next_promise(application)


def test_panel_members_see_applications_only_while_they_are_being_decided(session, world, ctx):
    application = world.application
    assert not services.can_view_application(session, world.panel, application)
    application.state = State.SUBMITTED
    application.submitted_at = utcnow()
    assert not services.can_view_application(session, world.panel, application)
    application.state = State.IN_REVIEW
    assert services.can_view_application(session, world.panel, application)
    application.state = State.SHORTLISTED
    assert services.can_view_application(session, world.panel, application)
    assert not services.can_view_application(session, world.resident, application)
    assert not services.can_view_application(session, world.elsewhere_manager, application)
    assert not services.can_view_application(session, None, application)


def test_voting_can_narrow_panel_access_through_giving(app, session, world, ctx):
    application = ApplicationFactory(round=world.round, state=State.IN_REVIEW)
    assigned: set[int] = set()
    added = hooks.of(app)
    installed = added.panel_access
    added.panel_access = lambda s, user, app: user.id in assigned
    try:
        assert not services.can_view_application(session, world.panel, application)
        assigned.add(world.panel.id)
        assert services.can_view_application(session, world.panel, application)
        # Members and staff are never affected by the panel rule.
        assert services.can_view_application(session, world.manager, application)
    finally:
        added.panel_access = None
    try:
        # With no narrowing rule, giving's default lets every panel member of the place read.
        assert services.can_view_application(session, world.panel, application)
    finally:
        added.panel_access = installed


def test_a_panel_member_can_read_an_application_in_review(client, world, session):
    world.application.state = State.IN_REVIEW
    world.application.submitted_at = utcnow()
    session.commit()
    as_user(client, world.panel)
    assert client.get(f"/applications/{world.application.id}").status_code == 200
    assert client.get(f"/applications/{world.application.id}/edit").status_code == 302
    assert client.get(f"/applications/{world.application.id}/decide").status_code == 403
