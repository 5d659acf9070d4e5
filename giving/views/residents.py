"""Pages for verified residents: a person shows they live in a place (census details or a
letter's code; tries are limited), and the place's staff keep the census list, make letters
with codes, verify people in person, say how long it lasts and undo a verification."""

from __future__ import annotations

from typing import Any, TypeVar

from flask import current_app, make_response, redirect, render_template, request, url_for
from flask.wrappers import Response as FlaskResponse
from flask_babel import gettext as _
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response

from giving import services, throttles
from giving.extensions import db, limiter
from giving.forms.residents import (
    CensusCheckForm,
    CensusUploadForm,
    InPersonForm,
    LetterCodeForm,
    LettersForm,
    OneCodeForm,
    VerificationDaysForm,
)
from giving.models import Place, ResidentVerification
from giving.pagination import paginate
from giving.permissions import STAFF_ROLES
from giving.transaction import Done, form_action
from giving.views.access import place_role_required
from giving.views.home import bp
from giving.views.lookups import child_or_404, place_or_404
from giving.views.pages import confirm_page, safe_next

RESIDENTS = "/places/<place_slug>/manage/residents"
F = TypeVar("F", bound=FlaskForm)


def _form(kind: type[F], prefix: str, sent: bool, **kwargs: Any) -> F:
    """One of a page's forms: read from the request when it is the one that was sent, else
    empty (or as ``obj`` has it)."""
    if sent:
        return kind(prefix=prefix, **kwargs)
    return kind(prefix=prefix, formdata=None, **kwargs)


def _verify_key() -> str:
    return f"verify-residence:{current_user.get_id()}"


def _verify_limit() -> str:
    return current_app.config["VERIFY_FAILURE_LIMIT"]


def _too_many_tries(limit: object) -> FlaskResponse:
    """The verify page when a person has failed too often: wait, or verify another way."""
    place = place_or_404(request.view_args["slug"]) if request.view_args else None
    page = render_template("giving/residents/too_many.html", place=place)
    return make_response(page, 429)


@bp.route("/places/<slug>/verify", methods=["GET", "POST"])
@login_required
@limiter.limit(
    _verify_limit,
    key_func=_verify_key,
    methods=["POST"],
    deduct_when=throttles.failed_post,
    on_breach=_too_many_tries,
)
def verify_residence(slug: str) -> str | Response:
    place = place_or_404(slug)
    letter_sent = request.form.get("action") == "letter"
    census_form = _form(CensusCheckForm, "census", sent=not letter_sent)
    letter_form = _form(LetterCodeForm, "letter", sent=letter_sent)
    thanks = _("Thank you. You are now a verified resident of %(place)s.", place=place.name)
    if letter_sent:
        form = letter_form
        done: Done = form_action(
            letter_form,
            lambda: services.verify_by_letter(
                db.session, current_user, place, letter_form.code.data
            ),
            thanks,
        )
    else:
        form = census_form
        done = form_action(
            census_form,
            lambda: services.verify_by_census(
                db.session,
                current_user,
                place,
                census_form.name.data,
                census_form.date_of_birth.data,
                census_form.postcode.data,
            ),
            thanks,
        )
    here = url_for("giving.verify_residence", slug=place.slug)
    if done:
        return redirect(safe_next(request.args.get("next")) or here)
    return render_template(
        "giving/residents/verify.html",
        place=place,
        form=form,
        census_form=census_form,
        letter_form=letter_form,
        verification=services.verified_resident(db.session, current_user, place),
        has_census=services.current_census(db.session, place) is not None,
    )


def _census_data(form: CensusUploadForm) -> bytes:
    """The uploaded file's bytes, or the pasted list's; no more than one byte past the limit."""
    limit = current_app.config["MAX_UPLOAD_BYTES"]
    if form.file.data is not None and getattr(form.file.data, "filename", None):
        return form.file.data.read(limit + 1)
    return (form.text.data or "").encode()[: limit + 1]


def _staff_action(place: Place, forms: dict) -> Done:
    """Run the action the staff page's form asked for (the census list, in person, or how
    long verifications last)."""
    action = request.form.get("action")
    if action == "census":
        form = forms["census"]
        return form_action(
            form,
            lambda: services.upload_census(db.session, current_user, place, _census_data(form)),
            lambda census: _("The new list has %(n)d people on it.", n=census.rows),
        )
    if action == "in_person":
        form = forms["in_person"]
        return form_action(
            form,
            lambda: services.verify_in_person(
                db.session,
                current_user,
                place,
                form.email.data,
                form.note.data,
                form.postcode.data or "",
            ),
            lambda v: _("%(name)s is now a verified resident.", name=v.user.name),
        )
    if action == "days":
        form = forms["days"]
        return form_action(
            form,
            lambda: services.set_verification_days(
                db.session, current_user, place, form.verification_days.data
            ),
            _("Saved."),
        )
    return Done(False)


@bp.route(RESIDENTS, methods=["GET", "POST"])
@login_required
@place_role_required(*STAFF_ROLES)
def manage_residents(place: Place) -> str | Response:
    action = request.form.get("action")
    forms = {
        "census": _form(CensusUploadForm, "census", sent=action == "census"),
        "in_person": _form(InPersonForm, "person", sent=action == "in_person"),
        "days": _form(VerificationDaysForm, "days", sent=action == "days", obj=place),
    }
    if _staff_action(place, forms):
        return redirect(url_for("giving.manage_residents", place_slug=place.slug))
    posted = forms.get(action or "")
    census = services.current_census(db.session, place)
    page = paginate(services.verified_residents_stmt(place))
    staff = {v.verified_by_id for v in page.items} | {census.uploaded_by_id if census else None}
    return render_template(
        "giving/residents/manage.html",
        place=place,
        form=posted or forms["census"],
        census_form=forms["census"],
        person_form=forms["in_person"],
        days_form=forms["days"],
        census=census,
        count=services.count_verified(db.session, place),
        page=page,
        names=services.names_of(db.session, staff),
    )


@bp.route(RESIDENTS + "/letters", methods=["GET", "POST"])
@login_required
@place_role_required(*STAFF_ROLES)
def verification_letters(place: Place) -> str | Response:
    form = LettersForm(prefix="letters")
    one_form = OneCodeForm(prefix="one")
    if request.form.get("action") == "one":
        done = form_action(one_form, lambda: services.issue_letter(db.session, current_user, place))
        if done:
            return render_template("giving/residents/one_code.html", place=place, code=done.value)
    else:
        printed = form_action(
            form,
            lambda: services.issue_letters(db.session, current_user, place, form.addresses.data),
        )
        if printed:
            return render_template(
                "giving/residents/letters_print.html", place=place, letters=printed.value
            )
    return render_template(
        "giving/residents/letters.html", place=place, form=form, one_form=one_form
    )


@bp.route(RESIDENTS + "/<int:verification_id>/remove", methods=["GET", "POST"])
@login_required
@place_role_required(*STAFF_ROLES)
def remove_verification(place: Place, verification_id: int) -> str | Response:
    verification = child_or_404(ResidentVerification, verification_id, place_id=place.id)
    name = verification.user.name
    return confirm_page(
        lambda: services.remove_verification(db.session, current_user, verification),
        _("%(name)s is no longer a verified resident.", name=name),
        url_for("giving.manage_residents", place_slug=place.slug),
        "giving/residents/remove.html",
        place=place,
        verification=verification,
    )
