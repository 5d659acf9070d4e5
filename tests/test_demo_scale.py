"""``flask demo scale`` builds Scaleford beside the demo: as many rows as asked, money that
adds up, schedules that add up to their grants, a vote that counts again, and pages that
answer. It commits for real, so it runs on a database of its own, built once for the module.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from flask import Flask
from sqlalchemy import func, select

from funds.models import Entry, Fund, Grant, Income, Instalment, Payment, Transaction
from funds.models.donations import Donation
from funds.services import figures as ledger_figures
from funds.workflow import OWED_STATES
from giving.extensions import db
from giving.models import Application, Place, Round
from giving.scale import SCALE_MANAGER_EMAIL, SCALE_PASSWORD, SCALE_PLACE_SLUG
from tests.conftest import post_form
from tests.database_helpers import own_app
from voting.models import Ballot, Vote, VoterRecord
from voting.workflow import VoteStatus

pytestmark = pytest.mark.slow

SIZES = {"grants": 50, "applications": 20, "ballots": 200, "gifts": 100}


@pytest.fixture(scope="module")
def scale_app(tmp_path_factory) -> Iterator[Flask]:
    with own_app(tmp_path_factory.mktemp("scale"), "scale") as app:
        runner = app.test_cli_runner()
        loaded = runner.invoke(args=["demo", "load"])
        assert loaded.exit_code == 0, loaded.output
        args = ["demo", "scale"] + [f"--{k}={v}" for k, v in SIZES.items()]
        result = runner.invoke(args=args)
        assert result.exit_code == 0, result.output
        assert "Scaleford built" in result.output
        yield app


@pytest.fixture
def scale_db(scale_app) -> Iterator:
    with scale_app.app_context():
        yield db.session
        db.session.rollback()


def _place(session) -> Place:
    return session.scalars(select(Place).where(Place.slug == SCALE_PLACE_SLUG)).one()


def _fund(session) -> Fund:
    return session.scalars(select(Fund).where(Fund.place_id == _place(session).id)).one()


def _vote(session) -> Vote:
    return session.scalars(
        select(Vote)
        .join(Round, Round.id == Vote.round_id)
        .where(Round.place_id == _place(session).id)
    ).one()


def test_it_makes_as_many_as_were_asked_for(scale_db):
    place, fund, vote = _place(scale_db), _fund(scale_db), _vote(scale_db)
    applications = scale_db.scalar(
        select(func.count())
        .select_from(Application)
        .join(Round, Round.id == Application.round_id)
        .where(Round.place_id == place.id)
    )
    grants = scale_db.scalar(select(func.count()).where(Grant.fund_id == fund.id))
    gifts = scale_db.scalar(select(func.count()).where(Donation.fund_id == fund.id))
    ballots = scale_db.scalar(select(func.count()).where(Ballot.vote_id == vote.id))
    voters = scale_db.scalar(select(func.count()).where(VoterRecord.vote_id == vote.id))
    assert (applications, grants, gifts, ballots) == (20, 50, 100, 200)
    assert voters == ballots


def test_every_ledger_journal_balances_and_the_accounts_agree(scale_db):
    fund = _fund(scale_db)
    journals = scale_db.execute(
        select(Transaction.entry_count, func.count(Entry.id), func.sum(Entry.amount_pence))
        .join(Entry, Entry.transaction_id == Transaction.id)
        .where(Transaction.fund_id == fund.id)
        .group_by(Transaction.id)
    ).all()
    assert len(journals) > 150  # grants made, payments, council income and 100 gifts
    assert all(declared == entries and total == 0 for declared, entries, total in journals)
    figures = ledger_figures(scale_db, fund)
    owed = scale_db.scalar(
        select(func.coalesce(func.sum(Instalment.amount_pence), 0))
        .join(Grant, Grant.id == Instalment.grant_id)
        .where(Grant.fund_id == fund.id, Instalment.state.in_(OWED_STATES))
    )
    money_in = scale_db.scalar(
        select(func.sum(Income.amount_pence)).where(Income.fund_id == fund.id)
    )
    paid = scale_db.scalar(
        select(func.sum(Payment.amount_pence))
        .join(Instalment, Instalment.id == Payment.instalment_id)
        .join(Grant, Grant.id == Instalment.grant_id)
        .where(Grant.fund_id == fund.id)
    )
    assert figures.owed_pence == owed
    assert figures.paid_pence == paid > 0
    assert figures.bank_pence == money_in - paid
    assert figures.income_pence == money_in


def test_each_grants_schedule_adds_up_to_the_grant(scale_db):
    fund = _fund(scale_db)
    rows = scale_db.execute(
        select(Grant.total_pence, func.sum(Instalment.amount_pence))
        .join(Instalment, Instalment.grant_id == Grant.id)
        .where(Grant.fund_id == fund.id)
        .group_by(Grant.id, Grant.total_pence)
    ).all()
    assert len(rows) == 50
    assert all(total == scheduled for total, scheduled in rows)


def test_the_vote_is_counted_and_counts_again_the_same(scale_app, scale_db):
    vote = _vote(scale_db)
    assert vote.status == VoteStatus.COUNTED
    assert vote.outcome["ballots"] == 200
    awarded = scale_db.scalar(
        select(func.count()).where(
            Application.round_id == vote.round_id, Application.state == "awarded"
        )
    )
    assert awarded == len(vote.outcome["selected"]) >= 1
    result = scale_app.test_cli_runner().invoke(args=["count", "--round", str(vote.round_id)])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["selected"] == vote.outcome["selected"]


def test_its_pages_answer(scale_app):
    # Ids first, in an app context of their own: requests made inside one would share it.
    with scale_app.app_context():
        place, fund, vote = _place(db.session), _fund(db.session), _vote(db.session)
        grant_id = db.session.scalar(select(func.min(Grant.id)).where(Grant.fund_id == fund.id))
        slug, round_id, fund_id, vote_id = place.slug, vote.round_id, fund.id, vote.id
    public = [
        f"/places/{slug}",
        f"/places/{slug}/rounds",
        f"/places/{slug}/rounds/{round_id}",
        f"/places/{slug}/results",
        f"/places/{slug}/results/rounds/{round_id}",
        "/results",
        f"/places/{slug}/scorecard",
        f"/places/{slug}/participation",
        f"/places/{slug}/grants",
        f"/places/{slug}/grants?size=1000-4999&page=2",
        f"/places/{slug}/money",
        f"/funds/{fund_id}",
        f"/funds/{fund_id}/scorecard",
        f"/votes/{vote_id}/results",
        "/open-data",
        f"/api/places/{slug}",
        f"/api/places/{slug}/rounds",
        f"/api/rounds/{round_id}/results",
        f"/api/places/{slug}/grants?page=2&per_page=20",
        f"/api/places/{slug}/money",
    ]
    staff = [
        f"/funds/{fund_id}/manage",
        f"/funds/{fund_id}/grants",
        f"/funds/{fund_id}/income",
        f"/funds/{fund_id}/donations",
        f"/grants/{grant_id}",
        f"/places/{slug}/rounds/{round_id}/applications",
    ]
    client = scale_app.test_client()
    for url in public:
        assert client.get(url).status_code == 200, url
    login = post_form(client, "/login", {"email": SCALE_MANAGER_EMAIL, "password": SCALE_PASSWORD})
    assert login.status_code == 302
    for url in staff:
        assert client.get(url).status_code == 200, url


def test_running_it_again_changes_nothing(scale_app, scale_db):
    before = scale_db.scalar(select(func.count()).select_from(Grant))
    result = scale_app.test_cli_runner().invoke(args=["demo", "scale", "--grants", "7"])
    assert result.exit_code == 0, result.output
    assert "already there" in result.output
    assert scale_db.scalar(select(func.count()).select_from(Grant)) == before
