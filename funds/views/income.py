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
from funds.views.access import bp, fund_or_404
from giving.extensions import db
from giving.forms import ButtonForm
from giving.money import format_money
from giving.pagination import paginate
from giving.transaction import form_action
from giving.views.lookups import child_or_404
from giving.views.pages import button_then, fields_of


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
    if form_action(
        form,
        lambda: services.record_income(
            db.session,
            current_user,
            fund,
            source=IncomeSource(form.source.data),
            from_name=form.from_name.data or "",
            gift_aid=bool(form.gift_aid.data),
            pledged=form.pledged.data == "pledged",
            **fields_of(form, "amount_pence", "purpose", "expected_on", "received_on"),
        ),
        lambda income: _("%(amount)s added to the fund.", amount=format_money(income.amount_pence)),
    ):
        return redirect(url_for("funds.income_list", fund_id=fund.id))
    return render_template("funds/income_form.html", fund=fund, form=form)


@bp.post("/funds/<int:fund_id>/income/<int:income_id>/arrived")
@login_required
def pledge_arrived(fund_id: int, income_id: int) -> Response:
    fund = fund_or_404(fund_id)
    income = child_or_404(Income, income_id, fund_id=fund.id)
    return button_then(
        lambda: services.receive_pledge(db.session, current_user, income),
        _("Marked as arrived."),
        url_for("funds.income_list", fund_id=fund.id),
    )


@bp.route("/funds/<int:fund_id>/income/<int:income_id>/refund", methods=["GET", "POST"])
@login_required
def refund(fund_id: int, income_id: int) -> str | Response:
    fund = fund_or_404(fund_id)
    income = child_or_404(Income, income_id, fund_id=fund.id)
    form = RefundForm()
    if form_action(
        form,
        lambda: services.refund_income(
            db.session, current_user, income, form.amount_pence.data, form.reason.data
        ),
        _("The money has been given back."),
    ):
        return redirect(url_for("funds.income_list", fund_id=fund.id))
    return render_template("funds/refund.html", fund=fund, income=income, form=form)
