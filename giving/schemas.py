"""The shapes of giving's public API answers: places, rounds, results, the scorecard and the
participation report. Each is a marshmallow schema: ``dump`` turns a model or a report into
the JSON the API sends, and the API document describes the same fields
(see :mod:`giving.openapi`). :data:`NAMED` gives them their names in that document."""

from __future__ import annotations

from typing import Any

from flask import url_for
from marshmallow import Schema, fields, pre_dump, validate

from giving.models import Place, Round
from giving.openapi import EnumValue, Number, PageSchema
from giving.services import reports as report_services
from giving.services.estimates import estimate_minutes

LINKS = {"type": "object", "additionalProperties": {"type": "string"}}


def _integer(**more: Any) -> dict[str, Any]:
    return {"type": "integer", **more}


# --- Places and rounds -----------------------------------------------------------------------


class WardSchema(Schema):
    name = fields.String(required=True)


def place_links(place: Place) -> dict[str, str]:
    return {
        "rounds": url_for("api.place_rounds", place_slug=place.slug),
        "scorecard": url_for("api.place_scorecard", place_slug=place.slug),
        "participation": url_for("api.place_participation", place_slug=place.slug),
        "page": url_for("giving.place_results", place_slug=place.slug),
    }


class PlaceSchema(Schema):
    slug = fields.String(required=True)
    name = fields.String(required=True)
    description = fields.String(required=True)
    wards = fields.Pluck(WardSchema, "name", many=True, required=True)
    links = fields.Function(place_links, required=True, metadata=LINKS)


def round_links(round_: Round) -> dict[str, str]:
    return {
        "results": url_for("api.round_results", round_id=round_.id),
        "scorecard": url_for("api.round_scorecard", round_id=round_.id),
        "page": url_for("giving.round_results", place_slug=round_.place.slug, round_id=round_.id),
    }


class RoundSchema(Schema):
    id = fields.Integer(required=True)
    place = fields.String(attribute="place.slug", required=True)
    title = fields.String(required=True)
    description = fields.String()
    status = EnumValue("open", "closed", required=True)
    budget_pence = fields.Integer(required=True)
    min_grant_pence = fields.Integer(required=True)
    max_grant_pence = fields.Integer(required=True)
    opens_at = fields.DateTime(required=True)
    closes_at = fields.DateTime(required=True)
    decision_date = fields.Date(required=True, allow_none=True)
    decision_method = EnumValue("panel", "public", "both", "staff", required=True)
    questions = fields.Function(
        lambda round_: len(round_.questions), required=True, metadata=_integer(minimum=0)
    )
    minutes_to_apply = fields.Function(
        lambda round_: estimate_minutes(round_.questions),
        required=True,
        metadata=_integer(minimum=0),
    )
    links = fields.Function(round_links, required=True, metadata=LINKS)


# --- Decisions -------------------------------------------------------------------------------


class ResultSchema(Schema):
    """One decision in a round (a :class:`giving.services.reports.RoundResult`)."""

    application_id = fields.Integer(required=True)
    group = fields.String(attribute="group_name", required=True)
    title = fields.String(required=True)
    decision = EnumValue("awarded", "declined", "ineligible", attribute="state", required=True)
    award_pence = fields.Integer(required=True, allow_none=True)
    amount_requested_pence = fields.Integer(allow_none=True)
    reasons = fields.String(
        required=True,
        allow_none=True,
        metadata={"description": "null when the group asked to keep its reasons private"},
    )
    reasons_private = fields.Function(
        lambda result: result.reasons is None, metadata={"type": "boolean"}
    )
    ward = fields.String(allow_none=True)
    decided_at = fields.DateTime(allow_none=True)
    decided_by = EnumValue(
        "residents",
        "staff",
        "override",
        required=True,
        allow_none=True,
        metadata={"description": "override: the fund's team overrode the residents' decision"},
    )
    override_reason = fields.String(
        required=True,
        allow_none=True,
        metadata={"description": "why the fund's team overrode the residents (null otherwise)"},
    )


class ResultsPageSchema(PageSchema):
    """A page of a round's results, with sentences on how its decisions stand."""

    notes = fields.List(fields.String(), required=True)


# --- Figures ---------------------------------------------------------------------------------


class FigureSchema(Schema):
    """One number on the scorecard or the participation report."""

    key = fields.String(required=True)
    label = fields.String(required=True)
    value = Number(required=True, allow_none=True)
    text = fields.String(required=True)
    unit = fields.String(required=True)
    numerator = fields.Integer(allow_none=True)
    denominator = fields.Integer(allow_none=True)
    definition = fields.String(attribute="anchor", required=True)


class FiguresSchema(Schema):
    """Figures, with where their definitions are: dumped from ``{"figures": [...]}``."""

    figures = fields.List(fields.Nested(FigureSchema), required=True)
    definitions = fields.Function(
        lambda _found: url_for("giving.how_we_count"), required=True, metadata={"type": "string"}
    )


class ChartRowSchema(Schema):
    label = fields.String(required=True)
    values = fields.List(Number(), required=True)


class ChartSchema(Schema):
    id = fields.String(required=True)
    title = fields.String(required=True)
    unit = fields.String(required=True, validate=validate.OneOf(["count", "money", "percent"]))
    series = fields.List(fields.String(), required=True)
    rows = fields.List(fields.Nested(ChartRowSchema), required=True)


class WaySchema(Schema):
    way = fields.String(required=True)
    people = fields.Integer(required=True)


class ParticipationSchema(Schema):
    """Who took part, and how (a :class:`giving.services.reports.ParticipationReport`)."""

    figures = fields.List(fields.Nested(FigureSchema), required=True)
    ways = fields.List(fields.Nested(WaySchema), required=True)
    charts = fields.List(fields.Nested(ChartSchema), required=True)
    gains = fields.List(fields.Nested(FigureSchema), required=True)

    @pre_dump
    def _parts(self, report: report_services.ParticipationReport, **_kwargs: Any) -> Any:
        return {
            "figures": [report.people, report.returning, *report.figures],
            "ways": [{"way": label, "people": count} for label, count in report.by_way],
            "charts": [report.by_ward, *report.charts],
            "gains": report.gains,
        }


NAMED: dict[str, type[Schema]] = {
    "Place": PlaceSchema,
    "Round": RoundSchema,
    "Result": ResultSchema,
    "Figure": FigureSchema,
    "Figures": FiguresSchema,
    "Chart": ChartSchema,
    "Participation": ParticipationSchema,
}
