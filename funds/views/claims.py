"""Claiming Gift Aid from the web: choose the days, see which gifts that takes, then claim
them in a background job whose page offers HMRC's schedule to download."""

from __future__ import annotations

from flask import redirect, render_template, url_for
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from funds.forms.claims import ClaimForm
from funds.services.jobs import claimable_totals, start_gift_aid_claim
from funds.views.access import bp, fund_or_404
from giving.extensions import db
from giving.transaction import attempt


@bp.route("/funds/<int:fund_id>/gift-aid/claim", methods=["GET", "POST"])
@login_required
def gift_aid_claim(fund_id: int) -> str | Response:
    fund = fund_or_404(fund_id)
    form = ClaimForm()
    if form.validate_on_submit():
        days = (form.from_on.data, form.to_on.data)
        if form.confirmed.data == "yes":
            back = url_for("funds.manage_fund", fund_id=fund.id)
            started = attempt(
                form, start_gift_aid_claim, db.session, current_user, fund, *days, back
            )
            if started:
                return redirect(url_for("giving.job", job_id=started.value.id))
        else:
            checked = attempt(form, claimable_totals, db.session, current_user, fund, *days)
            if checked:
                count, total = checked.value
                return render_template(
                    "funds/claims/confirm.html", fund=fund, form=form, count=count, total=total
                )
    return render_template("funds/claims/claim.html", fund=fund, form=form)
