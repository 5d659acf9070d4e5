"""After casting: the page that shows what the voter chose and their receipt code (once, from
their own session cookie: the database has only the code's hash), and emailing the receipt
to them if they ask."""

from __future__ import annotations

from typing import Any

from flask import redirect, render_template, url_for
from flask import session as cookie
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from giving import throttles
from giving.extensions import db, limiter, login_manager
from giving.transaction import form_action
from voting import services
from voting.forms import ReceiptEmailForm, receipt_email_form
from voting.models import BallotKind, Vote
from voting.views.ballots import _vote, _voter, cast_key, chosen_rows
from voting.views.common import bp

# The receipt email goes to an address that may be typed in: it shares the limit of every
# form that emails a typed address.
_sends_email = limiter.shared_limit(
    throttles.email_request_limit,
    scope="email-requests",
    key_func=throttles.client_address,
    methods=["POST"],
    on_breach=throttles.too_many_emails,
)


def _just_cast(vote_id: int) -> tuple[Vote, services.Voter, dict[str, Any]] | Response:
    vote = _vote(vote_id)
    voter = _voter(vote)
    if voter is None:
        return login_manager.unauthorized()
    cast = cookie.get(cast_key(vote))
    if not isinstance(cast, dict) or "receipt" not in cast:
        return redirect(url_for("voting.vote_page", vote_id=vote.id))
    services.load_options(db.session, vote)
    return vote, voter, cast


def _page(vote: Vote, voter: services.Voter, cast: dict[str, Any], form: ReceiptEmailForm) -> str:
    return render_template(
        "voting/ballot_cast.html",
        vote=vote,
        receipt=cast["receipt"],
        changed=bool(cast.get("changed")),
        rows=chosen_rows(vote, [tuple(pair) for pair in cast.get("choices", [])]),
        kind=vote.ballot_kind.value,
        form=form,
        own_email=current_user.email if voter.user is not None else None,
    )


@bp.get("/votes/<int:vote_id>/ballot/done")
def ballot_cast(vote_id: int) -> str | Response:
    """Your vote is in: what you chose, and your receipt code."""
    found = _just_cast(vote_id)
    if isinstance(found, Response):
        return found
    vote, voter, cast = found
    return _page(vote, voter, cast, receipt_email_form(typed=voter.user is None))


@bp.post("/votes/<int:vote_id>/ballot/receipt")
@_sends_email
def email_receipt(vote_id: int) -> str | Response:
    """Email the receipt code: to a signed-in voter's own address, or to the address a
    voting code's holder types."""
    found = _just_cast(vote_id)
    if isinstance(found, Response):
        return found
    vote, voter, cast = found
    form = receipt_email_form(typed=voter.user is None)
    sent = form_action(
        form,
        lambda: services.send_receipt(
            vote,
            form.email.data if form.email else voter.user.email if voter.user else None,
            cast["receipt"],
            chosen_rows(vote, [tuple(pair) for pair in cast.get("choices", [])]),
            vote.ballot_kind == BallotKind.CUMULATIVE,
        ),
        lambda address: _("We have sent your receipt code to %(email)s.", email=address),
    )
    if sent:
        return redirect(url_for("voting.ballot_cast", vote_id=vote.id))
    return _page(vote, voter, cast, form)
