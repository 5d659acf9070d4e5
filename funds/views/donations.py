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
from funds.views.access import bp, fund_or_404
from giving.extensions import db
from giving.forms import ButtonForm
from giving.money import format_money
from giving.pagination import paginate
from giving.transaction import form_action
from giving.views.lookups import child_or_404
from giving.views.pages import button_then, fields_of


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
    if form_action(
        form,
        lambda: services.record_offline_gift(
            db.session,
            current_user,
            fund,
            method=DonationMethod(form.method.data),
            donor_email=form.donor_email.data or "",
            from_company=bool(form.from_company.data),
            has_benefit=bool(form.has_benefit.data),
            gift_aid=form.gift_aid_details(),
            **fields_of(form, "amount_pence", "donor_name", "postcode", "purpose", "received_on"),
        ),
        lambda gift: _("%(amount)s gift recorded.", amount=format_money(gift.amount_pence)),
    ):
        return redirect(url_for("funds.donations", fund_id=fund.id))
    return render_template("funds/donation_form.html", fund=fund, form=form)


@bp.route("/funds/<int:fund_id>/donations/<int:donation_id>/refund", methods=["GET", "POST"])
@login_required
def refund_donation(fund_id: int, donation_id: int) -> str | Response:
    fund = fund_or_404(fund_id)
    donation = child_or_404(Donation, donation_id, fund_id=fund.id)
    form = DonationRefundForm()
    if form_action(
        form,
        lambda: services.refund_donation(db.session, current_user, donation, form.reason.data),
        _("The gift has been given back."),
    ):
        return redirect(url_for("funds.donations", fund_id=fund.id))
    return render_template("funds/donation_refund.html", fund=fund, donation=donation, form=form)


@bp.route("/funds/<int:fund_id>/match", methods=["GET", "POST"])
@login_required
def match(fund_id: int) -> str | Response:
    fund = fund_or_404(fund_id)
    form = MatchForm()
    if form_action(
        form,
        lambda: services.create_match_pledge(
            db.session,
            current_user,
            fund,
            ratio_percent=form.ratio.data,
            **fields_of(form, "funder_name", "cap_pence", "starts_on", "ends_on"),
        ),
        _("Match funding added."),
    ):
        return redirect(url_for("funds.donations", fund_id=fund.id))
    return render_template(
        "funds/match.html", fund=fund, form=form, pledges=services.match_pledges(db.session, fund)
    )


@bp.post("/funds/<int:fund_id>/gift-aid/<int:declaration_id>/cancel")
@login_required
def staff_cancel_declaration(fund_id: int, declaration_id: int) -> Response:
    """A donor without an account asks the fund to cancel their Gift Aid declaration."""
    fund = fund_or_404(fund_id)
    declaration = child_or_404(GiftAidDeclaration, declaration_id, fund_id=fund.id)
    return button_then(
        lambda: services.cancel_declaration(db.session, current_user, declaration),
        _("The Gift Aid declaration is cancelled. It does not cover gifts from now on."),
        url_for("funds.donations", fund_id=fund.id),
    )
