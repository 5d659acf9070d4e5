"""Downloads for a round's staff: every application with its answers, scores and decision."""

from __future__ import annotations

from flask import Response, abort
from flask_login import current_user, login_required

from giving.extensions import db
from giving.transaction import attempt
from giving.views.lookups import place_or_404, round_in
from voting.services.round_export import export_applications
from voting.views.common import bp


@bp.get("/places/<place_slug>/rounds/<int:round_id>/applications.csv")
@login_required
def round_applications_csv(place_slug: str, round_id: int) -> Response:
    """The spreadsheet, read a page of applications at a time during the request."""
    round_ = round_in(place_or_404(place_slug), round_id)
    lines = attempt(None, export_applications, db.session, current_user, round_)
    if not lines:
        abort(403)
    response = Response("".join(lines.value), mimetype="text/csv; charset=utf-8")
    response.headers["Content-Disposition"] = (
        f'attachment; filename="round-{round_.id}-applications.csv"'
    )
    return response
