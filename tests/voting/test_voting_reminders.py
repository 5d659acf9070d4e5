"""Voting's reminders by email: a vote closing soon, to each person who may vote and has not;
a panel's decision date coming near, to each member with applications still to score. Each
is sent once however often the scheduled job runs."""

from __future__ import annotations

import datetime as dt

from giving.extensions import db
from giving.jobs import commit
from giving.services.reminders import send_due_reminders
from giving.timeutil import to_london, utcnow
from tests.conftest import in_request
from tests.voting.ballot_helpers import ticks, vote_world
from voting import services
from voting.models import Review


def _run(app, now: dt.datetime | None = None) -> list[str]:
    with app.test_request_context(base_url="https://placefund.example.org"):
        lines = send_due_reminders(db.session, now or utcnow())
        commit()
    return lines


def _reminders(mailbox, person) -> list[dict]:
    return [m for m in mailbox.to(person.email) if "closes soon" in m["subject"]]


def test_people_who_may_vote_and_have_not_are_reminded_once(app, session, mailbox):
    world = vote_world(app, session)
    # Far from closing: nobody is reminded yet.
    assert _run(app) == []
    soon = utcnow() + dt.timedelta(hours=10)
    world.public.closes_at = soon
    world.panel_vote.closes_at = soon
    session.commit()
    voted = world.residents[0]
    with in_request(app, session) as s:
        voter = services.voter_for_user(s, voted, world.public)
        services.cast_ballot(s, world.public, voter, ticks(world.public, world.applications[1]))
        commit()
    # Two residents who have not voted, and the panel's two members for the panel vote.
    assert _run(app) == ["Sent 4 vote reminders."]
    assert _run(app) == []
    assert _run(app, utcnow() + dt.timedelta(hours=1)) == []
    assert _reminders(mailbox, voted) == []
    for person in (world.unconfirmed, world.outsider):
        assert _reminders(mailbox, person) == []
    for person in world.residents[1:]:
        [message] = _reminders(mailbox, person)
        assert message["subject"] == "Voting on Ash Vale grants closes soon"
        assert "You have not voted yet." in message["body"]
        assert "because you are a verified resident of Ash Vale" in message["body"]
        assert f"/votes/{world.public.id}" in message["body"]
    [message] = _reminders(mailbox, world.chair.user)
    assert "because you sit on the panel for Ash Vale grants" in message["body"]
    assert f"/votes/{world.panel_vote.id}" in message["body"]


def test_panel_members_with_scoring_left_are_reminded_once(app, session, world, mailbox):
    today = to_london(utcnow()).date()
    world.round.decision_date = today + dt.timedelta(days=20)
    session.commit()
    assert _run(app) == []
    world.round.decision_date = today + dt.timedelta(days=4)
    # The reader has scored both applications.
    for application in (world.first, world.second):
        session.add(Review(member=world.reader, application=application, submitted_at=utcnow()))
    session.commit()
    assert _run(app) == ["Sent 3 scoring reminders."]
    assert _run(app) == []
    assert mailbox.to(world.reader.user.email) == []
    for member in (world.chair, world.conflicted, world.undeclared):
        [message] = mailbox.to(member.user.email)
        assert message["subject"] == "Please finish scoring for Pennington grants"
        assert f"/panels/{world.panel.id}" in message["body"]
        assert "/account/reminders" in message["body"]
