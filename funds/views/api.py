"""The JSON API for what funds publishes: a place's grants (searchable), money in and out of
its funds, and one fund's scorecard; and the OpenAPI paths that describe them, which
``funds.init_app`` adds to giving's API document. Nested in :data:`funds.views.reports.reports_bp`
(see :mod:`funds.views`), so its endpoints are ``funds_reports.funds_api.<view>``."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, url_for
from werkzeug.wrappers import Response

from funds import reports, services
from funds.models import Fund, Grant
from funds.views.reports import filters_from_request, search_params
from giving.extensions import db
from giving.timeutil import financial_year, financial_year_label
from giving.views.api import (
    PAGE_PARAMETERS,
    PLACE_SLUG,
    json_response,
    page_of,
    paged,
    place_or_404,
    ref,
    register_json_errors,
    whole_number,
)
from giving.views.api import get as api_get

api_bp = Blueprint("funds_api", __name__, url_prefix="/api")
register_json_errors(api_bp)


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
        "size": reports.size_band(grant.total_pence),
        "state": grant.state.value,
        "round_id": grant.application.round_id if grant.application else None,
    }


@api_bp.get("/places/<place_slug>/grants")
def api_grants(place_slug: str) -> Response:
    place = place_or_404(place_slug)
    filters = filters_from_request()
    items = reports.filter_grants(db.session, place, filters)
    params = search_params(filters)
    return json_response(
        paged(
            items, "funds_reports.funds_api.api_grants", grant_json, place_slug=place.slug, **params
        )
    )


@api_bp.get("/places/<place_slug>/money")
def api_money(place_slug: str) -> Response:
    place = place_or_404(place_slug)
    funds = services.funds_in(db.session, place)
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
                        for m in reports.money_by_month(db.session, fund)
                    ],
                }
                for fund in funds
            ]
        }
    )


@api_bp.get("/funds/<fund_id>/scorecard")
def api_fund_scorecard(fund_id: str) -> Response:
    fund = db.get_or_404(Fund, whole_number(fund_id, "fund"), description="No such fund")
    return json_response(
        {
            "figures": [f.as_json() for f in reports.fund_scorecard(db.session, fund)],
            "definitions": url_for("giving.how_we_count"),
        }
    )


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
        "schema": {"type": "string", "enum": [key for key, *_rest in reports.SIZE_BANDS]},
    },
]


SCHEMAS: dict[str, Any] = {
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
}


def api_paths() -> dict[str, Any]:
    """The paths and schemas above, for giving's OpenAPI document."""
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
        "schemas": SCHEMAS,
    }
