"""The audit log is a record: what staff did is kept in English, whatever language the person
who did it reads pages in (their pages are in Welsh; the log's words, labels and dates are
not)."""

from __future__ import annotations

import datetime as dt

from flask_babel import force_locale
from sqlalchemy import select

from giving import services
from giving.models import AuditEntry
from giving.timeutil import london_to_utc, to_london, utcnow
from giving.workflow import State
from tests.conftest import post_form
from tests.giving.round_helpers import as_user, round_url


def newest(session, action: str) -> AuditEntry:
    entry = session.scalars(
        select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id.desc())
    ).first()
    assert entry is not None, action
    return entry


def test_a_welsh_speaking_manager_moves_a_deadline_and_the_log_says_it_in_english(
    client, world, session
):
    world.manager.locale = "cy"
    session.flush()
    day = to_london(world.round.closes_at).date() + dt.timedelta(days=7)
    as_user(client, world.manager)
    page = client.get(round_url(world, "/deadline")).get_data(as_text=True)
    assert '<html lang="cy"' in page
    response = post_form(
        client,
        round_url(world, "/deadline"),
        {
            "closes_on": [str(day.day), str(day.month), str(day.year)],
            "closes_time": "5pm",
            "reason": "Roedd y llyfrgell ar gau.",
        },
    )
    assert response.status_code == 302
    session.refresh(world.round)
    assert world.round.closes_at == london_to_utc(day, dt.time(17, 0))
    summary = newest(session, "round.extend").summary
    # The date is written as English writes it (a Welsh page would say "Rhagfyr", "Ionawr"...).
    assert f"{day.day} {day:%B %Y}" in summary, summary
    assert summary.startswith(f"Moved the deadline of {world.round.title} to ")
    assert summary.endswith(": Roedd y llyfrgell ar gau.")


def test_a_move_made_in_welsh_is_logged_with_english_labels(session, world, ctx):
    application = world.application
    application.state = State.SUBMITTED
    application.submitted_at = utcnow()
    session.flush()
    with force_locale("cy"):
        # In Welsh the labels read "Wedi'i anfon" and "Yn cael ei ddarllen".
        assert str(State.SUBMITTED.label) != "Sent"
        services.decide_application(session, world.manager, application, "start_review")
    summary = newest(session, "application.start_review").summary
    assert summary == f"{world.group.name}: Sent → Being read"
