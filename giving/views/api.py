"""The public, read-only JSON API: places, rounds, results and the scorecard, with the
OpenAPI document at ``/api/openapi.json``. ``funds`` and ``voting`` serve their own paths
(grants, money) from their own blueprints and describe them through
the ``api_paths`` hook (:func:`giving.reports.api_paths`), so the document covers all of them.

Lists are paged (``page``, ``per_page`` up to 100, with links); every answer carries an ETag
and a short public Cache-Control, and a repeat request with ``If-None-Match`` gets a 304.
Errors are JSON too: ``{"error": {"status": 404, "message": "..."}}``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from flask import Blueprint, jsonify, request, url_for
from sqlalchemy import Select, select
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response

from giving.errors import ApiError, error_response
from giving.extensions import csrf, db
from giving.guards import MAX_ID
from giving.guards import whole_number as _whole_number
from giving.models import Place, Round, RoundStatus
from giving.pagination import pagination_of
from giving.services import reports as report_services
from giving.services.estimates import estimate_minutes

bp = Blueprint("api", __name__, url_prefix="/api")
csrf.exempt(bp)

MAX_PER_PAGE = 100
DEFAULT_PER_PAGE = 20
CACHE_SECONDS = 60


# --- Helpers other packages' API views use ---------------------------------------------------


def register_json_errors(blueprint: Blueprint) -> None:
    """Errors raised in ``blueprint``'s views come back as JSON in the documented shape."""

    @blueprint.errorhandler(ApiError)
    def _api_error(error: ApiError) -> Response:
        return error_response(error.status, error.message)

    @blueprint.errorhandler(HTTPException)
    def _http_error(error: HTTPException) -> Response:
        return error_response(error.code or 500, error.description or error.name)


def json_response(data: Any) -> Response:
    """A cacheable JSON answer with an ETag; 304 when the client already has it."""
    response = jsonify(data)
    response.headers["Cache-Control"] = f"public, max-age={CACHE_SECONDS}"
    response.add_etag()
    return response.make_conditional(request)


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


def paged(
    items: Sequence[Any] | Select, endpoint: str, serialise: Any, **params: Any
) -> dict[str, Any]:
    """One page of ``items`` (a list or a query), with totals and links."""
    page, per_page = page_args()
    found = pagination_of(items if isinstance(items, Select) else list(items), page, per_page)
    rows, total = found.items, found.total or 0
    pages = max(1, -(-total // per_page))

    def link(number: int) -> str:
        return url_for(endpoint, page=number, per_page=per_page, **params)

    return {
        "items": [serialise(row) for row in rows],
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


# --- Serialisers -----------------------------------------------------------------------------


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def place_json(place: Place) -> dict[str, Any]:
    return {
        "slug": place.slug,
        "name": place.name,
        "description": place.description,
        "wards": [w.name for w in place.wards],
        "links": {
            "rounds": url_for("api.place_rounds", place_slug=place.slug),
            "scorecard": url_for("api.place_scorecard", place_slug=place.slug),
            "participation": url_for("api.place_participation", place_slug=place.slug),
            "page": url_for("giving.place_results", place_slug=place.slug),
        },
    }


def round_json(round_: Round) -> dict[str, Any]:
    return {
        "id": round_.id,
        "place": round_.place.slug,
        "title": round_.title,
        "description": round_.description,
        "status": round_.status.value,
        "budget_pence": round_.budget_pence,
        "min_grant_pence": round_.min_grant_pence,
        "max_grant_pence": round_.max_grant_pence,
        "opens_at": _iso(round_.opens_at),
        "closes_at": _iso(round_.closes_at),
        "decision_date": _iso(round_.decision_date),
        "decision_method": round_.decision_method.value,
        "questions": len(round_.questions),
        "minutes_to_apply": estimate_minutes(round_.questions),
        "links": {
            "results": url_for("api.round_results", round_id=round_.id),
            "scorecard": url_for("api.round_scorecard", round_id=round_.id),
            "page": url_for(
                "giving.round_results", place_slug=round_.place.slug, round_id=round_.id
            ),
        },
    }


def result_json(result: report_services.RoundResult) -> dict[str, Any]:
    return {
        "application_id": result.application_id,
        "group": result.group_name,
        "title": result.title,
        "decision": result.state.value,
        "award_pence": result.award_pence,
        "amount_requested_pence": result.amount_requested_pence,
        "reasons": result.reasons,
        "reasons_private": result.reasons is None,
        "ward": result.ward,
        "decided_at": _iso(result.decided_at),
        "decided_by": result.decided_by.value if result.decided_by else None,
        "override_reason": result.override_reason,
    }


# --- Endpoints -------------------------------------------------------------------------------


@bp.get("/openapi.json")
def openapi() -> Response:
    return json_response(openapi_document())


@bp.get("/places")
def places() -> Response:
    stmt = select(Place).order_by(Place.name, Place.id)
    return json_response(paged(stmt, "api.places", place_json))


@bp.get("/places/<place_slug>")
def place(place_slug: str) -> Response:
    return json_response(place_json(place_or_404(place_slug)))


@bp.get("/places/<place_slug>/rounds")
def place_rounds(place_slug: str) -> Response:
    place = place_or_404(place_slug)
    rounds = report_services.public_rounds(db.session, place)
    return json_response(paged(rounds, "api.place_rounds", round_json, place_slug=place.slug))


@bp.get("/rounds/<round_id>")
def round_detail(round_id: str) -> Response:
    return json_response(round_json(public_round_or_404(round_id)))


@bp.get("/rounds/<round_id>/results")
def round_results(round_id: str) -> Response:
    round_ = public_round_or_404(round_id)
    results = report_services.round_results(db.session, round_)
    page = paged(results, "api.round_results", result_json, round_id=round_.id)
    page["notes"] = report_services.round_notes(db.session, round_)
    return json_response(page)


def _figures(figures: list[report_services.Figure]) -> dict[str, Any]:
    return {
        "figures": [f.as_json() for f in figures],
        "definitions": url_for("giving.how_we_count", _external=False),
    }


def _place_or_round(place_slug: str = "", round_id: str = "") -> tuple[Place, Round | None]:
    """What a figures path is about: a whole place, or one of its published rounds."""
    if round_id:
        round_ = public_round_or_404(round_id)
        return round_.place, round_
    return place_or_404(place_slug), None


@bp.get("/places/<place_slug>/scorecard", endpoint="place_scorecard")
@bp.get("/rounds/<round_id>/scorecard", endpoint="round_scorecard")
def scorecard(**where: str) -> Response:
    place, round_ = _place_or_round(**where)
    return json_response(_figures(report_services.scorecard(db.session, place, round_)))


@bp.get("/places/<place_slug>/participation", endpoint="place_participation")
@bp.get("/rounds/<round_id>/participation", endpoint="round_participation")
def participation(**where: str) -> Response:
    place, round_ = _place_or_round(**where)
    report = report_services.participation(db.session, place, round_)
    return json_response(participation_json(report))


def participation_json(report: report_services.ParticipationReport) -> dict[str, Any]:
    return {
        "figures": [f.as_json() for f in [report.people, report.returning, *report.figures]],
        "ways": [{"way": label, "people": count} for label, count in report.by_way],
        "charts": [chart_json(c) for c in [report.by_ward, *report.charts]],
        "gains": [f.as_json() for f in report.gains],
    }


def chart_json(chart: report_services.Chart) -> dict[str, Any]:
    return {
        "id": chart.id,
        "title": chart.title,
        "unit": chart.unit,
        "series": chart.series,
        "rows": [{"label": r.label, "values": r.values} for r in chart.rows],
    }


# --- The OpenAPI document --------------------------------------------------------------------

NULLABLE_STRING = {"type": "string", "nullable": True}
NULLABLE_INT = {"type": "integer", "nullable": True}
REF = "#/components/schemas/"


def ref(name: str) -> dict[str, str]:
    return {"$ref": REF + name}


def page_of(item: str) -> dict[str, Any]:
    """The schema of a page of ``item``."""
    return {
        "type": "object",
        "required": ["items", "page", "per_page", "total", "pages", "links"],
        "properties": {
            "items": {"type": "array", "items": ref(item)},
            "page": {"type": "integer", "minimum": 1},
            "per_page": {"type": "integer", "minimum": 1, "maximum": MAX_PER_PAGE},
            "total": {"type": "integer", "minimum": 0},
            "pages": {"type": "integer", "minimum": 1},
            "links": ref("PageLinks"),
        },
    }


def results_page() -> dict[str, Any]:
    """A page of a round's results, with sentences on how its decisions stand."""
    page = page_of("Result")
    page["properties"]["notes"] = {"type": "array", "items": {"type": "string"}}
    page["required"] = [*page["required"], "notes"]
    return page


PAGE_PARAMETERS = [
    {
        "name": "page",
        "in": "query",
        "required": False,
        "schema": {"type": "integer", "minimum": 1, "maximum": MAX_ID},
    },
    {
        "name": "per_page",
        "in": "query",
        "required": False,
        "schema": {"type": "integer", "minimum": 1, "maximum": MAX_PER_PAGE},
    },
]
PLACE_SLUG = {"name": "place_slug", "in": "path", "required": True, "schema": {"type": "string"}}
ROUND_ID = {
    "name": "round_id",
    "in": "path",
    "required": True,
    "schema": {"type": "integer", "minimum": 1, "maximum": MAX_ID},
}


def ok(schema: dict[str, Any], description: str = "OK") -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def errors(*codes: int) -> dict[str, Any]:
    text = {304: "Not changed since the ETag you sent", 400: "Bad request", 404: "Not found"}
    out: dict[str, Any] = {"304": {"description": text[304]}}
    for code in codes:
        out[str(code)] = ok(ref("Error"), text[code])
    return out


def get(summary: str, schema: dict[str, Any], params: list, *codes: int) -> dict[str, Any]:
    return {
        "get": {
            "summary": summary,
            "parameters": params,
            "responses": {"200": ok(schema), **errors(*codes)},
        }
    }


FIGURE_SCHEMA = {
    "type": "object",
    "required": ["key", "label", "value", "text", "unit", "definition"],
    "properties": {
        "key": {"type": "string"},
        "label": {"type": "string"},
        "value": {"type": "number", "nullable": True},
        "text": {"type": "string"},
        "unit": {"type": "string"},
        "numerator": NULLABLE_INT,
        "denominator": NULLABLE_INT,
        "definition": {"type": "string"},
    },
}

CHART_SCHEMA = {
    "type": "object",
    "required": ["id", "title", "unit", "series", "rows"],
    "properties": {
        "id": {"type": "string"},
        "title": {"type": "string"},
        "unit": {"type": "string", "enum": ["count", "money", "percent"]},
        "series": {"type": "array", "items": {"type": "string"}},
        "rows": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["label", "values"],
                "properties": {
                    "label": {"type": "string"},
                    "values": {"type": "array", "items": {"type": "number"}},
                },
            },
        },
    },
}

GIVING_SCHEMAS: dict[str, Any] = {
    "Error": {
        "type": "object",
        "required": ["error"],
        "properties": {
            "error": {
                "type": "object",
                "required": ["status", "message"],
                "properties": {"status": {"type": "integer"}, "message": {"type": "string"}},
            }
        },
    },
    "PageLinks": {
        "type": "object",
        "required": ["self", "first", "last", "next", "prev"],
        "properties": {
            "self": {"type": "string"},
            "first": {"type": "string"},
            "last": {"type": "string"},
            "next": NULLABLE_STRING,
            "prev": NULLABLE_STRING,
        },
    },
    "Place": {
        "type": "object",
        "required": ["slug", "name", "description", "wards", "links"],
        "properties": {
            "slug": {"type": "string"},
            "name": {"type": "string"},
            "description": {"type": "string"},
            "wards": {"type": "array", "items": {"type": "string"}},
            "links": {"type": "object", "additionalProperties": {"type": "string"}},
        },
    },
    "Round": {
        "type": "object",
        "required": [
            "id",
            "place",
            "title",
            "status",
            "budget_pence",
            "min_grant_pence",
            "max_grant_pence",
            "opens_at",
            "closes_at",
            "decision_date",
            "decision_method",
            "questions",
            "minutes_to_apply",
            "links",
        ],
        "properties": {
            "id": {"type": "integer"},
            "place": {"type": "string"},
            "title": {"type": "string"},
            "description": {"type": "string"},
            "status": {"type": "string", "enum": ["open", "closed"]},
            "budget_pence": {"type": "integer"},
            "min_grant_pence": {"type": "integer"},
            "max_grant_pence": {"type": "integer"},
            "opens_at": {"type": "string", "format": "date-time"},
            "closes_at": {"type": "string", "format": "date-time"},
            "decision_date": {"type": "string", "format": "date", "nullable": True},
            "decision_method": {"type": "string", "enum": ["panel", "public", "both", "staff"]},
            "questions": {"type": "integer", "minimum": 0},
            "minutes_to_apply": {"type": "integer", "minimum": 0},
            "links": {"type": "object", "additionalProperties": {"type": "string"}},
        },
    },
    "Result": {
        "type": "object",
        "required": [
            "application_id",
            "group",
            "title",
            "decision",
            "award_pence",
            "reasons",
            "decided_by",
            "override_reason",
        ],
        "properties": {
            "application_id": {"type": "integer"},
            "group": {"type": "string"},
            "title": {"type": "string"},
            "decision": {"type": "string", "enum": ["awarded", "declined", "ineligible"]},
            "award_pence": NULLABLE_INT,
            "amount_requested_pence": NULLABLE_INT,
            "reasons": {
                "type": "string",
                "nullable": True,
                "description": "null when the group asked to keep its reasons private",
            },
            "reasons_private": {"type": "boolean"},
            "ward": NULLABLE_STRING,
            "decided_at": {"type": "string", "format": "date-time", "nullable": True},
            "decided_by": {
                "type": "string",
                "enum": ["residents", "staff", "override"],
                "nullable": True,
                "description": "override: the fund's team overrode the residents' decision",
            },
            "override_reason": {
                "type": "string",
                "nullable": True,
                "description": "why the fund's team overrode the residents (null otherwise)",
            },
        },
    },
    "Figure": FIGURE_SCHEMA,
    "Chart": CHART_SCHEMA,
    "Figures": {
        "type": "object",
        "required": ["figures", "definitions"],
        "properties": {
            "figures": {"type": "array", "items": ref("Figure")},
            "definitions": {"type": "string"},
        },
    },
    "Participation": {
        "type": "object",
        "required": ["figures", "ways", "charts", "gains"],
        "properties": {
            "figures": {"type": "array", "items": ref("Figure")},
            "ways": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["way", "people"],
                    "properties": {"way": {"type": "string"}, "people": {"type": "integer"}},
                },
            },
            "charts": {"type": "array", "items": ref("Chart")},
            "gains": {"type": "array", "items": ref("Figure")},
        },
    },
}


def giving_paths() -> dict[str, Any]:
    return {
        "/api/places": get("Every place", page_of("Place"), PAGE_PARAMETERS, 400),
        "/api/places/{place_slug}": get("One place", ref("Place"), [PLACE_SLUG], 404),
        "/api/places/{place_slug}/rounds": get(
            "A place's published rounds", page_of("Round"), [PLACE_SLUG, *PAGE_PARAMETERS], 400, 404
        ),
        "/api/rounds/{round_id}": get("One round", ref("Round"), [ROUND_ID], 404),
        "/api/rounds/{round_id}/results": get(
            "Every decision in a round, with reasons unless the group keeps them private",
            results_page(),
            [ROUND_ID, *PAGE_PARAMETERS],
            400,
            404,
        ),
        "/api/places/{place_slug}/scorecard": get(
            "The Open and Trusting scorecard for all of a place's rounds",
            ref("Figures"),
            [PLACE_SLUG],
            404,
        ),
        "/api/rounds/{round_id}/scorecard": get(
            "The Open and Trusting scorecard for one round", ref("Figures"), [ROUND_ID], 404
        ),
        "/api/places/{place_slug}/participation": get(
            "Who took part in a place, and how", ref("Participation"), [PLACE_SLUG], 404
        ),
        "/api/rounds/{round_id}/participation": get(
            "Who took part in one round, and how", ref("Participation"), [ROUND_ID], 404
        ),
    }


def openapi_document() -> dict[str, Any]:
    paths, schemas = report_services.api_paths()
    return {
        "openapi": "3.0.3",
        "info": {
            "title": "Placefund open data",
            "version": "1.0.0",
            "description": (
                "Read-only figures about every place on Placefund: rounds, decisions with "
                "reasons, grants, money in and out, participation and the Open and Trusting "
                "scorecard. Money is in whole pence."
            ),
        },
        "servers": [{"url": request.script_root or "/"}],
        "paths": {**giving_paths(), **paths},
        "components": {"schemas": {**GIVING_SCHEMAS, **schemas}},
    }
