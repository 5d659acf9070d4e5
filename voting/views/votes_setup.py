"""Setting up a round's votes and moving them on, and making voting codes (fund managers)."""

from __future__ import annotations

from flask import abort, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from giving.extensions import db
from giving.forms import ButtonForm
from giving.models import Place, Ward
from giving.transaction import attempt, form_action
from giving.views.access import place_role_required
from giving.views.pages import confirm_page, fields_of
from voting import services
from voting.forms import codes_form, vote_form
from voting.models import VoteKind
from voting.services.count_job import start_close_and_count
from voting.views.common import STAFF, VOTES, bp, round_in, vote_in, votes_url
from voting.workflow import STAFF as STAFF_ACTOR
from voting.workflow import STAFF_VOTE_ACTIONS, VOTE, VOTE_ACTION_LABELS


@bp.get(VOTES)
@login_required
@place_role_required(*STAFF)
def manage_votes(place: Place, round_id: int) -> str:
    round_ = round_in(place, round_id)
    rows = []
    for kind in services.vote_kinds_for(round_):
        vote = services.vote_of_kind(db.session, round_, kind)
        rows.append(
            {
                "kind": kind,
                "vote": vote,
                "ballots": services.ballot_count(db.session, vote) if vote else 0,
                "frozen": services.is_frozen(db.session, vote) if vote else False,
                "codes": services.codes_issued(db.session, vote) if vote else (0, 0),
                "moves": [
                    (move.action, VOTE_ACTION_LABELS[move.action])
                    for move in (VOTE.moves_from(vote.status, {STAFF_ACTOR}) if vote else [])
                ],
            }
        )
    return render_template("voting/votes_manage.html", round=round_, rows=rows)


@bp.route(VOTES + "/<kind>/setup", methods=["GET", "POST"])
@login_required
@place_role_required(*STAFF)
def set_up_vote(place: Place, round_id: int, kind: str) -> str | Response:
    round_ = round_in(place, round_id)
    try:
        vote_kind = VoteKind(kind)
    except ValueError:
        abort(404)
    if vote_kind not in services.vote_kinds_for(round_):
        abort(404)
    vote = services.vote_of_kind(db.session, round_, vote_kind)
    form = vote_form(vote_kind)
    if not form.is_submitted():
        if vote is not None:
            form.fill_from(vote)
        else:
            form.rule.data = services.DEFAULT_RULES[vote_kind]
    if form_action(
        form,
        lambda: services.save_vote(
            db.session,
            current_user,
            round_,
            vote_kind,
            opens_at=form.opens_at,
            closes_at=form.closes_at,
            who_may_vote=form.who_may_vote.data if "who_may_vote" in form else None,
            **fields_of(
                form, "rule", "ballot_kind", "max_choices", "points_total", "tie_break_seed"
            ),
        ),
        _("The vote is saved."),
    ):
        return redirect(url_for("voting.manage_votes", place_slug=place.slug, round_id=round_id))
    return render_template(
        "voting/vote_setup.html",
        form=form,
        round=round_,
        vote=vote,
        kind=vote_kind,
        frozen=vote is not None and services.is_frozen(db.session, vote),
    )


@bp.route(VOTES + "/<int:vote_id>/move/<action>", methods=["GET", "POST"])
@login_required
@place_role_required(*STAFF)
def move_vote(place: Place, round_id: int, vote_id: int, action: str) -> str | Response:
    vote = vote_in(place, round_id, vote_id)
    if action not in STAFF_VOTE_ACTIONS:
        abort(404)
    context = {
        "vote": vote,
        "action": action,
        "label": VOTE_ACTION_LABELS[action],
        "rows": services.result_rows(vote),
        "ballots": services.ballot_count(db.session, vote),
    }
    if action == "close":
        # Counting a large vote takes a while: it runs as a job, whose page shows how far
        # it has got and then links to the results.
        form = ButtonForm()
        results = url_for("voting.results", vote_id=vote.id)
        started = form_action(
            form, lambda: start_close_and_count(db.session, current_user, vote, results)
        )
        if started:
            return redirect(url_for("giving.job", job_id=started.value.id))
        return render_template("voting/vote_move.html", form=form, **context)
    return confirm_page(
        lambda: services.move_vote(db.session, current_user, vote, action),
        lambda moved: _("The vote is now: %(status)s.", status=moved.status.label),
        votes_url(vote),
        "voting/vote_move.html",
        **context,
    )


@bp.route(VOTES + "/<int:vote_id>/codes", methods=["GET", "POST"])
@login_required
@place_role_required(*STAFF)
def voting_codes(place: Place, round_id: int, vote_id: int) -> str | Response:
    vote = vote_in(place, round_id, vote_id)
    if vote.kind != VoteKind.PUBLIC:
        abort(404)
    form = codes_form(place.wards)
    if form.validate_on_submit():
        ward = db.session.get(Ward, int(form.ward.data)) if form.ward.data else None
        done = attempt(
            form, services.issue_codes, db.session, current_user, vote, form.count.data, ward
        )
        if done:
            # Shown once, to be printed: the codes themselves are not kept.
            return render_template(
                "voting/vote_codes_print.html", vote=vote, codes=done.value, ward=ward
            )
    made, used = services.codes_issued(db.session, vote)
    return render_template("voting/vote_codes.html", form=form, vote=vote, made=made, used=used)
