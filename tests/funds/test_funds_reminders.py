"""Funds' reminders by email: check-ins due and late, instalments due, agreements waiting.
Each is sent once however often the scheduled job runs, also when two runs overlap, and
never to someone who turned reminders off."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from funds.models import Grant
from giving.cli import tick
from giving.extensions import db
from giving.jobs import commit
from giving.models import GroupMember, Role, SentReminder, User
from giving.services.reminders import send_due_reminders
from giving.timeutil import to_london, utcnow
from tests.database_helpers import engine_of, own_database, run_in_threads, setup_session
from tests.factories import (
    FundFactory,
    GroupFactory,
    GroupMemberFactory,
    RoleGrantFactory,
    make_grant,
)


def _today() -> dt.date:
    return to_london(utcnow()).date()


def _run(app, now: dt.datetime | None = None) -> list[str]:
    """One run of the reminders job as ``flask tick`` runs it: then its one commit, after
    which the emails go out."""
    with app.test_request_context(base_url="https://placefund.example.org"):
        lines = send_due_reminders(db.session, now or utcnow())
        commit()
    return lines


def _grant_with_checkin_due(days: int, members: int = 2):
    """An agreed grant whose written check-in is due in ``days`` days (negative: late), to a
    group with ``members`` members."""
    fund = FundFactory(questions=["What went well?"])
    group = GroupFactory(place=fund.place, name="Castle Larder")
    for _n in range(members):
        GroupMemberFactory(group=group)
    grant = make_grant(fund, group=group, accepted=True, total_pence=1_200_000, title="Food club")
    checkin = grant.checkins[0]
    checkin.due_on = _today() + dt.timedelta(days=days)
    for other in grant.instalments:
        other.due_date = _today() + dt.timedelta(days=200)
    db.session.commit()
    return grant, checkin, [m.user for m in group.members]


def test_flask_tick_run_twice_emails_each_member_once(app, session, mailbox):
    grant, checkin, people = _grant_with_checkin_due(3)
    runner = app.test_cli_runner()
    first = runner.invoke(args=["tick"])
    assert "Sent 2 checkin reminders." in first.output
    second = runner.invoke(args=["tick"])
    assert "checkin reminders" not in second.output
    for person in people:
        messages = mailbox.to(person.email)
        assert len(messages) == 1
        message = messages[0]
        assert message["subject"].startswith("Your check-in for Food club is due on")
        body = message["body"]
        assert "because you are a member of Castle Larder" in body
        assert f"/grants/{grant.id}/check-ins/{checkin.id}" in body
        assert "/account/reminders" in body


def test_a_late_checkin_gets_one_more_reminder_then_none(app, session, mailbox):
    _grant, checkin, people = _grant_with_checkin_due(2, members=1)
    assert _run(app) == ["Sent 1 checkin reminders."]
    # The day after it was due, still not answered: one reminder that it is late.
    later = utcnow() + dt.timedelta(days=3)
    assert _run(app, later) == ["Sent 1 checkin reminders."]
    assert _run(app, later) == []
    assert _run(app, later + dt.timedelta(hours=1)) == []
    subjects = [m["subject"] for m in mailbox.to(people[0].email)]
    assert len(subjects) == 2
    assert subjects[1] == "Your check-in for Food club is late"
    occasions = session.scalars(
        select(SentReminder.occasion).where(SentReminder.subject_id == checkin.id)
    ).all()
    assert sorted(occasions) == ["due", "overdue"]


def test_nothing_is_sent_before_the_window_or_for_an_answered_checkin(app, session, mailbox):
    _grant, checkin, people = _grant_with_checkin_due(30, members=1)
    assert _run(app) == []
    checkin.due_on = _today() + dt.timedelta(days=2)
    checkin.state = "done"
    checkin.done_at = utcnow()
    session.commit()
    assert _run(app) == []
    assert mailbox.to(people[0].email) == []


def test_a_person_who_turned_reminders_off_gets_none(app, session, mailbox):
    _grant, _checkin, people = _grant_with_checkin_due(3)
    quiet, keen = people
    quiet.reminders_on = False
    session.commit()
    assert _run(app) == ["Sent 1 checkin reminders."]
    assert mailbox.to(quiet.email) == []
    assert len(mailbox.to(keen.email)) == 1


def test_fund_managers_are_reminded_once_of_a_payment_coming_due(app, session, mailbox):
    grant, _checkin, _people = _grant_with_checkin_due(100, members=1)
    manager = RoleGrantFactory(place=grant.fund.place, role=Role.FUND_MANAGER).user
    outsider = RoleGrantFactory(role=Role.FUND_MANAGER).user
    instalment = grant.instalments[1]
    instalment.due_date = _today() + dt.timedelta(days=5)
    session.commit()
    # The fund manager who made the grant, and this one.
    assert _run(app) == ["Sent 2 instalment reminders."]
    assert _run(app) == []
    message = mailbox.to(manager.email)
    assert len(message) == 1
    assert message[0]["subject"].startswith("Pay £")
    assert grant.group.name in message[0]["subject"]
    assert "because you are a fund manager for" in message[0]["body"]
    assert f"/grants/{grant.id}" in message[0]["body"]
    assert mailbox.to(outsider.email) == []


def test_a_group_is_reminded_once_of_an_agreement_waiting_a_week(app, session, mailbox):
    fund = FundFactory()
    group = GroupFactory(place=fund.place)
    member = GroupMemberFactory(group=group).user
    grant = make_grant(fund, group=group, title="Litter picks")
    session.commit()
    assert _run(app) == []
    assert _run(app, utcnow() + dt.timedelta(days=8)) == ["Sent 1 agreement reminders."]
    assert _run(app, utcnow() + dt.timedelta(days=9)) == []
    [message] = mailbox.to(member.email)
    assert message["subject"] == "Your grant for Litter picks is waiting for you"
    assert f"/grants/{grant.id}/agreement" in message["body"]


def test_the_database_refuses_a_second_record_of_the_same_reminder(app, session):
    person = GroupMemberFactory().user
    row = {"kind": "checkin", "subject_id": 7, "user_id": person.id, "occasion": "due"}
    session.add(SentReminder(**row))
    session.flush()
    session.add(SentReminder(**row))
    with pytest.raises(IntegrityError):
        session.flush()


@pytest.mark.postgres
def test_two_runs_at_once_send_each_reminder_once(smtp_server, mailbox):
    controller, _box = smtp_server
    with own_database(
        "reminder_race", MAIL_SERVER=controller.hostname, MAIL_PORT=controller.port
    ) as race_app:
        engine = engine_of(race_app)
        with race_app.test_request_context(), setup_session(engine) as setup:
            _grant_with_checkin_due(3, members=5)
            emails = setup.scalars(select(User.email).join(GroupMember)).all()
        barrier = threading.Barrier(2)
        errors: list[BaseException] = []

        def run_tick() -> None:
            try:
                with race_app.test_request_context(base_url="https://placefund.example.org"):
                    barrier.wait()
                    tick(db.session)
            except BaseException as error:
                errors.append(error)

        run_in_threads(run_tick, [(), ()], timeout=60)
        assert not errors, errors
        for email in emails:
            assert len(mailbox.to(email)) == 1, email
        with Session(engine) as check:
            assert check.scalar(select(func.count(SentReminder.id))) == 5
            assert check.scalar(select(func.count(Grant.id))) == 1
