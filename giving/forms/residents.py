"""Forms for verified residents: a person shows where they live; the place's staff upload the
census list, make letters with codes, verify people in person and say how long it lasts."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from govuk_frontend_wtf.wtforms_widgets import GovFileInput

from giving.forms.fields import (
    area_field,
    button,
    date_field,
    email_field,
    number_field,
    text_field,
)


class CensusCheckForm(FlaskForm):
    """A person's details, as the council's list of residents has them."""

    name = text_field(
        _l("Your full name"),
        hint=_l("As it is on council letters, like your council tax bill."),
        required=_l("Enter your full name"),
        max_length=200,
        blank=False,
    )
    date_of_birth = date_field(
        _l("Your date of birth"),
        hint=_l("For example, 31 5 1990"),
        required=_l("Enter your date of birth"),
    )
    postcode = text_field(
        _l("Your home postcode"), required=_l("Enter your home postcode"), max_length=10
    )
    submit = button(_l("Check my details"))


class LetterCodeForm(FlaskForm):
    code = text_field(
        _l("The code on your letter"),
        hint=_l("It looks like ABCD-EFGH-JKLM."),
        required=_l("Enter the code from your letter"),
        max_length=40,
    )
    submit = button(_l("Use my code"))


class CensusUploadForm(FlaskForm):
    file = FileField(_l("A CSV file"), widget=GovFileInput())
    text = area_field(
        _l("Or paste the list here"),
        hint=_l("The first line is: name, date_of_birth, postcode"),
        optional=True,
    )
    submit = button(_l("Upload the list"))


class InPersonForm(FlaskForm):
    email = email_field(
        _l("The person's email address"),
        hint=_l("The email they use to log in to Placefund."),
        required=_l("Enter their email address"),
        max_length=254,
    )
    postcode = text_field(
        _l("The postcode on their proof (optional)"),
        hint=_l("So we know which ward they live in."),
        optional=True,
        max_length=10,
    )
    note = area_field(
        _l("What proof did you see?"),
        hint=_l("For example: council tax bill, tenancy agreement."),
        required=_l("Say what proof you saw"),
        max_length=500,
        blank=False,
    )
    submit = button(_l("Verify this person"))


class VerificationDaysForm(FlaskForm):
    verification_days = number_field(
        _l("How many days a verification lasts"),
        hint=_l("From 1 to 3650 days. 365 days is one year."),
        required=_l("Enter a number of days"),
        least=1,
        most=3650,
        outside=_l("Enter a number of days from 1 to 3650"),
    )
    submit = button(_l("Save"))


class LettersForm(FlaskForm):
    addresses = area_field(
        _l("Addresses"),
        hint=_l(
            "One address a line, ending with its postcode, like: 12 High Street, Newtown, AB1 2CD"
        ),
        required=_l("Enter at least one address"),
    )
    submit = button(_l("Make letters"))


class OneCodeForm(FlaskForm):
    submit = button(_l("Make one code"))
