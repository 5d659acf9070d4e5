"""The audit log of a place, for its staff: who did what, newest first."""

from __future__ import annotations

from flask import render_template
from flask_login import login_required
from sqlalchemy import select

from giving.models import AuditEntry, Place
from giving.pagination import paginate
from giving.permissions import STAFF_ROLES
from giving.views.access import place_role_required
from giving.views.home import bp


@bp.get("/places/<place_slug>/audit")
@login_required
@place_role_required(*STAFF_ROLES)
def audit_log(place: Place) -> str:
    stmt = (
        select(AuditEntry)
        .where(AuditEntry.place_id == place.id)
        .order_by(AuditEntry.created_at.desc(), AuditEntry.id.desc())
    )
    return render_template("giving/audit_log.html", place=place, page=paginate(stmt))
