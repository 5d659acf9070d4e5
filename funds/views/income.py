"""Money in: the fund's income, money received or promised, promises arriving, money given
back."""

from __future__ import annotations

from flask import redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from funds import services
from funds.forms import IncomeForm, RefundForm
from funds.models import Income, IncomeSource
from funds.views.access import bp, fund_or_404, row_of
from giving.extensions import db
from giving.forms import ButtonForm
from giving.money import format_money
from giving.pagination import paginate
from giving.transaction import attempt, button_action, say


@bp.get("/funds/<int:fund_id>/income")
@login_required
def income_list(fund_id: int) -> str:
    fund = fund_or_404(fund_id)
    page = paginate(services.income_stmt(fund))
    return render_template("funds/income.html", fund=fund, page=page, button=ButtonForm())


@bp.route("/funds/<int:fund_id>/income/new", methods=["GET", "POST"])
@login_required
def new_income(fund_id: int) -> str | Response:
    fund = fund_or_404(fund_id)
    form = IncomeForm()
    if request.method == "GET":
        form.pledged.data = "received"
    if form.validate_on_submit():
        done = attempt(
            form,
            services.record_income,
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
        if done:
            say(_("%(amount)s added to the fund.", amount=format_money(form.amount_pence.data)))
            return redirect(url_for("funds.income_list", fund_id=fund.id))
    return render_template("funds/income_form.html", fund=fund, form=form)


@bp.post("/funds/<int:fund_id>/income/<int:income_id>/arrived")
@login_required
def pledge_arrived(fund_id: int, income_id: int) -> Response:
    fund = fund_or_404(fund_id)
    income = row_of(Income, income_id, fund_id=fund.id)
    button_action(
        lambda: services.receive_pledge(db.session, current_user, income),
        _("Marked as arrived."),
    )
    return redirect(url_for("funds.income_list", fund_id=fund.id))


@bp.route("/funds/<int:fund_id>/income/<int:income_id>/refund", methods=["GET", "POST"])
@login_required
def refund(fund_id: int, income_id: int) -> str | Response:
    fund = fund_or_404(fund_id)
    income = row_of(Income, income_id, fund_id=fund.id)
    form = RefundForm()
    if form.validate_on_submit():
        done = attempt(
            form,
            services.refund_income,
            db.session,
            current_user,
            income,
            form.amount_pence.data,
            form.reason.data,
        )
        if done:
            say(_("The money has been given back."))
            return redirect(url_for("funds.income_list", fund_id=fund.id))
    return render_template("funds/refund.html", fund=fund, income=income, form=form)
