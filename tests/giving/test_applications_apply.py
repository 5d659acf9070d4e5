"""Applying: start, save and come back, word counts and limits, send before the deadline with
a confirmation page and email, withdraw, staff helping by phone or on paper, and forms that
cannot be tampered with."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select

from giving.models import Answer, Application, AuditEntry, Channel, GroupKind
from giving.timeutil import utcnow
from giving.workflow import State
from tests.conftest import post_form
from tests.factories import ApplicationFactory, GroupFactory, GroupMemberFactory
from tests.giving.round_helpers import as_user, round_url


def answers_form(round_, texts: list[str], **extra) -> dict:
    data = {"title": "Saturday lunch club", "amount_requested_pence": "1,500"}
    for question, text in zip(round_.questions, texts, strict=False):
        data[f"q_{question.id}"] = text
    data.update(extra)
    return data


def count(session, model) -> int:
    return session.scalar(select(func.count(model.id)))


def test_a_member_starts_saves_comes_back_and_sends(client, world, session, mailbox):
    group = GroupFactory(place=world.place, name="Riverton Walkers")
    GroupMemberFactory(group=group, user=world.member)
    as_user(client, world.member)

    response = post_form(client, round_url(world, "/apply"), {"group": str(group.id)})
    assert response.status_code == 302
    application = session.scalar(select(Application).where(Application.group_id == group.id))
    assert application.state == State.DRAFT
    assert application.channel == Channel.ONLINE
    edit = f"/applications/{application.id}/edit"
    assert response.headers["Location"].endswith(edit)

    response = post_form(
        client, edit, answers_form(world.round, ["We cook lunch for 30 neighbours."], save="y")
    )
    assert response.status_code == 302
    assert "Your application is saved" in client.get(response.headers["Location"]).get_data(True)
    page = client.get(edit).get_data(as_text=True)
    assert "We cook lunch for 30 neighbours." in page
    assert 'data-maxwords="100"' in page  # the word counter

    page = client.get(f"/applications/{application.id}/check").get_data(as_text=True)
    assert "Answer question 2" in page
    assert "6 of 100 words" in page

    texts = ["We cook lunch for 30 neighbours.", "Older people who live alone."]
    post_form(client, edit, answers_form(world.round, texts, check="y"))
    response = post_form(client, f"/applications/{application.id}/check", {})
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/applications/{application.id}/sent")
    session.refresh(application)
    assert application.state == State.SUBMITTED
    assert application.submitted_at is not None

    decision_day = f"{world.round.decision_date.day} {world.round.decision_date:%B %Y}"
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Application sent" in page
    assert decision_day in page
    email = mailbox.to(world.member.email)[-1]
    assert "We have your application" in email["subject"]
    assert decision_day in email["body"]
    assert f"/applications/{application.id}" in email["body"]


def test_an_answer_over_its_word_limit_changes_nothing(client, world, session):
    application = world.application
    before = {a.question_id: a.text for a in application.answers}
    as_user(client, world.member)
    too_long = " ".join(["word"] * 101)
    response = post_form(
        client,
        f"/applications/{application.id}/edit",
        answers_form(world.round, [too_long, "Changed"], save="y"),
    )
    page = response.get_data(as_text=True)
    first = world.round.questions[0]
    assert response.status_code == 200
    assert "Your answer has 101 words. Use 100 words or fewer." in page
    assert f'href="#q_{first.id}"' in page
    session.expire_all()
    assert {a.question_id: a.text for a in session.get(Application, application.id).answers} == (
        before
    )


def test_an_amount_outside_the_grant_sizes_is_refused(client, world, session):
    as_user(client, world.member)
    response = post_form(
        client,
        f"/applications/{world.application.id}/edit",
        answers_form(world.round, ["A", "B"], amount_requested_pence="50,000", save="y"),
    )
    assert "Ask for between £500 and £2,000" in response.get_data(as_text=True)
    session.refresh(world.application)
    assert world.application.amount_requested_pence == 100_000


def _refused_to_send(client, session, person, application, message: str) -> None:
    """``person`` presses send on ``application``: ``message`` is shown, and it stays a draft."""
    as_user(client, person)
    response = post_form(client, f"/applications/{application.id}/check", {})
    assert message in response.get_data(as_text=True)
    session.refresh(application)
    assert application.state == State.DRAFT


def test_sending_after_the_deadline_is_refused(client, world, session):
    world.round.closes_at = utcnow() - dt.timedelta(minutes=1)
    session.commit()
    _refused_to_send(client, session, world.member, world.application, "can no longer be sent")
    assert world.application.submitted_at is None


def test_an_incomplete_application_cannot_be_sent(client, world, session):
    application = ApplicationFactory(
        round=world.round, group=world.other_group, title="", amount_requested_pence=None
    )
    message = "Give your project or idea a name"
    _refused_to_send(client, session, world.other_member, application, message)


def test_a_group_that_stopped_fitting_the_rules_cannot_send(client, world, session):
    from giving.models import EligibilityRule, RoundStatus, RuleKind
    from tests.factories import RoundFactory

    round_ = RoundFactory(place=world.place, opened=False)
    round_.rules.append(
        EligibilityRule(kind=RuleKind.GROUP_KIND, group_kind=GroupKind.UNINCORPORATED)
    )
    session.flush()
    round_.status = RoundStatus.OPEN
    round_.opened_at = utcnow()
    application = ApplicationFactory(round=round_, group=world.group, answered=True)
    world.group.kind = GroupKind.CIC
    world.group.company_number = "12345678"
    session.commit()
    message = "This round is only for these kinds of group"
    _refused_to_send(client, session, world.member, application, message)


def test_a_sent_application_cannot_change(client, world, session):
    application = world.application
    application.state = State.SUBMITTED
    application.submitted_at = utcnow()
    session.commit()
    as_user(client, world.member)
    response = client.get(f"/applications/{application.id}/edit")
    assert response.status_code == 302
    response = post_form(
        client,
        f"/applications/{application.id}/edit",
        answers_form(world.round, ["Sneaky change", "x"], save="y"),
        page=f"/applications/{application.id}",
    )
    assert response.status_code == 302
    session.expire_all()
    assert "Sneaky change" not in [a.text for a in session.get(Application, application.id).answers]


def test_a_group_can_withdraw_and_start_again(client, world, session):
    as_user(client, world.member)
    response = post_form(client, f"/applications/{world.application.id}/withdraw", {})
    assert response.status_code == 302
    session.refresh(world.application)
    assert world.application.state == State.WITHDRAWN
    page = client.get(f"/applications/{world.application.id}").get_data(as_text=True)
    assert "It was withdrawn." in page
    response = post_form(client, round_url(world, "/apply"), {"group": str(world.group.id)})
    assert response.status_code == 302
    assert count(session, Application) == 2


def test_one_live_application_per_group_and_round(client, world, session):
    as_user(client, world.member)
    response = post_form(client, round_url(world, "/apply"), {"group": str(world.group.id)})
    assert "has already started an application" in response.get_data(as_text=True)
    assert count(session, Application) == 1


def test_staff_enter_an_application_taken_by_phone_and_send_it_from_paper(
    client, world, session, mailbox
):
    as_user(client, world.manager)
    response = post_form(
        client,
        round_url(world, "/apply-for-a-group"),
        {"group": str(world.other_group.id), "channel": "phone"},
    )
    assert response.status_code == 302
    application = session.scalar(
        select(Application).where(Application.group_id == world.other_group.id)
    )
    assert application.entered_by_staff
    assert application.channel == Channel.PHONE
    texts = ["A choir for carers.", "Carers who need a break."]
    post_form(client, f"/applications/{application.id}/edit", answers_form(world.round, texts))
    response = post_form(client, f"/applications/{application.id}/check", {})
    assert "Say how the group reached you" in response.get_data(as_text=True)
    session.refresh(application)
    assert application.state == State.DRAFT
    response = post_form(client, f"/applications/{application.id}/check", {"channel": "paper"})
    assert response.status_code == 302
    session.refresh(application)
    assert application.state == State.SUBMITTED
    assert application.channel == Channel.PAPER
    assert mailbox.to(world.other_member.email), "the group is told it was sent"

    as_user(client, world.other_member)
    page = client.get(f"/applications/{application.id}").get_data(as_text=True)
    assert "The fund&#39;s team started the application for you." in page
    assert "The fund&#39;s team sent the application for you (on paper)." in page


def test_staff_must_say_how_a_group_reached_them(client, world, session):
    as_user(client, world.manager)
    response = post_form(
        client, round_url(world, "/apply-for-a-group"), {"group": str(world.other_group.id)}
    )
    assert "Say how the group reached you" in response.get_data(as_text=True)
    assert count(session, Application) == 1


def test_a_tampered_group_id_is_refused(client, world, session):
    as_user(client, world.member)
    response = post_form(client, round_url(world, "/apply"), {"group": str(world.other_group.id)})
    assert response.status_code == 200
    assert 'href="#group"' in response.get_data(as_text=True)
    assert count(session, Application) == 1


def test_a_tampered_state_or_amount_is_ignored(client, world, session):
    as_user(client, world.member)
    post_form(
        client,
        f"/applications/{world.application.id}/edit",
        answers_form(
            world.round,
            ["Fine", "Fine"],
            save="y",
            state="awarded",
            award_pence="2000",
            group_id=str(world.other_group.id),
            round_id="999",
        ),
    )
    session.refresh(world.application)
    assert world.application.state == State.DRAFT
    assert world.application.award_pence is None
    assert world.application.group_id == world.group.id
    assert world.application.round_id == world.round.id


def test_a_member_cannot_change_another_groups_draft(client, world, session):
    as_user(client, world.other_member)
    response = post_form(
        client,
        f"/applications/{world.application.id}/edit",
        answers_form(world.round, ["Hijack", "Hijack"], save="y"),
        page="/account",
    )
    assert response.status_code == 403
    assert count(session, Answer) == 2
    assert "Hijack" not in [a.text for a in world.application.answers]


def test_every_change_is_in_the_audit_log(client, world, session):
    as_user(client, world.member)
    post_form(
        client,
        f"/applications/{world.application.id}/edit",
        answers_form(world.round, ["Fine", "Fine"], save="y"),
    )
    post_form(client, f"/applications/{world.application.id}/check", {})
    actions = session.scalars(
        select(AuditEntry.action).where(AuditEntry.object_type == "Application")
    ).all()
    assert "application.save" in actions
    assert "application.submit" in actions


def test_your_applications_lists_only_your_groups(client, world):
    ApplicationFactory(round=world.round, group=world.other_group, title="Choir concert")
    as_user(client, world.member)
    page = client.get("/applications").get_data(as_text=True)
    assert world.application.title in page
    assert "Choir concert" not in page
