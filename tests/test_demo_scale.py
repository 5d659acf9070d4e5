"""``flask demo scale`` builds Scaleford beside the demo: as many rows as asked, money that
adds up, schedules that add up to their grants, a vote that counts again, and pages that
answer. It commits for real, so it runs on a database of its own, built once for the module.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator

import pytest
from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from funds.models import (
    Account,
    AccountKind,
    Entry,
    Fund,
    Grant,
    Income,
    IncomeSource,
    Instalment,
    Payment,
    Transaction,
)
from funds.models.core import AccountMonth
from funds.models.donations import Donation
from funds.scale_ledger import UnbalancedLedger, ledger_in_bulk
from funds.services import figures as ledger_figures
from funds.services.ledger import account, post
from funds.workflow import OWED_STATES, InstalmentState
from giving.extensions import db
from giving.models import Application, Place, Round, User
from giving.scale import (
    SCALE_MANAGER_EMAIL,
    SCALE_PASSWORD,
    SCALE_PLACE_SLUG,
    Scale,
    ScaleSizes,
)
from giving.timeutil import utcnow
from tests.conftest import post_form
from tests.database_helpers import own_app
from tests.funds import test_instalment_years as instalment_years
from tests.funds.test_grant_tallies import from_grants as grant_counts_from_grants
from tests.funds.test_grant_tallies import kept as kept_grant_counts
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
        # Each stage says what it wrote and how long it took.
        assert "Grants, schedules, payments and check-ins: " in result.output
        assert "Closing and counting the vote: " in result.output
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


def _months(session, fund: Fund) -> dict[tuple[int, object], tuple[int, int, int]]:
    rows = session.execute(
        select(AccountMonth)
        .join(Account, Account.id == AccountMonth.account_id)
        .where(Account.fund_id == fund.id)
    ).scalars()
    return {
        (m.account_id, m.month_start): (m.debit_pence, m.credit_pence, m.entry_count) for m in rows
    }


def test_the_monthly_totals_are_the_entries_added_up(scale_db):
    fund = _fund(scale_db)
    debits: Counter = Counter()
    credits: Counter = Counter()
    counts: Counter = Counter()
    entries = scale_db.execute(
        select(Entry.account_id, Transaction.occurred_on, Entry.amount_pence)
        .join(Transaction, Transaction.id == Entry.transaction_id)
        .where(Transaction.fund_id == fund.id)
    ).all()
    for account_id, day, amount in entries:
        key = (account_id, day.replace(day=1))
        debits[key] += max(amount, 0)
        credits[key] += max(-amount, 0)
        counts[key] += 1
    expected = {key: (debits[key], credits[key], counts[key]) for key in counts}
    assert len(entries) > 300
    assert _months(scale_db, fund) == expected


def test_the_monthly_totals_keep_up_with_entries_made_after_the_build(scale_db):
    fund = _fund(scale_db)
    manager = scale_db.scalars(select(User).where(User.email == SCALE_MANAGER_EMAIL)).one()
    bank = account(scale_db, fund, AccountKind.BANK)
    council = account(scale_db, fund, AccountKind.INCOME, IncomeSource.COUNCIL)
    today = utcnow().date()
    key = (bank.id, today.replace(day=1))
    debit, credit, count = _months(scale_db, fund).get(key, (0, 0, 0))
    post(scale_db, manager, fund, "income", [(bank, 1234), (council, -1234)], occurred_on=today)
    scale_db.flush()
    assert _months(scale_db, fund)[key] == (debit + 1234, credit, count + 1)


def test_the_instalments_by_year_are_added_up_as_built_and_keep_up_after(scale_db):
    """The build writes its instalments past the triggers that keep their sums by year (on
    PostgreSQL), and adds them up at once: the same sums, which then keep up as before."""
    fund = _fund(scale_db)
    expected = instalment_years._from_instalments(scale_db, fund)
    assert sum(count for _pence, count in expected.values()) > 100
    assert instalment_years._kept(scale_db, fund) == expected
    instalment = scale_db.scalars(
        select(Instalment)
        .join(Grant, Grant.id == Instalment.grant_id)
        .where(Grant.fund_id == fund.id, Instalment.state == InstalmentState.SCHEDULED)
        .limit(1)
    ).one()
    instalment.state = InstalmentState.APPROVED
    scale_db.flush()
    scale_db.expire_all()
    assert (
        instalment_years._kept(scale_db, fund)
        == instalment_years._from_instalments(scale_db, fund)
        != expected
    )


def test_the_grants_are_counted_as_built_and_the_counts_keep_up_after(scale_db):
    """The build writes its grants and check-ins past the triggers that count them by fund,
    state, kind and size (on PostgreSQL), and counts them at once: the same counts, which then
    keep up as before."""
    fund = _fund(scale_db)
    expected = grant_counts_from_grants(scale_db, fund.id)
    assert sum(grants for grants, _c, _u in expected.values()) == SIZES["grants"]
    assert sum(checkins for _g, checkins, _u in expected.values()) > SIZES["grants"]
    assert kept_grant_counts(scale_db, fund.id) == expected
    grant = scale_db.scalars(select(Grant).where(Grant.fund_id == fund.id).limit(1)).one()
    grant.total_pence += 3_000_000  # into the largest size band
    scale_db.flush()
    scale_db.expire_all()
    after = kept_grant_counts(scale_db, fund.id)
    assert after == grant_counts_from_grants(scale_db, fund.id) != expected


def _write_in_bulk(session, fund: Fund, amounts: list[int]) -> None:
    """A transaction declaring two entries, with these amounts, written as the build does."""
    bank = account(session, fund, AccountKind.BANK)
    council = account(session, fund, AccountKind.INCOME, IncomeSource.COUNCIL)
    with ledger_in_bulk(session, Scale(sizes=ScaleSizes())):
        written = Transaction(
            fund_id=fund.id, kind="income", occurred_on=utcnow().date(), entry_count=2
        )
        session.add(written)
        session.flush()
        for acct, amount in zip([bank, council, bank], amounts, strict=False):
            session.add(Entry(transaction_id=written.id, account_id=acct.id, amount_pence=amount))
        session.flush()


def test_a_ledger_transaction_left_short_stops_the_build(scale_db):
    # One entry of the two it declares: no row trigger can tell, the check at the end can.
    with pytest.raises(UnbalancedLedger):
        _write_in_bulk(scale_db, _fund(scale_db), [500])


@pytest.mark.parametrize("amounts", [[500, -400], [500, -500, 100]], ids=["uneven", "too many"])
def test_a_ledger_transaction_that_does_not_add_up_stops_the_build(scale_db, amounts):
    # PostgreSQL's build switches the row guards off and the check catches it; on SQLite
    # the guards stay on and refuse it as it is written.
    with pytest.raises((UnbalancedLedger, IntegrityError)):
        _write_in_bulk(scale_db, _fund(scale_db), amounts)


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
