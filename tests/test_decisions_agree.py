"""A decision reads the same wherever it is published. For every demo round, and again once
the scheduled job has counted the open public vote: the API's round results match the
database; the round's results page shows each decision, who made it and its amount; the
place's results and the results index give the same counts and the same notes ("counted
on ..."); and each counted vote's own results page chose exactly the applications that were
given money, at the cost it counted."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from flask import Flask
from flask.testing import FlaskClient
from markupsafe import escape
from sqlalchemy import event, select, update

from giving import cli as giving_cli
from giving.extensions import db
from giving.jobs import commit
from giving.models import Application, DecidedBy, DecisionMethod, Place, Round, RoundStatus
from giving.money import format_money
from giving.workflow import State
from tests.factories import ApplicationFactory, PlaceFactory, RoundFactory
from tests.test_get_changes_nothing import _frozen_settings_lifted
from voting import services as voting_services
from voting.models import Vote, VoteStatus

DECIDED = (State.AWARDED, State.DECLINED, State.INELIGIBLE)


@pytest.fixture
def demo(app: Flask, session) -> None:
    from wsgi import load_demo

    with app.test_request_context():
        load_demo(db.session)
        commit()


def _api_results(client: FlaskClient, round_id: int) -> tuple[list[dict], list[str]]:
    items: list[dict] = []
    url: str | None = f"/api/rounds/{round_id}/results?per_page=100"
    notes: list[str] = []
    while url:
        body = client.get(url).get_json()
        items.extend(body["items"])
        notes = body.get("notes", notes)
        url = body["links"].get("next")
    return items, notes


def _round_row(page: str, title: str) -> str:
    """The table row of the place's results page (or the index) that names the round."""
    rows = [row for row in page.split("<tr") if f">{escape(title)}</a>" in row]
    assert len(rows) == 1, f"{title} is listed once"
    return rows[0]


def _decision_blocks(page: str) -> dict[str, str]:
    """The round results page's decisions, by heading ("Group: title")."""
    decisions = page.split('<div id="decisions">', 1)[1].split("<h2", 1)[0]
    parts = re.split(r'<h3 class="govuk-heading-s">(.*?)</h3>', decisions)
    return {parts[i]: parts[i + 1] for i in range(1, len(parts) - 1, 2)}


def _check_round(session, client: FlaskClient, place: Place, round_: Round) -> None:
    applications = session.scalars(
        select(Application).where(Application.round_id == round_.id, Application.state.in_(DECIDED))
    ).all()
    items, api_notes = _api_results(client, round_.id)
    # The API says what the database holds.
    assert {
        i["application_id"]: (i["decision"], i["award_pence"], i["decided_by"]) for i in items
    } == {
        a.id: (a.state.value, a.award_pence, a.decided_by.value if a.decided_by else None)
        for a in applications
    }
    with client.application.test_request_context():
        notes = voting_services.round_notes(db.session, [round_]).get(round_.id, [])
    assert api_notes == notes

    # The round's results page: every decision, with its label, who made it and the money.
    page = client.get(f"/places/{place.slug}/results/rounds/{round_.id}").get_data(as_text=True)
    blocks = _decision_blocks(page) if applications else {}
    assert len(blocks) == len(applications)
    for a in applications:
        block = blocks[escape(f"{a.group.name}: {a.title}")]
        assert escape(a.state.label) in block
        if a.award_pence:
            assert format_money(a.award_pence) in block
        if a.decided_by == DecidedBy.OVERRIDE:
            assert escape(a.override_reason) in block
    for note in notes:
        assert escape(note) in page

    # The place's results and the results index: the same counts, notes and overrides.
    place_page = client.get(f"/places/{place.slug}/results").get_data(as_text=True)
    index = client.get("/results").get_data(as_text=True)
    row = _round_row(place_page, round_.title)
    for state, label in (
        (State.AWARDED, "Given money"),
        (State.DECLINED, "Not given money"),
        (State.INELIGIBLE, "Could not be funded"),
    ):
        count = sum(1 for a in applications if a.state == state)
        assert f"{label}: {count}<" in row
    for note in notes:
        assert escape(note) in row
        assert escape(note) in index
    for a in applications:
        if a.decided_by == DecidedBy.OVERRIDE:
            assert escape(a.override_reason) in row

    # Each counted vote that decides the round: chose exactly those given money by residents.
    deciding = voting_services.deciding_kind(round_)
    votes = session.scalars(select(Vote).where(Vote.round_id == round_.id)).all()
    for vote in votes:
        if vote.status not in (VoteStatus.COUNTED, VoteStatus.AWARDED) or vote.kind != deciding:
            continue
        selected = set(vote.outcome["selected"])
        vote_page = client.get(f"/votes/{vote.id}/results").get_data(as_text=True)
        for option in vote.options:
            application = option.application
            if application.decided_by != DecidedBy.RESIDENTS:
                continue
            chosen = option.project_id in selected
            assert application.state == (State.AWARDED if chosen else State.DECLINED)
            assert application.award_pence == (option.cost_pence if chosen else None)
            if chosen:
                assert escape(f"Gets {format_money(option.cost_pence)}") in vote_page
        for note in notes:
            assert escape(note) in vote_page or vote.kind != deciding


@pytest.mark.slow
def test_every_demo_round_reads_the_same_everywhere(app, session, demo, monkeypatch):
    client = app.test_client()
    place = session.scalar(select(Place).where(Place.slug == "oakbridge"))
    rounds = session.scalars(
        select(Round).where(Round.place_id == place.id, Round.status != RoundStatus.DRAFT)
    ).all()
    assert len(rounds) >= 4
    for round_ in rounds:
        _check_round(session, client, place, round_)

    # The open public vote's closing time passes; the scheduled job counts it, and from that
    # moment every page and the API show the count as the decision.
    vote = session.scalar(select(Vote).where(Vote.status == VoteStatus.OPEN))
    assert vote is not None
    with _frozen_settings_lifted(session.connection()):
        session.execute(
            update(Vote)
            .where(Vote.id == vote.id)
            .values(closes_at=dt.datetime.now(dt.UTC) - dt.timedelta(minutes=5))
        )
    session.commit()
    later = dt.datetime.now(dt.UTC)
    monkeypatch.setattr(giving_cli, "utcnow", lambda: later)
    output = app.test_cli_runner().invoke(args=["tick"]).output
    assert f"public vote {vote.id}" in output
    session.expire_all()
    assert session.get(Vote, vote.id).status == VoteStatus.COUNTED
    counted_round = session.get(Round, vote.round_id)
    decided = [
        a
        for a in session.scalars(
            select(Application).where(Application.round_id == counted_round.id)
        )
        if a.state in DECIDED
    ]
    assert decided, "the count decided the round's applications"
    _check_round(session, client, place, counted_round)


def _statements(session, client: FlaskClient, url: str) -> int:
    seen: list[str] = []

    def note(conn, cursor, statement, *args):
        seen.append(statement)

    engine = session.get_bind()
    event.listen(engine, "before_cursor_execute", note)
    try:
        assert client.get(url).status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", note)
    return len(seen)


def test_the_results_lists_ask_the_database_the_same_number_of_times_for_more_rounds(
    session, client
):
    """The results index and a place's results show every round with its notes and its
    overrides: more rounds cost no more queries."""
    place = PlaceFactory(slug="manyround", name="Many Round")

    def add_rounds(how_many: int) -> None:
        for _n in range(how_many):
            round_ = RoundFactory(place=place, opened=True, decision_method=DecisionMethod.PANEL)
            ApplicationFactory(
                round=round_,
                state=State.DECLINED,
                decided_at=dt.datetime.now(dt.UTC),
                decided_by=DecidedBy.OVERRIDE,
                override_reason="The group closed before the panel met.",
                feedback="The group closed.",
            )
        session.flush()

    add_rounds(2)
    few = [_statements(session, client, url) for url in ("/results", "/places/manyround/results")]
    add_rounds(5)
    page = client.get("/results").get_data(as_text=True)
    assert page.count("The group closed before the panel met.") == 7
    many = [_statements(session, client, url) for url in ("/results", "/places/manyround/results")]
    assert many == few
