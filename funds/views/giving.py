"""Giving: the giving page, checking a gift and handing it to Stripe, the thank-you page, and
Stripe's webhook."""

from __future__ import annotations

import time
from typing import Any

from flask import abort, current_app, redirect, render_template, request, session, url_for
from flask_login import current_user
from sqlalchemy.exc import IntegrityError, OperationalError
from werkzeug.wrappers import Response

from funds import permissions, services
from funds.forms import GiveForm
from funds.models import Donation, RegularGift
from funds.views.access import bp, fund_or_404
from funds.workflow import DonationState, RegularGiftState
from giving.extensions import csrf, db
from giving.forms import ButtonForm
from giving.transaction import attempt
from giving.views.pages import fields_of

# How often the webhook tries an event again when another worker got in first.
WEBHOOK_TRIES = 5
# The gifts a browser started, remembered in its session so that only it sees the donor's
# details on a gift's page; the newest few are kept.
STARTED_GIFTS = "gifts_started"
REMEMBERED_GIFTS = 5


def _gifts_started_here() -> list[str]:
    started = session.get(STARTED_GIFTS)
    return [ref for ref in started if isinstance(ref, str)] if isinstance(started, list) else []


def _remember_gift(reference: str) -> None:
    started = [ref for ref in _gifts_started_here() if ref != reference]
    session[STARTED_GIFTS] = [*started, reference][-REMEMBERED_GIFTS:]


@bp.route("/funds/<int:fund_id>/give", methods=["GET", "POST"])
def give(fund_id: int) -> str | Response:
    """The giving page: what the fund is for, what it has done, and a form to give."""
    fund = fund_or_404(fund_id, manage=False)
    ready = services.online_giving_ready()
    form = GiveForm()
    form.set_presets(services.PRESET_AMOUNTS)
    if request.method == "GET" and current_user.is_authenticated:
        form.donor_name.data = current_user.name
        form.donor_email.data = current_user.email
        form.postcode.data = getattr(current_user, "postcode", None)
    if ready and form.validate_on_submit():
        done = attempt(
            form,
            services.start_gift,
            db.session,
            current_user if current_user.is_authenticated else None,
            fund,
            monthly=form.frequency.data == "monthly",
            amount_pence=form.amount(),
            gift_aid=form.gift_aid_details(fund.holder_can_claim_gift_aid),
            **fields_of(form, "donor_name", "donor_email", "postcode", "purpose"),
        )
        if done:
            _remember_gift(done.value.reference)
            return redirect(url_for("funds.confirm_gift", reference=done.value.reference))
    return render_template(
        "funds/give.html",
        fund=fund,
        form=form,
        ready=ready,
        match=services.live_match(db.session, fund),
        giving=services.giving_figures(db.session, fund),
        figures=services.figures(db.session, fund),
        wording=services.GIFT_AID_WORDING,
    )


def _gift(reference: str) -> Donation | RegularGift:
    """The gift (a one-off gift or a monthly one) with this reference, or 404."""
    gift = services.find_gift(db.session, reference)
    if gift is None:
        abort(404)
    return gift


def _is_donor(gift: Donation | RegularGift) -> bool:
    return permissions.is_gift_donor(current_user, gift, _gifts_started_here())


def _gift_page(template: str, gift: Donation | RegularGift, /, **context: Any) -> str:
    """A page about one gift: the gift, its fund, and whether it is monthly."""
    return render_template(
        template, gift=gift, fund=gift.fund, monthly=isinstance(gift, RegularGift), **context
    )


@bp.get("/give/<reference>")
def confirm_gift(reference: str) -> str:
    """Check the gift, then continue to Stripe to pay. The donor's name, email and Gift Aid
    details are shown only to the donor, and their home address only until the gift is paid;
    anyone else with the link sees the amount, the fund and how the gift stands."""
    gift = _gift(reference)
    return _gift_page(
        "funds/give_confirm.html",
        gift,
        button=ButtonForm(),
        mine=_is_donor(gift),
        waiting=(
            gift.state == RegularGiftState.PENDING
            if isinstance(gift, RegularGift)
            else gift.state == DonationState.PENDING
        ),
    )


@bp.post("/give/<reference>/pay")
def pay_gift(reference: str) -> Response:
    """The hand-off: start a Stripe Checkout session and send the donor to it. Only the donor
    may: Stripe's page shows their email address."""
    gift = _gift(reference)
    if not _is_donor(gift):
        abort(403)
    if not ButtonForm().validate_on_submit():
        return redirect(url_for("funds.confirm_gift", reference=reference))
    done = attempt(
        None,
        services.checkout,
        db.session,
        gift,
        success_url=url_for("funds.gift_thanks", reference=reference, _external=True),
        cancel_url=url_for("funds.confirm_gift", reference=reference, _external=True),
    )
    if not done:
        return redirect(url_for("funds.confirm_gift", reference=reference))
    return redirect(done.value, code=303)


@bp.get("/give/<reference>/thanks")
def gift_thanks(reference: str) -> str:
    return _gift_page("funds/give_thanks.html", _gift(reference))


@bp.post("/stripe/webhook")
@csrf.exempt
def stripe_webhook() -> tuple[str, int]:
    """Stripe's events: the signature is checked (and old timestamps refused) before anything
    is read; each event is acted on once, whatever order they come in. A 200 answer is
    committed at the request's end; any other answer changes nothing."""
    import stripe

    secret = current_app.config.get("STRIPE_WEBHOOK_SECRET")
    if not secret:
        return "Online giving is not set up", 404
    payload = request.get_data(as_text=True)
    try:
        event = stripe.Webhook.construct_event(
            payload, request.headers.get("Stripe-Signature"), secret, tolerance=300
        )
    except (ValueError, stripe.SignatureVerificationError):
        return "Bad signature", 400
    for tried in range(WEBHOOK_TRIES):
        try:
            outcome = services.handle_stripe_event(db.session, event.to_dict())
            db.session.flush()
        except IntegrityError:
            # Another worker wrote the same row at the same moment: start again, and the
            # second time round the event is known (a duplicate) or the row is there.
            db.session.rollback()
            continue
        except OperationalError:
            # SQLite lets one writer in at a time: wait a moment and try again.
            db.session.rollback()
            time.sleep(0.2 * (tried + 1))
            continue
        return outcome, 200
    return "Busy, try again", 503
