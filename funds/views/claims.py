"""Claiming Gift Aid from the web: choose the days, review the gifts that takes (and those it
leaves out, with reasons, and the small donations), then claim them in a background job whose
page offers HMRC's schedule; each claim has a page with its schedule as ODS and CSV."""

from __future__ import annotations

from flask import Response, redirect, render_template, url_for
from flask_login import current_user, login_required
from werkzeug.wrappers import Response as BaseResponse

from funds.forms.claims import ClaimForm
from funds.models import GiftAidClaim
from funds.services.claim_review import review_claim_for
from funds.services.claims import claim_file, claim_summary, claims_of
from funds.services.jobs import start_gift_aid_claim
from funds.views.access import bp, fund_or_404
from giving.extensions import db
from giving.transaction import attempt
from giving.views.lookups import child_or_404


@bp.route("/funds/<int:fund_id>/gift-aid/claim", methods=["GET", "POST"])
@login_required
def gift_aid_claim(fund_id: int) -> str | BaseResponse:
    fund = fund_or_404(fund_id)
    form = ClaimForm()
    if form.validate_on_submit():
        days = (form.from_on.data, form.to_on.data)
        if form.confirmed.data == "yes":
            back = url_for("funds.gift_aid_claim", fund_id=fund.id)
            started = attempt(
                form, start_gift_aid_claim, db.session, current_user, fund, *days, back
            )
            if started:
                return redirect(url_for("giving.job", job_id=started.value.id))
        else:
            checked = attempt(form, review_claim_for, db.session, current_user, fund, *days)
            if checked:
                return render_template(
                    "funds/claims/confirm.html", fund=fund, form=form, review=checked.value
                )
    claims = claims_of(db.session, current_user, fund)
    return render_template("funds/claims/claim.html", fund=fund, form=form, claims=claims)


@bp.get("/funds/<int:fund_id>/gift-aid/claims/<int:claim_id>")
@login_required
def gift_aid_claim_record(fund_id: int, claim_id: int) -> str:
    fund = fund_or_404(fund_id)
    claim = child_or_404(GiftAidClaim, claim_id, fund_id=fund.id)
    summary = claim_summary(db.session, current_user, claim)
    return render_template("funds/claims/record.html", fund=fund, summary=summary)


def _download(fund_id: int, claim_id: int, kind: str) -> Response:
    fund = fund_or_404(fund_id)
    claim = child_or_404(GiftAidClaim, claim_id, fund_id=fund.id)
    made = claim_file(db.session, current_user, claim, kind)
    response = Response(made.data, mimetype=made.media_type)
    response.headers["Content-Disposition"] = f'attachment; filename="{made.name}"'
    return response


@bp.get("/funds/<int:fund_id>/gift-aid/claims/<int:claim_id>/schedule.ods")
@login_required
def gift_aid_claim_ods(fund_id: int, claim_id: int) -> Response:
    """HMRC's schedule as the spreadsheet Charities Online takes."""
    return _download(fund_id, claim_id, "ods")


@bp.get("/funds/<int:fund_id>/gift-aid/claims/<int:claim_id>/schedule.csv")
@login_required
def gift_aid_claim_csv(fund_id: int, claim_id: int) -> Response:
    """The same schedule as CSV."""
    return _download(fund_id, claim_id, "csv")
