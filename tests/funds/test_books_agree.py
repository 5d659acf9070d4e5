"""Every balance the demo fund's pages show equals the trial balance at today: the manage
page, the fund's public page, its giving page and the money report."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from funds.models import AccountKind, Fund
from funds.services import books
from giving.demo import DEMO_MANAGER_EMAIL, DEMO_PASSWORD
from giving.extensions import db
from giving.models import User
from giving.timeutil import to_london, utcnow
from tests.conftest import in_request, log_in

_SUMMARY = re.compile(
    r'<dt class="govuk-summary-list__key">\s*(.+?)\s*</dt>\s*'
    r'<dd class="govuk-summary-list__value">\s*(.+?)\s*</dd>',
    re.S,
)


def pence(text: str) -> int:
    """'£1,250.50' -> 125050; '-£5' -> -500."""
    match = re.fullmatch(r"(-?)£([\d,]+)(?:\.(\d\d))?", text.strip())
    assert match is not None, text
    sign, pounds, rest = match.groups()
    value = int(pounds.replace(",", "")) * 100 + int(rest or 0)
    return -value if sign else value


def summary(html: str) -> dict[str, int]:
    """The money in a page's summary lists, by their keys."""
    return {
        key: pence(value)
        for key, value in _SUMMARY.findall(html)
        if re.fullmatch(r"-?£[\d,.]+", value.strip())
    }


def _table_after(html: str, caption: str) -> list[list[str]]:
    """The rows of cells of the table with this caption."""
    start = html.index(caption)
    body = html[start : html.index("</table>", start)]
    return [
        re.findall(r"<t[hd][^>]*>\s*(.*?)\s*</t[hd]>", row, re.S)
        for row in re.findall(r"<tr[^>]*>(.*?)</tr>", body.split("<tbody", 1)[1], re.S)
    ]


@pytest.fixture
def demo_fund(app, session) -> dict:
    from wsgi import load_demo

    with in_request(app, session):
        load_demo(db.session)
        session.commit()
        fund = session.scalars(select(Fund).order_by(Fund.id)).first()
        manager = session.scalars(select(User).where(User.email == DEMO_MANAGER_EMAIL)).one()
        today = to_london(utcnow()).date()
        trial = books.trial_balance(session, manager, fund, today)
        return {"fund": fund.id, "slug": fund.place.slug, "name": fund.name, "trial": trial}


def test_every_balance_on_the_fund_pages_is_the_trial_balance(client, demo_fund):
    trial: books.TrialBalance = demo_fund["trial"]
    assert trial.balances
    bank = trial.of_kind(AccountKind.BANK)
    pledged = trial.of_kind(AccountKind.PLEDGES)
    owed = -trial.of_kind(AccountKind.PAYABLE)
    income = -trial.of_kind(AccountKind.INCOME)
    paid = trial.of_kind(AccountKind.GRANTS) + trial.of_kind(AccountKind.PAYABLE)
    assert bank > 0
    assert pledged > 0
    assert owed > 0
    assert paid > 0

    fund_id = demo_fund["fund"]
    manager = db.session.scalars(select(User).where(User.email == DEMO_MANAGER_EMAIL)).one()
    log_in(client, manager, DEMO_PASSWORD)
    manage = summary(client.get(f"/funds/{fund_id}/manage").get_data(as_text=True))
    assert manage["In the bank"] == bank
    assert manage["Promised to the fund, not yet arrived"] == pledged
    assert manage["Promised to groups, not yet paid"] == owed
    assert manage["Free to give in new grants"] == bank + pledged - owed

    public = client.get(f"/funds/{fund_id}").get_data(as_text=True)
    shown = summary(public)
    assert shown["Money in so far"] == income
    assert shown["Given to groups so far"] == paid
    assert shown["Promised to groups, still to pay"] == owed
    # Where the money comes from: each income account's credit balance, by its name.
    by_name: dict[str, int] = {}
    for line in trial.lines:
        if line.kind == AccountKind.INCOME:
            by_name[line.name] = by_name.get(line.name, 0) - line.balance_pence
    rows = _table_after(public, "Where the money comes from")
    assert {name: pence(amount) for name, amount in rows} == by_name

    give = summary(client.get(f"/funds/{fund_id}/give").get_data(as_text=True))
    assert give["Money in so far"] == income
    donations = sum(
        -line.balance_pence for line in trial.lines if line.code.startswith("income.donation")
    )
    assert give["Given by people like you"] == donations

    money = client.get(f"/places/{demo_fund['slug']}/money").get_data(as_text=True)
    months = _table_after(money, f"Money in and out of {demo_fund['name']}, by month")
    money_in = sum(pence(cells[1]) for cells in months)
    money_out = sum(pence(cells[2]) for cells in months)
    assert money_in - money_out == bank


def test_the_books_pages_show_the_same_trial_balance(client, demo_fund):
    trial: books.TrialBalance = demo_fund["trial"]
    manager = db.session.scalars(select(User).where(User.email == DEMO_MANAGER_EMAIL)).one()
    log_in(client, manager, DEMO_PASSWORD)
    page = client.get(f"/funds/{demo_fund['fund']}/books/trial-balance").get_data(as_text=True)
    total_debit = re.search(r'id="total-debit">([^<]+)<', page)
    total_credit = re.search(r'id="total-credit">([^<]+)<', page)
    assert total_debit
    assert total_credit
    assert pence(total_debit.group(1)) == pence(total_credit.group(1)) == trial.debit_pence
