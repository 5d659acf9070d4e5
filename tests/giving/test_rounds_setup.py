"""Setting up a round: settings, who can apply, questions, criteria, opening (which freezes
them), proportionate asks, and closing only when every application has a decision."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import DBAPIError

from giving import services
from giving.models import (
    AuditEntry,
    Criterion,
    EligibilityRule,
    GroupKind,
    Question,
    Round,
    RoundStatus,
    RuleKind,
)
from giving.services import DomainError
from giving.timeutil import london_to_utc, to_london, utcnow
from giving.workflow import State
from tests.conftest import post_form
from tests.factories import ApplicationFactory, RoundFactory
from tests.giving.round_helpers import as_user, round_url


def round_form(**overrides) -> dict:
    data = {
        "title": "Summer fun 2027",
        "description": "Money for summer activities for children. We do not fund trips abroad.",
        "budget_pence": "20,000",
        "min_grant_pence": "250",
        "max_grant_pence": "2000",
        "opens_on": ["1", "6", "2027"],
        "opens_time": "9am",
        "closes_on": ["30", "6", "2027"],
        "closes_time": "5pm",
        "decision_date": ["31", "7", "2027"],
        "decision_method": "both",
    }
    data.update(overrides)
    return data


def press(client, url: str, page: str) -> str:
    """Press a button-only form on ``page`` that posts to ``url``; the page it leads to."""
    return post_form(client, url, {}, page=page, follow_redirects=True).get_data(as_text=True)


def move(client, world, round_, kind: str, item, direction: str) -> str:
    """Press the button that moves one of ``round_``'s questions or criteria (``kind``) up or
    down on its page; the page it leads to."""
    page = round_url(world, f"/{kind}", round_=round_)
    return press(
        client, round_url(world, f"/{kind}/{item.id}/move/{direction}", round_=round_), page
    )


def count(session, model) -> int:
    return session.scalar(select(func.count(model.id)))


def test_a_fund_manager_sets_up_a_round_in_london_time(client, world, session):
    as_user(client, world.manager)
    before = count(session, Round)
    response = post_form(client, "/places/riverton/rounds/new", round_form())
    assert response.status_code == 302
    round_ = session.scalar(select(Round).where(Round.title == "Summer fun 2027"))
    assert count(session, Round) == before + 1
    assert round_.status == RoundStatus.DRAFT
    assert round_.budget_pence == 2_000_000
    assert round_.min_grant_pence == 25_000
    # 9am and 5pm in British Summer Time are 8am and 4pm UTC.
    assert round_.opens_at == dt.datetime(2027, 6, 1, 8, 0, tzinfo=dt.UTC)
    assert round_.closes_at == dt.datetime(2027, 6, 30, 16, 0, tzinfo=dt.UTC)
    assert round_.decision_date == dt.date(2027, 7, 31)
    assert round_.decision_method.value == "both"
    page = client.get(round_url(world, "/manage", round_=round_)).get_data(as_text=True)
    assert "1 June 2027 at 9:00am" in page
    assert "30 June 2027 at 5:00pm" in page
    assert session.scalar(select(AuditEntry).where(AuditEntry.action == "round.create"))


def test_winter_times_are_greenwich_time():
    assert london_to_utc(dt.date(2027, 1, 15), dt.time(17, 0)) == dt.datetime(
        2027, 1, 15, 17, 0, tzinfo=dt.UTC
    )
    with pytest.raises(ValueError, match="clocks go forward"):
        london_to_utc(dt.date(2027, 3, 28), dt.time(1, 30))


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"max_grant_pence": "100"}, "max_grant_pence", "cannot be less than the smallest"),
        ({"max_grant_pence": "50,000"}, "max_grant_pence", "cannot be more than the budget"),
        ({"closes_on": ["1", "5", "2027"]}, "closes_on", "must close after it opens"),
        ({"decision_date": ["29", "6", "2027"]}, "decision_date", "must be after the day"),
        ({"closes_on": ["31", "2", "2027"]}, "closes_on", "Enter a real date"),
        ({"closes_time": "25pm"}, "closes_time", "Enter a time like"),
        ({"title": ""}, "title", "Enter a title"),
        (
            {"opens_on": ["28", "3", "2027"], "opens_time": "1:30am"},
            "opens_time",
            "clocks go forward",
        ),
    ],
)
def test_bad_round_settings_change_nothing_and_say_why(
    client, world, session, overrides, field, message
):
    as_user(client, world.manager)
    before = count(session, Round)
    response = post_form(client, "/places/riverton/rounds/new", round_form(**overrides))
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert message in page
    assert f'href="#{field}"' in page
    assert count(session, Round) == before


def test_a_round_cannot_open_without_a_decision_date(client, world, session):
    round_ = world.draft_round
    round_.decision_date = None
    session.commit()
    as_user(client, world.manager)
    response = post_form(client, round_url(world, "/open", round_=round_), {})
    assert "A round cannot open without one" in response.get_data(as_text=True)
    session.refresh(round_)
    assert round_.status == RoundStatus.DRAFT
    # The database refuses it too.
    round_.status = RoundStatus.OPEN
    round_.opened_at = utcnow()
    with pytest.raises(DBAPIError), session.begin_nested():
        session.flush()


def test_a_round_needs_questions_and_criteria_to_open(session, world):
    round_ = RoundFactory(place=world.place, opened=False, questions=[], criteria=[])
    with pytest.raises(DomainError, match="at least one question"):
        services.open_round(session, world.manager, round_)
    services.add_question(session, world.manager, round_, "Why?", "To know.", 50)
    with pytest.raises(DomainError, match="at least one thing"):
        services.open_round(session, world.manager, round_)
    services.add_criterion(session, world.manager, round_, "Kindness", "", 10)
    services.open_round(session, world.manager, round_)
    assert round_.status == RoundStatus.OPEN


def test_questions_criteria_and_rules_freeze_when_the_round_opens(client, world, session):
    round_ = world.draft_round

    def at(suffix: str) -> str:
        return round_url(world, suffix, round_=round_)

    as_user(client, world.manager)
    response = post_form(
        client,
        at("/questions"),
        {"text": "What do you need?", "why_asked": "To see the size of it.", "word_limit": "80"},
    )
    assert response.status_code == 302
    assert len(round_.questions) == 3
    response = post_form(client, at("/open"), {})
    assert response.status_code == 302
    session.refresh(round_)
    assert round_.status == RoundStatus.OPEN

    questions_before = count(session, Question)
    response = post_form(
        client, at("/questions"), {"text": "One more?", "why_asked": "Because.", "word_limit": "80"}
    )
    assert "cannot change" in response.get_data(as_text=True)
    assert count(session, Question) == questions_before
    page = press(client, at(f"/questions/{round_.questions[0].id}/remove"), at("/questions"))
    assert "cannot change" in page
    assert count(session, Question) == questions_before
    first = round_.questions[0]
    assert "cannot change" in move(client, world, round_, "questions", first, "down")
    session.expire_all()
    assert round_.questions[0] == first
    response = post_form(client, at("/who-can-apply"), {"group_kinds": ["charity"]})
    assert "cannot change" in response.get_data(as_text=True)
    assert round_.rules == []
    response = post_form(client, at("/edit"), round_form())
    assert "cannot change" in response.get_data(as_text=True)


@pytest.mark.parametrize(
    "change",
    [
        lambda s, r: s.add(Question(round=r, text="Sneaky?", why_asked="x", word_limit=5)),
        lambda s, r: setattr(r.questions[0], "word_limit", 1000),
        lambda s, r: s.delete(r.criteria[0]),
        lambda s, r: s.add(EligibilityRule(round=r, kind=RuleKind.INCOME_CEILING, amount_pence=1)),
        lambda s, r: s.add(Criterion(round=r, name="Late", weight=5)),
    ],
)
def test_the_database_refuses_to_change_an_open_rounds_rules(session, world, change):
    round_ = world.round
    change(session, round_)
    with pytest.raises(DBAPIError), session.begin_nested():
        session.flush()


def test_who_can_apply_is_saved_as_rules(client, world, session):
    round_ = world.draft_round
    as_user(client, world.manager)
    north, _south = world.wards
    response = post_form(
        client,
        round_url(world, "/who-can-apply", round_=round_),
        {
            "group_kinds": ["unincorporated", "charity"],
            "wards": [str(north.id)],
            "income_ceiling_pence": "25,000",
            "recent_award_months": "12",
        },
    )
    assert response.status_code == 302
    session.refresh(round_)
    kinds = {r.group_kind for r in round_.rules_of(RuleKind.GROUP_KIND)}
    assert kinds == {GroupKind.UNINCORPORATED, GroupKind.CHARITY}
    assert [r.ward_id for r in round_.rules_of(RuleKind.WARD)] == [north.id]
    assert round_.rules_of(RuleKind.INCOME_CEILING)[0].amount_pence == 2_500_000
    assert round_.rules_of(RuleKind.NO_RECENT_AWARD)[0].months == 12
    page = client.get(round_url(world, round_=round_)).get_data(as_text=True)
    assert "With less than £25,000 coming in each year" in page
    assert "Based in North" in page


def test_a_ward_from_another_place_is_refused(session, world):
    from tests.factories import WardFactory

    foreign = WardFactory()
    with pytest.raises(DomainError, match="Choose wards in Riverton"):
        services.set_eligibility(session, world.manager, world.draft_round, ward_ids=[foreign.id])
    assert world.draft_round.rules == []


def test_the_time_to_apply_is_estimated_from_the_questions(app, session, world):
    with app.app_context():
        # 10 to read + (5 + 100/10) + (5 + 50/10) = 35 minutes.
        assert services.estimate_minutes(world.round.questions) == 35
        assert services.format_minutes(35) == "about 35 minutes"
        assert services.format_minutes(100) == "about 1 hour 40 minutes"
        assert services.format_minutes(120) == "about 2 hours"
    page = app.test_client().get(round_url(world)).get_data(as_text=True)
    assert "about 35 minutes" in page


def test_a_big_ask_for_a_small_grant_warns_the_fund_manager(client, app, world, session):
    def draft_with_long_questions(**terms):
        questions = [("Tell us everything", 500), ("And more", 500)]
        return RoundFactory(place=world.place, opened=False, questions=questions, **terms)

    small = draft_with_long_questions(max_grant_pence=50_000, min_grant_pence=10_000)
    big = draft_with_long_questions(budget_pence=20_000_000, max_grant_pence=5_000_000)
    with app.test_request_context():
        # 10 + 2 x (5 + 50) = 120 minutes: far more than the 45-minute floor for £500...
        assert services.estimate_minutes(small.questions) == 120
        assert services.guide_minutes(small.max_grant_pence) == 45
        assert "For grants up to £500" in services.proportion_warning(small)
        # ... but within the 300 minutes allowed for £50,000.
        assert services.guide_minutes(big.max_grant_pence) == 300
        assert services.proportion_warning(big) is None
    as_user(client, world.manager)
    page = client.get(round_url(world, "/manage", round_=small)).get_data(as_text=True)
    assert "our guide is no more than 45 minutes" in page
    page = client.get(round_url(world, "/open", round_=small)).get_data(as_text=True)
    assert "our guide is no more than 45 minutes" in page


def test_the_proportionate_guide_is_a_setting(app):
    config = {
        "APPLY_GUIDE_MINUTES_PER_1000_POUNDS": 10,
        "APPLY_GUIDE_FLOOR_MINUTES": 20,
        "APPLY_GUIDE_CEILING_MINUTES": 100,
    }
    assert services.guide_minutes(100_000, config) == 20
    assert services.guide_minutes(500_000, config) == 50
    assert services.guide_minutes(10_000_000, config) == 100


def test_a_round_closes_only_when_every_application_is_decided(session, world, ctx):
    round_ = world.round
    round_.opens_at = utcnow() - dt.timedelta(days=20)
    round_.closes_at = utcnow() - dt.timedelta(days=1)
    session.commit()
    waiting = ApplicationFactory(round=round_, state=State.IN_REVIEW)
    with pytest.raises(DomainError, match="1 application still needs a decision"):
        services.close_round(session, world.manager, round_)
    # The panel decides in this round: its decision reaches the application as the system's.
    services.transition(
        session,
        None,
        waiting,
        "decline",
        feedback="Others met the criteria better.",
        as_system=True,
    )
    services.close_round(session, world.manager, round_)
    assert round_.status == RoundStatus.CLOSED


def test_the_scheduled_tick_closes_a_round_once_every_application_is_decided(app, session, world):
    round_ = world.round
    round_.opens_at = utcnow() - dt.timedelta(days=20)
    round_.closes_at = utcnow() - dt.timedelta(days=1)
    waiting = ApplicationFactory(round=round_, state=State.IN_REVIEW)
    session.commit()
    runner = app.test_cli_runner()
    result = runner.invoke(args=["tick"])
    assert result.exit_code == 0, result.output
    assert "Closed the round" not in result.output
    session.refresh(round_)
    assert round_.status == RoundStatus.OPEN
    waiting.state = State.DECLINED
    waiting.feedback = "Others met the criteria better."
    session.commit()
    result = runner.invoke(args=["tick"])
    assert f"Closed the round {round_.title}" in result.output
    session.refresh(round_)
    assert round_.status == RoundStatus.CLOSED
    entry = session.scalar(
        select(AuditEntry).where(AuditEntry.action == "round.close").order_by(AuditEntry.id.desc())
    )
    assert entry.actor_id is None
    assert entry.details["by"] == "system"
    assert "Closed the round" not in runner.invoke(args=["tick"]).output


def test_a_round_cannot_close_before_its_deadline(client, world, session):
    as_user(client, world.manager)
    response = post_form(client, round_url(world, "/close"), {})
    assert "Close it after that" in response.get_data(as_text=True)
    session.refresh(world.round)
    assert world.round.status == RoundStatus.OPEN


def test_open_rounds_are_listed_for_everyone(client, world):
    page = client.get("/places/riverton/rounds").get_data(as_text=True)
    assert "Riverton small grants" in page
    assert "Open for applications" in page
    page = client.get("/places/riverton").get_data(as_text=True)
    assert "/places/riverton/rounds" in page


def _day_parts(day: dt.date) -> list[str]:
    return [str(day.day), str(day.month), str(day.year)]


def test_a_fund_manager_gives_groups_more_time(client, world, session, mailbox):
    round_ = world.round
    old_day = to_london(round_.closes_at).date()
    new_day = old_day + dt.timedelta(days=7)
    as_user(client, world.manager)
    manage = client.get(round_url(world, "/manage")).get_data(as_text=True)
    assert "Give groups more time" in manage
    page = client.get(round_url(world, "/deadline")).get_data(as_text=True)
    assert "A deadline can only move later" in page
    response = post_form(
        client,
        round_url(world, "/deadline"),
        {
            "closes_on": _day_parts(new_day),
            "closes_time": "5pm",
            "reason": "The library was shut for a week, so groups could not get help.",
        },
    )
    assert response.status_code == 302
    session.refresh(round_)
    assert round_.closes_at == london_to_utc(new_day, dt.time(17, 0))
    # The group with an application not yet sent hears why, by email.
    told = mailbox.to(world.member.email)
    assert told
    assert told[-1]["subject"] == "More time to apply to Riverton small grants"
    assert "The library was shut for a week" in told[-1]["body"]
    assert f"/applications/{world.application.id}" in told[-1]["body"]
    page = client.get(round_url(world, "/manage")).get_data(as_text=True)
    assert f"{new_day.day} {new_day:%B %Y}" in page


@pytest.mark.parametrize(
    ("days", "reason", "field", "message"),
    [
        (-1, "Groups asked for it.", "closes_on", "A deadline can only move later"),
        (60, "Groups asked for it.", "closes_on", "before the day you will decide by"),
        (3, "", "reason", "Say why the deadline is moving"),
    ],
)
def test_a_deadline_moves_only_later_before_the_decision_and_with_a_reason(
    client, world, session, mailbox, days, reason, field, message
):
    round_ = world.round
    before = round_.closes_at
    day = to_london(before).date() + dt.timedelta(days=days)
    as_user(client, world.manager)
    response = post_form(
        client,
        round_url(world, "/deadline"),
        {"closes_on": _day_parts(day), "closes_time": "5pm", "reason": reason},
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert message in page
    assert f'href="#{field}"' in page
    session.refresh(round_)
    assert round_.closes_at == before
    assert not mailbox.to(world.member.email)


def test_a_deadline_that_has_passed_cannot_move(session, world, ctx):
    round_ = world.round
    round_.opens_at = utcnow() - dt.timedelta(days=20)
    round_.closes_at = utcnow() - dt.timedelta(hours=1)
    session.commit()
    with pytest.raises(DomainError, match="The deadline has passed"):
        services.extend_deadline(
            session, world.manager, round_, utcnow() + dt.timedelta(days=3), "Late post."
        )
    with pytest.raises(DomainError, match="Only an open round"):
        services.extend_deadline(
            session,
            world.manager,
            world.draft_round,
            world.draft_round.closes_at + dt.timedelta(days=1),
            "Not open yet.",
        )


def test_a_fund_manager_puts_a_draft_round_s_questions_in_order(client, world, session):
    round_ = world.draft_round
    as_user(client, world.manager)
    url = round_url(world, "/questions", round_=round_)
    for text in ("Who will come?", "How will you know it worked?"):
        post_form(client, url, {"text": text, "why_asked": "So we can decide.", "word_limit": "50"})
    session.expire_all()
    before = [q.text for q in round_.questions]
    last = round_.questions[-1]
    assert "Question moved up." in move(client, world, round_, "questions", last, "up")
    session.expire_all()
    assert [q.text for q in round_.questions] == [*before[:-2], before[-1], before[-2]]
    # The first question cannot move further up.
    first = round_.questions[0]
    assert "It cannot move that way." in move(client, world, round_, "questions", first, "up")
    session.expire_all()
    assert round_.questions[0] == first


def test_a_fund_manager_puts_what_the_panel_looks_for_in_order(client, world, session):
    round_ = world.draft_round
    as_user(client, world.manager)
    url = round_url(world, "/criteria", round_=round_)
    post_form(client, url, {"name": "Reaches people often left out", "weight": "5"})
    session.expire_all()
    before = [c.name for c in round_.criteria]
    last = round_.criteria[-1]
    assert "Criterion moved up." in move(client, world, round_, "criteria", last, "up")
    session.expire_all()
    assert [c.name for c in round_.criteria] == [*before[:-2], before[-1], before[-2]]
    # Once a round is open, the order is fixed like everything else.
    fixed = world.round.criteria[0]
    assert "cannot change" in move(client, world, world.round, "criteria", fixed, "down")
    session.expire_all()
    assert world.round.criteria[0] == fixed
