"""Receipts and yearly statements: a gift's receipt for its donor (signed in, or through the
link in the receipt email) and the fund's managers; a donor's statement for a financial year,
and emailing it to them."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import flask
from flask import abort, current_app, make_response, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from funds import permissions
from funds.models import Donation
from funds.services import receipts
from funds.views.access import bp
from giving import throttles
from giving.errors import DomainError, NotAllowed
from giving.extensions import db, limiter
from giving.forms import ButtonForm
from giving.services.accounts import BadLink
from giving.views.pages import button_then

T = TypeVar("T")


def _shown(find: Callable[[], T]) -> T:
    """What ``find`` gives back for a page: 403 when the person may not, 404 when there is
    nothing to show."""
    try:
        return find()
    except NotAllowed:
        abort(403)
    except DomainError:
        abort(404)


def _statement_limit() -> str:
    return current_app.config["STATEMENT_EMAIL_LIMIT"]


def _statement_key() -> str:
    """Each person's own count; a visitor's (sent to log in) counts by connection."""
    if current_user.is_authenticated:
        return f"statement:{current_user.get_id()}"
    return f"statement-visitor:{throttles.client_address()}"


def _too_many_statements(limit: object) -> flask.Response:
    page = render_template(
        "errors.html",
        code=429,
        title=_("You have asked for a lot of statements"),
        message=_(
            "We have emailed you your statement a few times in the last hour. Check your "
            "inbox and spam folder, or wait an hour and ask again."
        ),
    )
    return make_response(page, 429)


@bp.get("/giving/gifts/<int:donation_id>/receipt")
@login_required
def gift_receipt(donation_id: int) -> str:
    """A gift's receipt, to read or print."""
    donation = db.get_or_404(Donation, donation_id)
    receipt = _shown(lambda: receipts.receipt_for(db.session, current_user, donation))
    own = permissions.signed_in(current_user) and donation.user_id == current_user.id
    return render_template("funds/receipt.html", receipt=receipt, own=own)


@bp.get("/receipts/<token>")
def receipt_by_link(token: str) -> str | Response:
    """The receipt the link in a receipt email opens, for donors with or without an account."""
    try:
        receipt = receipts.receipt_from_link(db.session, token)
    except BadLink as error:
        page = render_template(
            "errors.html",
            code=400,
            title=_("There is a problem with this link"),
            message=error.message,
        )
        return make_response(page, 400)
    except DomainError:
        abort(404)
    return render_template("funds/receipt.html", receipt=receipt, own=False)


@bp.get("/giving/statements/<int:year>")
@login_required
def giving_statement(year: int) -> str:
    """The signed-in person's gifts in one financial year, to read, print or have emailed."""
    statement = _shown(lambda: receipts.statement_for(db.session, current_user, year))
    return render_template("funds/statement.html", statement=statement, button=ButtonForm())


@bp.post("/giving/statements/<int:year>/email")
@login_required
@limiter.limit(
    _statement_limit,
    key_func=_statement_key,
    methods=["POST"],
    on_breach=_too_many_statements,
)
def email_statement(year: int) -> Response:
    _shown(lambda: receipts.check_year(year))
    return button_then(
        lambda: receipts.email_statement(db.session, current_user, year),
        _("We have emailed this statement to %(email)s.", email=current_user.email),
        url_for("funds.giving_statement", year=year),
    )
