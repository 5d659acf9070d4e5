"""Offering to sit on a round's panel, and taking the offer back (residents)."""

from __future__ import annotations

from flask import abort, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from giving.extensions import db
from giving.models import Place, Role
from giving.transaction import form_action
from giving.views.access import place_role_required
from giving.views.pages import confirm_page
from voting import services
from voting.forms import offer_form
from voting.views.common import PANEL, bp, numbers_by_id, round_panel


@bp.route(PANEL + "/offer", methods=["GET", "POST"])
@login_required
@place_role_required(Role.RESIDENT)
def offer(place: Place, round_id: int) -> str | Response:
    panel = round_panel(place, round_id)
    if panel.round.is_draft:
        abort(404)
    existing = services.offer_for(db.session, current_user, panel)
    form = offer_form(panel)
    if existing is None and form_action(
        form,
        lambda: services.offer_to_serve(
            db.session, current_user, panel, numbers_by_id(form.category_fields)
        ),
        _("Thank you. Your offer is saved."),
    ):
        return redirect(url_for("voting.offer", place_slug=place.slug, round_id=round_id))
    return render_template(
        "voting/offer.html",
        form=form,
        panel=panel,
        existing=existing,
        member=services.member_for(db.session, current_user, panel),
        chance=services.own_chance(db.session, current_user, panel),
    )


@bp.route(PANEL + "/offer/withdraw", methods=["GET", "POST"])
@login_required
@place_role_required(Role.RESIDENT)
def withdraw_offer(place: Place, round_id: int) -> str | Response:
    panel = round_panel(place, round_id)
    return confirm_page(
        lambda: services.withdraw_offer(db.session, current_user, panel),
        _("Your offer is withdrawn. Your answers are deleted."),
        url_for("voting.offer", place_slug=place.slug, round_id=round_id),
        "voting/withdraw.html",
        panel=panel,
        member=services.member_for(db.session, current_user, panel),
    )
