"""Pages for a place's staff to set up and run a round: its settings, who can apply, its
questions and criteria; then opening it, moving its deadline, closing it, and the list of
applications sent to it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import abort, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from giving import services
from giving.extensions import db
from giving.forms import (
    ButtonForm,
    CriterionForm,
    DeadlineForm,
    EligibilityForm,
    QuestionForm,
    RoundForm,
)
from giving.forms.translations import (
    CRITERION_TEXTS,
    QUESTION_TEXTS,
    ROUND_TEXTS,
    given,
    round_words_form,
    round_words_given,
    with_translations,
)
from giving.models import Criterion, GroupKind, Place, Question, Round
from giving.pagination import paginate
from giving.permissions import STAFF_ROLES
from giving.timeutil import format_datetime
from giving.transaction import form_action, say
from giving.views.access import place_role_required
from giving.views.home import bp
from giving.views.lookups import part_of, round_in
from giving.views.pages import button_then, confirm_page
from giving.workflow import State

ROUND = "/places/<place_slug>/rounds/<int:round_id>"


def _round_url(round_: Round, endpoint: str = "giving.manage_round") -> str:
    return url_for(endpoint, place_slug=round_.place.slug, round_id=round_.id)


def _back_to(round_: Round, endpoint: str = "giving.manage_round") -> Response:
    return redirect(_round_url(round_, endpoint))


def _part_button(
    part: Question | Criterion, action: Callable[..., Any], done: str, *args: Any
) -> Response:
    """A button on a question or criterion (remove it, move it): back to its list after."""
    lists = "giving.round_questions" if isinstance(part, Question) else "giving.round_criteria"
    return button_then(
        lambda: action(db.session, current_user, part, *args), done, _round_url(part.round, lists)
    )


def _time_to_apply(round_: Round) -> dict[str, str | None]:
    return {
        "minutes": services.format_minutes(services.estimate_minutes(round_.questions)),
        "warning": services.proportion_warning(round_),
    }


@bp.route("/places/<place_slug>/rounds/new", methods=["GET", "POST"])
@login_required
@place_role_required(*STAFF_ROLES)
def new_round(place: Place) -> str | Response:
    form = with_translations(RoundForm, place, ROUND_TEXTS)
    done = form_action(
        form,
        lambda: services.create_round(
            db.session,
            current_user,
            place,
            translations=given(form, place, ROUND_TEXTS),
            **form.round_fields(),
        ),
        _("The round is saved as a draft. Now add its questions and criteria."),
    )
    if done:
        return _back_to(done.value)
    return render_template("giving/rounds/edit.html", form=form, place=place, round=None)


@bp.get(f"{ROUND}/manage")
@login_required
@place_role_required(*STAFF_ROLES)
def manage_round(place: Place, round_id: int) -> str:
    round_ = round_in(place, round_id)
    return render_template(
        "giving/rounds/manage.html",
        round=round_,
        rules=services.describe_rules(round_),
        counts=services.state_counts(db.session, round_),
        states=list(State),
        **_time_to_apply(round_),
    )


@bp.route(f"{ROUND}/edit", methods=["GET", "POST"])
@login_required
@place_role_required(*STAFF_ROLES)
def edit_round(place: Place, round_id: int) -> str | Response:
    round_ = round_in(place, round_id)
    form = with_translations(RoundForm, place, ROUND_TEXTS, obj=round_)
    if request.method == "GET":
        form.fill_from(round_)
    if form_action(
        form,
        lambda: services.update_round(
            db.session,
            current_user,
            round_,
            translations=given(form, place, ROUND_TEXTS),
            **form.round_fields(),
        ),
        _("The round's settings are saved."),
    ):
        return _back_to(round_)
    return render_template("giving/rounds/edit.html", form=form, place=place, round=round_)


@bp.route(f"{ROUND}/who-can-apply", methods=["GET", "POST"])
@login_required
@place_role_required(*STAFF_ROLES)
def round_rules(place: Place, round_id: int) -> str | Response:
    round_ = round_in(place, round_id)
    form = EligibilityForm()
    form.set_wards(place.wards)
    if request.method == "GET":
        form.fill_from(round_)
    if form_action(
        form,
        lambda: services.set_eligibility(
            db.session,
            current_user,
            round_,
            group_kinds=[GroupKind(k) for k in form.group_kinds.data or []],
            ward_ids=form.wards.data or [],
            income_ceiling_pence=form.income_ceiling_pence.data,
            recent_award_months=form.recent_award_months.data,
        ),
        _("Who can apply is saved."),
    ):
        return _back_to(round_)
    return render_template("giving/rounds/rules.html", form=form, round=round_)


@bp.route(f"{ROUND}/questions", methods=["GET", "POST"])
@login_required
@place_role_required(*STAFF_ROLES)
def round_questions(place: Place, round_id: int) -> str | Response:
    round_ = round_in(place, round_id)
    form = with_translations(QuestionForm, place, QUESTION_TEXTS)
    if form_action(
        form,
        lambda: services.add_question(
            db.session,
            current_user,
            round_,
            form.text.data,
            form.why_asked.data,
            form.word_limit.data,
            given(form, place, QUESTION_TEXTS),
        ),
        _("Question added."),
    ):
        return _back_to(round_, "giving.round_questions")
    return render_template(
        "giving/rounds/questions.html",
        form=form,
        round=round_,
        button=ButtonForm(),
        **_time_to_apply(round_),
    )


@bp.post(f"{ROUND}/questions/<int:question_id>/remove")
@login_required
@place_role_required(*STAFF_ROLES)
def remove_question(place: Place, round_id: int, question_id: int) -> Response:
    question = part_of(place, round_id, Question, question_id)
    return _part_button(question, services.remove_question, _("Question removed."))


@bp.post(f"{ROUND}/questions/<int:question_id>/move/<any(up, down):direction>")
@login_required
@place_role_required(*STAFF_ROLES)
def move_question(place: Place, round_id: int, question_id: int, direction: str) -> Response:
    question = part_of(place, round_id, Question, question_id)
    done = _("Question moved up.") if direction == "up" else _("Question moved down.")
    return _part_button(question, services.move_question, done, direction)


@bp.route(f"{ROUND}/criteria", methods=["GET", "POST"])
@login_required
@place_role_required(*STAFF_ROLES)
def round_criteria(place: Place, round_id: int) -> str | Response:
    round_ = round_in(place, round_id)
    form = with_translations(CriterionForm, place, CRITERION_TEXTS)
    if form_action(
        form,
        lambda: services.add_criterion(
            db.session,
            current_user,
            round_,
            form.name.data,
            form.description.data,
            form.weight.data,
            given(form, place, CRITERION_TEXTS),
        ),
        _("Criterion added."),
    ):
        return _back_to(round_, "giving.round_criteria")
    return render_template(
        "giving/rounds/criteria.html", form=form, round=round_, button=ButtonForm()
    )


@bp.post(f"{ROUND}/criteria/<int:criterion_id>/remove")
@login_required
@place_role_required(*STAFF_ROLES)
def remove_criterion(place: Place, round_id: int, criterion_id: int) -> Response:
    criterion = part_of(place, round_id, Criterion, criterion_id)
    return _part_button(criterion, services.remove_criterion, _("Criterion removed."))


@bp.post(f"{ROUND}/criteria/<int:criterion_id>/move/<any(up, down):direction>")
@login_required
@place_role_required(*STAFF_ROLES)
def move_criterion(place: Place, round_id: int, criterion_id: int, direction: str) -> Response:
    criterion = part_of(place, round_id, Criterion, criterion_id)
    done = _("Criterion moved up.") if direction == "up" else _("Criterion moved down.")
    return _part_button(criterion, services.move_criterion, done, direction)


@bp.route(f"{ROUND}/languages", methods=["GET", "POST"])
@login_required
@place_role_required(*STAFF_ROLES)
def round_words(place: Place, round_id: int) -> str | Response:
    """The round's words in the place's other languages: open or not, as they tell the same
    rules in another language."""
    round_ = round_in(place, round_id)
    form = round_words_form(round_)
    if form_action(
        form,
        lambda: services.set_round_translations(
            db.session, current_user, round_, *round_words_given(form, round_)
        ),
        _("The words in other languages are saved."),
    ):
        return _back_to(round_)
    return render_template("giving/rounds/words.html", form=form, round=round_)


@bp.route(f"{ROUND}/open", methods=["GET", "POST"])
@login_required
@place_role_required(*STAFF_ROLES)
def open_round(place: Place, round_id: int) -> str | Response:
    round_ = round_in(place, round_id)
    return confirm_page(
        lambda: services.open_round(db.session, current_user, round_),
        _("The round is open. Its questions and rules can no longer change."),
        _round_url(round_),
        "giving/rounds/open.html",
        round=round_,
        **_time_to_apply(round_),
    )


@bp.route(f"{ROUND}/deadline", methods=["GET", "POST"])
@login_required
@place_role_required(*STAFF_ROLES)
def round_deadline(place: Place, round_id: int) -> str | Response:
    round_ = round_in(place, round_id)
    form = DeadlineForm()
    if request.method == "GET":
        form.fill_from(round_)
    done = form_action(
        form,
        lambda: services.extend_deadline(
            db.session, current_user, round_, form.closes_at, form.reason.data
        ),
    )
    if done:
        told = ngettext(
            "We told %(num)d group with an application not yet sent.",
            "We told %(num)d groups with an application not yet sent.",
            done.value,
        )
        when = format_datetime(round_.closes_at)
        say(_("The deadline is now %(when)s.", when=when) + " " + told)
        return _back_to(round_)
    return render_template("giving/rounds/deadline.html", form=form, round=round_)


@bp.route(f"{ROUND}/close", methods=["GET", "POST"])
@login_required
@place_role_required(*STAFF_ROLES)
def close_round(place: Place, round_id: int) -> str | Response:
    round_ = round_in(place, round_id)
    return confirm_page(
        lambda: services.close_round(db.session, current_user, round_),
        _("The round is closed."),
        _round_url(round_),
        "giving/rounds/close.html",
        round=round_,
    )


@bp.get(f"{ROUND}/applications")
@login_required
@place_role_required(*STAFF_ROLES)
def round_applications(place: Place, round_id: int) -> str:
    round_ = round_in(place, round_id)
    state = request.args.get("state") or None
    if state is not None and state not in {s.value for s in State}:
        abort(404)
    page = paginate(services.round_applications_stmt(round_, State(state) if state else None))
    return render_template(
        "giving/rounds/applications.html",
        round=round_,
        page=page,
        state=state,
        states=list(State),
        counts=services.state_counts(db.session, round_),
    )
