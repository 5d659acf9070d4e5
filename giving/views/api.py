"""The public, read-only JSON API: places, rounds, results and the scorecard, with the
OpenAPI document at ``/api/openapi.json``. Each view declares what it answers
(:func:`giving.openapi.declare`) and dumps its answer with the schema it declares
(:mod:`giving.schemas`); the document is built from those declarations and the app's routes
(:mod:`giving.openapi`), so it covers the paths ``funds`` serves from its own blueprint too.

Lists are paged (``page``, ``per_page`` up to 100, with links); every answer carries an ETag
and a short public Cache-Control, and a repeat request with ``If-None-Match`` gets a 304.
Errors are JSON too: ``{"error": {"status": 404, "message": "..."}}``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from flask import Blueprint, current_app, request, url_for
from marshmallow import fields, validate
from sqlalchemy import Select, select
from sqlalchemy.orm import selectinload
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response

from giving.errors import ApiError, error_response
from giving.extensions import csrf, db
from giving.guards import MAX_ID
from giving.guards import whole_number as _whole_number
from giving.models import Place, Round, RoundStatus
from giving.openapi import (
    DEFAULT_PER_PAGE,
    MAX_PER_PAGE,
    declare,
    document,
    json_response,
    page_of,
)
from giving.pagination import pagination_of
from giving.schemas import (
    FiguresSchema,
    ParticipationSchema,
    PlaceSchema,
    ResultSchema,
    ResultsPageSchema,
    RoundSchema,
)
from giving.services import reports as report_services

bp = Blueprint("api", __name__, url_prefix="/api")
csrf.exempt(bp)

# The parts of an address the API's views read, typed for the API document.
PLACE = {"place_slug": fields.String(required=True)}
ROUND = {"round_id": fields.Integer(required=True, validate=validate.Range(min=1, max=MAX_ID))}


# --- Helpers other packages' API views use ---------------------------------------------------


def register_json_errors(blueprint: Blueprint) -> None:
    """Errors raised in ``blueprint``'s views come back as JSON in the documented shape."""

    @blueprint.errorhandler(ApiError)
    def _api_error(error: ApiError) -> Response:
        return error_response(error.status, error.message)

    @blueprint.errorhandler(HTTPException)
    def _http_error(error: HTTPException) -> Response:
        return error_response(error.code or 500, error.description or error.name)


def whole_number(value: str, name: str = "id") -> int:
    """A path's number: a positive whole number the database can hold, else 404."""
    number = _whole_number(value, MAX_ID)
    if not number:
        raise ApiError(404, f"No such {name}")
    return number


def page_args() -> tuple[int, int]:
    """``page`` and ``per_page`` from the query string, checked."""
    values = []
    for name, default, most in (("page", 1, MAX_ID), ("per_page", DEFAULT_PER_PAGE, MAX_PER_PAGE)):
        raw = request.args.get(name)
        if raw is None:
            values.append(default)
            continue
        number = _whole_number(raw, most)
        if not number:
            raise ApiError(400, f"{name} must be a whole number from 1 to {most}")
        values.append(number)
    return values[0], values[1]


def paged(items: Sequence[Any] | Select, endpoint: str, **params: Any) -> dict[str, Any]:
    """One page of ``items`` (a list or a query), with totals and links, to be dumped with
    the schema :func:`giving.openapi.page_of` makes for the items."""
    page, per_page = page_args()
    found = pagination_of(items if isinstance(items, Select) else list(items), page, per_page)
    rows, total = found.items, found.total or 0
    pages = max(1, -(-total // per_page))

    def link(number: int) -> str:
        return url_for(endpoint, page=number, per_page=per_page, **params)

    return {
        "items": rows,
        "page": page,
        "per_page": per_page,
        "total": total,
        "pages": pages,
        "links": {
            "self": link(page),
            "first": link(1),
            "last": link(pages),
            "next": link(page + 1) if page < pages else None,
            "prev": link(min(page - 1, pages)) if page > 1 else None,
        },
    }


def place_or_404(slug: str) -> Place:
    place = db.session.scalar(select(Place).where(Place.slug == slug))
    if place is None:
        raise ApiError(404, "No such place")
    return place


def public_round_or_404(round_id: str) -> Round:
    round_ = db.session.get(Round, whole_number(round_id, "round"))
    if round_ is None or round_.status == RoundStatus.DRAFT:
        raise ApiError(404, "No such round")
    return round_


register_json_errors(bp)


# --- Endpoints -------------------------------------------------------------------------------


@bp.get("/openapi.json")
def openapi() -> Response:
    return json_response(document(current_app, request.script_root or "/"))


@bp.get("/places")
@declare("Every place", page_of(PlaceSchema), paged=True, errors=())
def places() -> dict[str, Any]:
    stmt = select(Place).options(selectinload(Place.wards)).order_by(Place.name, Place.id)
    return paged(stmt, "api.places")


@bp.get("/places/<place_slug>")
@declare("One place", PlaceSchema, path=PLACE)
def place(place_slug: str) -> Place:
    return place_or_404(place_slug)


@bp.get("/places/<place_slug>/rounds")
@declare("A place's published rounds", page_of(RoundSchema), path=PLACE, paged=True)
def place_rounds(place_slug: str) -> dict[str, Any]:
    place = place_or_404(place_slug)
    rounds = report_services.public_rounds_stmt(place)
    return paged(rounds, "api.place_rounds", place_slug=place.slug)


@bp.get("/rounds/<round_id>")
@declare("One round", RoundSchema, path=ROUND)
def round_detail(round_id: str) -> Round:
    return public_round_or_404(round_id)


RESULTS_PAGE = page_of(ResultSchema, ResultsPageSchema)


@bp.get("/rounds/<round_id>/results")
@declare(
    "Every decision in a round, with reasons unless the group keeps them private",
    RESULTS_PAGE,
    path=ROUND,
    paged=True,
)
def round_results(round_id: str) -> dict[str, Any]:
    round_ = public_round_or_404(round_id)
    page = paged(
        report_services.round_results_stmt(round_), "api.round_results", round_id=round_.id
    )
    page["items"] = report_services.results_for(db.session, page["items"])
    page["notes"] = report_services.round_notes(db.session, round_)
    return page


@bp.get("/places/<place_slug>/scorecard")
@declare("The Open and Trusting scorecard for all of a place's rounds", FiguresSchema, path=PLACE)
def place_scorecard(place_slug: str) -> dict[str, Any]:
    place = place_or_404(place_slug)
    figures = report_services.scorecard(db.session, place, None)
    return {"figures": figures}


@bp.get("/rounds/<round_id>/scorecard")
@declare("The Open and Trusting scorecard for one round", FiguresSchema, path=ROUND)
def round_scorecard(round_id: str) -> dict[str, Any]:
    round_ = public_round_or_404(round_id)
    figures = report_services.scorecard(db.session, round_.place, round_)
    return {"figures": figures}


@bp.get("/places/<place_slug>/participation")
@declare("Who took part in a place, and how", ParticipationSchema, path=PLACE)
def place_participation(place_slug: str) -> report_services.ParticipationReport:
    return report_services.participation(db.session, place_or_404(place_slug), None)


@bp.get("/rounds/<round_id>/participation")
@declare("Who took part in one round, and how", ParticipationSchema, path=ROUND)
def round_participation(round_id: str) -> report_services.ParticipationReport:
    round_ = public_round_or_404(round_id)
    return report_services.participation(db.session, round_.place, round_)
