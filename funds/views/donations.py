"""Gifts, for the fund's managers: the fund's gifts, recording a gift by hand, giving one back,
match funding, and cancelling a donor's Gift Aid declaration for them."""

from __future__ import annotations

from flask import redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from funds import services
from funds.forms import DonationRefundForm, MatchForm, OfflineGiftForm
from funds.models import Donation, DonationMethod, GiftAidDeclaration
from funds.views.access import bp, fund_or_404, row_of
from giving.extensions import db
from giving.forms import ButtonForm
from giving.money import format_money
from giving.pagination import paginate
from giving.transaction import attempt, button_action, say


@bp.get("/funds/<int:fund_id>/donations")
@login_required
def donations(fund_id: int) -> str:
    fund = fund_or_404(fund_id)
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


@bp.route("/funds/<int:fund_id>/donations/new", methods=["GET", "POST"])
@login_required
def new_donation(fund_id: int) -> str | Response:
    fund = fund_or_404(fund_id)
    form = OfflineGiftForm()
    if form.validate_on_submit():
        done = attempt(
            form,
            services.record_offline_gift,
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
            gift_aid=form.gift_aid_details(),
        )
        if done:
            say(_("%(amount)s gift recorded.", amount=format_money(form.amount_pence.data)))
            return redirect(url_for("funds.donations", fund_id=fund.id))
    return render_template("funds/donation_form.html", fund=fund, form=form)


@bp.route("/funds/<int:fund_id>/donations/<int:donation_id>/refund", methods=["GET", "POST"])
@login_required
def refund_donation(fund_id: int, donation_id: int) -> str | Response:
    fund = fund_or_404(fund_id)
    donation = row_of(Donation, donation_id, fund_id=fund.id)
    form = DonationRefundForm()
    if form.validate_on_submit():
        reason = form.reason.data
        if attempt(form, services.refund_donation, db.session, current_user, donation, reason):
            say(_("The gift has been given back."))
            return redirect(url_for("funds.donations", fund_id=fund.id))
    return render_template("funds/donation_refund.html", fund=fund, donation=donation, form=form)


@bp.route("/funds/<int:fund_id>/match", methods=["GET", "POST"])
@login_required
def match(fund_id: int) -> str | Response:
    fund = fund_or_404(fund_id)
    form = MatchForm()
    if form.validate_on_submit():
        done = attempt(
            form,
            services.create_match_pledge,
            db.session,
            current_user,
            fund,
            funder_name=form.funder_name.data,
            ratio_percent=form.ratio.data,
            cap_pence=form.cap_pence.data,
            starts_on=form.starts_on.data,
            ends_on=form.ends_on.data,
        )
        if done:
            say(_("Match funding added."))
            return redirect(url_for("funds.donations", fund_id=fund.id))
    return render_template(
        "funds/match.html", fund=fund, form=form, pledges=services.match_pledges(db.session, fund)
    )


@bp.post("/funds/<int:fund_id>/gift-aid/<int:declaration_id>/cancel")
@login_required
def staff_cancel_declaration(fund_id: int, declaration_id: int) -> Response:
    """A donor without an account asks the fund to cancel their Gift Aid declaration."""
    fund = fund_or_404(fund_id)
    declaration = row_of(GiftAidDeclaration, declaration_id, fund_id=fund.id)
    button_action(
        lambda: services.cancel_declaration(db.session, current_user, declaration),
        _("The Gift Aid declaration is cancelled. It does not cover gifts from now on."),
    )
    return redirect(url_for("funds.donations", fund_id=fund.id))
