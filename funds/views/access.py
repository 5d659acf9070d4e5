"""The funds blueprint, and finding what a page is about: a fund for its managers, or a grant
for its group and the fund's managers (a row that belongs to either is found with
:func:`giving.views.lookups.child_or_404`)."""

from __future__ import annotations

from flask import Blueprint, abort
from flask_login import current_user

from funds import permissions
from funds.models import Fund, Grant
from giving.extensions import db, login_manager
from giving.models import Role

bp = Blueprint("funds", __name__)

STAFF = (Role.FUND_MANAGER, Role.ADMIN)


def _signed_in() -> None:
    if not current_user.is_authenticated:
        abort(login_manager.unauthorized())


def fund_or_404(fund_id: int, manage: bool = True) -> Fund:
    """The fund; with ``manage``, only for its managers (403 for anyone else)."""
    fund = db.get_or_404(Fund, fund_id)
    if manage:
        _signed_in()
        if not permissions.can_manage_fund(db.session, current_user, fund):
            abort(403)
    return fund


def grant_or_404(grant_id: int, manage: bool = False) -> Grant:
    """The grant, for its group and the fund's managers; with ``manage``, the managers only."""
    grant = db.get_or_404(Grant, grant_id)
    _signed_in()
    allowed = (
        permissions.can_manage_fund(db.session, current_user, grant.fund)
        if manage
        else permissions.can_see_grant(db.session, current_user, grant)
    )
    if not allowed:
        abort(403)
    return grant
