"""The books: the journal a page at a time and filtered, the trial balance on any day, the
journal file an accounting package imports, and the same figures on the command line."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from funds import services
from funds.models import AccountKind, Fund
from funds.services import books
from giving.models import Role, User
from tests.conftest import in_request, log_in
from tests.factories import FundFactory, RoleGrantFactory, make_grant


class Books:
    """A fund with money in on known days: council money on 1 April 2026 (from the factory),
    then gifts and a promise, and one grant made."""

    def __init__(self, fund: Fund, manager: User) -> None:
        self.fund = fund
        self.manager = manager

    def again(self, session) -> Books:
        """The same fund and manager, in this request's session."""
        return Books(session.get(Fund, self.fund.id), session.get(User, self.manager.id))


def _income(session, books_: Books, pence: int, day: dt.date, **fields) -> None:
    services.record_income(
        session,
        books_.manager,
        books_.fund,
        source=fields.pop("source", services.IncomeSource.DONATION),
        amount_pence=pence,
        from_name=fields.pop("from_name", "A neighbour"),
        received_on=None if fields.get("pledged") else day,
        **fields,
    )


@pytest.fixture
def world(app, session) -> Books:
    with in_request(app, session):
        fund = FundFactory(money=1_000_000)  # £10,000 from the council, 1 April 2026
        manager = RoleGrantFactory(place=fund.place, role=Role.FUND_MANAGER).user
        made = Books(fund, manager)
        _income(session, made, 2_550, dt.date(2026, 5, 10), from_name="=Ann, the baker")
        _income(session, made, 10_000, dt.date(2026, 6, 15))
        _income(session, made, 7_001, dt.date(2026, 6, 30))
        _income(
            session,
            made,
            50_000,
            dt.date(2026, 6, 1),
            source=services.IncomeSource.MATCH,
            from_name="A trust",
            pledged=True,
            expected_on=dt.date(2027, 1, 1),
        )
        session.commit()
        return made


def _trial(app, session, world: Books, day: dt.date) -> books.TrialBalance:
    with in_request(app, session):
        world = world.again(session)
        return books.trial_balance(session, world.manager, world.fund, day)


def _row(balance: books.TrialBalance, code: str) -> tuple[int, int]:
    line = next(line for line in balance.lines if line.code == code)
    return line.debit_pence, line.credit_pence


def test_the_trial_balance_on_a_day_counts_only_what_happened_by_then(app, session, world):
    """Whole months from the monthly sums, and the part of the last month from entries."""
    june_20 = _trial(app, session, world, dt.date(2026, 6, 20))
    # The bank: £10,000 + £25.50 + £100 by 20 June; the gift of 30 June is not in yet.
    assert _row(june_20, "bank") == (1_012_550, 0)
    assert _row(june_20, "income.donation") == (0, 12_550)
    assert _row(june_20, "income.council") == (0, 1_000_000)
    # The promise was written on the day it was made (today), not on 1 June.
    assert june_20.balances
    end_of_june = _trial(app, session, world, dt.date(2026, 6, 30))
    assert _row(end_of_june, "bank") == (1_019_551, 0)
    assert end_of_june.debit_pence == end_of_june.credit_pence == 1_019_551
    before = _trial(app, session, world, dt.date(2026, 3, 31))
    assert before.debit_pence == before.credit_pence == 0


def test_the_trial_balance_today_matches_the_fund_figures(app, session, world):
    with in_request(app, session):
        world = world.again(session)
        make_grant(world.fund, manager=world.manager, total_pence=300_000, accepted=True)
        session.commit()
        figures = services.figures(session, world.fund)
        today = books.trial_balance(session, world.manager, world.fund, dt.date(2099, 1, 1))
    assert today.balances
    assert today.of_kind(AccountKind.BANK) == figures.bank_pence
    assert today.of_kind(AccountKind.PLEDGES) == figures.pledged_pence == 50_000
    assert -today.of_kind(AccountKind.PAYABLE) == figures.owed_pence == 300_000
    assert -today.of_kind(AccountKind.INCOME) == figures.income_pence == 1_069_551


def test_the_journal_pages_and_filters_in_the_database(app, session, world):
    with in_request(app, session):
        world = world.again(session)
        every = books.journal_query(session, world.manager, world.fund, books.JournalFilters())
        days = [t.occurred_on for t in session.scalars(every)]
        assert days[:4] == [
            dt.date(2026, 4, 1),
            dt.date(2026, 5, 10),
            dt.date(2026, 6, 15),
            dt.date(2026, 6, 30),
        ]
        assert len(days) == 5  # and the promise, made today
        june = books.JournalFilters(date_from=dt.date(2026, 6, 1), date_to=dt.date(2026, 6, 30))
        picked = session.scalars(books.journal_query(session, world.manager, world.fund, june))
        assert [t.occurred_on.day for t in picked] == [15, 30]
        council = next(
            a for a in books.accounts_of(session, world.fund) if a.code == "income.council"
        )
        only = books.JournalFilters(account_id=council.id)
        lines = list(books.journal_lines(session, world.manager, world.fund, only))
    assert [(line.code, line.debit_pence, line.credit_pence) for line in lines] == [
        ("bank", 1_000_000, 0),
        ("income.council", 0, 1_000_000),
    ]


def test_the_journal_page_shows_a_page_at_a_time(app, session, world, client, monkeypatch):
    from funds.views import books as book_pages

    monkeypatch.setattr(book_pages, "PER_PAGE", 2)
    log_in(client, world.manager)
    url = f"/funds/{world.fund.id}/books"
    first = client.get(url).get_data(as_text=True)
    assert "5 movements of money" in first
    assert "1 April 2026" in first
    assert "10 May 2026" in first
    assert "15 June 2026" not in first
    second = client.get(url + "?page=2").get_data(as_text=True)
    assert "15 June 2026" in second
    assert "30 June 2026" in second
    assert "1 April 2026" not in second
    june = client.get(
        url + "?date_from=1&date_from=6&date_from=2026&date_to=30&date_to=6&date_to=2026"
    ).get_data(as_text=True)
    assert "2 movements of money" in june
    assert "£100" in june
    assert "£70.01" in june


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("date_from=31&date_from=2&date_from=2026", "real date"),
        (
            "date_from=2&date_from=6&date_from=2026&date_to=1&date_to=6&date_to=2026",
            "the same as the first day or after it",
        ),
        ("account=99999999", "Not a valid choice"),
        ("date_to=x&date_to=&date_to=", "day, month and year"),
    ],
)
def test_a_wrong_filter_is_explained_next_to_its_field(client, world, query, message):
    log_in(client, world.manager)
    response = client.get(f"/funds/{world.fund.id}/books?{query}")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "govuk-error-message" in page
    assert message.lower() in page.lower()
    assert "6 movements" not in page
    assert "5 movements of money" in page


def test_the_journal_file_has_one_row_per_entry_in_pounds(app, session, world, client):
    log_in(client, world.manager)
    query = "?date_from=1&date_from=4&date_from=2026&date_to=31&date_to=5&date_to=2026"
    response = client.get(f"/funds/{world.fund.id}/books/journal.csv{query}")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    with in_request(app, session):
        world = world.again(session)
        ids = [
            t.id
            for t in session.scalars(
                books.journal_query(session, world.manager, world.fund, books.JournalFilters())
            )
        ]
    assert (
        response.data
        == (
            "Date,Account code,Account name,Debit,Credit,Reference,Description\r\n"
            f"2026-04-01,bank,Money in the bank,10000.00,,PF-{ids[0]},Money from the council\r\n"
            f"2026-04-01,income.council,Money from the council,,10000.00,PF-{ids[0]},"
            "Money from the council\r\n"
            f'2026-05-10,bank,Money in the bank,25.50,,PF-{ids[1]},"Donations: =Ann, the baker"\r\n'
            f"2026-05-10,income.donation,Donations,,25.50,PF-{ids[1]},"
            '"Donations: =Ann, the baker"\r\n'
        ).encode()
    )


def _cli(app, *args: str):
    return app.test_cli_runner().invoke(args=list(args))


def test_the_command_line_gives_the_same_figures(app, session, world, client, tmp_path):
    out = tmp_path / "journal.csv"
    done = _cli(app, "ledger", "journal", "--fund", str(world.fund.id), "--out", str(out))
    assert done.exit_code == 0, done.output
    log_in(client, world.manager)
    download = client.get(f"/funds/{world.fund.id}/books/journal.csv")
    assert out.read_bytes() == download.data
    assert "Wrote 10 entries." in done.stderr
    shown = _cli(app, "ledger", "trial-balance", "--fund", str(world.fund.id), "--at", "2026-06-20")
    assert shown.exit_code == 0, shown.output
    assert re.search(r"^bank .* 10125\.50 +0\.00$", shown.stdout, re.M)
    assert re.search(r"Totals +10125\.50 +10125\.50$", shown.stdout, re.M)
    page = client.get(f"/funds/{world.fund.id}/books/trial-balance?at=20&at=6&at=2026").get_data(
        as_text=True
    )
    assert "£10,125.50" in page
    missing = _cli(app, "ledger", "trial-balance", "--fund", "99999999")
    assert missing.exit_code != 0
    assert "No fund" in missing.stderr
