"""Voting (residents, panel members, and people with a voting code): the vote's page, typing
in a voting code, and the ballot in three steps: fill it in, check the choices (nothing is
kept yet: the choices travel in the check page's hidden fields), then cast it. The receipt
code and choices are then shown once (:mod:`.receipts`). Someone who has voted changes their
ballot with their receipt code. Once the closing time has passed no ballot is taken; the
scheduled count (``flask tick``) closes and counts the vote, never a page view."""

from __future__ import annotations

from functools import cache

from flask import abort, flash, make_response, redirect, render_template, request, url_for
from flask import session as cookie
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import Select, bindparam, select
from sqlalchemy.orm import joinedload
from werkzeug.wrappers import Response

from giving import throttles
from giving.extensions import db, limiter, login_manager
from giving.models import Round
from giving.transaction import attempt, form_action
from voting import services
from voting.forms import WHO_MAY_VOTE_LABELS, BallotForm, CodeForm, ballot_choices, ballot_form
from voting.models import BallotKind, Vote, VoteKind, VoteOption, VotingCode
from voting.permissions import must_verify, who_may_vote, why_code_refused
from voting.rules import describe_rule
from voting.views.common import bp


@cache
def _vote_statement() -> Select[Vote]:
    """Made once, when first needed: making it with its loading options took as long as
    running it."""
    return (
        select(Vote)
        .where(Vote.id == bindparam("vote_id"))
        .options(joinedload(Vote.round).joinedload(Round.place))
    )


def _vote(vote_id: int) -> Vote:
    """The vote, if the person may see it, read with its round and place in one query."""
    vote = db.session.scalar(_vote_statement(), {"vote_id": vote_id})
    if vote is None or not services.can_see_vote(db.session, current_user, vote):
        abort(404)
    return vote


def _code_key(vote: Vote) -> str:
    return f"voting_code_{vote.id}"


def _voter(vote: Vote) -> services.Voter | None:
    """The person at the keyboard as a voter: the voting code they typed in, or their
    account. None when they are neither."""
    code_id = cookie.get(_code_key(vote))
    if code_id is not None:
        code = db.session.get(VotingCode, code_id)
        if code is not None and code.vote_id == vote.id and why_code_refused(vote) is None:
            return services.Voter(code=code)
    if current_user.is_authenticated:
        return services.Voter(user=current_user)
    return None


def _vote_page(vote: Vote, voter: services.Voter | None, reason: str | None) -> str:
    """The vote's page: what it is, who can vote, and what this person can do now (vote,
    change their vote, or why they cannot, with what to do about it)."""
    public = vote.kind == VoteKind.PUBLIC
    who = who_may_vote(vote)
    services.load_options(db.session, vote)  # the table of projects, in one query
    return render_template(
        "voting/vote.html",
        vote=vote,
        status=services.status_now(vote),
        voter=voter,
        reason=reason,
        taking=services.is_taking_ballots(vote),
        voted=bool(voter and not reason and services.has_voted(db.session, vote, voter)),
        rule_text=describe_rule(vote.rule),
        who_text=WHO_MAY_VOTE_LABELS[who] if public else None,
        takes_accounts=not public or who.takes_accounts,
        takes_codes=public and who.takes_codes,
        verify_url=(
            url_for("giving.verify_residence", slug=vote.round.place.slug)
            if reason and must_verify(db.session, current_user, vote)
            else None
        ),
    )


@bp.get("/votes/<int:vote_id>")
def vote_page(vote_id: int) -> str:
    vote = _vote(vote_id)
    voter = _voter(vote)
    reason = None
    if voter is not None and voter.user is not None:
        reason = services.why_cannot_vote(db.session, current_user, vote)
    return _vote_page(vote, voter, reason)


@bp.route("/votes/<int:vote_id>/code", methods=["GET", "POST"])
@limiter.limit(
    throttles.vote_code_limit,
    key_func=throttles.vote_code_key,
    methods=["POST"],
    deduct_when=throttles.failed_post,
)
def enter_code(vote_id: int) -> str | Response:
    vote = _vote(vote_id)
    if vote.kind != VoteKind.PUBLIC:
        abort(404)
    form = CodeForm()
    found = form_action(form, lambda: services.find_code(db.session, vote, form.code.data))
    if found:
        cookie[_code_key(vote)] = found.value.id
        return redirect(url_for("voting.ballot", vote_id=vote.id))
    return render_template("voting/vote_code.html", form=form, vote=vote)


def cast_key(vote: Vote) -> str:
    """Where the receipt code and choices of a ballot just cast wait in the voter's own
    (signed) session cookie, to be shown on the next page: never in the database."""
    return f"ballot_cast_{vote.id}"


def voting(vote_id: int) -> tuple[Vote, services.Voter]:
    """The vote and the voter, when they may vote in it now; else ends the request with the
    answer to give (log in; why not, with what to do about it; or back to the vote)."""
    vote = _vote(vote_id)
    voter = _voter(vote)
    if voter is None:
        abort(login_manager.unauthorized())
    reason = services.check_voter(db.session, vote, voter)
    if reason:
        # Refused, with the reason and what to do about it (show where you live, or use a
        # voting code).
        abort(make_response(_vote_page(vote, voter, reason), 403))
    if not services.is_taking_ballots(vote):
        flash(_("This vote is not open for voting now."), "info")
        abort(redirect(url_for("voting.vote_page", vote_id=vote.id)))
    return vote, voter


def _ballot_page(vote: Vote, voter: services.Voter, form: BallotForm | None = None) -> str:
    voted = services.has_voted(db.session, vote, voter)
    if form is None:
        options = services.ballot_options(db.session, vote, voter)
        form = ballot_form(vote, options, voted=voted)
    return render_template("voting/ballot.html", form=form, vote=vote, voted=voted)


def _sent_form(vote: Vote, voter: services.Voter, voted: bool | None = None) -> BallotForm:
    """The ballot form as it was sent (from the ballot page or the check page); it asks for
    the receipt code when the voter has ``voted`` (looked up when not given)."""
    options = services.ballot_options(db.session, vote, voter)
    if voted is None:
        voted = services.has_voted(db.session, vote, voter)
    return ballot_form(vote, options, voted=voted)


def _receipt(form: BallotForm) -> str | None:
    return form.receipt.data if form.receipt else None


@bp.route("/votes/<int:vote_id>/ballot", methods=["GET", "POST"])
def ballot(vote_id: int) -> str:
    """The ballot. Sent here from the check page ("Change your choices"), it comes back
    filled in as it was sent."""
    vote, voter = voting(vote_id)
    if request.method == "POST":
        return _ballot_page(vote, voter, _sent_form(vote, voter))
    return _ballot_page(vote, voter)


@bp.post("/votes/<int:vote_id>/ballot/check")
def check_ballot(vote_id: int) -> str:
    """The choices to check before casting: nothing is written; the choices go on in hidden
    fields to "Cast your vote", or back to the ballot to change them."""
    vote, voter = voting(vote_id)
    form = _sent_form(vote, voter)
    checked = form_action(
        form,
        lambda: services.check_ballot(db.session, vote, voter, ballot_choices(vote, form)),
    )
    if not checked:
        return _ballot_page(vote, voter, form)
    carried = [
        (field.name, value)
        for field in form
        if field.name not in ("csrf_token", "submit")
        for value in request.form.getlist(field.name)
    ]
    return render_template(
        "voting/ballot_check.html",
        form=form,
        vote=vote,
        rows=chosen_rows(vote, checked.value),
        carried=carried,
        voted=form.receipt is not None,
    )


def _receipt_key() -> str:
    return f"vote-receipt:{throttles.client_address()}"


@bp.post("/votes/<int:vote_id>/ballot/cast")
@limiter.limit(
    throttles.vote_code_limit,
    key_func=_receipt_key,
    methods=["POST"],
    deduct_when=throttles.failed_post,
)
def cast_ballot(vote_id: int) -> str | Response:
    """Cast the checked ballot, or change the one cast before (with its receipt code). A
    refusal (a wrong receipt code, say) shows the ballot again with the reason next to the
    field, and nothing changes."""
    vote, voter = voting(vote_id)
    # The check page carries the receipt code when the voter has voted before; casting
    # refuses to change a ballot without it, so it need not be looked up here.
    form = _sent_form(vote, voter, voted="receipt" in request.form)
    if form.validate_on_submit():
        cast = attempt(
            form,
            services.send_ballot,
            db.session,
            vote,
            voter,
            ballot_choices(vote, form),
            _receipt(form),
        )
        if cast:
            cookie[cast_key(vote)] = {
                "receipt": cast.value.receipt,
                "choices": [[oid, pts] for oid, pts in cast.value.chosen.items()],
                "changed": cast.value.changed,
            }
            return redirect(url_for("voting.ballot_cast", vote_id=vote.id))
    return _ballot_page(vote, voter, form)


def chosen_rows(vote: Vote, chosen: dict[int, int] | list) -> list[tuple[str, int]]:
    """The choices to show: each project's name, with its points (or its place in the order
    on a ranked ballot), in ballot order (a ranked ballot's in the voter's order)."""
    points = dict(chosen.items() if isinstance(chosen, dict) else chosen)
    options: list[VoteOption] = [o for o in vote.options if o.id in points]
    if vote.ballot_kind == BallotKind.RANKED:
        options.sort(key=lambda o: points[o.id])
    return [(_option_name(o), int(points[o.id])) for o in options]


def _option_name(option: VoteOption) -> str:
    application = option.application
    return application.group.name + (f": {application.title}" if application.title else "")
