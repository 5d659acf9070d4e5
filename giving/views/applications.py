"""Pages for applications: starting one (a group member, or staff on a group's behalf),
saving and checking it, sending or withdrawing it, and staff deciding it. Applications have
their own addresses (``/applications/<id>``), and every one of those pages checks who may
see it."""

from __future__ import annotations

from flask import abort, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select
from werkzeug.wrappers import Response

from giving import hooks, services, workflow
from giving.extensions import db
from giving.forms import (
    DecideForm,
    OverrideForm,
    SendForm,
    StaffStartForm,
    StartForm,
    application_form,
)
from giving.models import Application, Channel, Group, Place, Round
from giving.money import format_money
from giving.moves import Move
from giving.pagination import paginate
from giving.permissions import STAFF_ROLES
from giving.timeutil import format_datetime
from giving.transaction import attempt, form_action, say
from giving.views.access import place_role_required
from giving.views.home import bp
from giving.views.lookups import editable_application, round_in, viewable_application, visible_round
from giving.views.pages import confirm_page
from giving.workflow import Actor


def _url(endpoint: str, application: Application) -> str:
    return url_for(endpoint, application_id=application.id)


def _to(endpoint: str, application: Application) -> Response:
    return redirect(_url(endpoint, application))


def _amount_hint(round_: Round) -> str:
    return _(
        "Between %(low)s and %(high)s.",
        low=format_money(round_.min_grant_pence),
        high=format_money(round_.max_grant_pence),
    )


# --- Starting an application -----------------------------------------------------------------


@bp.route("/places/<place_slug>/rounds/<int:round_id>/apply", methods=["GET", "POST"])
@login_required
def apply(place_slug: str, round_id: int) -> str | Response:
    round_ = visible_round(place_slug, round_id)
    groups = [
        g for g in services.groups_for(db.session, current_user) if g.place_id == round_.place_id
    ]
    form = StartForm()
    form.set_groups(groups)
    if groups and form.validate_on_submit():
        group = db.get_or_404(Group, form.group.data)
        done = attempt(form, services.start_application, db.session, current_user, round_, group)
        if done:
            say(_("Your application is started. It is saved as you go."))
            return _to("giving.edit_application", done.value)
    return render_template(
        "giving/rounds/apply.html",
        form=form,
        round=round_,
        groups=groups,
        not_taking=services.round_not_taking_reason(round_),
    )


@bp.route("/places/<place_slug>/rounds/<int:round_id>/apply-for-a-group", methods=["GET", "POST"])
@login_required
@place_role_required(*STAFF_ROLES)
def apply_for_group(place: Place, round_id: int) -> str | Response:
    round_ = round_in(place, round_id)
    groups = db.session.scalars(
        select(Group).where(Group.place_id == place.id).order_by(Group.name)
    ).all()
    form = StaffStartForm()
    form.set_groups(groups)
    done = form_action(
        form,
        lambda: services.start_application(
            db.session,
            current_user,
            round_,
            db.get_or_404(Group, form.group.data),
            channel=Channel(form.channel.data),
        ),
        lambda application: _(
            "The application is started for %(group)s.", group=application.group.name
        ),
    )
    if done:
        return _to("giving.edit_application", done.value)
    return render_template("giving/rounds/apply_for.html", form=form, round=round_)


# --- Applications ----------------------------------------------------------------------------


@bp.get("/applications")
@login_required
def my_applications() -> str:
    page = paginate(services.applications_for_user_stmt(current_user))
    return render_template("giving/applications/mine.html", page=page)


def _staff_moves(application: Application, actors: set[Actor]) -> list[Move]:
    """The moves the staff member may make on the decide page (not sending or withdrawing,
    which have their own pages, and not overriding, which has its own)."""
    theirs = actors & {Actor.STAFF, Actor.DECIDING_STAFF}
    return [
        m
        for m in workflow.moves_from(application.state, theirs)
        if m.action not in ("submit", "withdraw")
    ]


def _override_moves(application: Application, actors: set[Actor]) -> list[Move]:
    return workflow.moves_from(application.state, actors & {Actor.OVERRIDING_STAFF})


@bp.get("/applications/<int:application_id>")
@login_required
def application(application_id: int) -> str:
    application = viewable_application(application_id)
    actors = services.actors_for(db.session, current_user, application)
    staff_view = Actor.STAFF in actors and Actor.GROUP not in actors
    return render_template(
        "giving/applications/application.html",
        application=application,
        staff_view=staff_view,
        staff_links=[
            link
            for source in hooks.current().application_links
            for link in source(application, current_user)
        ]
        if staff_view
        else [],
        round=application.round,
        steps=services.timeline(db.session, application),
        notes=services.round_notes(db.session, application.round),
        promise=services.next_promise(application),
        can_edit=services.can_edit_application(db.session, current_user, application),
        can_withdraw=workflow.is_allowed(application.state, "withdraw", actors),
        can_decide=bool(_staff_moves(application, actors)),
        can_override=bool(_override_moves(application, actors)),
        who_decides=services.who_decides(application.round.decision_method),
        count_words=services.count_words,
    )


@bp.route("/applications/<int:application_id>/edit", methods=["GET", "POST"])
@login_required
def edit_application(application_id: int) -> str | Response:
    application = editable_application(application_id)
    round_ = application.round
    form = application_form(round_, amount_hint=_amount_hint(round_))
    if request.method == "GET":
        form.fill_from(application)
    done = form_action(
        form,
        lambda: services.save_application(
            db.session,
            current_user,
            application,
            title=form.title.data,
            amount_requested_pence=form.amount_requested_pence.data,
            answers=form.answers(),
        ),
    )
    if done and form.check.data:
        return _to("giving.check_application", application)
    if done:
        when = format_datetime(round_.closes_at)
        say(_("Your application is saved. Come back to it any time before %(when)s.", when=when))
        return _to("giving.application", application)
    return render_template(
        "giving/applications/edit.html", form=form, application=application, round=round_
    )


@bp.route("/applications/<int:application_id>/check", methods=["GET", "POST"])
@login_required
def check_application(application_id: int) -> str | Response:
    application = editable_application(application_id)
    form = SendForm()
    actors = services.actors_for(db.session, current_user, application)
    helping = Actor.STAFF in actors and Actor.GROUP not in actors
    if form_action(
        form,
        lambda: services.submit_application(
            db.session,
            current_user,
            application,
            channel=Channel(form.channel.data) if helping and form.channel.data else None,
        ),
    ):
        return _to("giving.application_sent", application)
    return render_template(
        "giving/applications/check.html",
        form=form,
        application=application,
        round=application.round,
        problems=services.missing_parts(application),
        helping=helping,
        count_words=services.count_words,
    )


@bp.get("/applications/<int:application_id>/sent")
@login_required
def application_sent(application_id: int) -> str:
    application = viewable_application(application_id)
    if application.submitted_at is None:
        abort(404)
    return render_template(
        "giving/applications/sent.html", application=application, round=application.round
    )


@bp.route("/applications/<int:application_id>/withdraw", methods=["GET", "POST"])
@login_required
def withdraw_application(application_id: int) -> str | Response:
    application = viewable_application(application_id)
    return confirm_page(
        lambda: services.withdraw_application(db.session, current_user, application),
        _("The application is withdrawn."),
        _url("giving.application", application),
        "giving/applications/withdraw.html",
        application=application,
    )


@bp.route("/applications/<int:application_id>/decide", methods=["GET", "POST"])
@login_required
def decide_application(application_id: int) -> str | Response | tuple[str, int]:
    application = viewable_application(application_id)
    if not services.is_staff(db.session, current_user, application.round.place):
        abort(403)
    actors = services.actors_for(db.session, current_user, application)
    form = DecideForm()
    # Where residents decide, their moves are still answered, so the refusal says why.
    theirs = workflow.moves_from(application.state, {Actor.DECIDING_STAFF})
    form.set_moves(_staff_moves(application, actors), theirs)
    if form.accepted and form_action(
        form,
        lambda: services.decide_application(
            db.session,
            current_user,
            application,
            form.action.data,
            feedback=form.feedback.data,
            award_pence=form.award_pence.data,
        ),
        lambda decided: _("Saved. The application is now: %(state)s.", state=decided.state.label),
    ):
        return _to("giving.application", application)
    page = render_template(
        "giving/applications/decide.html",
        form=form,
        application=application,
        round=application.round,
        who_decides=services.who_decides(application.round.decision_method),
        can_override=bool(_override_moves(application, actors)),
    )
    return (page, 400) if form.errors else page


@bp.route("/applications/<int:application_id>/override", methods=["GET", "POST"])
@login_required
def override_decision(application_id: int) -> str | Response | tuple[str, int]:
    """The fund's team overrides the residents' decision, with a reason that is published."""
    application = viewable_application(application_id)
    if not services.is_staff(db.session, current_user, application.round.place):
        abort(403)
    actors = services.actors_for(db.session, current_user, application)
    form = OverrideForm()
    allowed = {m.action for m in _override_moves(application, actors)}
    form.action.choices = [c for c in form.action.choices if c.value in allowed]
    if allowed and form_action(
        form,
        lambda: services.override_decision(
            db.session,
            current_user,
            application,
            form.action.data,
            override_reason=form.override_reason.data,
            feedback=form.feedback.data,
            award_pence=form.award_pence.data,
        ),
        lambda decided: _(
            "Saved. The application is now: %(state)s. The reason is published.",
            state=decided.state.label,
        ),
    ):
        return _to("giving.application", application)
    page = render_template(
        "giving/applications/override.html",
        form=form,
        application=application,
        round=application.round,
        can_override=bool(_override_moves(application, actors)),
        who_decides=services.who_decides(application.round.decision_method),
    )
    return (page, 400) if form.errors else page
