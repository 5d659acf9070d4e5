"""The pages of what funds publishes: every grant in a place (searchable), money in and out of
each fund, and one fund's scorecard. The figures are in :mod:`funds.reports`; the JSON API for
them is nested in this blueprint (:mod:`funds.views.api`)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template, request

from funds import reports, services
from funds.models import Fund
from giving.extensions import db
from giving.guards import whole_number
from giving.pagination import paginate
from giving.timeutil import financial_year_label
from giving.views.lookups import place_or_404

reports_bp = Blueprint("funds_reports", __name__)


def filters_from_request() -> reports.GrantFilters:
    """The search for grants in the page's address, with anything out of range left out."""
    args = request.args
    year = whole_number(args.get("year"), 2200)
    size = args.get("size", "")
    return reports.GrantFilters(
        q=args.get("q", "")[:100].strip(),
        ward=args.get("ward", "")[:80],
        year=year if year is not None and year >= 1990 else None,
        size=size if size in {key for key, *_rest in reports.SIZE_BANDS} else "",
    )


def search_params(filters: reports.GrantFilters) -> dict[str, Any]:
    """The filters that were given, for the links to other pages of the same search."""
    return {k: v for k, v in vars(filters).items() if v not in ("", None)}


@reports_bp.get("/places/<place_slug>/grants")
def grants(place_slug: str) -> str:
    place = place_or_404(place_slug)
    filters = filters_from_request()
    page = paginate(reports.search_grants(place, filters))
    years = reports.grant_years(db.session, place)
    return render_template(
        "funds/reports/grants.html",
        place=place,
        page=page,
        rows=reports.with_wards(db.session, place, page.items),
        filters=filters,
        params=search_params(filters),
        years=[(y, financial_year_label(y)) for y in years],
        bands=reports.SIZE_BANDS,
    )


@reports_bp.get("/places/<place_slug>/money")
def money(place_slug: str) -> str:
    place = place_or_404(place_slug)
    funds = services.funds_in(db.session, place)
    months = reports.months_of(db.session, [fund.id for fund in funds])
    return render_template(
        "funds/reports/money.html",
        place=place,
        charts=[(fund, reports.money_chart(db.session, fund, months[fund.id])) for fund in funds],
    )


@reports_bp.get("/funds/<int:fund_id>/scorecard")
def fund_scorecard_page(fund_id: int) -> str:
    fund = db.get_or_404(Fund, fund_id)
    return render_template(
        "funds/reports/scorecard.html", fund=fund, figures=reports.fund_scorecard(db.session, fund)
    )
