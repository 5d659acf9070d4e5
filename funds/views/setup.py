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
from funds.views.access import STAFF, bp, fund_or_404
from giving.extensions import db
from giving.forms import ButtonForm
from giving.forms.translations import FUND_TEXTS, given, with_translations
from giving.models import Place, Round
from giving.transaction import form_action
from giving.views.access import place_role_required
from giving.views.lookups import child_or_404
from giving.views.pages import button_then


@bp.route("/places/<place_slug>/funds/new", methods=["GET", "POST"])
@login_required
@place_role_required(*STAFF)
def new_fund(place: Place) -> str | Response:
    form = with_translations(FundForm, place, FUND_TEXTS)
    if request.method == "GET":
        form.checkin_threshold_pence.data = 1_000_000
        form.holder_name.data = place.name
    done = form_action(
        form,
        lambda: services.create_fund(
            db.session,
            current_user,
            place,
            translations=given(form, place, FUND_TEXTS),
            **form.fund_fields(),
        ),
        lambda fund: _("The fund %(name)s is set up. Now add the money coming in.", name=fund.name),
    )
    if done:
        return redirect(url_for("funds.manage_fund", fund_id=done.value.id))
    return render_template("funds/fund_form.html", form=form, place=place, fund=None)


@bp.route("/funds/<int:fund_id>/edit", methods=["GET", "POST"])
@login_required
def edit_fund(fund_id: int) -> str | Response:
    fund = fund_or_404(fund_id)
    form = with_translations(FundForm, fund.place, FUND_TEXTS, obj=fund)
    if form_action(
        form,
        lambda: services.update_fund(
            db.session,
            current_user,
            fund,
            translations=given(form, fund.place, FUND_TEXTS),
            **form.fund_fields(),
        ),
        _("Saved."),
    ):
        return redirect(url_for("funds.manage_fund", fund_id=fund.id))
    return render_template("funds/fund_form.html", form=form, place=fund.place, fund=fund)


@bp.get("/funds/<int:fund_id>/manage")
@login_required
def manage_fund(fund_id: int) -> str:
    fund = fund_or_404(fund_id)
    years = services.commitments(db.session, fund)
    return render_template(
        "funds/manage.html",
        fund=fund,
        figures=services.figures(db.session, fund),
        years=years,
        warning=services.overcommitment_warning(db.session, fund, years=years),
        gift_aid=services.gift_aid_claimable(db.session, fund),
        awards=services.awards_waiting(db.session, fund),
        rounds=services.rounds_for(db.session, fund),
    )


@bp.route("/funds/<int:fund_id>/questions", methods=["GET", "POST"])
@login_required
def fund_questions(fund_id: int) -> str | Response:
    fund = fund_or_404(fund_id)
    form = QuestionForm()
    if form_action(
        form,
        lambda: services.add_question(db.session, current_user, fund, form.text.data),
        _("Question added."),
    ):
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
    question = child_or_404(CheckInQuestion, question_id, fund_id=fund.id)
    return button_then(
        lambda: services.remove_question(db.session, current_user, question),
        _("Question taken away."),
        url_for("funds.fund_questions", fund_id=fund.id),
    )


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
    if form_action(
        form,
        lambda: services.link_round(
            db.session,
            current_user,
            fund,
            child_or_404(Round, int(form.round.data), place_id=fund.place_id),
        ),
        lambda link: _(
            "Awards from %(round)s will be paid from this fund.", round=link.round.title
        ),
    ):
        return redirect(url_for("funds.manage_fund", fund_id=fund.id))
    return render_template(
        "funds/rounds.html", fund=fund, form=form, linked=services.rounds_for(db.session, fund)
    )
