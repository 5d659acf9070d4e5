"""The ONS codes of a place and its wards, for open data (set by the place's staff)."""

from __future__ import annotations

from flask import redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from funds.forms.area_codes import area_codes_form, ward_field
from funds.services.opendata_checks import set_area_codes
from funds.views.access import STAFF, bp
from giving.extensions import db
from giving.models import Place
from giving.transaction import form_action
from giving.views.access import place_role_required


@bp.route("/places/<place_slug>/area-codes", methods=["GET", "POST"])
@login_required
@place_role_required(*STAFF)
def area_codes(place: Place) -> str | Response:
    form = area_codes_form(place)
    done = form_action(
        form,
        lambda: set_area_codes(
            db.session,
            current_user,
            place,
            form.place_code.data,
            {ward.id: form[ward_field(ward)].data for ward in place.wards},
        ),
        _("Saved. The open data file uses these codes now."),
    )
    if done:
        return redirect(url_for("funds.open_data") + "#checks")
    fields = [form[ward_field(ward)] for ward in place.wards]
    return render_template("funds/area_codes.html", form=form, place=place, ward_fields=fields)
