"""The JSON API for what funds publishes: a place's grants (searchable), money in and out of
its funds, and one fund's scorecard. Each view declares what it answers
(:func:`giving.openapi.declare`), so giving's API document describes these paths too; the
shapes are in :mod:`funds.schemas`. Nested in :data:`funds.views.reports.reports_bp`
(see :mod:`funds.views`), so its endpoints are ``funds_reports.funds_api.<view>``."""

from __future__ import annotations

from typing import Any

from flask import Blueprint
from marshmallow import fields, validate
from sqlalchemy.orm import joinedload

from funds import reports, services
from funds.models import Fund, Grant
from funds.schemas import GrantFiltersSchema, GrantSchema, MoneySchema
from funds.views.reports import filters_from_request, search_params
from giving.extensions import db
from giving.guards import MAX_ID
from giving.openapi import declare, page_of
from giving.schemas import FiguresSchema
from giving.views.api import PLACE, paged, place_or_404, register_json_errors, whole_number

api_bp = Blueprint("funds_api", __name__, url_prefix="/api")
register_json_errors(api_bp)

FUND = {"fund_id": fields.Integer(required=True, validate=validate.Range(min=1, max=MAX_ID))}


@api_bp.get("/places/<place_slug>/grants")
@declare(
    "A place's published grants, searchable by words, ward, year and size",
    page_of(GrantSchema),
    path=PLACE,
    query=(GrantFiltersSchema,),
    paged=True,
)
def api_grants(place_slug: str) -> dict[str, Any]:
    place = place_or_404(place_slug)
    filters = filters_from_request()
    params = search_params(filters)
    found = paged(
        reports.search_grants(
            place, filters, joinedload(Grant.fund), joinedload(Grant.application)
        ),
        "funds_reports.funds_api.api_grants",
        place_slug=place.slug,
        **params,
    )
    found["items"] = reports.with_wards(db.session, place, found["items"])
    return found


@api_bp.get("/places/<place_slug>/money")
@declare("Money in and out of each of a place's funds, by month", MoneySchema, path=PLACE)
def api_money(place_slug: str) -> dict[str, Any]:
    place = place_or_404(place_slug)
    funds = services.funds_in(db.session, place)
    months = reports.months_of(db.session, [fund.id for fund in funds])
    return {"funds": [{"fund": fund, "months": months[fund.id]} for fund in funds]}


@api_bp.get("/funds/<fund_id>/scorecard")
@declare(
    "The Open and Trusting scorecard for one fund: its rounds and its grants",
    FiguresSchema,
    path=FUND,
)
def api_fund_scorecard(fund_id: str) -> dict[str, Any]:
    fund = db.get_or_404(Fund, whole_number(fund_id, "fund"), description="No such fund")
    return {"figures": reports.fund_scorecard(db.session, fund)}
