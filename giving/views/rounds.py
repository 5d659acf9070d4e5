"""Pages for rounds and applications. Views parse, call one service, then render.

Rounds live under their place (``/places/<slug>/rounds/...``); applications have their own
addresses (``/applications/<id>``), and every one of those pages checks who may see it.
"""

from __future__ import annotations

from flask import (
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required
from sqlalchemy import select
from werkzeug.wrappers import Response

from giving import services, workflow
from giving.extensions import db
from giving.forms import (
    AttachmentForm,
    ButtonForm,
    CriterionForm,
    DeadlineForm,
    DecideForm,
    EligibilityForm,
    QuestionForm,
    RoundForm,
    SendForm,
    StaffStartForm,
    StartForm,
    application_form,
    checker_form,
)
from giving.jobs import commit
from giving.models import (
    Application,
    Attachment,
    Channel,
    Criterion,
    Group,
    GroupKind,
    Place,
    Question,
    Round,
    RuleKind,
)
from giving.money import format_money
from giving.pagination import paginate
from giving.services import DomainError
from giving.timeutil import format_datetime
from giving.transaction import button_action, say, show_error
from giving.views.access import place_role_required
from giving.views.core import STAFF, bp
from giving.workflow import State

# --- Finding things, and who may see them ----------------------------------------------------


def _place_or_404(slug: str) -> Place:
    place = db.session.scalar(select(Place).where(Place.slug == slug))
    if place is None:
        abort(404)
    return place


def _round_in(place: Place, round_id: int) -> Round:
    round_ = db.session.get(Round, round_id)
    if round_ is None or round_.place_id != place.id:
        abort(404)
    return round_


def _part_of(
    place: Place, round_id: int, model: type[Question] | type[Criterion], part_id: int
) -> Question | Criterion:
    """A question or criterion of a round in ``place`` (404 for any other)."""
    round_ = _round_in(place, round_id)
    part = db.session.get(model, part_id)
    if part is None or part.round_id != round_.id:
        abort(404)
    return part


def _visible_round(place_slug: str, round_id: int) -> Round:
    """A round anyone may see; drafts are hidden from everyone but staff."""
    round_ = _round_in(_place_or_404(place_slug), round_id)
    if not services.can_see_round(db.session, current_user, round_):
        abort(404)
    return round_


def _application(application_id: int) -> Application:
    """An application the signed-in person may see (the group, staff, panel)."""
    application = db.session.get(Application, application_id)
    if application is None:
        abort(404)
    if not services.can_view_application(db.session, current_user, application):
        abort(403)
    return application


def _is_staff_of(round_: Round) -> bool:
    return services.is_staff(db.session, current_user, round_.place)


def _amount_hint(round_: Round) -> str:
    return _(
        "Between %(low)s and %(high)s.",
        low=format_money(round_.min_grant_pence),
        high=format_money(round_.max_grant_pence),
    )


# --- Rounds: public pages --------------------------------------------------------------------


@bp.get("/places/<place_slug>/rounds")
def rounds(place_slug: str) -> str:
    place = _place_or_404(place_slug)
    staff = services.is_staff(db.session, current_user, place)
    page = paginate(services.rounds_stmt(place, include_drafts=staff))
    return render_template("giving/rounds/list.html", place=place, page=page, is_staff=staff)


@bp.get("/places/<place_slug>/rounds/<int:round_id>")
def round_page(place_slug: str, round_id: int) -> str:
    round_ = _visible_round(place_slug, round_id)
    return render_template(
        "giving/rounds/round.html",
        round=round_,
        rules=services.describe_rules(round_),
        minutes=services.format_minutes(services.estimate_minutes(round_.questions)),
        not_taking=services.round_not_taking_reason(round_),
        is_staff=_is_staff_of(round_),
    )


def _checker_needs(round_: Round) -> tuple[set[str], int | None]:
    needs = set()
    if round_.rules_of(RuleKind.GROUP_KIND):
        needs.add("group_kind")
    if round_.rules_of(RuleKind.INCOME_CEILING):
        needs.add("income_pence")
    if round_.rules_of(RuleKind.WARD):
        needs.add("postcode")
    recent = round_.rules_of(RuleKind.NO_RECENT_AWARD)
    if recent:
        needs.add("recently_awarded")
    return needs, recent[0].months if recent else None


@bp.route("/places/<place_slug>/rounds/<int:round_id>/check", methods=["GET", "POST"])
def check_eligibility(place_slug: str, round_id: int) -> str:
    """The eligibility checker: no account needed, and nothing is stored."""
    round_ = _visible_round(place_slug, round_id)
    needs, months = _checker_needs(round_)
    form = checker_form(needs, months)
    reasons: list[str] | None = None
    if needs and form.validate_on_submit():
        answers = {name: form[name].data for name in needs}
        if "recently_awarded" in answers:
            answers["recently_awarded"] = answers["recently_awarded"] == "yes"
        try:
            reasons = services.check_public_eligibility(db.session, round_, **answers)
        except DomainError as error:
            show_error(form, error)
    return render_template(
        "giving/rounds/check.html",
        round=round_,
        form=form,
        needs=needs,
        reasons=reasons,
        not_taking=services.round_not_taking_reason(round_),
        rules=services.describe_rules(round_),
    )


# --- Rounds: setting up (staff) --------------------------------------------------------------


@bp.route("/places/<place_slug>/rounds/new", methods=["GET", "POST"])
@login_required
@place_role_required(*STAFF)
def new_round(place: Place) -> str | Response:
    form = RoundForm()
    if form.validate_on_submit():
        try:
            round_ = services.create_round(db.session, current_user, place, **form.round_fields())
        except DomainError as error:
            show_error(form, error)
        else:
            commit()
            say(_("The round is saved as a draft. Now add its questions and criteria."))
            return redirect(
                url_for("giving.manage_round", place_slug=place.slug, round_id=round_.id)
            )
    return render_template("giving/rounds/edit.html", form=form, place=place, round=None)


@bp.get("/places/<place_slug>/rounds/<int:round_id>/manage")
@login_required
@place_role_required(*STAFF)
def manage_round(place: Place, round_id: int) -> str:
    round_ = _round_in(place, round_id)
    return render_template(
        "giving/rounds/manage.html",
        round=round_,
        rules=services.describe_rules(round_),
        minutes=services.format_minutes(services.estimate_minutes(round_.questions)),
        warning=services.proportion_warning(round_),
        counts=services.state_counts(db.session, round_),
        states=list(State),
    )


@bp.route("/places/<place_slug>/rounds/<int:round_id>/edit", methods=["GET", "POST"])
@login_required
@place_role_required(*STAFF)
def edit_round(place: Place, round_id: int) -> str | Response:
    round_ = _round_in(place, round_id)
    form = RoundForm()
    if request.method == "GET":
        form.fill_from(round_)
    if form.validate_on_submit():
        try:
            services.update_round(db.session, current_user, round_, **form.round_fields())
        except DomainError as error:
            show_error(form, error)
        else:
            commit()
            say(_("The round's settings are saved."))
            return redirect(
                url_for("giving.manage_round", place_slug=place.slug, round_id=round_.id)
            )
    return render_template("giving/rounds/edit.html", form=form, place=place, round=round_)


@bp.route("/places/<place_slug>/rounds/<int:round_id>/who-can-apply", methods=["GET", "POST"])
@login_required
@place_role_required(*STAFF)
def round_rules(place: Place, round_id: int) -> str | Response:
    round_ = _round_in(place, round_id)
    form = EligibilityForm()
    form.set_wards(place.wards)
    if request.method == "GET":
        form.group_kinds.data = [r.group_kind.value for r in round_.rules_of(RuleKind.GROUP_KIND)]
        form.wards.data = [r.ward_id for r in round_.rules_of(RuleKind.WARD)]
        ceiling = round_.rules_of(RuleKind.INCOME_CEILING)
        form.income_ceiling_pence.data = ceiling[0].amount_pence if ceiling else None
        recent = round_.rules_of(RuleKind.NO_RECENT_AWARD)
        form.recent_award_months.data = recent[0].months if recent else None
    if form.validate_on_submit():
        try:
            services.set_eligibility(
                db.session,
                current_user,
                round_,
                group_kinds=[GroupKind(k) for k in form.group_kinds.data or []],
                ward_ids=form.wards.data or [],
                income_ceiling_pence=form.income_ceiling_pence.data,
                recent_award_months=form.recent_award_months.data,
            )
        except DomainError as error:
            show_error(form, error)
        else:
            commit()
            say(_("Who can apply is saved."))
            return redirect(
                url_for("giving.manage_round", place_slug=place.slug, round_id=round_.id)
            )
    return render_template("giving/rounds/rules.html", form=form, round=round_)


@bp.route("/places/<place_slug>/rounds/<int:round_id>/questions", methods=["GET", "POST"])
@login_required
@place_role_required(*STAFF)
def round_questions(place: Place, round_id: int) -> str | Response:
    round_ = _round_in(place, round_id)
    form = QuestionForm()
    if form.validate_on_submit():
        try:
            services.add_question(
                db.session,
                current_user,
                round_,
                form.text.data,
                form.why_asked.data,
                form.word_limit.data,
            )
        except DomainError as error:
            show_error(form, error)
        else:
            commit()
            say(_("Question added."))
            return redirect(
                url_for("giving.round_questions", place_slug=place.slug, round_id=round_id)
            )
    return render_template(
        "giving/rounds/questions.html",
        form=form,
        round=round_,
        button=ButtonForm(),
        minutes=services.format_minutes(services.estimate_minutes(round_.questions)),
        warning=services.proportion_warning(round_),
    )


@bp.post("/places/<place_slug>/rounds/<int:round_id>/questions/<int:question_id>/remove")
@login_required
@place_role_required(*STAFF)
def remove_question(place: Place, round_id: int, question_id: int) -> Response:
    question = _part_of(place, round_id, Question, question_id)
    button_action(
        lambda: services.remove_question(db.session, current_user, question),
        _("Question removed."),
    )
    return redirect(url_for("giving.round_questions", place_slug=place.slug, round_id=round_id))


@bp.post(
    "/places/<place_slug>/rounds/<int:round_id>/questions/<int:question_id>"
    "/move/<any(up, down):direction>"
)
@login_required
@place_role_required(*STAFF)
def move_question(place: Place, round_id: int, question_id: int, direction: str) -> Response:
    question = _part_of(place, round_id, Question, question_id)
    button_action(
        lambda: services.move_question(db.session, current_user, question, direction),
        _("Question moved up.") if direction == "up" else _("Question moved down."),
    )
    return redirect(url_for("giving.round_questions", place_slug=place.slug, round_id=round_id))


@bp.route("/places/<place_slug>/rounds/<int:round_id>/criteria", methods=["GET", "POST"])
@login_required
@place_role_required(*STAFF)
def round_criteria(place: Place, round_id: int) -> str | Response:
    round_ = _round_in(place, round_id)
    form = CriterionForm()
    if form.validate_on_submit():
        try:
            services.add_criterion(
                db.session,
                current_user,
                round_,
                form.name.data,
                form.description.data,
                form.weight.data,
            )
        except DomainError as error:
            show_error(form, error)
        else:
            commit()
            say(_("Criterion added."))
            return redirect(
                url_for("giving.round_criteria", place_slug=place.slug, round_id=round_id)
            )
    return render_template(
        "giving/rounds/criteria.html", form=form, round=round_, button=ButtonForm()
    )


@bp.post("/places/<place_slug>/rounds/<int:round_id>/criteria/<int:criterion_id>/remove")
@login_required
@place_role_required(*STAFF)
def remove_criterion(place: Place, round_id: int, criterion_id: int) -> Response:
    criterion = _part_of(place, round_id, Criterion, criterion_id)
    button_action(
        lambda: services.remove_criterion(db.session, current_user, criterion),
        _("Criterion removed."),
    )
    return redirect(url_for("giving.round_criteria", place_slug=place.slug, round_id=round_id))


@bp.post(
    "/places/<place_slug>/rounds/<int:round_id>/criteria/<int:criterion_id>"
    "/move/<any(up, down):direction>"
)
@login_required
@place_role_required(*STAFF)
def move_criterion(place: Place, round_id: int, criterion_id: int, direction: str) -> Response:
    criterion = _part_of(place, round_id, Criterion, criterion_id)
    button_action(
        lambda: services.move_criterion(db.session, current_user, criterion, direction),
        _("Criterion moved up.") if direction == "up" else _("Criterion moved down."),
    )
    return redirect(url_for("giving.round_criteria", place_slug=place.slug, round_id=round_id))


@bp.route("/places/<place_slug>/rounds/<int:round_id>/open", methods=["GET", "POST"])
@login_required
@place_role_required(*STAFF)
def open_round(place: Place, round_id: int) -> str | Response:
    round_ = _round_in(place, round_id)
    form = ButtonForm()
    if form.validate_on_submit():
        try:
            services.open_round(db.session, current_user, round_)
        except DomainError as error:
            show_error(form, error)
        else:
            commit()
            say(_("The round is open. Its questions and rules can no longer change."))
            return redirect(
                url_for("giving.manage_round", place_slug=place.slug, round_id=round_id)
            )
    return render_template(
        "giving/rounds/open.html",
        form=form,
        round=round_,
        warning=services.proportion_warning(round_),
        minutes=services.format_minutes(services.estimate_minutes(round_.questions)),
    )


@bp.route("/places/<place_slug>/rounds/<int:round_id>/deadline", methods=["GET", "POST"])
@login_required
@place_role_required(*STAFF)
def round_deadline(place: Place, round_id: int) -> str | Response:
    round_ = _round_in(place, round_id)
    form = DeadlineForm()
    if request.method == "GET":
        form.fill_from(round_)
    if form.validate_on_submit():
        try:
            told = services.extend_deadline(
                db.session, current_user, round_, form.closes_at, form.reason.data
            )
        except DomainError as error:
            show_error(form, error)
        else:
            commit()
            say(
                _("The deadline is now %(when)s.", when=format_datetime(round_.closes_at))
                + " "
                + ngettext(
                    "We told %(num)d group with an application not yet sent.",
                    "We told %(num)d groups with an application not yet sent.",
                    told,
                )
            )
            return redirect(
                url_for("giving.manage_round", place_slug=place.slug, round_id=round_id)
            )
    return render_template("giving/rounds/deadline.html", form=form, round=round_)


@bp.route("/places/<place_slug>/rounds/<int:round_id>/close", methods=["GET", "POST"])
@login_required
@place_role_required(*STAFF)
def close_round(place: Place, round_id: int) -> str | Response:
    round_ = _round_in(place, round_id)
    form = ButtonForm()
    if form.validate_on_submit():
        try:
            services.close_round(db.session, current_user, round_)
        except DomainError as error:
            show_error(form, error)
        else:
            commit()
            say(_("The round is closed."))
            return redirect(
                url_for("giving.manage_round", place_slug=place.slug, round_id=round_id)
            )
    return render_template("giving/rounds/close.html", form=form, round=round_)


@bp.get("/places/<place_slug>/rounds/<int:round_id>/applications")
@login_required
@place_role_required(*STAFF)
def round_applications(place: Place, round_id: int) -> str:
    round_ = _round_in(place, round_id)
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


# --- Starting an application -----------------------------------------------------------------


@bp.route("/places/<place_slug>/rounds/<int:round_id>/apply", methods=["GET", "POST"])
@login_required
def apply(place_slug: str, round_id: int) -> str | Response:
    round_ = _visible_round(place_slug, round_id)
    groups = [
        g for g in services.groups_for(db.session, current_user) if g.place_id == round_.place_id
    ]
    form = StartForm()
    form.set_groups(groups)
    if groups and form.validate_on_submit():
        group = db.session.get(Group, form.group.data)
        try:
            application = services.start_application(db.session, current_user, round_, group)
        except DomainError as error:
            show_error(form, error)
        else:
            commit()
            say(_("Your application is started. It is saved as you go."))
            return redirect(url_for("giving.edit_application", application_id=application.id))
    return render_template(
        "giving/rounds/apply.html",
        form=form,
        round=round_,
        groups=groups,
        not_taking=services.round_not_taking_reason(round_),
    )


@bp.route("/places/<place_slug>/rounds/<int:round_id>/apply-for-a-group", methods=["GET", "POST"])
@login_required
@place_role_required(*STAFF)
def apply_for_group(place: Place, round_id: int) -> str | Response:
    round_ = _round_in(place, round_id)
    groups = db.session.scalars(
        select(Group).where(Group.place_id == place.id).order_by(Group.name)
    ).all()
    form = StaffStartForm()
    form.set_groups(groups)
    if form.validate_on_submit():
        group = db.session.get(Group, form.group.data)
        try:
            application = services.start_application(
                db.session, current_user, round_, group, channel=Channel(form.channel.data)
            )
        except DomainError as error:
            show_error(form, error)
        else:
            commit()
            say(_("The application is started for %(group)s.", group=group.name))
            return redirect(url_for("giving.edit_application", application_id=application.id))
    return render_template("giving/rounds/apply_for.html", form=form, round=round_)


# --- Applications ----------------------------------------------------------------------------


@bp.get("/applications")
@login_required
def my_applications() -> str:
    page = paginate(services.applications_for_user_stmt(current_user))
    return render_template("giving/applications/mine.html", page=page)


@bp.get("/applications/<int:application_id>")
@login_required
def application(application_id: int) -> str:
    application = _application(application_id)
    actors = services.actors_for(db.session, current_user, application)
    return render_template(
        "giving/applications/application.html",
        application=application,
        round=application.round,
        steps=services.timeline(db.session, application),
        promise=services.next_promise(application),
        can_edit=services.can_edit_application(db.session, current_user, application),
        can_withdraw=workflow.is_allowed(application.state, "withdraw", actors),
        can_decide=bool(
            workflow.Actor.STAFF in actors
            and workflow.moves_from(application.state, {workflow.Actor.STAFF})
        ),
        count_words=services.count_words,
    )


def _editable(application_id: int) -> Application | Response:
    application = _application(application_id)
    if not services.can_edit_application(db.session, current_user, application):
        if application.state != State.DRAFT:
            flash(_("This application has been sent, so it cannot change."), "info")
            return redirect(url_for("giving.application", application_id=application.id))
        abort(403)
    return application


@bp.route("/applications/<int:application_id>/edit", methods=["GET", "POST"])
@login_required
def edit_application(application_id: int) -> str | Response:
    application = _editable(application_id)
    if isinstance(application, Response):
        return application
    round_ = application.round
    form = application_form(round_, amount_hint=_amount_hint(round_))
    if request.method == "GET":
        form.title.data = application.title
        form.amount_requested_pence.data = application.amount_requested_pence
        for question, field in form.question_fields:
            field.data = application.answer_to(question)
    if form.validate_on_submit():
        try:
            services.save_application(
                db.session,
                current_user,
                application,
                title=form.title.data,
                amount_requested_pence=form.amount_requested_pence.data,
                answers=form.answers(),
            )
        except DomainError as error:
            show_error(form, error)
        else:
            commit()
            if form.check.data:
                return redirect(url_for("giving.check_application", application_id=application.id))
            say(
                _(
                    "Your application is saved. Come back to it any time before %(when)s.",
                    when=format_datetime(round_.closes_at),
                )
            )
            return redirect(url_for("giving.application", application_id=application.id))
    return render_template(
        "giving/applications/edit.html", form=form, application=application, round=round_
    )


@bp.route("/applications/<int:application_id>/check", methods=["GET", "POST"])
@login_required
def check_application(application_id: int) -> str | Response:
    application = _editable(application_id)
    if isinstance(application, Response):
        return application
    form = SendForm()
    actors = services.actors_for(db.session, current_user, application)
    helping = workflow.Actor.STAFF in actors and workflow.Actor.GROUP not in actors
    if form.validate_on_submit():
        channel = Channel(form.channel.data) if helping and form.channel.data else None
        try:
            services.submit_application(db.session, current_user, application, channel=channel)
        except DomainError as error:
            show_error(form, error)
        else:
            commit()
            return redirect(url_for("giving.application_sent", application_id=application.id))
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
    application = _application(application_id)
    if application.submitted_at is None:
        abort(404)
    return render_template(
        "giving/applications/sent.html", application=application, round=application.round
    )


@bp.route("/applications/<int:application_id>/withdraw", methods=["GET", "POST"])
@login_required
def withdraw_application(application_id: int) -> str | Response:
    application = _application(application_id)
    form = ButtonForm()
    if form.validate_on_submit():
        try:
            services.withdraw_application(db.session, current_user, application)
        except DomainError as error:
            show_error(form, error)
        else:
            commit()
            say(_("The application is withdrawn."))
            return redirect(url_for("giving.application", application_id=application.id))
    return render_template("giving/applications/withdraw.html", form=form, application=application)


@bp.route("/applications/<int:application_id>/files", methods=["GET", "POST"])
@login_required
def application_files(application_id: int) -> str | Response:
    application = _editable(application_id)
    if isinstance(application, Response):
        return application
    form = AttachmentForm()
    if form.validate_on_submit():
        try:
            attachment = services.add_attachment(
                db.session, current_user, application, form.file.data
            )
        except DomainError as error:
            show_error(form, error)
        else:
            commit()
            say(_("%(name)s is added.", name=attachment.original_name))
            return redirect(url_for("giving.application_files", application_id=application.id))
    return render_template(
        "giving/applications/files.html",
        form=form,
        application=application,
        button=ButtonForm(),
        max_size=services.format_file_size(current_app.config["MAX_UPLOAD_BYTES"]),
        max_files=current_app.config["MAX_ATTACHMENTS"],
    )


def _attachment_of(application: Application, attachment_id: int) -> Attachment:
    attachment = db.session.get(Attachment, attachment_id)
    if attachment is None or attachment.application_id != application.id:
        abort(404)
    return attachment


@bp.get("/applications/<int:application_id>/files/<int:attachment_id>")
@login_required
def download_attachment(application_id: int, attachment_id: int) -> Response:
    attachment = _attachment_of(_application(application_id), attachment_id)
    path = services.attachment_path(attachment)
    if not path.is_file():
        abort(404)
    response = send_file(
        path,
        mimetype=attachment.content_type,
        as_attachment=True,
        download_name=attachment.original_name,
        max_age=0,
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.post("/applications/<int:application_id>/files/<int:attachment_id>/remove")
@login_required
def remove_attachment(application_id: int, attachment_id: int) -> Response:
    application = _editable(application_id)
    if isinstance(application, Response):
        return application
    attachment = _attachment_of(application, attachment_id)
    if ButtonForm().validate_on_submit():
        name = attachment.original_name
        try:
            services.remove_attachment(db.session, current_user, attachment)
        except DomainError as error:
            db.session.rollback()
            flash(error.message, "error")
        else:
            commit()
            say(_("%(name)s is removed.", name=name))
    return redirect(url_for("giving.application_files", application_id=application.id))


@bp.route("/applications/<int:application_id>/decide", methods=["GET", "POST"])
@login_required
def decide_application(application_id: int) -> str | Response:
    application = _application(application_id)
    if not _is_staff_of(application.round):
        abort(403)
    form = DecideForm()
    moves = workflow.moves_from(application.state, {workflow.Actor.STAFF})
    form.set_moves([m for m in moves if m.action not in ("submit", "withdraw")])
    if form.action.choices and form.validate_on_submit():
        try:
            services.decide_application(
                db.session,
                current_user,
                application,
                form.action.data,
                feedback=form.feedback.data,
                award_pence=form.award_pence.data,
            )
        except DomainError as error:
            show_error(form, error)
        else:
            commit()
            say(_("Saved. The application is now: %(state)s.", state=application.state.label))
            return redirect(url_for("giving.application", application_id=application.id))
    return render_template(
        "giving/applications/decide.html",
        form=form,
        application=application,
        round=application.round,
    )
