"""Pages for places: the list, each place's page, and (for its staff) its wards, postcodes
and team."""

from __future__ import annotations

from flask import abort, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select
from werkzeug.wrappers import Response

from giving import services
from giving.extensions import db
from giving.forms import (
    ButtonForm,
    ContactForm,
    PlaceForm,
    PostcodeAreaForm,
    RoleForm,
    WardForm,
)
from giving.forms.translations import PlaceLanguagesForm
from giving.models import Place, PostcodeArea, Role, RoleGrant
from giving.permissions import STAFF_ROLES
from giving.transaction import form_action
from giving.views.access import place_role_required
from giving.views.home import bp
from giving.views.lookups import child_or_404, place_or_404
from giving.views.pages import button_then


@bp.get("/places")
def places() -> str:
    items = db.session.scalars(select(Place).order_by(Place.name)).all()
    return render_template("giving/places.html", places=items)


@bp.route("/places/new", methods=["GET", "POST"])
@login_required
def new_place() -> str | Response:
    if not current_user.is_site_admin:
        abort(403)
    form = PlaceForm()
    done = form_action(
        form,
        lambda: services.create_place(
            db.session, current_user, form.name.data, form.description.data
        ),
        lambda place: _(
            "%(name)s has been added. Now add its wards and postcodes.", name=place.name
        ),
    )
    if done:
        return redirect(url_for("giving.manage_place", place_slug=done.value.slug))
    return render_template("giving/new_place.html", form=form)


@bp.get("/places/<slug>")
def place(slug: str) -> str:
    place = place_or_404(slug)
    roles = services.roles_for(db.session, current_user, place)
    return render_template(
        "giving/place.html",
        place=place,
        roles=roles,
        is_staff=services.is_staff(db.session, current_user, place),
    )


@bp.route("/places/<place_slug>/manage", methods=["GET", "POST"])
@login_required
@place_role_required(*STAFF_ROLES)
def manage_place(place: Place) -> str | Response:
    ward_form = WardForm(prefix="ward")
    area_form = PostcodeAreaForm(prefix="area")
    area_form.set_wards(place.wards)
    contact_form = ContactForm(prefix="contact", obj=place)
    languages_form = PlaceLanguagesForm(prefix="languages")
    action = request.form.get("action")
    if action != "languages":
        languages_form.fill_from(place)
    if action == "languages":
        done = form_action(
            languages_form,
            lambda: services.set_place_languages(
                db.session, current_user, place, *languages_form.choice()
            ),
            _("Saved. Staff can now write rounds and funds in these languages."),
        )
    elif action == "contact":
        done = form_action(
            contact_form,
            lambda: services.set_place_contact(
                db.session, current_user, place, contact_form.contact_fields()
            ),
            _("Saved. Pages that say to ask the fund's team now show how."),
        )
    elif action == "ward":
        done = form_action(
            ward_form,
            lambda: services.add_ward(db.session, current_user, place, ward_form.name.data),
            _("Ward added."),
        )
    else:
        ward = next((w for w in place.wards if str(w.id) == area_form.ward.data), None)
        done = form_action(
            area_form,
            lambda: services.add_postcode_area(
                db.session, current_user, place, area_form.prefix.data, ward
            ),
            _("Postcodes added."),
        )
    if done:
        return redirect(url_for("giving.manage_place", place_slug=place.slug))
    return render_template(
        "giving/manage_place.html",
        place=place,
        ward_form=ward_form,
        area_form=area_form,
        contact_form=contact_form,
        languages_form=languages_form,
        button=ButtonForm(),
    )


@bp.post("/places/<place_slug>/postcodes/<int:area_id>/remove")
@login_required
@place_role_required(*STAFF_ROLES)
def remove_postcode_area(place: Place, area_id: int) -> Response:
    area = child_or_404(PostcodeArea, area_id, place_id=place.id)
    return button_then(
        lambda: services.remove_postcode_area(db.session, current_user, area),
        _("Postcodes %(p)s removed.", p=area.prefix),
        url_for("giving.manage_place", place_slug=place.slug),
    )


@bp.route("/places/<place_slug>/team", methods=["GET", "POST"])
@login_required
@place_role_required(Role.ADMIN)
def place_team(place: Place) -> str | Response:
    form = RoleForm()
    if form_action(
        form,
        lambda: services.grant_role(
            db.session, current_user, place, form.email.data, Role(form.role.data)
        ),
        lambda grant: _("%(name)s is now a %(role)s.", name=grant.user.name, role=grant.role.label),
    ):
        return redirect(url_for("giving.place_team", place_slug=place.slug))
    grants = db.session.scalars(
        select(RoleGrant).where(RoleGrant.place_id == place.id).order_by(RoleGrant.role)
    ).all()
    return render_template(
        "giving/place_team.html", place=place, form=form, grants=grants, button=ButtonForm()
    )


@bp.post("/places/<place_slug>/team/<int:grant_id>/remove")
@login_required
@place_role_required(Role.ADMIN)
def revoke_role(place: Place, grant_id: int) -> Response:
    grant = child_or_404(RoleGrant, grant_id, place_id=place.id)
    return button_then(
        lambda: services.revoke_role(db.session, current_user, grant),
        _("Role removed."),
        url_for("giving.place_team", place_slug=place.slug),
    )
