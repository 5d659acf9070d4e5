"""The round's spreadsheet for its staff: one row per application sent, a column per
question, the panel's scores as the panel counts them, votes where counted, the decision and
its reason; nothing a group typed becomes a formula; and the same few queries for any size."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal

from giving.models import DecidedBy
from giving.timeutil import utcnow
from giving.workflow import State
from tests.conftest import log_in
from tests.factories import ApplicationFactory, GroupFactory
from tests.statements import statements_sent
from voting.models import BallotKind, Review, Score, Vote, VoteKind, WhoMayVote
from voting.services import round_export
from voting.workflow import VoteStatus


def _score(session, member, application, values):
    session.add(Review(member_id=member.id, application_id=application.id, submitted_at=utcnow()))
    for criterion, value in zip(application.round.criteria, values, strict=True):
        session.add(
            Score(
                member_id=member.id,
                application_id=application.id,
                criterion_id=criterion.id,
                value=value,
            )
        )
    session.flush()


def _counted_vote(session, world):
    now = utcnow()
    vote = Vote(
        round_id=world.round.id,
        kind=VoteKind.PUBLIC,
        status=VoteStatus.COUNTED,
        rule="greedy_votes",
        ballot_kind=BallotKind.APPROVAL,
        who_may_vote=WhoMayVote.VERIFIED,
        budget_pence=500_000,
        tie_break_seed="seed",
        opens_at=now - dt.timedelta(days=7),
        closes_at=now - dt.timedelta(days=1),
        counted_at=now,
        outcome={
            "explanations": {
                str(world.first.id): {"selected": True, "votes": 12},
                str(world.second.id): {"selected": False, "votes": 7},
            }
        },
    )
    session.add(vote)
    session.flush()
    return vote


def _csv(client, world) -> list[dict[str, str]]:
    url = f"/places/{world.place.slug}/rounds/{world.round.id}/applications.csv"
    response = client.get(url)
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    return list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))


def _build(session, world):
    _score(session, world.chair, world.first, [4, 4])
    _score(session, world.reader, world.first, [2, 3])
    _score(session, world.conflicted, world.first, [1, 1])  # declared a conflict: not counted
    _score(session, world.chair, world.second, [5, 5])
    world.second.title = '=HYPERLINK("http://evil.example","Click")'
    world.second.state = State.DECLINED
    world.second.feedback = "We had more asks than money. +Try again in spring."
    world.second.decided_by = DecidedBy.RESIDENTS
    world.second.decided_at = utcnow()
    world.first.answers[0].text = "@SUM(A1:A9) and a club"
    ApplicationFactory(round=world.round, group=GroupFactory(place=world.place))  # a draft
    _counted_vote(session, world)
    session.flush()


def test_one_row_per_application_sent_with_answers_scores_votes_and_decision(
    session, client, world
):
    _build(session, world)
    log_in(client, world.manager)
    rows = _csv(client, world)
    assert [r["Application"] for r in rows] == [str(world.first.id), str(world.second.id)]
    first, second = rows
    assert first["Group"] == "Pennington Larder"
    assert first["Amount asked for (GBP)"] == "1000.00"
    assert first["Question 1: What will you do with the money?"] == "'@SUM(A1:A9) and a club"
    assert first["Question 2: Who will it help?"] == "We will run a weekly club."
    # Counted as the panel counts: sent scores, no conflicted member. Weights 30 and 10.
    assert first["Mean score: Helps people"] == "3.00"
    assert first["Mean score: Good value"] == "3.50"
    assert first["Weighted score (1 to 5)"] == "3.13"
    assert first["How many scored it"] == "2"
    vote_id = session.query(Vote).one().id
    assert first[f"Public vote {vote_id}: votes"] == "12"
    assert first[f"Public vote {vote_id}: chosen"] == "Yes"
    assert first["Decision"] == ""
    assert second["Title"] == '\'=HYPERLINK("http://evil.example","Click")'
    assert (second["How many scored it"], second["Weighted score (1 to 5)"]) == ("1", "5.00")
    assert second[f"Public vote {vote_id}: votes"] == "7"
    assert second["Decision"] == State.DECLINED.label
    assert second["Decided by"] == DecidedBy.RESIDENTS.label
    assert (
        second["Reason given to the group"] == "We had more asks than money. +Try again in spring."
    )


def test_the_export_reads_the_same_few_queries_for_many_applications(app, session, client, world):
    _build(session, world)
    log_in(client, world.manager)
    url = f"/places/{world.place.slug}/rounds/{world.round.id}/applications.csv"
    engine = session.get_bind()

    def cost() -> tuple[int, int]:
        with statements_sent(engine) as seen:
            body = client.get(url).get_data(as_text=True)
        return len(seen), body.count("\n")

    few, lines = cost()
    for _n in range(30):
        ApplicationFactory(
            round=world.round, group=GroupFactory(place=world.place), state=State.SUBMITTED
        )
    session.flush()
    many, more_lines = cost()
    assert more_lines == lines + 30
    assert many == few


def test_the_export_is_written_a_page_at_a_time(session, ctx, world, monkeypatch):
    _build(session, world)
    monkeypatch.setattr(round_export, "PAGE_SIZE", 1)
    chunks = list(round_export.export_applications(ctx, world.manager, world.round))
    assert len(chunks) == 2  # the heading with the first row, then the second row
    rows = list(csv.reader(io.StringIO("".join(chunks))))
    assert [r[0] for r in rows[1:]] == [str(world.first.id), str(world.second.id)]
    assert Decimal(rows[1][3]) == Decimal("1000.00")
