"""What funds publishes: money in and out of each fund by month, grants by ward and size,
a searchable list of grants, and the scorecard figures about grants (unrestricted, multi-year,
check-in burden) and donors for the participation report.

Read-only queries over funds' tables, and figures only: they reach giving's public pages
through the app's hooks (:mod:`giving.hooks`), which ``funds.init_app`` fills in; the pages and
API paths of their own are in :mod:`funds.views.reports` and :mod:`funds.views.api`.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from flask import url_for
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from funds.models import (
    Account,
    AccountKind,
    CheckInKind,
    Donation,
    Entry,
    Fund,
    Grant,
    Transaction,
)
from funds.services.setup import funds_in
from funds.workflow import PUBLISHED_GRANT_STATES, DonationState, GrantState
from giving.models import Application, Place, Round
from giving.services.core import ward_for_postcode
from giving.services.reports import (
    Chart,
    ChartRow,
    Definition,
    Figure,
    Participation,
    Section,
    rounds_scorecard,
    share_figure,
    tidy_number,
)
from giving.timeutil import financial_year

# Grant sizes, as (key, label, smallest in pence, largest in pence or None).
SIZE_BANDS = (
    ("under-1000", "Under £1,000", 0, 99_999),
    ("1000-4999", "£1,000 to £4,999", 100_000, 499_999),
    ("5000-9999", "£5,000 to £9,999", 500_000, 999_999),
    ("10000-24999", "£10,000 to £24,999", 1_000_000, 2_499_999),
    ("25000-plus", "£25,000 or more", 2_500_000, None),
)


def size_band(pence: int) -> str:
    for key, _label, low, high in SIZE_BANDS:
        if pence >= low and (high is None or pence <= high):
            return key
    return SIZE_BANDS[-1][0]


# --- Queries ---------------------------------------------------------------------------------


def _grants(session: Session, place: Place, round_: Round | None = None) -> list[Grant]:
    """The place's grants that stand (offered, active or closed; not withdrawn offers)."""
    stmt = (
        select(Grant)
        .join(Fund, Fund.id == Grant.fund_id)
        .where(Fund.place_id == place.id, Grant.state != GrantState.WITHDRAWN)
    )
    if round_ is not None:
        stmt = stmt.join(Application, Application.id == Grant.application_id).where(
            Application.round_id == round_.id
        )
    return list(session.scalars(stmt.order_by(Grant.id)))


def published_grants(session: Session, place: Place) -> list[Grant]:
    """Grants the public sees: agreed (active) or finished (closed)."""
    return list(
        session.scalars(
            select(Grant)
            .join(Fund, Fund.id == Grant.fund_id)
            .where(Fund.place_id == place.id, Grant.state.in_(PUBLISHED_GRANT_STATES))
            .order_by(Grant.start_date.desc(), Grant.id.desc())
        )
    )


def written_questions(grant: Grant) -> int:
    """Questions a group answers in writing over the grant's life: each written update asks
    the fund's questions; a conversation asks none in writing."""
    per_update = len(grant.fund.questions)
    return sum(per_update for c in grant.checkins if c.kind == CheckInKind.UPDATE)


@dataclass
class Month:
    key: str  # "2026-04"
    money_in: int
    money_out: int


def money_by_month(session: Session, fund: Fund) -> list[Month]:
    """Money into and out of the fund's bank account, month by month, from the ledger."""
    rows = session.execute(
        select(Transaction.occurred_on, Entry.amount_pence)
        .join(Entry, Entry.transaction_id == Transaction.id)
        .join(Account, Account.id == Entry.account_id)
        .where(Account.fund_id == fund.id, Account.kind == AccountKind.BANK)
    ).all()
    months: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for day, amount in rows:
        key = f"{day.year:04d}-{day.month:02d}"
        if amount > 0:
            months[key][0] += int(amount)
        else:
            months[key][1] += -int(amount)
    return [Month(key, values[0], values[1]) for key, values in sorted(months.items())]


def month_label(key: str) -> str:
    year, month = key.split("-")
    return dt.date(int(year), int(month), 1).strftime("%b %Y")


def _ward_name(session: Session, place: Place, postcode: str | None) -> str | None:
    if not postcode:
        return None
    ward = ward_for_postcode(session, place, postcode)
    return ward.name if ward else None


def grants_by_ward(session: Session, place: Place, grants: list[Grant]) -> tuple[Chart, Chart]:
    totals: dict[str, list[int]] = {w.name: [0, 0] for w in place.wards}
    unknown = _("Ward not known")
    for grant in grants:
        name = _ward_name(session, place, grant.group.postcode) or unknown
        totals.setdefault(name, [0, 0])
        totals[name][0] += 1
        totals[name][1] += grant.total_pence
    return Chart(
        "grants-by-ward",
        _("Grants by the ward the group is based in"),
        [_("Grants")],
        [ChartRow(name, [v[0]]) for name, v in totals.items()],
        "count",
        _("Ward"),
    ), Chart(
        "money-by-ward",
        _("Money granted by ward"),
        [_("Amount")],
        [ChartRow(name, [v[1]]) for name, v in totals.items()],
        "money",
        _("Ward"),
    )


def grants_by_size(grants: list[Grant]) -> Chart:
    counts = {key: 0 for key, *_rest in SIZE_BANDS}
    for grant in grants:
        counts[size_band(grant.total_pence)] += 1
    return Chart(
        "grants-by-size",
        _("Grants by size"),
        [_("Grants")],
        [ChartRow(label, [counts[key]]) for key, label, *_rest in SIZE_BANDS],
        "count",
        _("Size"),
    )


def money_chart(session: Session, fund: Fund) -> Chart:
    months = money_by_month(session, fund)
    return Chart(
        f"money-{fund.id}",
        _("Money in and out of %(fund)s, by month", fund=fund.name),
        [_("Money in"), _("Money out")],
        [ChartRow(month_label(m.key), [m.money_in, m.money_out]) for m in months],
        "money",
        _("Month"),
    )


# --- Scorecard, participation and the place page ---------------------------------------------

DEFINITIONS = (
    Definition(
        "unrestricted",
        "Grants that are unrestricted",
        "Of the grants made (offered, agreed or finished; not offers taken back), the "
        "share the group can spend on whatever it needs most, rather than on one purpose.",
    ),
    Definition(
        "multi-year",
        "Grants for more than one year",
        "Of the same grants, the share that runs for two years or more.",
    ),
    Definition(
        "checkin-burden",
        "Check-ins for each grant",
        "For each grant, we count its yearly check-ins, and the questions the group is "
        "asked to answer in writing over the whole grant: a short written update asks the "
        "fund's questions (at most five); a conversation asks none in writing. The figures "
        "are the averages (means) across grants, to 1 decimal place.",
    ),
    Definition(
        "money-in-out",
        "Money in and out",
        "From each fund's ledger: money into its bank account (money received, and "
        "promises paid) and money out of it (grant payments and refunds), by the month it "
        "moved.",
    ),
)


def scorecard_figures(session: Session, place: Place, round_: Round | None) -> list[Figure]:
    return grant_figures(_grants(session, place, round_))


def fund_scorecard(session: Session, fund: Fund) -> list[Figure]:
    """The scorecard for one fund (one funder): giving's figures over the rounds that draw on
    the fund, and the grant figures over the fund's own grants."""
    rounds = [link.round for link in fund.round_links]
    grants = list(
        session.scalars(
            select(Grant)
            .where(Grant.fund_id == fund.id, Grant.state != GrantState.WITHDRAWN)
            .order_by(Grant.id)
        )
    )
    return rounds_scorecard(session, rounds) + grant_figures(grants)


def grant_figures(grants: list[Grant]) -> list[Figure]:
    none = _("No grants yet")
    count = len(grants)
    figures = [
        share_figure(
            "unrestricted",
            _("Grants that are unrestricted"),
            sum(1 for g in grants if not g.restricted),
            count,
            "unrestricted",
            none,
        ),
        share_figure(
            "multi_year",
            _("Grants for more than one year"),
            sum(1 for g in grants if g.years >= 2),
            count,
            "multi-year",
            none,
        ),
    ]
    if count:
        checkins = tidy_number(sum(len(g.checkins) for g in grants) / count)
        questions = tidy_number(sum(written_questions(g) for g in grants) / count)
    figures.append(
        Figure(
            "checkins_per_grant",
            _("Check-ins for each grant (average)"),
            checkins if count else None,
            str(checkins) if count else none,
            "checkin-burden",
        )
    )
    figures.append(
        Figure(
            "checkin_questions_per_grant",
            _("Written questions for each grant (average)"),
            questions if count else None,
            str(questions) if count else none,
            "checkin-burden",
        )
    )
    return figures


def participation_part(session: Session, place: Place, round_: Round | None) -> Participation:
    """Donors with an account who gave to the place's funds (not for one round)."""
    if round_ is not None:
        return Participation()
    rows = session.execute(
        select(Donation.user_id, Donation.received_on, Donation.created_at)
        .join(Fund, Fund.id == Donation.fund_id)
        .where(
            Fund.place_id == place.id,
            Donation.state == DonationState.CLEARED,
            Donation.user_id.is_not(None),
        )
    ).all()
    records = []
    for user_id, received_on, created_at in rows:
        day = received_on or created_at.date()
        assert user_id is not None  # the query keeps only gifts from an account
        records.append(("donation", f"year:{financial_year(day)}", int(user_id)))
    return Participation(records=records)


def place_sections(session: Session, place: Place) -> list[Section]:
    grants = _grants(session, place)
    by_ward, money_ward = grants_by_ward(session, place, grants)
    funds = funds_in(session, place)
    return [
        Section(
            _("Grants"),
            charts=[by_ward, money_ward, grants_by_size(grants)],
            links=[
                (_("Search every grant"), url_for("funds_reports.grants", place_slug=place.slug))
            ],
        ),
        Section(
            _("Money in and out"),
            charts=[money_chart(session, fund) for fund in funds],
            links=[
                (
                    _("Money in and out of each fund"),
                    url_for("funds_reports.money", place_slug=place.slug),
                ),
                *[
                    (
                        _("The scorecard for %(fund)s", fund=fund.name),
                        url_for("funds_reports.fund_scorecard_page", fund_id=fund.id),
                    )
                    for fund in funds
                ],
            ],
            note=_("From each fund's accounts.") if funds else _("No funds yet."),
        ),
    ]


# --- Searching grants ------------------------------------------------------------------------


@dataclass
class GrantFilters:
    """What someone searching the grants asked for: words, a ward, a financial year, a size."""

    q: str = ""
    ward: str = ""
    year: int | None = None
    size: str = ""


def filter_grants(
    session: Session, place: Place, f: GrantFilters
) -> list[tuple[Grant, str | None]]:
    """The place's published grants that match every filter given, each with the ward its
    group is in (worked out from the group's postcode, so the list is filtered here)."""
    out = []
    words = f.q.lower().split()
    for grant in published_grants(session, place):
        ward = _ward_name(session, place, grant.group.postcode)
        text = f"{grant.title} {grant.group.name} {grant.description}".lower()
        if words and not all(w in text for w in words):
            continue
        if f.ward and ward != f.ward:
            continue
        if f.year is not None and financial_year(grant.start_date) != f.year:
            continue
        if f.size and size_band(grant.total_pence) != f.size:
            continue
        out.append((grant, ward))
    return out
