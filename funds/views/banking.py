"""Bank details: a group's account (its lead members change it, the place's fund managers
confirm it) and a fund's own account and payment settings."""

from __future__ import annotations

from flask import abort, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from funds import services
from funds.forms import BankDetailsForm, FundBankingForm
from funds.views.access import bp, fund_or_404
from giving.extensions import db
from giving.forms import ButtonForm
from giving.models import Group
from giving.transaction import button_action, form_action


def _group(group_id: int) -> Group:
    """The group, for its members and the fund managers of its place (403 for anyone else)."""
    group = db.get_or_404(Group, group_id)
    if not services.can_see_bank_details(db.session, current_user, group):
        abort(403)
    return group


@bp.get("/groups/<int:group_id>/bank-details")
@login_required
def group_bank_details(group_id: int) -> str:
    group = _group(group_id)
    details = services.bank_details_of(db.session, group)
    in_full = services.can_read_in_full(db.session, current_user, group)
    return render_template(
        "funds/bank_details.html",
        group=group,
        details=details,
        account=services.shown(details, in_full) if details else None,
        can_change=services.is_group_lead(current_user, group),
        can_confirm=in_full,
        button=ButtonForm(),
    )


@bp.route("/groups/<int:group_id>/bank-details/change", methods=["GET", "POST"])
@login_required
def change_group_bank_details(group_id: int) -> str | Response:
    group = _group(group_id)
    if not services.is_group_lead(current_user, group):
        abort(403)
    form = BankDetailsForm()
    if form_action(
        form,
        lambda: services.change_bank_details(
            db.session,
            current_user,
            group,
            form.account_name.data,
            form.sort_code.data,
            form.account_number.data,
            form.iban.data,
        ),
        _("Bank details saved. We will check them with you before we pay anything into them."),
    ):
        return redirect(url_for("funds.group_bank_details", group_id=group.id))
    return render_template("funds/bank_details_form.html", group=group, form=form)


@bp.post("/groups/<int:group_id>/bank-details/confirm")
@login_required
def confirm_group_bank_details(group_id: int) -> Response:
    group = _group(group_id)
    if not services.can_read_in_full(db.session, current_user, group):
        abort(403)
    button_action(
        lambda: services.confirm_bank_details(db.session, current_user, group),
        _("Bank details confirmed. Payments to this group can go in a payment run."),
    )
    return redirect(url_for("funds.group_bank_details", group_id=group.id))


@bp.route("/funds/<int:fund_id>/bank-account", methods=["GET", "POST"])
@login_required
def fund_bank_account(fund_id: int) -> str | Response:
    fund = fund_or_404(fund_id)
    settings = services.fund_banking_of(db.session, fund)
    form = FundBankingForm()
    if settings is not None and not form.is_submitted():
        form.account_name.data = settings.account_name
        form.allow_one_person.data = settings.allow_one_person
    if form_action(
        form,
        lambda: services.set_fund_banking(
            db.session,
            current_user,
            fund,
            form.account_name.data,
            form.sort_code.data,
            form.account_number.data,
            bool(form.allow_one_person.data),
        ),
        _("The fund's bank account is saved."),
    ):
        return redirect(url_for("funds.payment_run", fund_id=fund.id))
    return render_template(
        "funds/fund_bank_account.html",
        fund=fund,
        form=form,
        account=services.shown(settings, True) if settings else None,
    )
