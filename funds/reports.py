"""What funds publishes: money in and out of each fund by month, grants by ward and size,
a searchable list of grants, and the scorecard figures about grants (unrestricted, multi-year,
check-in burden) and donors for the participation report.

Read-only queries over funds' tables. They reach giving's public pages through the app's
hooks (:mod:`giving.hooks`), which ``funds.init_app`` fills in; the pages and API paths of
their own are on ``reports_bp`` (and its nested ``api_bp``), which ``funds.init_app``
registers.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from flask import Blueprint, abort, current_app, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response

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
from funds.workflow import PUBLISHED_GRANT_STATES, DonationState, GrantState
from giving.extensions import db
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
from giving.timeutil import financial_year, financial_year_label
from giving.views.api import (
    PAGE_PARAMETERS,
    PLACE_SLUG,
    ApiError,
    json_response,
    page_of,
    paged,
    place_or_404,
    ref,
    register_json_errors,
    whole_number,
)
from giving.views.api import get as api_get

reports_bp = Blueprint("funds_reports", __name__)
api_bp = Blueprint("funds_api", __name__, url_prefix="/api")
register_json_errors(api_bp)

# Grant sizes, as (label, smallest in pence, largest in pence or None).
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
        records.append(("donation", f"year:{financial_year(day)}", int(user_id)))
    return Participation(records=records)


def place_sections(session: Session, place: Place) -> list[Section]:
    grants = _grants(session, place)
    by_ward, money_ward = grants_by_ward(session, place, grants)
    funds = list(session.scalars(select(Fund).where(Fund.place_id == place.id).order_by(Fund.name)))
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


# --- Pages -----------------------------------------------------------------------------------


@dataclass
class GrantFilters:
    q: str = ""
    ward: str = ""
    year: int | None = None
    size: str = ""


def filter_grants(
    session: Session, place: Place, f: GrantFilters
) -> list[tuple[Grant, str | None]]:
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


def _filters_from_request() -> GrantFilters:
    args = request.args
    year = args.get("year", "")
    size = args.get("size", "")
    return GrantFilters(
        q=args.get("q", "")[:100].strip(),
        ward=args.get("ward", "")[:80],
        year=int(year) if year.isdigit() and 1990 <= int(year) <= 2200 else None,
        size=size if size in {key for key, *_rest in SIZE_BANDS} else "",
    )


def _place(slug: str) -> Place:
    place = db.session.scalar(select(Place).where(Place.slug == slug))
    if place is None:
        abort(404)
    return place


class _ListPage:
    def __init__(self, items: list, page: int, per_page: int) -> None:
        self.total = len(items)
        self.per_page = per_page
        self.pages = max(1, -(-self.total // per_page))
        self.page = min(max(1, page), self.pages)
        self.items = items[(self.page - 1) * per_page : self.page * per_page]
        self.has_prev = self.page > 1
        self.has_next = self.page < self.pages


@reports_bp.get("/places/<place_slug>/grants")
def grants(place_slug: str) -> str:
    place = _place(place_slug)
    filters = _filters_from_request()
    found = filter_grants(db.session, place, filters)
    years = sorted(
        {financial_year(g.start_date) for g in published_grants(db.session, place)}, reverse=True
    )
    page = _ListPage(found, request.args.get("page", 1, type=int), current_app.config["PER_PAGE"])
    params = {k: v for k, v in vars(filters).items() if v not in ("", None)}
    return render_template(
        "funds/reports/grants.html",
        place=place,
        page=page,
        filters=filters,
        params=params,
        years=[(y, financial_year_label(y)) for y in years],
        bands=SIZE_BANDS,
    )


@reports_bp.get("/places/<place_slug>/money")
def money(place_slug: str) -> str:
    place = _place(place_slug)
    funds = list(
        db.session.scalars(select(Fund).where(Fund.place_id == place.id).order_by(Fund.name))
    )
    return render_template(
        "funds/reports/money.html",
        place=place,
        charts=[(fund, money_chart(db.session, fund)) for fund in funds],
    )


@reports_bp.get("/funds/<int:fund_id>/scorecard")
def fund_scorecard_page(fund_id: int) -> str:
    fund = db.session.get(Fund, fund_id)
    if fund is None:
        abort(404)
    return render_template(
        "funds/reports/scorecard.html", fund=fund, figures=fund_scorecard(db.session, fund)
    )


# --- API -------------------------------------------------------------------------------------


def grant_json(item: tuple[Grant, str | None]) -> dict[str, Any]:
    grant, ward = item
    return {
        "id": grant.id,
        "title": grant.title,
        "group": grant.group.name,
        "fund": grant.fund.name,
        "total_pence": grant.total_pence,
        "start_date": grant.start_date.isoformat(),
        "financial_year": financial_year_label(financial_year(grant.start_date)),
        "years": grant.years,
        "unrestricted": not grant.restricted,
        "ward": ward,
        "size": size_band(grant.total_pence),
        "state": grant.state.value,
        "round_id": grant.application.round_id if grant.application else None,
    }


@api_bp.get("/places/<place_slug>/grants")
def api_grants(place_slug: str) -> Response:
    place = place_or_404(place_slug)
    filters = _filters_from_request()
    items = filter_grants(db.session, place, filters)
    params = {k: v for k, v in vars(filters).items() if v not in ("", None)}
    return json_response(
        paged(
            items, "funds_reports.funds_api.api_grants", grant_json, place_slug=place.slug, **params
        )
    )


@api_bp.get("/places/<place_slug>/money")
def api_money(place_slug: str) -> Response:
    place = place_or_404(place_slug)
    funds = db.session.scalars(select(Fund).where(Fund.place_id == place.id).order_by(Fund.name))
    return json_response(
        {
            "funds": [
                {
                    "id": fund.id,
                    "name": fund.name,
                    "months": [
                        {
                            "month": m.key,
                            "money_in_pence": m.money_in,
                            "money_out_pence": m.money_out,
                        }
                        for m in money_by_month(db.session, fund)
                    ],
                }
                for fund in funds
            ]
        }
    )


@api_bp.get("/funds/<fund_id>/scorecard")
def api_fund_scorecard(fund_id: str) -> Response:
    fund = db.session.get(Fund, whole_number(fund_id, "fund"))
    if fund is None:
        raise ApiError(404, "No such fund")
    return json_response(
        {
            "figures": [f.as_json() for f in fund_scorecard(db.session, fund)],
            "definitions": url_for("giving.how_we_count"),
        }
    )


reports_bp.register_blueprint(api_bp)

GRANT_FILTERS = [
    {"name": "q", "in": "query", "required": False, "schema": {"type": "string", "maxLength": 100}},
    {
        "name": "ward",
        "in": "query",
        "required": False,
        "schema": {"type": "string", "maxLength": 80},
    },
    {
        "name": "year",
        "in": "query",
        "required": False,
        "description": "Financial year the grant starts in, by the year it begins (2026 = 2026-27)",
        "schema": {"type": "integer", "minimum": 1990, "maximum": 2200},
    },
    {
        "name": "size",
        "in": "query",
        "required": False,
        "schema": {"type": "string", "enum": [key for key, *_rest in SIZE_BANDS]},
    },
]


def api_paths() -> dict[str, Any]:
    return {
        "paths": {
            "/api/places/{place_slug}/grants": api_get(
                "A place's published grants, searchable by words, ward, year and size",
                page_of("Grant"),
                [PLACE_SLUG, *GRANT_FILTERS, *PAGE_PARAMETERS],
                400,
                404,
            ),
            "/api/funds/{fund_id}/scorecard": api_get(
                "The Open and Trusting scorecard for one fund: its rounds and its grants",
                ref("Figures"),
                [
                    {
                        "name": "fund_id",
                        "in": "path",
                        "required": True,
                        "schema": {"type": "integer", "minimum": 1, "maximum": 2**31 - 1},
                    }
                ],
                404,
            ),
            "/api/places/{place_slug}/money": api_get(
                "Money in and out of each of a place's funds, by month",
                ref("Money"),
                [PLACE_SLUG],
                404,
            ),
        },
        "schemas": {
            "Grant": {
                "type": "object",
                "required": ["id", "title", "group", "fund", "total_pence", "start_date", "years"],
                "properties": {
                    "id": {"type": "integer"},
                    "title": {"type": "string"},
                    "group": {"type": "string"},
                    "fund": {"type": "string"},
                    "total_pence": {"type": "integer"},
                    "start_date": {"type": "string", "format": "date"},
                    "financial_year": {"type": "string"},
                    "years": {"type": "integer"},
                    "unrestricted": {"type": "boolean"},
                    "ward": {"type": "string", "nullable": True},
                    "size": {"type": "string"},
                    "state": {"type": "string", "enum": ["active", "closed"]},
                    "round_id": {"type": "integer", "nullable": True},
                },
            },
            "Money": {
                "type": "object",
                "required": ["funds"],
                "properties": {
                    "funds": {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "required": ["id", "name", "months"],
                            "properties": {
                                "id": {"type": "integer"},
                                "name": {"type": "string"},
                                "months": {
                                    "type": "array",
                                    "items": {
                                        "type": "object",
                                        "required": ["month", "money_in_pence", "money_out_pence"],
                                        "properties": {
                                            "month": {"type": "string"},
                                            "money_in_pence": {"type": "integer"},
                                            "money_out_pence": {"type": "integer"},
                                        },
                                    },
                                },
                            },
                        },
                    }
                },
            },
        },
    }
