"""Grants: the fund's grants, offering one, a grant's page, agreeing to it, acting on its
payments, changing and ending it, and its yearly check-ins."""

from __future__ import annotations

from typing import Any

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from sqlalchemy import select
from werkzeug.wrappers import Response

from funds import permissions, schedule, services, workflow
from funds.forms import (
    AgreeForm,
    CloseForm,
    ConfirmForm,
    GrantForm,
    NoteForm,
    PayForm,
    ReasonForm,
    checkin_form,
    vary_form,
)
from funds.models import CheckIn, CheckInKind, CheckInState, Fund, Instalment
from funds.schedule import Frequency
from funds.views.access import bp, fund_or_404, grant_or_404
from funds.workflow import Actor, GrantState, InstalmentState
from giving.extensions import db
from giving.guards import id_arg
from giving.models import Application, Group
from giving.pagination import paginate
from giving.timeutil import financial_year_label, utcnow
from giving.transaction import form_action
from giving.views.lookups import child_or_404
from giving.views.pages import fields_of


@bp.get("/funds/<int:fund_id>/grants")
@login_required
def fund_grants(fund_id: int) -> str:
    fund = fund_or_404(fund_id)
    page = paginate(services.grants_stmt(fund))
    return render_template(
        "funds/grants.html",
        fund=fund,
        page=page,
        awards=services.awards_waiting(db.session, fund),
    )


@bp.route("/funds/<int:fund_id>/grants/new", methods=["GET", "POST"])
@login_required
def new_grant(fund_id: int) -> str | Response:
    fund = fund_or_404(fund_id)
    application = None
    application_id = id_arg("application")
    if application_id is not None:
        application = db.get_or_404(Application, application_id)
    form = GrantForm()
    groups = list(
        db.session.scalars(
            select(Group).where(Group.place_id == fund.place_id).order_by(Group.name)
        )
    )
    form.set_groups(groups)
    if request.method == "GET" and application is not None:
        form.title.data = application.title
        form.total_pence.data = application.award_pence
        form.start_date.data = utcnow().date()
        form.years.data = 1
    done = form_action(
        form,
        lambda: services.make_grant(
            db.session,
            current_user,
            fund,
            application=application,
            group=next((g for g in groups if str(g.id) == form.group.data), None),
            description=form.description.data or "",
            frequency=Frequency(form.frequency.data),
            restricted=form.restricted.data == "yes",
            purpose=form.purpose.data or "",
            **fields_of(form, "title", "total_pence", "start_date", "years"),
        ),
        _("The grant is offered. The group can now read and agree to it."),
    )
    if done:
        _warn_if_overcommitted(fund)
        return redirect(url_for("funds.grant", grant_id=done.value.id))
    return render_template(
        "funds/grant_form.html",
        fund=fund,
        form=form,
        application=application,
        figures=services.figures(db.session, fund),
    )


def _warn_if_overcommitted(fund: Fund) -> None:
    warning = services.overcommitment_warning(db.session, fund)
    if warning:
        flash(warning, "error")


@bp.get("/grants")
@login_required
def my_grants() -> str:
    page = paginate(services.grants_for_user_stmt(current_user))
    return render_template("funds/my_grants.html", page=page)


@bp.get("/grants/<int:grant_id>")
@login_required
def grant(grant_id: int) -> str:
    grant = services.with_schedule(db.session, grant_or_404(grant_id))
    actors = permissions.actors_for(db.session, current_user, grant)
    return render_template(
        "funds/grant.html",
        grant=grant,
        fund=grant.fund,
        is_staff=Actor.STAFF in actors,
        is_group=Actor.GROUP in actors,
        moves={inst.id: workflow.instalment_moves(inst.state, actors) for inst in grant.instalments}
        if grant.state == GrantState.ACTIVE
        else {},
        paid=services.paid_pence(grant),
        by_year=schedule.by_financial_year(
            (i.due_date, i.amount_pence)
            for i in grant.instalments
            if i.state != InstalmentState.CANCELLED
        ),
        labels=workflow.ACTION_LABELS,
        one_person=services.one_person_may_pay(db.session, grant.fund),
        year_label=financial_year_label,
        prefix=current_app.config["THREESIXTYGIVING_PREFIX"],
    )


@bp.route("/grants/<int:grant_id>/agreement", methods=["GET", "POST"])
@login_required
def agreement(grant_id: int) -> str | Response:
    grant = grant_or_404(grant_id)
    form = AgreeForm()
    if form_action(
        form,
        lambda: services.accept_agreement(db.session, current_user, grant, bool(form.agree.data)),
        _("Thank you. Your group has agreed to the grant."),
    ):
        return redirect(url_for("funds.grant", grant_id=grant.id))
    can_accept = (
        Actor.GROUP in permissions.actors_for(db.session, current_user, grant)
        and grant.state == GrantState.OFFERED
    )
    return render_template("funds/agreement.html", grant=grant, form=form, can_accept=can_accept)


_INSTALMENT_FORMS: dict[str, type[FlaskForm]] = {
    "hold": ReasonForm,
    "pay": PayForm,
    "approve": ConfirmForm,
    "unapprove": ConfirmForm,
    "release": ConfirmForm,
}


def _data(form: FlaskForm, name: str) -> Any:
    """A field's value, or None when the form has no such field."""
    field = getattr(form, name, None)
    return field.data if field is not None else None


@bp.route("/grants/<int:grant_id>/payments/<int:instalment_id>/<action>", methods=["GET", "POST"])
@login_required
def instalment_action(grant_id: int, instalment_id: int, action: str) -> str | Response:
    grant = grant_or_404(grant_id, manage=True)
    if action not in _INSTALMENT_FORMS:
        abort(404)
    instalment = child_or_404(Instalment, instalment_id, grant_id=grant.id)
    form = _INSTALMENT_FORMS[action]()
    if request.method == "GET" and action == "pay":
        form.paid_on.data = utcnow().date()
    if form_action(
        form,
        lambda: services.act_on_instalment(
            db.session,
            current_user,
            instalment,
            action,
            reason=_data(form, "reason"),
            paid_on=_data(form, "paid_on"),
            reference=_data(form, "reference"),
        ),
        lambda moved: _(
            "Payment %(n)s: %(state)s.", n=moved.number, state=moved.state.label.lower()
        ),
    ):
        return redirect(url_for("funds.grant", grant_id=grant.id))
    return render_template(
        "funds/instalment_action.html",
        grant=grant,
        instalment=instalment,
        action=action,
        label=workflow.ACTION_LABELS[action],
        form=form,
    )


@bp.route("/grants/<int:grant_id>/change", methods=["GET", "POST"])
@login_required
def vary(grant_id: int) -> str | Response:
    grant = grant_or_404(grant_id, manage=True)
    variable = [i for i in grant.instalments if i.state in workflow.VARIABLE_STATES]
    form = vary_form(variable)
    changes = [
        services.Change(
            instalment=inst,
            amount_pence=form[f"amount_{inst.id}"].data,
            due_date=form[f"due_{inst.id}"].data,
        )
        for inst in variable
    ]
    if form_action(
        form,
        lambda: services.vary_grant(db.session, current_user, grant, changes, form.reason.data),
        _("The grant has changed. The old plan is kept in its history."),
    ):
        _warn_if_overcommitted(grant.fund)
        return redirect(url_for("funds.grant", grant_id=grant.id))
    return render_template("funds/vary.html", grant=grant, form=form, variable=variable)


@bp.route("/grants/<int:grant_id>/end", methods=["GET", "POST"])
@login_required
def end_grant(grant_id: int) -> str | Response:
    grant = grant_or_404(grant_id, manage=True)
    form = CloseForm()
    if form_action(
        form,
        lambda: services.end_grant(db.session, current_user, grant, form.note.data),
        _("The grant has ended."),
    ):
        return redirect(url_for("funds.grant", grant_id=grant.id))
    return render_template("funds/end_grant.html", grant=grant, form=form)


def _answers(form: FlaskForm, questions: list[tuple[int, str]]) -> dict[int, str]:
    """The group's answer to each of the fund's questions, by the question's place."""
    return {position: form[f"answer_{position}"].data for position, _text in questions}


@bp.route("/grants/<int:grant_id>/check-ins/<int:checkin_id>", methods=["GET", "POST"])
@login_required
def checkin(grant_id: int, checkin_id: int) -> str | Response:
    grant = grant_or_404(grant_id)
    item = child_or_404(CheckIn, checkin_id, grant_id=grant.id)
    actors = permissions.actors_for(db.session, current_user, grant)
    questions = services.questions_for(item)
    written = item.kind == CheckInKind.UPDATE
    form = checkin_form(item, questions) if written else NoteForm()
    may_act = (Actor.GROUP if written else Actor.STAFF) in actors
    may_act = may_act and item.state == CheckInState.DUE
    if request.method == "POST" and not may_act:
        abort(403)
    if may_act and form_action(
        form,
        lambda: (
            services.answer_checkin(db.session, current_user, item, _answers(form, questions))
            if written
            else services.note_conversation(db.session, current_user, item, form.note.data)
        ),
        _("Thank you. That check-in is done."),
    ):
        return redirect(url_for("funds.grant", grant_id=grant.id))
    return render_template(
        "funds/checkin.html",
        grant=grant,
        checkin=item,
        form=form,
        may_act=may_act,
        questions=questions,
    )
