"""What funds publishes: money in and out of each fund by month, grants by ward and size,
a searchable list of grants, and the scorecard figures about grants (unrestricted, multi-year,
check-in burden) and donors for the participation report.

Read-only queries over funds' tables, and figures only: they reach giving's public pages
through the app's hooks (:mod:`giving.hooks`), which ``funds.init_app`` fills in; the pages and
API paths of their own are in :mod:`funds.views.reports` and :mod:`funds.views.api`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from flask import url_for
from flask_babel import format_date
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import ColumnElement, Select, case, func, or_, select
from sqlalchemy.orm import Session, contains_eager

from funds import grant_tallies
from funds.models import (
    Account,
    AccountKind,
    Donation,
    Fund,
    FundRound,
    Grant,
    Income,
    IncomeSource,
)
from funds.models.core import AccountMonth
from funds.services.commitments import financial_year_of
from funds.services.setup import funds_in
from funds.workflow import PUBLISHED_GRANT_STATES, DonationState, GrantState
from giving.models import Application, Group, Place, PostcodeArea, Round, User, Ward
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
    ("under-1000", _l("Under £1,000"), 0, 99_999),
    ("1000-4999", _l("£1,000 to £4,999"), 100_000, 499_999),
    ("5000-9999", _l("£5,000 to £9,999"), 500_000, 999_999),
    ("10000-24999", _l("£10,000 to £24,999"), 1_000_000, 2_499_999),
    ("25000-plus", _l("£25,000 or more"), 2_500_000, None),
)


def size_band(pence: int) -> str:
    for key, _label, low, high in SIZE_BANDS:
        if pence >= low and (high is None or pence <= high):
            return key
    return SIZE_BANDS[-1][0]


# --- Queries ---------------------------------------------------------------------------------
# Every figure is counted, summed or filtered in the database: a page asks the same number of
# questions however many grants, gifts or ledger entries there are.


def ward_name_of(postcode: Any, place_id: int) -> Any:
    """The name of the ward a group's postcode is in, worked out in the database as
    :func:`giving.postcodes.ward_for_postcode` does: the most specific of the place's postcode
    areas that matches (the sector, 'E17 4', before the district, 'E17'); None when none does.
    A full postcode ends in a space and three characters, so its district is all but the last
    four characters and its sector all but the last two."""
    length = func.length(postcode)
    district = func.substr(postcode, 1, case((length > 4, length - 4), else_=0))
    sector = func.substr(postcode, 1, case((length > 2, length - 2), else_=0))
    return (
        select(Ward.name)
        .select_from(PostcodeArea)
        .outerjoin(Ward, Ward.id == PostcodeArea.ward_id)
        .where(PostcodeArea.place_id == place_id, PostcodeArea.prefix.in_([district, sector]))
        .order_by(func.length(PostcodeArea.prefix).desc())
        .limit(1)
        .scalar_subquery()
    )


def _in_place(place: Place) -> ColumnElement[bool]:
    return Grant.fund_id.in_(select(Fund.id).where(Fund.place_id == place.id))


def standing(place: Place, round_: Round | None = None) -> list[ColumnElement[bool]]:
    """The place's grants that stand (offered, active or closed; not withdrawn offers), and
    with a round only those made from its awards: conditions on :class:`Grant`."""
    where = [_in_place(place), Grant.state != GrantState.WITHDRAWN]
    if round_ is not None:
        where.append(
            Grant.application_id.in_(
                select(Application.id).where(Application.round_id == round_.id)
            )
        )
    return where


def published(place: Place) -> list[ColumnElement[bool]]:
    """Grants the public sees: agreed (active) or finished (closed)."""
    return [_in_place(place), Grant.state.in_(PUBLISHED_GRANT_STATES)]


@dataclass
class Month:
    key: str  # "2026-04"
    money_in: int
    money_out: int


def months_of(session: Session, fund_ids: Sequence[int]) -> dict[int, list[Month]]:
    """Money into and out of each fund's bank account, month by month, from the ledger.

    The database keeps each account's entries added up by month (see
    :class:`funds.models.core.AccountMonth`), so this reads a row per fund per month."""
    if not fund_ids:
        return {}
    rows = session.execute(
        select(
            Account.fund_id,
            AccountMonth.month_start,
            AccountMonth.debit_pence,
            AccountMonth.credit_pence,
        )
        .join(AccountMonth, AccountMonth.account_id == Account.id)
        .where(Account.fund_id.in_(fund_ids), Account.kind == AccountKind.BANK)
        .order_by(Account.fund_id, AccountMonth.month_start)
    ).all()
    months: dict[int, list[Month]] = {fund_id: [] for fund_id in fund_ids}
    for fund_id, month_start, money_in, money_out in rows:
        key = f"{month_start.year:04d}-{month_start.month:02d}"
        months[fund_id].append(Month(key, int(money_in), int(money_out)))
    return months


def money_by_month(session: Session, fund: Fund) -> list[Month]:
    """Money into and out of the fund's bank account, month by month, from the ledger."""
    return months_of(session, [fund.id])[fund.id]


def month_label(key: str) -> str:
    year, month = key.split("-")
    return format_date(dt.date(int(year), int(month), 1), "MMM y")


def wards_of_postcodes(
    session: Session, place: Place, postcodes: Iterable[str | None]
) -> dict[str | None, str | None]:
    """The name of the ward each postcode is in, as :func:`ward_name_of` works it out (the
    most specific of the place's postcode areas that matches: the sector before the district;
    None when none does), from the place's areas read once."""
    areas: dict[str, str | None] = dict(
        session.execute(
            select(PostcodeArea.prefix, Ward.name)
            .outerjoin(Ward, Ward.id == PostcodeArea.ward_id)
            .where(PostcodeArea.place_id == place.id)
        ).all()
    )
    wards: dict[str | None, str | None] = {}
    for postcode in postcodes:
        if postcode is None:
            wards[postcode] = None
            continue
        length = len(postcode)
        sector = postcode[: length - 2 if length > 2 else 0]
        district = postcode[: length - 4 if length > 4 else 0]
        found = [prefix for prefix in (sector, district) if prefix in areas]
        wards[postcode] = areas[max(found, key=len)] if found else None
    return wards


def grants_by_ward(
    session: Session, place: Place, where: Sequence[ColumnElement[bool]]
) -> tuple[Chart, Chart]:
    """How many grants (of those ``where`` picks) and how much money, by the ward each group
    is in: summed by the groups' postcodes in the database (a few thousand at most), then each
    postcode's ward found once and the sums added up by ward here."""
    rows = session.execute(
        select(Group.postcode, func.count(Grant.id), func.sum(Grant.total_pence))
        .join(Group, Group.id == Grant.group_id)
        .where(*where)
        .group_by(Group.postcode)
    ).all()
    wards = wards_of_postcodes(session, place, [postcode for postcode, *_rest in rows])
    totals: dict[str, list[int]] = {w.name: [0, 0] for w in place.wards}
    unknown = _("Ward not known")
    for postcode, grants, pence in rows:
        name = wards[postcode] or unknown
        totals.setdefault(name, [0, 0])
        totals[name][0] += int(grants)
        totals[name][1] += int(pence)
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


def grants_by_size(session: Session, place: Place) -> Chart:
    """The place's standing grants by size, from the counts the database keeps."""
    found = grant_tallies.kept_sizes(session, grant_tallies.of_place(place))
    counts = {key: found.get(key, 0) for key, *_rest in SIZE_BANDS}
    return Chart(
        "grants-by-size",
        _("Grants by size"),
        [_("Grants")],
        [ChartRow(label, [counts[key]]) for key, label, *_rest in SIZE_BANDS],
        "count",
        _("Size"),
    )


def money_chart(session: Session, fund: Fund, months: list[Month] | None = None) -> Chart:
    """The fund's money in and out by month (``months``, when already counted)."""
    if months is None:
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
        _l("Grants that are unrestricted"),
        _l(
            "Of the grants made (offered, agreed or finished; not offers taken back), the "
            "share the group can spend on whatever it needs most, rather than on one purpose."
        ),
    ),
    Definition(
        "multi-year",
        _l("Grants for more than one year"),
        _l("Of the same grants, the share that runs for two years or more."),
    ),
    Definition(
        "checkin-burden",
        _l("Check-ins for each grant"),
        _l(
            "For each grant, we count its yearly check-ins, and the questions the group is "
            "asked to answer in writing over the whole grant: a short written update asks the "
            "fund's questions (at most five); a conversation asks none in writing. The figures "
            "are the averages (means) across grants, to 1 decimal place."
        ),
    ),
    Definition(
        "gifts",
        _l("Gifts to the place's funds"),
        _l(
            "Every gift to the place's funds, from anyone, with an account or not: given "
            "online, or by cash, cheque or bank transfer, and gifts the fund's team wrote down "
            "with the rest of the money in. A gift still waiting, a payment that failed, and a "
            "gift given back in full do not count. These are the gifts in each fund's books. "
            "The figure for people who gave money counts only those with an account."
        ),
    ),
    Definition(
        "money-in-out",
        _l("Money in and out"),
        _l(
            "From each fund's ledger: money into its bank account (money received, and "
            "promises paid) and money out of it (grant payments and refunds), by the month it "
            "moved."
        ),
    ),
)


def scorecard_figures(session: Session, place: Place, round_: Round | None) -> list[Figure]:
    if round_ is None:
        return grant_figures(grant_tallies.kept_counts(session, grant_tallies.of_place(place)))
    return grant_figures(grant_tallies.counted(session, standing(place, round_)))


def fund_scorecard(session: Session, fund: Fund) -> list[Figure]:
    """The scorecard for one fund (one funder): giving's figures over the rounds that draw on
    the fund, and the grant figures over the fund's own grants."""
    rounds = list(
        session.scalars(
            select(Round)
            .join(FundRound, FundRound.round_id == Round.id)
            .where(FundRound.fund_id == fund.id)
            .order_by(FundRound.id)
        )
    )
    counts = grant_tallies.kept_counts(session, grant_tallies.of_fund(fund))
    return rounds_scorecard(session, rounds) + grant_figures(counts)


def grant_figures(counts: grant_tallies.GrantCounts) -> list[Figure]:
    """The scorecard's figures over grants, from their counts."""
    none = _("No grants yet")
    count = counts.grants
    figures = [
        share_figure(
            "unrestricted",
            _("Grants that are unrestricted"),
            counts.unrestricted,
            count,
            "unrestricted",
            none,
        ),
        share_figure(
            "multi_year",
            _("Grants for more than one year"),
            counts.multi_year,
            count,
            "multi-year",
            none,
        ),
    ]
    if count:
        checkins = tidy_number(counts.checkins / count)
        questions = tidy_number(counts.questions / count)
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
    """Donors with an account who gave to the place's funds (not for one round): each donor
    once for each financial year they gave in (the day the gift arrived, or was made). A gift
    is the giver's when it was made from their account, or when the fund's team recorded it
    with the email address of their (confirmed) account. Gifts count while the fund keeps
    them: not waiting, failed, given back in full or taken back by the donor's bank.

    With the records, the number of gifts the place's funds hold, from anyone, with an account
    or not (as the funds' Donations accounts do)."""
    if round_ is not None:
        return Participation()
    year = case(
        (Donation.received_on.is_not(None), financial_year_of(Donation.received_on)),
        else_=financial_year_of(Donation.created_at),
    )
    kept = [
        Fund.place_id == place.id,
        Donation.state == DonationState.CLEARED,
        Donation.refunded_pence < Donation.amount_pence,
    ]
    giver = func.coalesce(Donation.user_id, User.id)
    gave = (
        select(giver.label("user_id"), year.label("year"))
        .join(Fund, Fund.id == Donation.fund_id)
        .outerjoin(
            User,
            (Donation.user_id.is_(None))
            & (Donation.donor_email != "")
            & (func.lower(Donation.donor_email) == User.email)
            & User.email_confirmed_at.is_not(None),
        )
        .where(*kept, giver.is_not(None))
        .subquery()
    )
    rows = session.execute(select(gave.c.user_id, gave.c.year).distinct()).all()
    records = [("donation", f"year:{int(year)}", int(user_id)) for user_id, year in rows]
    # Every gift is money in from Donations, whether it came online, was recorded by the
    # fund's team as a gift, or was written down with the rest of the money in.
    gifts = int(
        session.scalar(
            select(func.count(Income.id))
            .join(Fund, Fund.id == Income.fund_id)
            .where(
                Fund.place_id == place.id,
                Income.source == IncomeSource.DONATION,
                Income.refunded_pence < Income.amount_pence,
            )
        )
        or 0
    )
    figure = Figure("gifts", _("Gifts to the place's funds"), gifts, str(gifts), "gifts")
    return Participation(records=records, figures=[figure])


def place_sections(session: Session, place: Place) -> list[Section]:
    where = standing(place)
    by_ward, money_ward = grants_by_ward(session, place, where)
    funds = funds_in(session, place)
    months = months_of(session, [fund.id for fund in funds])
    return [
        Section(
            _("Grants"),
            charts=[by_ward, money_ward, grants_by_size(session, place)],
            links=[
                (_("Search every grant"), url_for("funds_reports.grants", place_slug=place.slug))
            ],
        ),
        Section(
            _("Money in and out"),
            charts=[money_chart(session, fund, months[fund.id]) for fund in funds],
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


def search_grants(place: Place, f: GrantFilters, *options: Any) -> Select:
    """The place's published grants that match every filter given, newest first, with their
    groups (and what ``options`` load too): a query, for the database to filter, count and
    page."""
    where = published(place)
    for word in f.q.lower().split():
        where.append(
            or_(
                *(
                    func.lower(column).contains(word, autoescape=True)
                    for column in (Grant.title, Group.name, Grant.description)
                )
            )
        )
    if f.ward:
        where.append(ward_name_of(Group.postcode, place.id) == f.ward)
    if f.year is not None:
        where.append(Grant.start_date >= dt.date(f.year, 4, 1))
        where.append(Grant.start_date < dt.date(f.year + 1, 4, 1))
    if f.size:
        _key, _label, low, high = next(band for band in SIZE_BANDS if band[0] == f.size)
        where.append(Grant.total_pence >= low)
        if high is not None:
            where.append(Grant.total_pence <= high)
    return (
        select(Grant)
        .join(Group, Group.id == Grant.group_id)
        .where(*where)
        .options(contains_eager(Grant.group), *options)
        .order_by(Grant.start_date.desc(), Grant.id.desc())
    )


def with_wards(
    session: Session, place: Place, grants: Sequence[Grant]
) -> list[tuple[Grant, str | None]]:
    """Each grant with the name of the ward its group is in (None when not known)."""
    group_ids = {grant.group_id for grant in grants}
    wards: dict[int, str | None] = {}
    if group_ids:
        wards = dict(
            session.execute(
                select(Group.id, ward_name_of(Group.postcode, place.id)).where(
                    Group.id.in_(group_ids)
                )
            ).all()
        )
    return [(grant, wards.get(grant.group_id)) for grant in grants]


def grant_years(session: Session, place: Place) -> list[int]:
    """The financial years the place's published grants start in, latest first: the database
    lists the days they start on (a few thousand at most), and the days are folded into
    financial years (1 April to 31 March) here."""
    days = session.scalars(select(Grant.start_date).where(*published(place)).distinct())
    return sorted({financial_year(day) for day in days}, reverse=True)
