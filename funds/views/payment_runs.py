"""Payment runs: what is ready to pay on or before a day, the file for the bank, and recording
the run as paid."""

from __future__ import annotations

import datetime as dt

from flask import Response, abort, current_app, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required
from werkzeug.wrappers import Response as BaseResponse

from funds import services
from funds.forms import RunDateForm, RunForm, StatementForm
from funds.models import PaymentRun
from funds.services.jobs import start_payment_run_file
from funds.views.access import bp, fund_or_404
from giving.extensions import db
from giving.forms import ButtonForm
from giving.timeutil import utcnow
from giving.transaction import attempt, button_action, form_action, say
from giving.views.lookups import child_or_404


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
    ready, left_out = services.runnable(db.session, fund, on)
    return render_template(
        "funds/payment_run.html",
        ready=ready,
        left_out=left_out,
        runs=services.payment_runs_of(db.session, fund),
        has_account=services.fund_banking_of(db.session, fund) is not None,
        fund=fund,
        on=on,
        date_form=date_form,
        form=form,
        items=items,
        one_person=services.one_person_may_pay(db.session, fund),
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


@bp.post("/funds/<int:fund_id>/payment-runs")
@login_required
def prepare_payment_run(fund_id: int) -> BaseResponse:
    """Gather what is ready into a run for a second person to approve."""
    fund = fund_or_404(fund_id)
    _form, on = _run_date()
    if ButtonForm().validate_on_submit():
        done = attempt(None, services.prepare_run, db.session, current_user, fund, on)
        if done:
            say(_("Payment run prepared. Someone else must now approve it."))
            return redirect(
                url_for("funds.payment_run_page", fund_id=fund.id, run_id=done.value.id)
            )
    return redirect(url_for("funds.payment_run", fund_id=fund.id, on=[on.day, on.month, on.year]))


def _run(fund_id: int, run_id: int) -> PaymentRun:
    fund = fund_or_404(fund_id)
    return child_or_404(PaymentRun, run_id, fund_id=fund.id)


def _run_page(run: PaymentRun, form: StatementForm, result: object = None) -> str:
    return render_template(
        "funds/payment_run_approve.html",
        fund=run.fund,
        run=run,
        form=form,
        result=result,
        reference=services.run_reference,
        can_approve=services.may_approve(run, current_user),
        button=ButtonForm(),
    )


@bp.get("/funds/<int:fund_id>/payment-runs/<int:run_id>")
@login_required
def payment_run_page(fund_id: int, run_id: int) -> str:
    return _run_page(_run(fund_id, run_id), StatementForm())


@bp.post("/funds/<int:fund_id>/payment-runs/<int:run_id>/approve")
@login_required
def approve_payment_run(fund_id: int, run_id: int) -> BaseResponse:
    run = _run(fund_id, run_id)
    button_action(
        lambda: services.approve_run(db.session, current_user, run),
        _("Payment run approved. Download the file and upload it to the bank."),
    )
    return redirect(url_for("funds.payment_run_page", fund_id=fund_id, run_id=run_id))


@bp.post("/funds/<int:fund_id>/payment-runs/<int:run_id>/discard")
@login_required
def discard_payment_run(fund_id: int, run_id: int) -> BaseResponse:
    """Throw a prepared run away before it is approved; its payments can go in a new run."""
    run = _run(fund_id, run_id)
    if button_action(
        lambda: services.discard_run(db.session, current_user, run),
        _("Payment run thrown away. Its payments are ready to go in a new run."),
    ):
        return redirect(url_for("funds.payment_run", fund_id=fund_id))
    return redirect(url_for("funds.payment_run_page", fund_id=fund_id, run_id=run_id))


@bp.post("/funds/<int:fund_id>/payment-runs/<int:run_id>/statement")
@login_required
def payment_run_statement(fund_id: int, run_id: int) -> str | tuple[str, int]:
    """Match the bank's statement; the page shows what was paid and what did not match."""
    run = _run(fund_id, run_id)
    form = StatementForm()
    if form.validate_on_submit():
        upload = form.file.data
        data = upload.read(current_app.config["MAX_UPLOAD_BYTES"]) if upload else b""
        done = attempt(form, services.import_statement, db.session, current_user, run, data)
        if done:
            return _run_page(run, StatementForm(formdata=None), done.value)
    return _run_page(run, form), 400


def _download(run: PaymentRun, kind: str, mimetype: str, name: str) -> Response:
    done = attempt(None, services.run_file, run, kind)
    if not done:
        abort(404)
    response = Response(done.value, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@bp.get("/funds/<int:fund_id>/payment-runs/<int:run_id>/bacs.txt")
@login_required
def payment_run_bacs(fund_id: int, run_id: int) -> Response:
    run = _run(fund_id, run_id)
    return _download(run, "bacs", "text/plain; charset=us-ascii", f"payment-run-{run.id}-bacs.txt")


@bp.get("/funds/<int:fund_id>/payment-runs/<int:run_id>/payments.csv")
@login_required
def payment_run_payments_csv(fund_id: int, run_id: int) -> Response:
    run = _run(fund_id, run_id)
    return _download(run, "csv", "text/csv; charset=utf-8", f"payment-run-{run.id}.csv")
