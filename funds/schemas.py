"""The shapes of what funds publishes through the API: a place's grants and the money in and
out of its funds. Marshmallow schemas, as in :mod:`giving.schemas`: ``dump`` makes the JSON
the API sends, and :data:`NAMED` names them in the API document (``funds.init_app`` adds
them through giving's hooks)."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, fields, pre_dump, validate

from funds import reports
from funds.models import Grant
from giving.openapi import EnumValue
from giving.timeutil import financial_year, financial_year_label


def _round_id(grant: Grant) -> int | None:
    return grant.application.round_id if grant.application else None


class GrantSchema(Schema):
    """One published grant, dumped from ``(grant, name of its group's ward or None)``."""

    id = fields.Integer(attribute="grant.id", required=True)
    title = fields.String(attribute="grant.title", required=True)
    group = fields.String(attribute="grant.group.name", required=True)
    fund = fields.String(attribute="grant.fund.name", required=True)
    total_pence = fields.Integer(attribute="grant.total_pence", required=True)
    start_date = fields.Date(attribute="grant.start_date", required=True)
    financial_year = fields.Function(
        lambda found: financial_year_label(financial_year(found["grant"].start_date)),
        metadata={"type": "string"},
    )
    years = fields.Integer(attribute="grant.years", required=True)
    unrestricted = fields.Function(
        lambda found: not found["grant"].restricted, metadata={"type": "boolean"}
    )
    ward = fields.String(allow_none=True)
    size = fields.Function(
        lambda found: reports.size_band(found["grant"].total_pence), metadata={"type": "string"}
    )
    state = EnumValue("active", "closed", attribute="grant.state")
    round_id = fields.Function(
        lambda found: _round_id(found["grant"]), metadata={"type": "integer", "nullable": True}
    )

    @pre_dump
    def _found(self, item: tuple[Grant, str | None], **_kwargs: Any) -> dict[str, Any]:
        grant, ward = item
        return {"grant": grant, "ward": ward}


class MonthSchema(Schema):
    """Money in and out of a fund in one month (a :class:`funds.reports` month)."""

    month = fields.String(attribute="key", required=True)
    money_in_pence = fields.Integer(attribute="money_in", required=True)
    money_out_pence = fields.Integer(attribute="money_out", required=True)


class FundMoneySchema(Schema):
    """One fund's money by month, dumped from ``{"fund": fund, "months": [...]}``."""

    id = fields.Integer(attribute="fund.id", required=True)
    name = fields.String(attribute="fund.name", required=True)
    months = fields.List(fields.Nested(MonthSchema), required=True)


class MoneySchema(Schema):
    funds = fields.List(fields.Nested(FundMoneySchema), required=True)


class GrantFiltersSchema(Schema):
    """The search a list of grants reads (see :func:`funds.views.reports.filters_from_request`)."""

    q = fields.String(validate=validate.Length(max=100))
    ward = fields.String(validate=validate.Length(max=80))
    year = fields.Integer(
        validate=validate.Range(min=1990, max=2200),
        metadata={
            "description": (
                "Financial year the grant starts in, by the year it begins (2026 = 2026-27)"
            )
        },
    )
    size = fields.String(validate=validate.OneOf([key for key, *_rest in reports.SIZE_BANDS]))


NAMED: dict[str, type[Schema]] = {
    "Grant": GrantSchema,
    "Money": MoneySchema,
    "FundMoney": FundMoneySchema,
    "MoneyMonth": MonthSchema,
}
