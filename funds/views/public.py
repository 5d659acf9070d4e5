"""Public pages: a place's funds, a fund, and the open data downloads."""

from __future__ import annotations

from collections.abc import Iterator

from flask import Response, current_app, render_template, request, stream_with_context
from flask_login import current_user

from funds import opendata, permissions, services
from funds.services.opendata_checks import open_data_checks
from funds.views.access import bp, fund_or_404
from giving.extensions import db
from giving.pagination import paginate
from giving.services import is_staff
from giving.views.lookups import place_or_404


@bp.get("/places/<place_slug>/funds")
def place_funds(place_slug: str) -> str:
    place = place_or_404(place_slug)
    return render_template(
        "funds/place_funds.html",
        place=place,
        funds=services.funds_in(db.session, place),
        is_staff=is_staff(db.session, current_user, place),
    )


@bp.get("/funds/<int:fund_id>")
def fund_page(fund_id: int) -> str:
    fund = fund_or_404(fund_id, manage=False)
    page = paginate(services.public_grants_stmt(fund))
    return render_template(
        "funds/fund.html",
        fund=fund,
        figures=services.figures(db.session, fund),
        income=services.income_by_account(db.session, fund),
        page=page,
        can_manage=permissions.can_manage_fund(db.session, current_user, fund),
    )


@bp.get("/open-data")
def open_data() -> str:
    prefix = current_app.config["THREESIXTYGIVING_PREFIX"]
    checks = open_data_checks(
        db.session,
        current_user,
        prefix,
        current_app.config["PUBLIC_URL"],
        run=request.args.get("check") == "1",
    )
    return render_template("funds/open_data.html", prefix=prefix, checks=checks)


def _download(chunks: Iterator[str], mimetype: str, filename: str) -> Response:
    response = Response(stream_with_context(chunks), mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@bp.get("/open-data/360giving.json")
def open_data_json() -> Response:
    prefix = current_app.config["THREESIXTYGIVING_PREFIX"]
    return _download(
        opendata.json_chunks(db.session, prefix, current_app.config["PUBLIC_URL"]),
        "application/json",
        f"{prefix}-grants.json",
    )


@bp.get("/open-data/360giving.csv")
def open_data_csv() -> Response:
    prefix = current_app.config["THREESIXTYGIVING_PREFIX"]
    return _download(
        opendata.csv_chunks(db.session, prefix, current_app.config["PUBLIC_URL"]),
        "text/csv; charset=utf-8",
        f"{prefix}-grants.csv",
    )
