"""The ONS codes of a place and its wards, which open data gives as where grants go."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm

from giving.forms.fields import button, form_with, text_field
from giving.models import Place, Ward

CODE_HINT = _l("A letter then 8 numbers. Leave it empty if you do not know it.")


class AreaCodesForm(FlaskForm):
    submit = button(_l("Save codes"))


def ward_field(ward: Ward) -> str:
    return f"ward_{ward.id}"


def _code_field(label: Any, example: str, now: str | None) -> Any:
    return text_field(
        label,
        hint=_l("For example %(code)s. %(hint)s", code=example, hint=CODE_HINT),
        optional=True,
        max_length=20,
        default=now or "",
    )


def area_codes_form(place: Place, **kwargs: Any) -> AreaCodesForm:
    """A box for the council's code, then one for each ward's."""
    fields = [("place_code", _code_field(_l("The council's code"), "E09000031", place.gss_code))]
    fields += [
        (
            ward_field(ward),
            _code_field(_l("%(ward)s ward's code", ward=ward.name), "E05000026", ward.gss_code),
        )
        for ward in place.wards
    ]
    return form_with(AreaCodesForm, fields, **kwargs)
