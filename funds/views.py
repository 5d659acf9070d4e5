"""Pages for funds, money in, grants, payments, check-ins and open data. Views parse, call one
service, commit once, then render or redirect."""

from __future__ import annotations

import datetime as dt
import time

import stripe
from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    stream_with_context,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError, OperationalError
from werkzeug.wrappers import Response as BaseResponse

from funds import opendata, schedule, services, workflow
from funds.forms import (
    AgreeForm,
    CloseForm,
    ConfirmForm,
    DonationRefundForm,
    FundForm,
    GiveForm,
    GrantForm,
    IncomeForm,
    MatchForm,
    NoteForm,
    OfflineGiftForm,
    PayForm,
    QuestionForm,
    ReasonForm,
    RefundForm,
    RoundLinkForm,
    RunForm,
    checkin_form,
    vary_form,
)
from funds.models import (
    CheckIn,
    CheckInKind,
    CheckInQuestion,
    CheckInState,
    DeclarationScope,
    Donation,
    DonationMethod,
    Fund,
    GiftAidDeclaration,
    Grant,
    Income,
    IncomeSource,
    Instalment,
    RegularGift,
)
from funds.schedule import Frequency
from giving.extensions import csrf, db, login_manager
from giving.forms import ButtonForm, LondonDateField
from giving.jobs import commit
from giving.models import Application, Group, Place, Role, Round
from giving.pagination import paginate
from giving.services import DomainError
from giving.timeutil import financial_year_label, utcnow
from giving.transaction import button_action, say, show_error
from giving.views.access import place_role_required

bp = Blueprint("funds", __name__)

STAFF = (Role.FUND_MANAGER, Role.ADMIN)


def _fund(fund_id: int, manage: bool = True) -> Fund:
    fund = db.session.get(Fund, fund_id)
    if fund is None:
        abort(404)
    if manage:
        if not current_user.is_authenticated:
            abort(login_manager.unauthorized())
        if not services.can_manage_fund(db.session, current_user, fund):
            abort(403)
    return fund


def _grant(grant_id: int, manage: bool = False) -> Grant:
    grant = db.session.get(Grant, grant_id)
    if grant is None:
        abort(404)
    if not current_user.is_authenticated:
        abort(login_manager.unauthorized())
    allowed = (
        services.can_manage_fund(db.session, current_user, grant.fund)
        if manage
        else services.can_see_grant(db.session, current_user, grant)
    )
    if not allowed:
        abort(403)
    return grant


# --- Public pages ----------------------------------------------------------------------------


@bp.get("/places/<place_slug>/funds")
def place_funds(place_slug: str) -> str:
    place = db.session.scalar(select(Place).where(Place.slug == place_slug))
    if place is None:
        abort(404)
    funds = db.session.scalars(select(Fund).where(Fund.place_id == place.id).order_by(Fund.name))
    return render_template(
        "funds/place_funds.html",
        place=place,
        funds=list(funds),
        is_staff=services.is_staff(db.session, current_user, place),
    )


@bp.get("/funds/<int:fund_id>")
def fund_page(fund_id: int) -> str:
    fund = _fund(fund_id, manage=False)
    page = paginate(services.public_grants_stmt(fund))
    return render_template(
        "funds/fund.html",
        fund=fund,
        figures=services.figures(db.session, fund),
        income=services.income_by_account(db.session, fund),
        page=page,
        can_manage=services.can_manage_fund(db.session, current_user, fund),
    )


@bp.get("/open-data")
def open_data() -> str:
    return render_template(
        "funds/open_data.html", prefix=current_app.config["THREESIXTYGIVING_PREFIX"]
    )


def _download(chunks: object, mimetype: str, filename: str) -> Response:
    response = Response(stream_with_context(chunks), mimetype=mimetype)  # type: ignore[arg-type]
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@bp.get("/open-data/360giving.json")
def open_data_json() -> Response:
    prefix = current_app.config["THREESIXTYGIVING_PREFIX"]
    return _download(
        opendata.json_chunks(db.session, prefix), "application/json", f"{prefix}-grants.json"
    )


@bp.get("/open-data/360giving.csv")
def open_data_csv() -> Response:
    prefix = current_app.config["THREESIXTYGIVING_PREFIX"]
    return _download(
        opendata.csv_chunks(db.session, prefix), "text/csv; charset=utf-8", f"{prefix}-grants.csv"
    )


# --- Setting up funds ------------------------------------------------------------------------


@bp.route("/places/<place_slug>/funds/new", methods=["GET", "POST"])
@login_required
@place_role_required(*STAFF)
def new_fund(place: Place) -> str | BaseResponse:
    form = FundForm()
    if request.method == "GET":
        form.checkin_threshold_pence.data = 1_000_000
        form.holder_name.data = place.name
    if form.validate_on_submit():
        try:
            fund = services.create_fund(db.session, current_user, place, **form.fund_fields())
        except DomainError as error:
            show_error(form, error)
        else:
            commit()
            say(_("The fund %(name)s is set up. Now add the money coming in.", name=fund.name))
            return redirect(url_for("funds.manage_fund", fund_id=fund.id))
    return render_template("funds/fund_form.html", form=form, place=place, fund=None)


@bp.route("/funds/<int:fund_id>/edit", methods=["GET", "POST"])
@login_required
def edit_fund(fund_id: int) -> str | BaseResponse:
    fund = _fund(fund_id)
    form = FundForm(obj=fund)
    if form.validate_on_submit():
        try:
            services.update_fund(db.session, current_user, fund, **form.fund_fields())
        except DomainError as error:
            show_error(form, error)
        else:
            commit()
            say(_("Saved."))
            return redirect(url_for("funds.manage_fund", fund_id=fund.id))
    return render_template("funds/fund_form.html", form=form, place=fund.place, fund=fund)


@bp.get("/funds/<int:fund_id>/manage")
@login_required
def manage_fund(fund_id: int) -> str:
    fund = _fund(fund_id)
    return render_template(
        "funds/manage.html",
        fund=fund,
        figures=services.figures(db.session, fund),
        years=services.commitments(db.session, fund),
        warning=services.overcommitment_warning(db.session, fund),
        gift_aid=services.gift_aid_claimable(db.session, fund),
        awards=services.awards_waiting(db.session, fund),
        rounds=services.rounds_for(db.session, fund),
    )


@bp.route("/funds/<int:fund_id>/questions", methods=["GET", "POST"])
@login_required
def fund_questions(fund_id: int) -> str | BaseResponse:
    fund = _fund(fund_id)
    form = QuestionForm()
    if form.validate_on_submit():
        try:
            services.add_question(db.session, current_user, fund, form.text.data)
        except DomainError as error:
            show_error(form, error)
        else:
            commit()
            say(_("Question added."))
            return redirect(url_for("funds.fund_questions", fund_id=fund.id))
    return render_template(
        "funds/questions.html",
        fund=fund,
        form=form,
        button=ButtonForm(),
        limit=services.MAX_QUESTIONS,
    )


@bp.post("/funds/<int:fund_id>/questions/<int:question_id>/remove")
@login_required
def remove_question(fund_id: int, question_id: int) -> BaseResponse:
    fund = _fund(fund_id)
    question = db.session.get(CheckInQuestion, question_id)
    if question is None or question.fund_id != fund.id:
        abort(404)
    if ButtonForm().validate_on_submit():
        services.remove_question(db.session, current_user, question)
        commit()
        say(_("Question taken away."))
    return redirect(url_for("funds.fund_questions", fund_id=fund.id))


@bp.route("/funds/<int:fund_id>/rounds", methods=["GET", "POST"])
@login_required
def fund_rounds(fund_id: int) -> str | BaseResponse:
    fund = _fund(fund_id)
    form = RoundLinkForm()
    rounds = list(
        db.session.scalars(
            select(Round).where(Round.place_id == fund.place_id).order_by(Round.id.desc())
        )
    )
    form.set_rounds(rounds)
    if form.validate_on_submit():
        round_ = next((r for r in rounds if str(r.id) == form.round.data), None)
        if round_ is None:
            abort(404)
        try:
            services.link_round(db.session, current_user, fund, round_)
        except DomainError as error:
            show_error(form, error)
        else:
            commit()
            say(_("Awards from %(round)s will be paid from this fund.", round=round_.title))
            return redirect(url_for("funds.manage_fund", fund_id=fund.id))
    return render_template(
        "funds/rounds.html", fund=fund, form=form, linked=services.rounds_for(db.session, fund)
    )


# --- Money in --------------------------------------------------------------------------------


@bp.get("/funds/<int:fund_id>/income")
@login_required
def income_list(fund_id: int) -> str:
    fund = _fund(fund_id)
    page = paginate(services.income_stmt(fund))
    return render_template("funds/income.html", fund=fund, page=page, button=ButtonForm())


@bp.route("/funds/<int:fund_id>/income/new", methods=["GET", "POST"])
@login_required
def new_income(fund_id: int) -> str | BaseResponse:
    fund = _fund(fund_id)
    form = IncomeForm()
    if request.method == "GET":
        form.pledged.data = "received"
    if form.validate_on_submit():
        try:
            services.record_income(
                db.session,
                current_user,
                fund,
                source=IncomeSource(form.source.data),
                amount_pence=form.amount_pence.data,
                from_name=form.from_name.data or "",
                purpose=form.purpose.data,
                gift_aid=bool(form.gift_aid.data),
                pledged=form.pledged.data == "pledged",
                expected_on=form.expected_on.data,
                received_on=form.received_on.data,
            )
        except DomainError as error:
            show_error(form, error)
        else:
            commit()
            say(_("%(amount)s added to the fund.", amount=services.money(form.amount_pence.data)))
            return redirect(url_for("funds.income_list", fund_id=fund.id))
    return render_template("funds/income_form.html", fund=fund, form=form)


def _income(fund: Fund, income_id: int) -> Income:
    income = db.session.get(Income, income_id)
    if income is None or income.fund_id != fund.id:
        abort(404)
    return income


@bp.post("/funds/<int:fund_id>/income/<int:income_id>/arrived")
@login_required
def pledge_arrived(fund_id: int, income_id: int) -> BaseResponse:
    fund = _fund(fund_id)
    income = _income(fund, income_id)
    button_action(
        lambda: services.receive_pledge(db.session, current_user, income),
        _("Marked as arrived."),
    )
    return redirect(url_for("funds.income_list", fund_id=fund.id))


@bp.route("/funds/<int:fund_id>/income/<int:income_id>/refund", methods=["GET", "POST"])
@login_required
def refund(fund_id: int, income_id: int) -> str | BaseResponse:
    fund = _fund(fund_id)
    income = _income(fund, income_id)
    form = RefundForm()
    if form.validate_on_submit():
        try:
            services.refund_income(
                db.session, current_user, income, form.amount_pence.data, form.reason.data
            )
        except DomainError as error:
            show_error(form, error)
        else:
            commit()
            say(_("The money has been given back."))
            return redirect(url_for("funds.income_list", fund_id=fund.id))
    return render_template("funds/refund.html", fund=fund, income=income, form=form)


# --- Grants ----------------------------------------------------------------------------------


@bp.get("/funds/<int:fund_id>/grants")
@login_required
def fund_grants(fund_id: int) -> str:
    fund = _fund(fund_id)
    page = paginate(services.grants_stmt(fund))
    return render_template(
        "funds/grants.html",
        fund=fund,
        page=page,
        awards=services.awards_waiting(db.session, fund),
    )


@bp.route("/funds/<int:fund_id>/grants/new", methods=["GET", "POST"])
@login_required
def new_grant(fund_id: int) -> str | BaseResponse:
    fund = _fund(fund_id)
    application = None
    application_id = request.args.get("application", type=int)
    if application_id is not None:
        application = db.session.get(Application, application_id)
        if application is None:
            abort(404)
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
    if form.validate_on_submit():
        group = next((g for g in groups if str(g.id) == form.group.data), None)
        try:
            grant = services.make_grant(
                db.session,
                current_user,
                fund,
                application=application,
                group=group,
                title=form.title.data,
                description=form.description.data or "",
                total_pence=form.total_pence.data,
                start_date=form.start_date.data,
                years=form.years.data,
                frequency=Frequency(form.frequency.data),
                restricted=form.restricted.data == "yes",
                purpose=form.purpose.data or "",
            )
        except DomainError as error:
            show_error(form, error)
        else:
            warning = services.overcommitment_warning(db.session, fund)
            commit()
            say(_("The grant is offered. The group can now read and agree to it."))
            if warning:
                flash(warning, "error")
            return redirect(url_for("funds.grant", grant_id=grant.id))
    return render_template(
        "funds/grant_form.html",
        fund=fund,
        form=form,
        application=application,
        figures=services.figures(db.session, fund),
    )


@bp.get("/grants")
@login_required
def my_grants() -> str:
    page = paginate(services.grants_for_user_stmt(current_user))
    return render_template("funds/my_grants.html", page=page)


@bp.get("/grants/<int:grant_id>")
@login_required
def grant(grant_id: int) -> str:
    grant = _grant(grant_id)
    actors = services.actors_for(db.session, current_user, grant)
    is_staff = workflow.Actor.STAFF in actors
    return render_template(
        "funds/grant.html",
        grant=grant,
        fund=grant.fund,
        is_staff=is_staff,
        is_group=workflow.Actor.GROUP in actors,
        moves={
            inst.id: workflow.moves_from("instalment", inst.state.value, actors)
            for inst in grant.instalments
        }
        if grant.state == workflow.GrantState.ACTIVE
        else {},
        paid=services.paid_pence(grant),
        by_year=schedule.by_financial_year(
            (i.due_date, i.amount_pence)
            for i in grant.instalments
            if i.state != workflow.InstalmentState.CANCELLED
        ),
        labels=workflow.ACTION_LABELS,
        year_label=financial_year_label,
        prefix=current_app.config["THREESIXTYGIVING_PREFIX"],
    )


@bp.route("/grants/<int:grant_id>/agreement", methods=["GET", "POST"])
@login_required
def agreement(grant_id: int) -> str | BaseResponse:
    grant = _grant(grant_id)
    form = AgreeForm()
    if form.validate_on_submit():
        try:
            services.accept_agreement(db.session, current_user, grant, bool(form.agree.data))
        except DomainError as error:
            show_error(form, error)
        else:
            commit()
            say(_("Thank you. Your group has agreed to the grant."))
            return redirect(url_for("funds.grant", grant_id=grant.id))
    can_accept = (
        workflow.Actor.GROUP in services.actors_for(db.session, current_user, grant)
        and grant.state == workflow.GrantState.OFFERED
    )
    return render_template("funds/agreement.html", grant=grant, form=form, can_accept=can_accept)


_INSTALMENT_FORMS: dict[str, type[FlaskForm]] = {
    "hold": ReasonForm,
    "pay": PayForm,
    "approve": ConfirmForm,
    "unapprove": ConfirmForm,
    "release": ConfirmForm,
}


@bp.route("/grants/<int:grant_id>/payments/<int:instalment_id>/<action>", methods=["GET", "POST"])
@login_required
def instalment_action(grant_id: int, instalment_id: int, action: str) -> str | BaseResponse:
    grant = _grant(grant_id, manage=True)
    instalment = db.session.get(Instalment, instalment_id)
    if instalment is None or instalment.grant_id != grant.id or action not in _INSTALMENT_FORMS:
        abort(404)
    form = _INSTALMENT_FORMS[action]()
    if request.method == "GET" and action == "pay":
        form.paid_on.data = utcnow().date()
    if form.validate_on_submit():
        try:
            services.act_on_instalment(
                db.session,
                current_user,
                instalment,
                action,
                reason=getattr(getattr(form, "reason", None), "data", None),
                paid_on=getattr(getattr(form, "paid_on", None), "data", None),
                reference=getattr(getattr(form, "reference", None), "data", None),
            )
        except DomainError as error:
            show_error(form, error)
        else:
            commit()
            say(
                _(
                    "Payment %(n)s: %(state)s.",
                    n=instalment.number,
                    state=instalment.state.label.lower(),
                )
            )
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
def vary(grant_id: int) -> str | BaseResponse:
    grant = _grant(grant_id, manage=True)
    variable = [i for i in grant.instalments if i.state in workflow.VARIABLE_STATES]
    form = vary_form(variable)
    if form.validate_on_submit():
        changes = [
            services.Change(
                instalment=inst,
                amount_pence=form[f"amount_{inst.id}"].data,
                due_date=form[f"due_{inst.id}"].data,
            )
            for inst in variable
        ]
        try:
            services.vary_grant(db.session, current_user, grant, changes, form.reason.data)
        except DomainError as error:
            show_error(form, error)
        else:
            warning = services.overcommitment_warning(db.session, grant.fund)
            commit()
            say(_("The grant has changed. The old plan is kept in its history."))
            if warning:
                flash(warning, "error")
            return redirect(url_for("funds.grant", grant_id=grant.id))
    return render_template("funds/vary.html", grant=grant, form=form, variable=variable)


@bp.route("/grants/<int:grant_id>/end", methods=["GET", "POST"])
@login_required
def end_grant(grant_id: int) -> str | BaseResponse:
    grant = _grant(grant_id, manage=True)
    form = CloseForm()
    if form.validate_on_submit():
        try:
            services.end_grant(db.session, current_user, grant, form.note.data)
        except DomainError as error:
            show_error(form, error)
        else:
            commit()
            say(_("The grant has ended."))
            return redirect(url_for("funds.grant", grant_id=grant.id))
    return render_template("funds/end_grant.html", grant=grant, form=form)


@bp.route("/grants/<int:grant_id>/check-ins/<int:checkin_id>", methods=["GET", "POST"])
@login_required
def checkin(grant_id: int, checkin_id: int) -> str | BaseResponse:
    grant = _grant(grant_id)
    item = db.session.get(CheckIn, checkin_id)
    if item is None or item.grant_id != grant.id:
        abort(404)
    actors = services.actors_for(db.session, current_user, grant)
    questions = services.questions_for(item)
    if item.kind == CheckInKind.UPDATE:
        form = checkin_form(item, questions)
        may_act = workflow.Actor.GROUP in actors
    else:
        form = NoteForm()
        may_act = workflow.Actor.STAFF in actors
    may_act = may_act and item.state == CheckInState.DUE
    if request.method == "POST" and not may_act:
        abort(403)
    if may_act and form.validate_on_submit():
        try:
            if item.kind == CheckInKind.UPDATE:
                answers = {position: form[f"answer_{position}"].data for position, _t in questions}
                services.answer_checkin(db.session, current_user, item, answers)
            else:
                services.note_conversation(db.session, current_user, item, form.note.data)
        except DomainError as error:
            show_error(form, error)
        else:
            commit()
            say(_("Thank you. That check-in is done."))
            return redirect(url_for("funds.grant", grant_id=grant.id))
    return render_template(
        "funds/checkin.html",
        grant=grant,
        checkin=item,
        form=form,
        may_act=may_act,
        questions=questions,
    )


# --- Payment runs ----------------------------------------------------------------------------


class _RunDate(FlaskForm):
    class Meta:
        csrf = False

    on = LondonDateField(_l("Pay what is due on or before"))


def _run_date() -> tuple[_RunDate, dt.date]:
    form = _RunDate(formdata=request.args if "on" in request.args else None)
    day = utcnow().date()
    if "on" in request.args and form.validate():
        day = form.on.data or day
    form.on.data = day
    return form, day


@bp.route("/funds/<int:fund_id>/payment-run", methods=["GET", "POST"])
@login_required
def payment_run(fund_id: int) -> str | BaseResponse:
    fund = _fund(fund_id)
    date_form, on = _run_date()
    form = RunForm()
    if request.method == "GET":
        form.paid_on.data = utcnow().date()
    if form.validate_on_submit():
        try:
            items = services.record_payment_run(
                db.session, current_user, fund, on, form.paid_on.data
            )
        except DomainError as error:
            show_error(form, error)
        else:
            commit()
            say(
                ngettext(
                    "%(num)d payment recorded as paid.",
                    "%(num)d payments recorded as paid.",
                    len(items),
                )
            )
            return redirect(url_for("funds.manage_fund", fund_id=fund.id))
    items = services.payment_run(db.session, fund, on)
    return render_template(
        "funds/payment_run.html",
        fund=fund,
        on=on,
        date_form=date_form,
        form=form,
        items=items,
        total=sum(i.amount_pence for i in items),
        on_args=[on.day, on.month, on.year],
        reference=services.run_reference,
    )


@bp.get("/funds/<int:fund_id>/payment-run.csv")
@login_required
def payment_run_csv(fund_id: int) -> Response:
    fund = _fund(fund_id)
    _form, on = _run_date()
    items = services.payment_run(db.session, fund, on)
    body = services.payment_run_csv(fund, on, items, current_app.config["THREESIXTYGIVING_PREFIX"])
    response = Response(body, mimetype="text/csv; charset=utf-8")
    response.headers["Content-Disposition"] = (
        f'attachment; filename="payment-run-{fund.id}-{on.isoformat()}.csv"'
    )
    return response


# --- Giving ----------------------------------------------------------------------------------


@bp.route("/funds/<int:fund_id>/give", methods=["GET", "POST"])
def give(fund_id: int) -> str | BaseResponse:
    """The giving page: what the fund is for, what it has done, and a form to give."""
    fund = _fund(fund_id, manage=False)
    ready = services.online_giving_ready()
    form = GiveForm()
    form.set_presets(services.PRESET_AMOUNTS)
    if request.method == "GET" and current_user.is_authenticated:
        form.donor_name.data = current_user.name
        form.donor_email.data = current_user.email
        form.postcode.data = getattr(current_user, "postcode", None)
    if ready and form.validate_on_submit():
        gift_aid = None
        if fund.holder_can_claim_gift_aid and form.gift_aid.data in (
            DeclarationScope.THIS_GIFT.value,
            DeclarationScope.THIS_AND_FUTURE.value,
        ):
            gift_aid = services.GiftAidDetails(
                title=form.title.data or "",
                first_name=form.first_name.data or "",
                last_name=form.last_name.data or "",
                house=form.house.data or "",
                postcode=form.gift_aid_postcode.data or "",
                scope=DeclarationScope(form.gift_aid.data),
                taxpayer=bool(form.taxpayer.data),
            )
        amount = form.amount()
        try:
            if form.preset.data == "other" and amount is None:
                raise DomainError(_("Enter how much you want to give"), field="other_amount")
            gift = services.start_gift(
                db.session,
                current_user if current_user.is_authenticated else None,
                fund,
                monthly=form.frequency.data == "monthly",
                amount_pence=amount,
                donor_name=form.donor_name.data,
                donor_email=form.donor_email.data,
                postcode=form.postcode.data,
                purpose=form.purpose.data,
                gift_aid=gift_aid,
            )
        except DomainError as error:
            if error.field == "amount_pence":
                error.field = "other_amount" if form.preset.data == "other" else "preset"
            show_error(form, error)
        else:
            commit()
            return redirect(url_for("funds.confirm_gift", reference=gift.reference))
    match = services.live_match(db.session, fund)
    return render_template(
        "funds/give.html",
        fund=fund,
        form=form,
        ready=ready,
        match=match,
        giving=services.giving_figures(db.session, fund),
        figures=services.figures(db.session, fund),
        wording=services.GIFT_AID_WORDING,
    )


def _gift(reference: str) -> Donation | RegularGift:
    gift = services.find_gift(db.session, reference)
    if gift is None:
        abort(404)
    return gift


@bp.get("/give/<reference>")
def confirm_gift(reference: str) -> str:
    """Check the gift, then continue to Stripe to pay."""
    gift = _gift(reference)
    return render_template(
        "funds/give_confirm.html",
        gift=gift,
        fund=gift.fund,
        monthly=isinstance(gift, RegularGift),
        button=ButtonForm(),
        waiting=(
            gift.state == workflow.RegularGiftState.PENDING
            if isinstance(gift, RegularGift)
            else gift.state == workflow.DonationState.PENDING
        ),
    )


@bp.post("/give/<reference>/pay")
def pay_gift(reference: str) -> BaseResponse:
    """The hand-off: start a Stripe Checkout session and send the donor to it."""
    gift = _gift(reference)
    if not ButtonForm().validate_on_submit():
        return redirect(url_for("funds.confirm_gift", reference=reference))
    try:
        url = services.checkout(
            db.session,
            gift,
            success_url=url_for("funds.gift_thanks", reference=reference, _external=True),
            cancel_url=url_for("funds.confirm_gift", reference=reference, _external=True),
        )
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "error")
        return redirect(url_for("funds.confirm_gift", reference=reference))
    commit()
    return redirect(url, code=303)


@bp.get("/give/<reference>/thanks")
def gift_thanks(reference: str) -> str:
    gift = _gift(reference)
    return render_template(
        "funds/give_thanks.html",
        gift=gift,
        fund=gift.fund,
        monthly=isinstance(gift, RegularGift),
    )


@bp.post("/stripe/webhook")
@csrf.exempt
def stripe_webhook() -> tuple[str, int]:
    """Stripe's events: the signature is checked (and old timestamps refused) before anything
    is read; each event is acted on once, whatever order they come in."""
    secret = current_app.config.get("STRIPE_WEBHOOK_SECRET")
    if not secret:
        return "Online giving is not set up", 404
    payload = request.get_data(as_text=True)
    try:
        event = stripe.Webhook.construct_event(
            payload, request.headers.get("Stripe-Signature"), secret, tolerance=300
        )
    except (ValueError, stripe.SignatureVerificationError):
        return "Bad signature", 400
    for attempt in range(5):
        try:
            outcome = services.handle_stripe_event(db.session, event.to_dict())
            commit()
        except IntegrityError:
            # Another worker wrote the same row at the same moment: start again, and the
            # second time round the event is known (a duplicate) or the row is there.
            db.session.rollback()
            continue
        except OperationalError:
            # SQLite lets one writer in at a time: wait a moment and try again.
            db.session.rollback()
            time.sleep(0.2 * (attempt + 1))
            continue
        return outcome, 200
    return "Busy, try again", 503


# --- Gifts, for the fund's managers ----------------------------------------------------------


@bp.get("/funds/<int:fund_id>/donations")
@login_required
def donations(fund_id: int) -> str:
    fund = _fund(fund_id)
    page = paginate(services.donations_stmt(fund))
    return render_template(
        "funds/donations.html",
        fund=fund,
        page=page,
        pledges=services.match_pledges(db.session, fund),
        online=services.online_giving_ready(),
        declarations=services.live_declarations(db.session, fund),
        button=ButtonForm(),
    )


def _offline_gift_aid(form: OfflineGiftForm) -> services.GiftAidDetails | None:
    if not form.gift_aid.data:
        return None
    return services.GiftAidDetails(
        first_name=form.first_name.data or "",
        last_name=form.last_name.data or "",
        house=form.house.data or "",
        postcode=form.gift_aid_postcode.data or "",
        taxpayer=True,
    )


@bp.route("/funds/<int:fund_id>/donations/new", methods=["GET", "POST"])
@login_required
def new_donation(fund_id: int) -> str | BaseResponse:
    fund = _fund(fund_id)
    form = OfflineGiftForm()
    if form.validate_on_submit():
        try:
            services.record_offline_gift(
                db.session,
                current_user,
                fund,
                method=DonationMethod(form.method.data),
                amount_pence=form.amount_pence.data,
                donor_name=form.donor_name.data,
                donor_email=form.donor_email.data or "",
                postcode=form.postcode.data,
                purpose=form.purpose.data,
                received_on=form.received_on.data,
                from_company=bool(form.from_company.data),
                has_benefit=bool(form.has_benefit.data),
                gift_aid=_offline_gift_aid(form),
            )
        except DomainError as error:
            show_error(form, error)
        else:
            commit()
            say(_("%(amount)s gift recorded.", amount=services.money(form.amount_pence.data)))
            return redirect(url_for("funds.donations", fund_id=fund.id))
    return render_template("funds/donation_form.html", fund=fund, form=form)


@bp.route("/funds/<int:fund_id>/donations/<int:donation_id>/refund", methods=["GET", "POST"])
@login_required
def refund_donation(fund_id: int, donation_id: int) -> str | BaseResponse:
    fund = _fund(fund_id)
    donation = db.session.get(Donation, donation_id)
    if donation is None or donation.fund_id != fund.id:
        abort(404)
    form = DonationRefundForm()
    if form.validate_on_submit():
        try:
            services.refund_donation(db.session, current_user, donation, form.reason.data)
        except DomainError as error:
            show_error(form, error)
        else:
            commit()
            say(_("The gift has been given back."))
            return redirect(url_for("funds.donations", fund_id=fund.id))
    return render_template("funds/donation_refund.html", fund=fund, donation=donation, form=form)


@bp.route("/funds/<int:fund_id>/match", methods=["GET", "POST"])
@login_required
def match(fund_id: int) -> str | BaseResponse:
    fund = _fund(fund_id)
    form = MatchForm()
    if form.validate_on_submit():
        try:
            services.create_match_pledge(
                db.session,
                current_user,
                fund,
                funder_name=form.funder_name.data,
                ratio_percent=form.ratio.data,
                cap_pence=form.cap_pence.data,
                starts_on=form.starts_on.data,
                ends_on=form.ends_on.data,
            )
        except DomainError as error:
            show_error(form, error)
        else:
            commit()
            say(_("Match funding added."))
            return redirect(url_for("funds.donations", fund_id=fund.id))
    return render_template(
        "funds/match.html", fund=fund, form=form, pledges=services.match_pledges(db.session, fund)
    )


# --- Your giving -----------------------------------------------------------------------------


@bp.get("/giving")
@login_required
def my_giving() -> str:
    page = paginate(services.donations_for_user_stmt(current_user))
    return render_template(
        "funds/my_giving.html",
        page=page,
        monthly=services.regular_gifts_for_user(db.session, current_user),
        declarations=services.declarations_for_user(db.session, current_user),
        button=ButtonForm(),
    )


@bp.post("/giving/monthly/<int:gift_id>/cancel")
@login_required
def cancel_monthly(gift_id: int) -> BaseResponse:
    gift = db.session.get(RegularGift, gift_id)
    if gift is None:
        abort(404)
    if not services.can_see_regular_gift(db.session, current_user, gift):
        abort(403)
    button_action(
        lambda: services.cancel_regular_gift(db.session, current_user, gift),
        _("Your monthly gift has stopped. No more payments will be taken."),
    )
    return redirect(url_for("funds.my_giving"))


@bp.post("/giving/gift-aid/<int:declaration_id>/cancel")
@login_required
def cancel_declaration(declaration_id: int) -> BaseResponse:
    declaration = db.session.get(GiftAidDeclaration, declaration_id)
    if declaration is None:
        abort(404)
    if not services.can_see_declaration(db.session, current_user, declaration):
        abort(403)
    button_action(
        lambda: services.cancel_declaration(db.session, current_user, declaration),
        _("Your Gift Aid declaration is cancelled. It does not cover gifts from now on."),
    )
    return redirect(url_for("funds.my_giving"))


@bp.post("/funds/<int:fund_id>/gift-aid/<int:declaration_id>/cancel")
@login_required
def staff_cancel_declaration(fund_id: int, declaration_id: int) -> BaseResponse:
    """A donor without an account asks the fund to cancel their Gift Aid declaration."""
    fund = _fund(fund_id)
    declaration = db.session.get(GiftAidDeclaration, declaration_id)
    if declaration is None or declaration.fund_id != fund.id:
        abort(404)
    button_action(
        lambda: services.cancel_declaration(db.session, current_user, declaration),
        _("The Gift Aid declaration is cancelled. It does not cover gifts from now on."),
    )
    return redirect(url_for("funds.donations", fund_id=fund.id))
