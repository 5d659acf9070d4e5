"""Setting up funds: a new fund, its details, its check-in questions and the rounds it pays."""

from __future__ import annotations

from flask import redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select
from werkzeug.wrappers import Response

from funds import services
from funds.forms import FundForm, QuestionForm, RoundLinkForm
from funds.models import CheckInQuestion
from funds.views.access import STAFF, bp, fund_or_404, row_of
from giving.extensions import db
from giving.forms import ButtonForm
from giving.models import Place, Round
from giving.transaction import attempt, button_action, say
from giving.views.access import place_role_required


@bp.route("/places/<place_slug>/funds/new", methods=["GET", "POST"])
@login_required
@place_role_required(*STAFF)
def new_fund(place: Place) -> str | Response:
    form = FundForm()
    if request.method == "GET":
        form.checkin_threshold_pence.data = 1_000_000
        form.holder_name.data = place.name
    if form.validate_on_submit():
        done = attempt(
            form, services.create_fund, db.session, current_user, place, **form.fund_fields()
        )
        if done:
            fund = done.value
            say(_("The fund %(name)s is set up. Now add the money coming in.", name=fund.name))
            return redirect(url_for("funds.manage_fund", fund_id=fund.id))
    return render_template("funds/fund_form.html", form=form, place=place, fund=None)


@bp.route("/funds/<int:fund_id>/edit", methods=["GET", "POST"])
@login_required
def edit_fund(fund_id: int) -> str | Response:
    fund = fund_or_404(fund_id)
    form = FundForm(obj=fund)
    if form.validate_on_submit() and attempt(
        form, services.update_fund, db.session, current_user, fund, **form.fund_fields()
    ):
        say(_("Saved."))
        return redirect(url_for("funds.manage_fund", fund_id=fund.id))
    return render_template("funds/fund_form.html", form=form, place=fund.place, fund=fund)


@bp.get("/funds/<int:fund_id>/manage")
@login_required
def manage_fund(fund_id: int) -> str:
    fund = fund_or_404(fund_id)
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
def fund_questions(fund_id: int) -> str | Response:
    fund = fund_or_404(fund_id)
    form = QuestionForm()
    if form.validate_on_submit() and attempt(
        form, services.add_question, db.session, current_user, fund, form.text.data
    ):
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
def remove_question(fund_id: int, question_id: int) -> Response:
    fund = fund_or_404(fund_id)
    question = row_of(CheckInQuestion, question_id, fund_id=fund.id)
    button_action(
        lambda: services.remove_question(db.session, current_user, question),
        _("Question taken away."),
    )
    return redirect(url_for("funds.fund_questions", fund_id=fund.id))


@bp.route("/funds/<int:fund_id>/rounds", methods=["GET", "POST"])
@login_required
def fund_rounds(fund_id: int) -> str | Response:
    fund = fund_or_404(fund_id)
    form = RoundLinkForm()
    rounds = list(
        db.session.scalars(
            select(Round).where(Round.place_id == fund.place_id).order_by(Round.id.desc())
        )
    )
    form.set_rounds(rounds)
    if form.validate_on_submit():
        round_ = row_of(Round, int(form.round.data), place_id=fund.place_id)
        if attempt(form, services.link_round, db.session, current_user, fund, round_):
            say(_("Awards from %(round)s will be paid from this fund.", round=round_.title))
            return redirect(url_for("funds.manage_fund", fund_id=fund.id))
    return render_template(
        "funds/rounds.html", fund=fund, form=form, linked=services.rounds_for(db.session, fund)
    )
