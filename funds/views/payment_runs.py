"""Payment runs: what is ready to pay on or before a day, the file for the bank, and recording
the run as paid."""

from __future__ import annotations

import datetime as dt

from flask import Response, current_app, redirect, render_template, request, url_for
from flask_babel import ngettext
from flask_login import current_user, login_required
from werkzeug.wrappers import Response as BaseResponse

from funds import services
from funds.forms import RunDateForm, RunForm
from funds.services.jobs import start_payment_run_file
from funds.views.access import bp, fund_or_404
from giving.extensions import db
from giving.forms import ButtonForm
from giving.timeutil import utcnow
from giving.transaction import attempt, form_action


def _run_date() -> tuple[RunDateForm, dt.date]:
    form = RunDateForm(formdata=request.args if "on" in request.args else None)
    day = utcnow().date()
    if "on" in request.args and form.validate():
        day = form.on.data or day
    form.on.data = day
    return form, day


@bp.route("/funds/<int:fund_id>/payment-run", methods=["GET", "POST"])
@login_required
def payment_run(fund_id: int) -> str | BaseResponse:
    fund = fund_or_404(fund_id)
    date_form, on = _run_date()
    form = RunForm()
    if request.method == "GET":
        form.paid_on.data = utcnow().date()
    if form_action(
        form,
        lambda: services.record_payment_run(db.session, current_user, fund, on, form.paid_on.data),
        lambda paid: ngettext(
            "%(num)d payment recorded as paid.", "%(num)d payments recorded as paid.", len(paid)
        ),
    ):
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
        button=ButtonForm(),
    )


@bp.post("/funds/<int:fund_id>/payment-run/file")
@login_required
def payment_run_file(fund_id: int) -> BaseResponse:
    """Make the file for the bank in a background job, then go to the job's page."""
    fund = fund_or_404(fund_id)
    _form, on = _run_date()
    back = url_for("funds.payment_run", fund_id=fund.id, on=[on.day, on.month, on.year])
    if ButtonForm().validate_on_submit():
        started = attempt(None, start_payment_run_file, db.session, current_user, fund, on, back)
        if started:
            return redirect(url_for("giving.job", job_id=started.value.id))
    return redirect(back)


@bp.get("/funds/<int:fund_id>/payment-run.csv")
@login_required
def payment_run_csv(fund_id: int) -> Response:
    fund = fund_or_404(fund_id)
    _form, on = _run_date()
    items = services.payment_run(db.session, fund, on)
    body = services.payment_run_csv(fund, on, items, current_app.config["THREESIXTYGIVING_PREFIX"])
    response = Response(body, mimetype="text/csv; charset=utf-8")
    response.headers["Content-Disposition"] = (
        f'attachment; filename="payment-run-{fund.id}-{on.isoformat()}.csv"'
    )
    return response
