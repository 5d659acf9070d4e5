"""Pages for panels and review. Views parse, call one service, commit once, then render.

A round's panel is set up under the round (``/places/<slug>/rounds/<id>/panel/...``); the
panel's own work happens at ``/panels/<id>/...``, where every page about an application
checks that the person is on the panel, has declared, and has no conflict with it. Votes are
set up under the round (``.../votes``); voting and results are at ``/votes/<id>/...``.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask import Response as FlaskResponse
from flask import session as cookie
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select
from werkzeug.wrappers import Response

from giving.extensions import db, limiter, login_manager
from giving.forms import ButtonForm
from giving.jobs import commit
from giving.models import Application, Place, Role, Round, Ward
from giving.services import DomainError, NotAllowed
from giving.transaction import button_action, say, show_error
from giving.views.access import place_role_required
from voting import services
from voting.forms import (
    AppointForm,
    CategoryForm,
    CodeForm,
    MeetingNotesForm,
    NoteForm,
    PanelForm,
    ShortlistForm,
    VoteForm,
    ballot_choices,
    ballot_form,
    codes_form,
    declarations_form,
    offer_form,
    quota_form,
    review_form,
)
from voting.models import (
    SCORE_MAX,
    SCORE_MIN,
    BallotKind,
    Panel,
    PanelDraw,
    PanelMember,
    ProfileCategory,
    Vote,
    VoteKind,
    VotingCode,
)
from voting.rules import describe_rule
from voting.workflow import (
    ACTION_LABELS,
    VOTE_ACTION_LABELS,
    VoteStatus,
    find_panel_move,
    find_vote_move,
)

bp = Blueprint("voting", __name__)

STAFF = (Role.FUND_MANAGER, Role.ADMIN)
PANEL = "/places/<place_slug>/rounds/<int:round_id>/panel"


# --- Finding things --------------------------------------------------------------------------


def _round_in(place: Place, round_id: int) -> Round:
    round_ = db.session.get(Round, round_id)
    if round_ is None or round_.place_id != place.id:
        abort(404)
    return round_


def _panel_of(round_: Round) -> Panel:
    panel = services.panel_for_round(db.session, round_)
    if panel is None:
        abort(404)
    return panel


def _public_panel(place_slug: str, round_id: int) -> Panel:
    place = db.session.scalar(select(Place).where(Place.slug == place_slug))
    if place is None:
        abort(404)
    round_ = _round_in(place, round_id)
    if round_.is_draft:
        abort(404)
    return _panel_of(round_)


def _manage_url(panel: Panel) -> str:
    return url_for(
        "voting.manage_panel", place_slug=panel.round.place.slug, round_id=panel.round_id
    )


def _panel(panel_id: int) -> Panel:
    """A panel the signed-in person is on, or manages."""
    panel = db.session.get(Panel, panel_id)
    if panel is None:
        abort(404)
    if not services.can_see_panel(db.session, current_user, panel):
        abort(403)
    return panel


def _panel_application(panel_id: int, application_id: int) -> tuple[Panel, Application] | Response:
    """An application the person may read on this panel: 403 for a conflict; someone who
    has not declared yet is sent to declare first."""
    panel = _panel(panel_id)
    application = db.session.get(Application, application_id)
    if application is None or application.round_id != panel.round_id:
        abort(404)
    try:
        services.require_reader(db.session, current_user, panel, application)
    except NotAllowed:
        abort(403)
    except DomainError as error:
        flash(error.message, "info")
        return redirect(url_for("voting.declarations", panel_id=panel.id))
    return panel, application


# --- Setting up a round's panel (fund managers) ----------------------------------------------


@bp.get(PANEL)
@login_required
@place_role_required(*STAFF)
def manage_panel(place: Place, round_id: int) -> str | Response:
    round_ = _round_in(place, round_id)
    panel = services.panel_for_round(db.session, round_)
    if panel is None:
        return redirect(url_for("voting.set_up_panel", place_slug=place.slug, round_id=round_id))
    moves = [
        (action, ACTION_LABELS[action])
        for action in ("start_review", "finish", "back_to_forming")
        if find_panel_move(panel.status, action)
    ]
    return render_template(
        "voting/manage.html",
        panel=panel,
        round=round_,
        offers=services.offers_count(db.session, panel),
        moves=moves,
        button=ButtonForm(),
        seats_empty=(panel.size or 0) - len(panel.active_members),
    )


@bp.route(PANEL + "/setup", methods=["GET", "POST"])
@login_required
@place_role_required(*STAFF)
def set_up_panel(place: Place, round_id: int) -> str | Response:
    round_ = _round_in(place, round_id)
    panel = services.panel_for_round(db.session, round_)
    form = PanelForm(obj=panel)
    if panel is not None and not form.is_submitted():
        form.method.data = panel.method.value
    if form.validate_on_submit():
        try:
            services.set_up_panel(
                db.session,
                current_user,
                round_,
                method=form.method.data,
                size=form.size.data,
                reviewers_per_application=form.reviewers_per_application.data,
            )
        except DomainError as error:
            show_error(form, error)
        else:
            commit()
            say(_("The panel is saved."))
            return redirect(
                url_for("voting.manage_panel", place_slug=place.slug, round_id=round_id)
            )
    return render_template("voting/setup.html", form=form, round=round_, panel=panel)


@bp.route(PANEL + "/questions", methods=["GET", "POST"])
@login_required
@place_role_required(*STAFF)
def panel_questions(place: Place, round_id: int) -> str | Response:
    panel = _panel_of(_round_in(place, round_id))
    form = CategoryForm()
    if form.validate_on_submit():
        try:
            services.add_category(
                db.session, current_user, panel, form.name.data, form.values.data.splitlines()
            )
        except DomainError as error:
            show_error(form, error)
        else:
            commit()
            say(_("Question added."))
            return redirect(
                url_for("voting.panel_questions", place_slug=place.slug, round_id=round_id)
            )
    return render_template("voting/questions.html", form=form, panel=panel, button=ButtonForm())


@bp.post(PANEL + "/questions/<int:category_id>/remove")
@login_required
@place_role_required(*STAFF)
def remove_panel_question(place: Place, round_id: int, category_id: int) -> Response:
    panel = _panel_of(_round_in(place, round_id))
    category = db.session.get(ProfileCategory, category_id)
    if category is None or category.panel_id != panel.id:
        abort(404)
    button_action(
        lambda: services.remove_category(db.session, current_user, category),
        _("Question removed."),
    )
    return redirect(url_for("voting.panel_questions", place_slug=place.slug, round_id=round_id))


@bp.route(PANEL + "/appoint", methods=["GET", "POST"])
@login_required
@place_role_required(*STAFF)
def appoint(place: Place, round_id: int) -> str | Response:
    panel = _panel_of(_round_in(place, round_id))
    form = AppointForm()
    if form.validate_on_submit():
        try:
            member = services.appoint(db.session, current_user, panel, form.email.data)
        except DomainError as error:
            show_error(form, error)
        else:
            commit()
            say(_("%(name)s is on the panel.", name=member.user.name))
            return redirect(_manage_url(panel))
    return render_template("voting/appoint.html", form=form, panel=panel)


@bp.route(PANEL + "/draw", methods=["GET", "POST"])
@login_required
@place_role_required(*STAFF)
def draw(place: Place, round_id: int) -> str | Response:
    panel = _panel_of(_round_in(place, round_id))
    form = quota_form(panel)
    if form.validate_on_submit():
        quotas = {
            value.id: (low.data, high.data)
            for _category, rows in form.quota_rows
            for value, low, high in rows
        }
        try:
            services.set_quotas(db.session, current_user, panel, quotas)
            record = services.draw_panel(db.session, current_user, panel, seed=form.seed.data)
        except DomainError as error:
            show_error(form, error)
        else:
            commit()
            say(_("The lottery has chosen the panel."))
            return redirect(
                url_for(
                    "voting.draw_result",
                    place_slug=place.slug,
                    round_id=round_id,
                    draw_id=record.id,
                )
            )
    return render_template(
        "voting/draw.html", form=form, panel=panel, offers=services.offers_count(db.session, panel)
    )


@bp.post(PANEL + "/replace")
@login_required
@place_role_required(*STAFF)
def replace(place: Place, round_id: int) -> Response:
    panel = _panel_of(_round_in(place, round_id))
    if ButtonForm().validate_on_submit():
        try:
            record = services.draw_replacements(db.session, current_user, panel)
        except DomainError as error:
            db.session.rollback()
            flash(error.message, "error")
        else:
            commit()
            say(_("The lottery has filled the empty seats."))
            return redirect(
                url_for(
                    "voting.draw_result",
                    place_slug=place.slug,
                    round_id=round_id,
                    draw_id=record.id,
                )
            )
    return redirect(_manage_url(panel))


def _member_of(panel: Panel, member_id: int) -> PanelMember:
    member = db.session.get(PanelMember, member_id)
    if member is None or member.panel_id != panel.id:
        abort(404)
    return member


@bp.route(PANEL + "/members/<int:member_id>/remove", methods=["GET", "POST"])
@login_required
@place_role_required(*STAFF)
def remove_member(place: Place, round_id: int, member_id: int) -> str | Response:
    panel = _panel_of(_round_in(place, round_id))
    member = _member_of(panel, member_id)
    form = ButtonForm()
    if form.validate_on_submit():
        try:
            services.remove_member(db.session, current_user, member)
        except DomainError as error:
            show_error(form, error)
        else:
            commit()
            say(_("%(name)s has left the panel.", name=member.user.name))
            return redirect(_manage_url(panel))
    return render_template("voting/remove_member.html", form=form, panel=panel, member=member)


@bp.post(PANEL + "/members/<int:member_id>/chair")
@login_required
@place_role_required(*STAFF)
def make_chair(place: Place, round_id: int, member_id: int) -> Response:
    panel = _panel_of(_round_in(place, round_id))
    member = _member_of(panel, member_id)
    button_action(
        lambda: services.make_chair(db.session, current_user, member),
        _("%(name)s chairs the panel.", name=member.user.name),
    )
    return redirect(_manage_url(panel))


@bp.route(PANEL + "/move/<action>", methods=["GET", "POST"])
@login_required
@place_role_required(*STAFF)
def move_panel(place: Place, round_id: int, action: str) -> str | Response:
    panel = _panel_of(_round_in(place, round_id))
    if action not in ACTION_LABELS:
        abort(404)
    form = ButtonForm()
    if form.validate_on_submit():
        try:
            services.move_panel(db.session, current_user, panel, action)
        except DomainError as error:
            show_error(form, error)
        else:
            commit()
            say(_("The panel is now: %(status)s.", status=panel.status.label))
            return redirect(_manage_url(panel))
    return render_template(
        "voting/move.html", form=form, panel=panel, action=action, label=ACTION_LABELS[action]
    )


@bp.post(PANEL + "/share-out")
@login_required
@place_role_required(*STAFF)
def share_out(place: Place, round_id: int) -> Response:
    panel = _panel_of(_round_in(place, round_id))
    if ButtonForm().validate_on_submit():
        try:
            added = services.share_out(db.session, current_user, panel)
        except DomainError as error:
            db.session.rollback()
            flash(error.message, "error")
        else:
            commit()
            say(_("Applications shared out (%(n)d new).", n=added))
    return redirect(_manage_url(panel))


@bp.get(PANEL + "/conflicts")
@login_required
@place_role_required(*STAFF)
def conflicts(place: Place, round_id: int) -> str:
    panel = _panel_of(_round_in(place, round_id))
    rows = services.conflicts_register(db.session, current_user, panel)
    return render_template("voting/conflicts.html", panel=panel, rows=rows)


# --- Published draws (anyone) ----------------------------------------------------------------


@bp.get(PANEL + "/draws/<int:draw_id>")
def draw_result(place_slug: str, round_id: int, draw_id: int) -> str:
    panel = _public_panel(place_slug, round_id)
    record = db.session.get(PanelDraw, draw_id)
    if record is None or record.panel_id != panel.id:
        abort(404)
    return render_template("voting/draw_result.html", panel=panel, draw=record)


# --- Offering to serve (residents) -----------------------------------------------------------


@bp.route(PANEL + "/offer", methods=["GET", "POST"])
@login_required
@place_role_required(Role.RESIDENT)
def offer(place: Place, round_id: int) -> str | Response:
    panel = _panel_of(_round_in(place, round_id))
    if panel.round.is_draft:
        abort(404)
    existing = services.offer_for(db.session, current_user, panel)
    form = offer_form(panel)
    if existing is None and form.validate_on_submit():
        answers = {
            category.id: int(field.data) if field.data else None
            for category, field in form.category_fields
        }
        try:
            services.offer_to_serve(db.session, current_user, panel, answers)
        except DomainError as error:
            show_error(form, error)
        else:
            commit()
            say(_("Thank you. Your offer is saved."))
            return redirect(url_for("voting.offer", place_slug=place.slug, round_id=round_id))
    return render_template(
        "voting/offer.html",
        form=form,
        panel=panel,
        existing=existing,
        member=services.member_for(db.session, current_user, panel),
    )


@bp.route(PANEL + "/offer/withdraw", methods=["GET", "POST"])
@login_required
@place_role_required(Role.RESIDENT)
def withdraw_offer(place: Place, round_id: int) -> str | Response:
    panel = _panel_of(_round_in(place, round_id))
    form = ButtonForm()
    if form.validate_on_submit():
        try:
            services.withdraw_offer(db.session, current_user, panel)
        except DomainError as error:
            show_error(form, error)
        else:
            commit()
            say(_("Your offer is withdrawn. Your answers are deleted."))
            return redirect(url_for("voting.offer", place_slug=place.slug, round_id=round_id))
    return render_template(
        "voting/withdraw.html",
        form=form,
        panel=panel,
        member=services.member_for(db.session, current_user, panel),
    )


# --- The panel's work (members) --------------------------------------------------------------


@bp.get("/panels")
@login_required
def my_panels() -> str:
    return render_template(
        "voting/mine.html", panels=services.panels_for_user(db.session, current_user)
    )


@bp.get("/panels/<int:panel_id>")
@login_required
def panel_view(panel_id: int) -> str:
    panel = _panel(panel_id)
    rows = services.panel_stats(db.session, panel)
    access = {
        row.application.id: services.access_to(db.session, current_user, panel, row.application)
        for row in rows
    }
    member = services.member_for(db.session, current_user, panel)
    return render_template(
        "voting/panel.html",
        panel=panel,
        rows=rows,
        access=access,
        member=member,
        can_chair=services.can_chair(db.session, current_user, panel),
        undeclared=sum(1 for a in access.values() if a == services.Access.UNDECLARED),
    )


@bp.route("/panels/<int:panel_id>/declarations", methods=["GET", "POST"])
@login_required
def declarations(panel_id: int) -> str | Response:
    panel = _panel(panel_id)
    member = services.member_for(db.session, current_user, panel)
    if member is None:
        abort(403)
    applications = services.panel_applications(db.session, panel)
    form = declarations_form(applications)
    if not form.is_submitted():
        for application, choice, reason in form.rows:
            existing = services.declaration_for(db.session, member, application)
            if existing is not None:
                choice.data = "yes" if existing.conflicted else "no"
                reason.data = existing.reason
    if form.validate_on_submit():
        answers = {
            application.id: (
                None if not choice.data else choice.data == "yes",
                reason.data or "",
            )
            for application, choice, reason in form.rows
        }
        try:
            services.declare(db.session, current_user, panel, answers)
        except DomainError as error:
            show_error(form, error)
        else:
            commit()
            say(_("Your declarations are saved."))
            return redirect(url_for("voting.panel_view", panel_id=panel.id))
    return render_template(
        "voting/declarations.html", form=form, panel=panel, applications=applications
    )


@bp.route("/panels/<int:panel_id>/applications/<int:application_id>/score", methods=["GET", "POST"])
@login_required
def score(panel_id: int, application_id: int) -> str | Response:
    found = _panel_application(panel_id, application_id)
    if isinstance(found, Response):
        return found
    panel, application = found
    member = services.member_for(db.session, current_user, panel)
    if member is None or not services.is_assigned(db.session, member, application):
        abort(403)
    review = services.review_for(db.session, member, application)
    criteria = application.round.criteria
    form = review_form(criteria, obj=review)
    if not form.is_submitted():
        mine = services.my_scores(db.session, member, application)
        for criterion, field in form.criterion_fields:
            if criterion.id in mine:
                field.data = str(mine[criterion.id])
    if form.validate_on_submit():
        scores = {
            criterion.id: int(field.data) if field.data else None
            for criterion, field in form.criterion_fields
        }
        sending = bool(form.submit.data)
        try:
            services.save_review(
                db.session,
                current_user,
                panel,
                application,
                scores=scores,
                comment=form.comment.data,
                submit=sending,
            )
        except DomainError as error:
            show_error(form, error)
        else:
            commit()
            say(
                _("Your scores are sent.")
                if sending
                else _("Your scores are saved. You can change them until you send them.")
            )
            return redirect(url_for("voting.panel_view", panel_id=panel.id))
    return render_template(
        "voting/score.html",
        form=form,
        panel=panel,
        application=application,
        review=review,
        low=SCORE_MIN,
        high=SCORE_MAX,
    )


@bp.get("/panels/<int:panel_id>/applications/<int:application_id>/scores")
@login_required
def scores(panel_id: int, application_id: int) -> str | Response:
    found = _panel_application(panel_id, application_id)
    if isinstance(found, Response):
        return found
    panel, application = found
    return render_template(
        "voting/scores.html",
        panel=panel,
        application=application,
        row=services.stats_for(db.session, panel, application),
    )


@bp.route(
    "/panels/<int:panel_id>/applications/<int:application_id>/discussion", methods=["GET", "POST"]
)
@login_required
def discussion(panel_id: int, application_id: int) -> str | Response:
    found = _panel_application(panel_id, application_id)
    if isinstance(found, Response):
        return found
    panel, application = found
    form = NoteForm()
    if form.validate_on_submit():
        try:
            services.add_note(db.session, current_user, panel, application, form.text.data)
        except DomainError as error:
            show_error(form, error)
        else:
            commit()
            say(_("Added to the discussion."))
            return redirect(
                url_for("voting.discussion", panel_id=panel.id, application_id=application.id)
            )
    return render_template(
        "voting/discussion.html",
        form=form,
        panel=panel,
        application=application,
        notes=services.notes_for(db.session, panel, application),
        can_chair=services.can_chair(db.session, current_user, panel),
    )


@bp.route(
    "/panels/<int:panel_id>/applications/<int:application_id>/decide", methods=["GET", "POST"]
)
@login_required
def decide(panel_id: int, application_id: int) -> str | Response:
    found = _panel_application(panel_id, application_id)
    if isinstance(found, Response):
        return found
    panel, application = found
    if not services.can_chair(db.session, current_user, panel):
        abort(403)
    form = ShortlistForm()
    if form.validate_on_submit():
        try:
            services.decide_shortlist(
                db.session, current_user, panel, application, form.action.data, form.reason.data
            )
        except DomainError as error:
            show_error(form, error)
        else:
            commit()
            say(_("The panel's decision is saved."))
            return redirect(url_for("voting.panel_view", panel_id=panel.id))
    return render_template(
        "voting/decide.html",
        form=form,
        panel=panel,
        application=application,
        row=services.stats_for(db.session, panel, application),
    )


@bp.route("/panels/<int:panel_id>/meeting", methods=["GET", "POST"])
@login_required
def meeting(panel_id: int) -> str | Response:
    panel = _panel(panel_id)
    can_edit = services.can_chair(db.session, current_user, panel)
    form = MeetingNotesForm(obj=panel if not can_edit else None)
    if not form.is_submitted():
        form.text.data = panel.meeting_notes
    if form.validate_on_submit():
        try:
            services.save_meeting_notes(db.session, current_user, panel, form.text.data)
        except DomainError as error:
            show_error(form, error)
        else:
            commit()
            say(_("The meeting notes are saved."))
            return redirect(url_for("voting.panel_view", panel_id=panel.id))
    return render_template("voting/meeting.html", form=form, panel=panel, can_edit=can_edit)


# --- Votes: setting them up (fund managers) --------------------------------------------------

VOTES = "/places/<place_slug>/rounds/<int:round_id>/votes"


def _vote_in(round_: Round, vote_id: int) -> Vote:
    vote = db.session.get(Vote, vote_id)
    if vote is None or vote.round_id != round_.id:
        abort(404)
    return vote


def _votes_url(vote: Vote) -> str:
    return url_for("voting.manage_votes", place_slug=vote.round.place.slug, round_id=vote.round_id)


@bp.get(VOTES)
@login_required
@place_role_required(*STAFF)
def manage_votes(place: Place, round_id: int) -> str:
    round_ = _round_in(place, round_id)
    rows = []
    for kind in services.vote_kinds_for(round_):
        vote = services.vote_of_kind(db.session, round_, kind)
        if vote is not None and services.refresh_vote(db.session, vote):
            commit()
        rows.append(
            {
                "kind": kind,
                "vote": vote,
                "ballots": services.ballot_count(db.session, vote) if vote else 0,
                "frozen": services.is_frozen(db.session, vote) if vote else False,
                "codes": services.codes_issued(db.session, vote) if vote else (0, 0),
                "moves": [
                    (action, VOTE_ACTION_LABELS[action])
                    for action in ("open", "close", "award")
                    if vote is not None and find_vote_move(vote.status, action)
                ],
            }
        )
    return render_template("voting/votes_manage.html", round=round_, rows=rows)


@bp.route(VOTES + "/<kind>/setup", methods=["GET", "POST"])
@login_required
@place_role_required(*STAFF)
def set_up_vote(place: Place, round_id: int, kind: str) -> str | Response:
    round_ = _round_in(place, round_id)
    try:
        vote_kind = VoteKind(kind)
    except ValueError:
        abort(404)
    if vote_kind not in services.vote_kinds_for(round_):
        abort(404)
    vote = services.vote_of_kind(db.session, round_, vote_kind)
    form = VoteForm()
    if not form.is_submitted():
        if vote is not None:
            form.fill_from(vote)
        else:
            form.rule.data = services.DEFAULT_RULES[vote_kind]
    if form.validate_on_submit():
        try:
            services.save_vote(
                db.session,
                current_user,
                round_,
                vote_kind,
                rule=form.rule.data,
                ballot_kind=form.ballot_kind.data,
                opens_at=form.opens_at,
                closes_at=form.closes_at,
                max_choices=form.max_choices.data,
                points_total=form.points_total.data,
                tie_break_seed=form.tie_break_seed.data,
            )
        except DomainError as error:
            show_error(form, error)
        else:
            commit()
            say(_("The vote is saved."))
            return redirect(
                url_for("voting.manage_votes", place_slug=place.slug, round_id=round_id)
            )
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
    vote = _vote_in(_round_in(place, round_id), vote_id)
    if action not in VOTE_ACTION_LABELS or action == "count":
        abort(404)
    form = ButtonForm()
    if form.validate_on_submit():
        try:
            services.move_vote(db.session, current_user, vote, action)
        except DomainError as error:
            show_error(form, error)
        else:
            commit()
            say(_("The vote is now: %(status)s.", status=vote.status.label))
            return redirect(_votes_url(vote))
    return render_template(
        "voting/vote_move.html",
        form=form,
        vote=vote,
        action=action,
        label=VOTE_ACTION_LABELS[action],
        rows=services.result_rows(vote),
        ballots=services.ballot_count(db.session, vote),
    )


@bp.route(VOTES + "/<int:vote_id>/codes", methods=["GET", "POST"])
@login_required
@place_role_required(*STAFF)
def voting_codes(place: Place, round_id: int, vote_id: int) -> str | Response:
    vote = _vote_in(_round_in(place, round_id), vote_id)
    if vote.kind != VoteKind.PUBLIC:
        abort(404)
    form = codes_form(place.wards)
    if form.validate_on_submit():
        ward = db.session.get(Ward, int(form.ward.data)) if form.ward.data else None
        try:
            codes = services.issue_codes(db.session, current_user, vote, form.count.data, ward)
        except DomainError as error:
            show_error(form, error)
        else:
            commit()
            # Shown once, to be printed: the codes themselves are not kept.
            return render_template(
                "voting/vote_codes_print.html", vote=vote, codes=codes, ward=ward
            )
    made, used = services.codes_issued(db.session, vote)
    return render_template("voting/vote_codes.html", form=form, vote=vote, made=made, used=used)


# --- Votes: voting (residents, panel members, code holders) ----------------------------------


def _visible_vote(vote_id: int) -> Vote:
    vote = db.session.get(Vote, vote_id)
    if vote is None or not services.can_see_vote(db.session, current_user, vote):
        abort(404)
    if services.refresh_vote(db.session, vote):
        commit()
    return vote


def _code_key(vote: Vote) -> str:
    return f"voting_code_{vote.id}"


def _voter(vote: Vote) -> services.Voter | None:
    """The person at the keyboard as a voter: the voting code they typed in, or their
    account. None when they are neither."""
    code_id = cookie.get(_code_key(vote))
    if code_id is not None:
        code = db.session.get(VotingCode, code_id)
        if code is not None and code.vote_id == vote.id:
            return services.Voter(code=code)
    if current_user.is_authenticated:
        return services.Voter(user=current_user)
    return None


@bp.get("/votes/<int:vote_id>")
def vote_page(vote_id: int) -> str:
    vote = _visible_vote(vote_id)
    voter = _voter(vote)
    reason = None
    if voter is not None and voter.user is not None:
        reason = services.why_cannot_vote(db.session, current_user, vote)
    return render_template(
        "voting/vote.html",
        vote=vote,
        voter=voter,
        reason=reason,
        taking=services.is_taking_ballots(vote),
        ballot=services.ballot_for(db.session, vote, voter) if voter and not reason else None,
        rule_text=describe_rule(vote.rule),
    )


@bp.route("/votes/<int:vote_id>/code", methods=["GET", "POST"])
@limiter.limit("20 per 15 minutes", methods=["POST"])
def enter_code(vote_id: int) -> str | Response:
    vote = _visible_vote(vote_id)
    if vote.kind != VoteKind.PUBLIC:
        abort(404)
    form = CodeForm()
    if form.validate_on_submit():
        try:
            code = services.find_code(db.session, vote, form.code.data)
        except DomainError as error:
            show_error(form, error)
        else:
            cookie[_code_key(vote)] = code.id
            return redirect(url_for("voting.ballot", vote_id=vote.id))
    return render_template("voting/vote_code.html", form=form, vote=vote)


@bp.route("/votes/<int:vote_id>/ballot", methods=["GET", "POST"])
def ballot(vote_id: int) -> str | Response:
    vote = _visible_vote(vote_id)
    voter = _voter(vote)
    if voter is None:
        return login_manager.unauthorized()
    if voter.user is not None and services.why_cannot_vote(db.session, voter.user, vote):
        abort(403)
    if not services.is_taking_ballots(vote):
        flash(_("This vote is not open for voting now."), "info")
        return redirect(url_for("voting.vote_page", vote_id=vote.id))
    options = services.ballot_options(db.session, vote, voter)
    existing = services.ballot_for(db.session, vote, voter)
    form = ballot_form(vote, options)
    if not form.is_submitted() and existing is not None:
        mine = {c.option_id: c.points for c in existing.choices}
        if vote.ballot_kind == BallotKind.CUMULATIVE:
            for option, field in form.option_fields:
                field.data = mine.get(option.id)
        else:
            form.choices.data = [str(oid) for oid in mine]
    if form.validate_on_submit():
        try:
            services.cast_ballot(db.session, vote, voter, ballot_choices(vote, form))
        except DomainError as error:
            show_error(form, error)
        else:
            commit()
            say(
                _("Your vote is saved. You can change it until the vote closes.")
                if existing is None
                else _("Your vote is changed.")
            )
            return redirect(url_for("voting.vote_page", vote_id=vote.id))
    return render_template(
        "voting/ballot.html", form=form, vote=vote, options=options, existing=existing
    )


# --- Votes: results (everyone, once counted) -------------------------------------------------


def _counted_vote(vote_id: int) -> Vote:
    vote = _visible_vote(vote_id)
    if vote.status not in (VoteStatus.COUNTED, VoteStatus.AWARDED):
        abort(404)
    return vote


@bp.get("/votes/<int:vote_id>/results")
def results(vote_id: int) -> str:
    vote = _counted_vote(vote_id)
    rows = services.result_rows(vote)
    receipt = request.args.get("receipt", "").strip()[:20]
    return render_template(
        "voting/results.html",
        vote=vote,
        rows=rows,
        receipt=receipt,
        found=services.ballot_by_receipt(db.session, vote, receipt) if receipt else [],
        most=max([r.votes for r in rows] + [1]),
        rule_text=describe_rule(vote.rule),
    )


@bp.get("/votes/<int:vote_id>/ballots.pb")
def ballots_file(vote_id: int) -> FlaskResponse:
    vote = _counted_vote(vote_id)
    text = services.ballot_file(db.session, vote)
    return FlaskResponse(
        text,
        mimetype="text/plain",
        headers={
            "Content-Disposition": f'attachment; filename="placefund-vote-{vote.id}.pb"',
        },
    )
