"""Voting (residents, panel members, and people with a voting code): the vote's page, typing
in a voting code, and the ballot. Once the closing time has passed no ballot is taken; the
scheduled count (``flask tick``) closes and counts the vote, never a page view."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask import session as cookie
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import joinedload
from werkzeug.wrappers import Response

from giving import throttles
from giving.extensions import db, limiter, login_manager
from giving.models import Round
from giving.transaction import form_action
from voting import services
from voting.forms import WHO_MAY_VOTE_LABELS, BallotForm, CodeForm, ballot_choices, ballot_form
from voting.models import Ballot, BallotKind, Vote, VoteKind, VotingCode
from voting.permissions import must_verify, who_may_vote, why_code_refused
from voting.rules import describe_rule
from voting.views.common import bp


def _vote(vote_id: int) -> Vote:
    """The vote, if the person may see it, read with its round and place in one query."""
    vote = db.session.scalar(
        select(Vote)
        .where(Vote.id == vote_id)
        .options(joinedload(Vote.round).joinedload(Round.place))
    )
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
        ballot=services.ballot_for(db.session, vote, voter) if voter and not reason else None,
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


@bp.route("/votes/<int:vote_id>/ballot", methods=["GET", "POST"])
def ballot(vote_id: int) -> str | Response | tuple[str, int]:
    vote = _vote(vote_id)
    voter = _voter(vote)
    if voter is None:
        return login_manager.unauthorized()
    reason = services.check_voter(db.session, vote, voter)
    if reason:
        # Refused, with the reason and what to do about it (show where you live, or use a
        # voting code).
        return _vote_page(vote, voter, reason), 403
    if not services.is_taking_ballots(vote):
        flash(_("This vote is not open for voting now."), "info")
        return redirect(url_for("voting.vote_page", vote_id=vote.id))
    options = services.ballot_options(db.session, vote, voter)
    form = ballot_form(vote, options)
    if not form.is_submitted():
        existing = services.ballot_for(db.session, vote, voter)
        if existing is not None:
            _fill_in(vote, form, existing)
    elif form_action(
        form,
        lambda: services.send_ballot(db.session, vote, voter, ballot_choices(vote, form)),
        lambda cast: (
            _("Your vote is changed.")
            if cast.changed
            else _("Your vote is saved. You can change it until the vote closes.")
        ),
    ):
        return redirect(url_for("voting.vote_page", vote_id=vote.id))
    else:
        existing = services.ballot_for(db.session, vote, voter)
    return render_template(
        "voting/ballot.html", form=form, vote=vote, options=options, existing=existing
    )


def _fill_in(vote: Vote, form: BallotForm, existing: Ballot) -> None:
    """The ballot form as the voter last sent it."""
    mine = {c.option_id: c.points for c in existing.choices}
    if vote.ballot_kind == BallotKind.CUMULATIVE:
        for option, field in form.option_fields:
            field.data = mine.get(option.id)
    else:
        form.choices.data = [str(oid) for oid in mine]
