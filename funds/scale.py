"""Scaleford's fund for ``flask demo scale``: grants with their schedules, payments and
check-ins, money from the council, and gifts, every movement of money a balanced ledger
transaction, as :func:`funds.services.ledger.post` writes them (on PostgreSQL checked and
added to the monthly totals all at once: :mod:`funds.scale_ledger`).

Grants are made from the giving loader's awards first, then directly to its groups (grants
from before the fund used Placefund) until there are as many as asked. Rows go in a chunk of
grants or gifts at a time, so memory stays flat however many are asked for.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from funds import schedule, services
from funds.models import (
    Account,
    AccountKind,
    CheckIn,
    CheckInKind,
    CheckInState,
    Donation,
    DonationMethod,
    Entry,
    Fund,
    FundRound,
    Grant,
    Income,
    IncomeSource,
    Instalment,
    Payment,
    Transaction,
)
from funds.scale_ledger import grants_in_bulk, instalments_in_bulk, ledger_in_bulk
from funds.schedule import Frequency
from funds.services.donations import new_reference
from funds.services.ledger import account
from funds.workflow import DonationState, GrantState, InstalmentState
from giving.models import Place, User
from giving.scale import WARDS, Scale
from giving.timeutil import financial_year, utcnow

CHUNK = 5000
FUND_NAME = "Scaleford Community Fund"
THRESHOLD = 1_000_000
METHODS = [DonationMethod.CARD] * 3 + [
    DonationMethod.CASH,
    DonationMethod.CHEQUE,
    DonationMethod.BANK_TRANSFER,
]


@dataclass
class Books:
    """The fund and the accounts its transactions use; what was paid in each financial year."""

    fund_id: int
    manager_id: int
    accounts: dict[str, int]
    paid_by_year: dict[int, int] = field(default_factory=lambda: defaultdict(int))


@dataclass
class Posting:
    """One balanced transaction of two entries: ``amount`` from ``credit`` to ``debit``."""

    kind: str
    day: dt.date
    memo: str
    debit: str
    credit: str
    amount: int
    grant_id: int | None = None
    income_id: int | None = None


def post_many(session: Session, scale: Scale, books: Books, postings: list[Posting]) -> list[int]:
    """The transactions, then their two entries each; the transactions' ids in order."""
    ids = scale.insert_ids(
        session,
        Transaction,
        [
            {
                "fund_id": books.fund_id,
                "kind": p.kind,
                "occurred_on": p.day,
                "memo": p.memo[:255],
                "income_id": p.income_id,
                "grant_id": p.grant_id,
                "created_by_id": books.manager_id,
                "entry_count": 2,
            }
            for p in postings
        ],
    )
    entries = []
    for transaction_id, p in zip(ids, postings, strict=True):
        entries.append(
            {
                "transaction_id": transaction_id,
                "account_id": books.accounts[p.debit],
                "amount_pence": p.amount,
            }
        )
        entries.append(
            {
                "transaction_id": transaction_id,
                "account_id": books.accounts[p.credit],
                "amount_pence": -p.amount,
            }
        )
    scale.insert(session, Entry, entries)
    return ids


def load(session: Session, scale: Scale) -> None:
    """The fund, linked to every Scaleford round, then its grants, income and gifts."""
    made = scale.made
    manager = session.get(User, made["manager_id"])
    place = session.get(Place, made["place_id"])
    assert manager is not None  # made by the giving loader
    assert place is not None
    sizes = scale.sizes
    # Rows: a grant, its ~3 instalments, payments, check-ins and ledger lines; a gift's four.
    scale.expect(sizes.grants * 14 + sizes.gifts * 5)
    fund = services.create_fund(
        session,
        manager,
        place,
        name=FUND_NAME,
        description="Money from Scaleford City Council and from people in Scaleford.",
        holder_name="Scaleford Community Foundation",
        holder_charity_number="1100999",
        holder_company_number=None,
        holder_can_claim_gift_aid=True,
        checkin_threshold_pence=THRESHOLD,
    )
    for text in ("What went well this year?", "What was hard?"):
        services.add_question(session, manager, fund, text)
    scale.insert(
        session, FundRound, [{"fund_id": fund.id, "round_id": r} for r in made["round_ids"]]
    )
    books = Books(fund.id, manager.id, _accounts(session, fund))
    made["fund_id"] = fund.id
    plans = _grant_plans(scale)
    with (
        ledger_in_bulk(session, scale),
        instalments_in_bulk(session, scale),
        grants_in_bulk(session, scale),
    ):
        with scale.stage("Grants, schedules, payments and check-ins"):
            for start in range(0, sizes.grants, CHUNK):
                chunk = [next(plans) for _ in range(min(CHUNK, sizes.grants - start))]
                _grants(session, scale, books, chunk)
        with scale.stage("Money from the council and gifts"):
            _council_income(session, scale, books)
            for start in range(0, sizes.gifts, CHUNK):
                _gifts(session, scale, books, min(CHUNK, sizes.gifts - start))
    scale.total = scale.done  # the estimate above is rough; the bar ends full


def _accounts(session: Session, fund: Fund) -> dict[str, int]:
    found: dict[str, Account] = {
        kind.value: account(session, fund, kind)
        for kind in (AccountKind.BANK, AccountKind.PAYABLE, AccountKind.GRANTS)
    }
    found["council"] = account(session, fund, AccountKind.INCOME, IncomeSource.COUNCIL)
    found["donation"] = account(session, fund, AccountKind.INCOME, IncomeSource.DONATION)
    return {name: acct.id for name, acct in found.items()}


@dataclass
class GrantPlan:
    group_id: int
    application_id: int | None
    title: str
    total: int
    start: dt.date
    years: int
    frequency: Frequency


def _grant_plans(scale: Scale) -> Iterator[GrantPlan]:
    """The awards first, then direct grants spread over the last eight years."""
    rng, today = scale.rng, utcnow().date()
    for application_id, group_id, pence, decided_at, title in scale.made["awards"]:
        yield GrantPlan(group_id, application_id, title, pence, decided_at.date(), *_terms(rng))
    groups: list[int] = scale.made["group_ids"]
    n = 0
    while True:
        n += 1
        if rng.random() < 0.05:
            total = rng.randint(25, 100) * 100_000
        else:
            total = rng.randint(5, 2_000) * 1_000
        yield GrantPlan(
            rng.choice(groups),
            None,
            f"Core costs, grant {n}",
            total,
            today - dt.timedelta(days=rng.randint(-30, 8 * 365)),
            *_terms(rng),
        )


def _terms(rng: random.Random) -> tuple[int, Frequency]:
    years = rng.choice([1, 1, 2, 3])
    return years, Frequency.QUARTERLY if rng.random() < 0.25 else Frequency.ANNUAL


def _state(rng: random.Random, plan: GrantPlan, today: dt.date) -> GrantState:
    if plan.start > today - dt.timedelta(days=30) and plan.application_id is None:
        return GrantState.OFFERED if rng.random() < 0.7 else GrantState.WITHDRAWN
    if schedule.end_date(plan.start, plan.years) < today:
        return GrantState.CLOSED
    return GrantState.ACTIVE


def _grant_row(scale: Scale, plan: GrantPlan, state: GrantState) -> dict[str, Any]:
    made_at = dt.datetime.combine(plan.start, dt.time(10), dt.UTC) - dt.timedelta(days=14)
    agreed = state in (GrantState.ACTIVE, GrantState.CLOSED)
    ended = state in (GrantState.CLOSED, GrantState.WITHDRAWN)
    end = schedule.end_date(plan.start, plan.years)
    return {
        "fund_id": scale.made["fund_id"],
        "group_id": plan.group_id,
        "application_id": plan.application_id,
        "title": plan.title[:160],
        "description": "Money the group can use for whatever it needs most.",
        "total_pence": plan.total,
        "start_date": plan.start,
        "years": plan.years,
        "frequency": plan.frequency,
        "restricted": False,
        "purpose": "",
        "agreement_text": f"We will pay the group {plan.total} pence over {plan.years} years.",
        "state": state,
        "accepted_at": made_at + dt.timedelta(days=7) if agreed else None,
        "accepted_by_id": scale.made["group_leads"][plan.group_id] if agreed else None,
        "closing_note": "The grant ran its course."
        if state == GrantState.CLOSED
        else "The group no longer needed it."
        if ended
        else "",
        "ended_at": dt.datetime.combine(end, dt.time(12), dt.UTC)
        if state == GrantState.CLOSED
        else made_at + dt.timedelta(days=10)
        if ended
        else None,
        "created_by_id": scale.made["manager_id"],
        "created_at": made_at,
        "updated_at": made_at,
    }


def _instalment_state(
    rng: random.Random, grant_state: GrantState, due: dt.date, today: dt.date
) -> InstalmentState:
    if grant_state == GrantState.WITHDRAWN:
        return InstalmentState.CANCELLED
    if grant_state == GrantState.CLOSED:
        return InstalmentState.PAID
    if grant_state == GrantState.ACTIVE and due <= today:
        return InstalmentState.HELD if rng.random() < 0.01 else InstalmentState.PAID
    return InstalmentState.SCHEDULED


def _grants(session: Session, scale: Scale, books: Books, plans: Sequence[GrantPlan]) -> None:
    """One chunk of grants: the grants, their instalments and check-ins, the ledger lines of
    making them, paying them and releasing what a withdrawn grant will not pay."""
    rng, today = scale.rng, utcnow().date()
    states = [_state(rng, plan, today) for plan in plans]
    grant_ids = scale.insert_ids(
        session, Grant, [_grant_row(scale, p, s) for p, s in zip(plans, states, strict=True)]
    )
    instalments: list[dict[str, Any]] = []
    checkins: list[dict[str, Any]] = []
    postings: list[Posting] = []
    for grant_id, plan, state in zip(grant_ids, plans, states, strict=True):
        made_on = plan.start - dt.timedelta(days=14)
        postings.append(
            Posting(
                "grant_made",
                made_on,
                f"Grant: {plan.title}",
                "grants",
                "payable",
                plan.total,
                grant_id,
            )
        )
        for planned in schedule.build(plan.total, plan.start, plan.years, plan.frequency):
            instalment_state = _instalment_state(rng, state, planned.due, today)
            instalments.append(
                {
                    "grant_id": grant_id,
                    "number": planned.number,
                    "due_date": planned.due,
                    "financial_year": planned.financial_year,
                    "amount_pence": planned.amount_pence,
                    "state": instalment_state,
                    "held_reason": "We are waiting for the group's new bank details."
                    if instalment_state == InstalmentState.HELD
                    else "",
                }
            )
            if instalment_state == InstalmentState.CANCELLED:
                postings.append(
                    Posting(
                        "release",
                        made_on + dt.timedelta(days=10),
                        f"Not paid: {plan.title}",
                        "payable",
                        "grants",
                        planned.amount_pence,
                        grant_id,
                    )
                )
        checkins.extend(_checkins(grant_id, plan, state, today))
    instalment_ids = scale.insert_ids(session, Instalment, instalments)
    post_many(session, scale, books, postings)
    scale.insert(session, CheckIn, checkins)
    _payments(session, scale, books, instalment_ids, instalments)


def _checkins(grant_id: int, plan: GrantPlan, state: GrantState, today: dt.date) -> list[dict]:
    kind = CheckInKind.UPDATE if plan.total >= THRESHOLD else CheckInKind.CONVERSATION
    rows = []
    for number, due in enumerate(schedule.checkin_dates(plan.start, plan.years), start=1):
        done = state in (GrantState.ACTIVE, GrantState.CLOSED) and due < today
        rows.append(
            {
                "grant_id": grant_id,
                "number": number,
                "kind": kind,
                "due_on": due,
                "state": CheckInState.DONE if done else CheckInState.DUE,
                "note": "We talked about how the year went." if done else "",
                "done_at": dt.datetime.combine(due, dt.time(11), dt.UTC) if done else None,
            }
        )
    return rows


def _payments(
    session: Session,
    scale: Scale,
    books: Books,
    instalment_ids: list[int],
    instalments: list[dict[str, Any]],
) -> None:
    """Each paid instalment's payment and its transaction, from what is owed to the bank."""
    paid = [
        (instalment_id, row)
        for instalment_id, row in zip(instalment_ids, instalments, strict=True)
        if row["state"] == InstalmentState.PAID
    ]
    postings = []
    for _instalment_id, row in paid:
        books.paid_by_year[row["financial_year"]] += row["amount_pence"]
        postings.append(
            Posting(
                "payment",
                row["due_date"],
                f"Paid: payment {row['number']} of grant {row['grant_id']}",
                "payable",
                "bank",
                row["amount_pence"],
                row["grant_id"],
            )
        )
    transaction_ids = post_many(session, scale, books, postings)
    scale.insert(
        session,
        Payment,
        [
            {
                "instalment_id": instalment_id,
                "amount_pence": row["amount_pence"],
                "paid_on": row["due_date"],
                "reference": f"SF-{row['grant_id']}-{row['number']}",
                "transaction_id": transaction_id,
                "created_by_id": books.manager_id,
            }
            for (instalment_id, row), transaction_id in zip(paid, transaction_ids, strict=True)
        ],
    )


def _council_income(session: Session, scale: Scale, books: Books) -> None:
    """Money from the council each financial year: a little more than the fund paid out."""
    years = sorted(books.paid_by_year) or [financial_year(utcnow().date())]
    rows: list[dict[str, Any]] = [
        {
            "fund_id": books.fund_id,
            "source": IncomeSource.COUNCIL,
            "amount_pence": books.paid_by_year.get(year, 0) * 105 // 100 + 1_000_000,
            "from_name": "Scaleford City Council",
            "received_on": dt.date(year, 4, 1),
            "created_by_id": books.manager_id,
        }
        for year in years
    ]
    income_ids = scale.insert_ids(session, Income, rows)
    post_many(
        session,
        scale,
        books,
        [
            Posting(
                "income",
                row["received_on"],
                "Money from the council: Scaleford City Council",
                "bank",
                "council",
                row["amount_pence"],
                income_id=income_id,
            )
            for income_id, row in zip(income_ids, rows, strict=True)
        ],
    )


def _gifts(session: Session, scale: Scale, books: Books, count: int) -> None:
    """A chunk of gifts, each received: its income row, its transaction and the donation."""
    rng, now = scale.rng, utcnow()
    gifts: list[dict[str, Any]] = []
    for _ in range(count):
        when = now - dt.timedelta(days=rng.randint(0, 3 * 365), minutes=rng.randint(0, 1440))
        gifts.append(
            {
                "name": f"Donor {rng.randint(1, 10**6)}",
                "pence": rng.choice([500, 1_000, 2_000, 2_500, 5_000, 10_000, 50_000]),
                "when": when,
                "postcode": f"SF{rng.randint(1, len(WARDS))} {rng.randint(1, 9)}AB",
                "method": rng.choice(METHODS),
            }
        )
    income_ids = scale.insert_ids(
        session,
        Income,
        [
            {
                "fund_id": books.fund_id,
                "source": IncomeSource.DONATION,
                "amount_pence": g["pence"],
                "from_name": g["name"],
                "received_on": g["when"].date(),
            }
            for g in gifts
        ],
    )
    post_many(
        session,
        scale,
        books,
        [
            Posting(
                "donation",
                g["when"].date(),
                f"Gift from {g['name']}",
                "bank",
                "donation",
                g["pence"],
                income_id=income_id,
            )
            for income_id, g in zip(income_ids, gifts, strict=True)
        ],
    )
    scale.insert(
        session,
        Donation,
        [
            {
                "reference": new_reference(),
                "fund_id": books.fund_id,
                "postcode": g["postcode"],
                "donor_name": g["name"],
                "amount_pence": g["pence"],
                "method": g["method"],
                "succeeded_at": g["when"],
                "state": DonationState.CLEARED,
                "received_on": g["when"].date(),
                "income_id": income_id,
                "created_at": g["when"],
                "created_by_id": None if g["method"] == DonationMethod.CARD else books.manager_id,
            }
            for income_id, g in zip(income_ids, gifts, strict=True)
        ],
    )
