"""The panel's own pages (members, and the place's staff): the applications with their
scores, declaring conflicts, scoring, discussion, the shortlist, and the meeting notes."""

from __future__ import annotations

from flask import abort, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.wrappers import Response
from wtforms import Field

from giving.extensions import db
from giving.models import Application
from giving.transaction import form_action
from voting import services
from voting.forms import MeetingNotesForm, NoteForm, ShortlistForm, declarations_form, review_form
from voting.models import SCORE_MAX, SCORE_MIN, Panel
from voting.services.conflicts import access_by_application, declarations_of
from voting.views.common import bp, numbers_by_id, reading, seen_panel

APPLICATION = "/panels/<int:panel_id>/applications/<int:application_id>"


def _to_panel(panel_id: int) -> Response:
    return redirect(url_for("voting.panel_view", panel_id=panel_id))


def _declared(rows: list[tuple[Application, Field, Field]]) -> dict[int, tuple[bool | None, str]]:
    """Each application's answer: a conflict or not (None when not answered), and why."""
    return {
        application.id: (None if not choice.data else choice.data == "yes", reason.data or "")
        for application, choice, reason in rows
    }


@bp.get("/panels")
@login_required
def my_panels() -> str:
    return render_template(
        "voting/mine.html", panels=services.panels_for_user(db.session, current_user)
    )


@bp.get("/panels/<int:panel_id>")
@login_required
def panel_view(panel_id: int) -> str:
    panel = seen_panel(panel_id)
    rows = services.panel_stats(db.session, panel)
    access = access_by_application(
        db.session, current_user, panel, [row.application for row in rows]
    )
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
    panel = seen_panel(panel_id)
    member = services.member_for(db.session, current_user, panel)
    if member is None:
        abort(403)
    applications = services.panel_applications(db.session, panel)
    form = declarations_form(applications)
    if not form.is_submitted():
        said = declarations_of(db.session, member)
        for application, choice, reason in form.rows:
            existing = said.get(application.id)
            if existing is not None:
                choice.data = "yes" if existing.conflicted else "no"
                reason.data = existing.reason
    if form_action(
        form,
        lambda: services.declare(db.session, current_user, panel, _declared(form.rows)),
        _("Your declarations are saved."),
    ):
        return _to_panel(panel.id)
    return render_template(
        "voting/declarations.html", form=form, panel=panel, applications=applications
    )


@bp.route(APPLICATION + "/score", methods=["GET", "POST"])
@login_required
@reading
def score(panel: Panel, application: Application) -> str | Response:
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
    sending = bool(form.submit.data)
    if form_action(
        form,
        lambda: services.save_review(
            db.session,
            current_user,
            panel,
            application,
            scores=numbers_by_id(form.criterion_fields),
            comment=form.comment.data,
            submit=sending,
        ),
        _("Your scores are sent.")
        if sending
        else _("Your scores are saved. You can change them until you send them."),
    ):
        return _to_panel(panel.id)
    return render_template(
        "voting/score.html",
        form=form,
        panel=panel,
        application=application,
        review=review,
        low=SCORE_MIN,
        high=SCORE_MAX,
    )


@bp.get(APPLICATION + "/scores")
@login_required
@reading
def scores(panel: Panel, application: Application) -> str | Response:
    return render_template(
        "voting/scores.html",
        panel=panel,
        application=application,
        row=services.stats_for(db.session, panel, application),
    )


@bp.route(APPLICATION + "/discussion", methods=["GET", "POST"])
@login_required
@reading
def discussion(panel: Panel, application: Application) -> str | Response:
    form = NoteForm()
    if form_action(
        form,
        lambda: services.add_note(db.session, current_user, panel, application, form.text.data),
        _("Added to the discussion."),
    ):
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


@bp.route(APPLICATION + "/decide", methods=["GET", "POST"])
@login_required
@reading
def decide(panel: Panel, application: Application) -> str | Response:
    if not services.can_chair(db.session, current_user, panel):
        abort(403)
    form = ShortlistForm()
    if form_action(
        form,
        lambda: services.decide_shortlist(
            db.session, current_user, panel, application, form.action.data, form.reason.data
        ),
        _("The panel's decision is saved."),
    ):
        return _to_panel(panel.id)
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
    panel = seen_panel(panel_id)
    can_edit = services.can_chair(db.session, current_user, panel)
    form = MeetingNotesForm(obj=panel if not can_edit else None)
    if not form.is_submitted():
        form.text.data = panel.meeting_notes
    if form_action(
        form,
        lambda: services.save_meeting_notes(db.session, current_user, panel, form.text.data),
        _("The meeting notes are saved."),
    ):
        return _to_panel(panel.id)
    return render_template("voting/meeting.html", form=form, panel=panel, can_edit=can_edit)
