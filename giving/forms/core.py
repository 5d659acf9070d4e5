"""Forms for accounts, places and groups, rendered with GOV.UK Frontend widgets."""

from __future__ import annotations

from collections.abc import Sequence

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms.fields.choices import SelectChoice
from wtforms.validators import EqualTo

from giving.forms.fields import (
    area_field,
    button,
    email_field,
    money_field,
    password_field,
    radio_field,
    select_field,
    text_field,
)
from giving.models import GRANTED_ROLES, GroupKind, Place
from giving.services.groups import GROUP_FIELDS

REAL_EMAIL = _l("Enter a real email address, like name@example.com")


class RegisterForm(FlaskForm):
    name = text_field(_l("Your name"), required=_l("Enter your name"), max_length=120, blank=False)
    email = email_field(
        _l("Email address"),
        hint=_l("We will send you an email to check it is yours."),
        required=_l("Enter your email address"),
        invalid=REAL_EMAIL,
        max_length=254,
    )
    postcode = text_field(
        _l("Your home postcode (optional)"),
        hint=_l("Add it if you live in a place on Placefund, so you can vote and join panels."),
        optional=True,
    )
    password = password_field(
        _l("Make a password"),
        hint=_l("Use 10 or more characters. A few words in a row are easy to remember."),
        required=_l("Make a password"),
    )
    confirm = password_field(
        _l("Type the password again"),
        required=_l("Type the password again"),
        checks=[EqualTo("password", _l("The two passwords are not the same"))],
    )
    submit = button(_l("Create account"))


class LoginForm(FlaskForm):
    email = email_field(_l("Email address"), required=_l("Enter your email address"))
    password = password_field(_l("Password"), required=_l("Enter your password"))
    submit = button(_l("Log in"))


class EmailOnlyForm(FlaskForm):
    email = email_field(
        _l("Email address"), required=_l("Enter your email address"), invalid=REAL_EMAIL
    )
    submit = button(_l("Send me a link"))


class ResendForm(FlaskForm):
    """Send the email that confirms an account again; works without logging in."""

    email = email_field(
        _l("Email address"),
        required=_l("Enter your email address"),
        invalid=REAL_EMAIL,
        max_length=254,
    )
    submit = button(_l("Send the email again"))


class ResetPasswordForm(FlaskForm):
    password = password_field(
        _l("New password"),
        hint=_l("Use 10 or more characters."),
        required=_l("Make a new password"),
    )
    confirm = password_field(
        _l("Type the new password again"),
        required=_l("Type the new password again"),
        checks=[EqualTo("password", _l("The two passwords are not the same"))],
    )
    submit = button(_l("Save new password"))


class ChangePasswordForm(FlaskForm):
    current_password = password_field(
        _l("Your password now"), required=_l("Enter your password now")
    )
    new_password = password_field(
        _l("New password"),
        hint=_l("Use 10 or more characters."),
        required=_l("Make a new password"),
    )
    submit = button(_l("Change password"))


class ChangeEmailForm(FlaskForm):
    email = email_field(
        _l("New email address"),
        required=_l("Enter your new email address"),
        invalid=REAL_EMAIL,
        max_length=254,
    )
    password = password_field(
        _l("Your password"),
        hint=_l("We ask for it again to check it is really you."),
        required=_l("Enter your password"),
    )
    submit = button(_l("Change email"))


class PostcodeForm(FlaskForm):
    postcode = text_field(_l("Your home postcode"), required=_l("Enter your postcode"))
    submit = button(_l("Save postcode"))


class ButtonForm(FlaskForm):
    """A form that is only a button (log out, remove): it carries the CSRF token."""

    submit = button(_l("Confirm"))


class PlaceForm(FlaskForm):
    name = text_field(
        _l("Name of the place"),
        required=_l("Enter the name of the place"),
        max_length=120,
        blank=False,
    )
    description = area_field(_l("About the place (optional)"), max_length=2000)
    submit = button(_l("Add place"))


class ContactForm(FlaskForm):
    """Who people should ask about money here: shown wherever a page says to ask the team."""

    contact_name = text_field(
        _l("Name to ask for (optional)"),
        hint=_l("A person or a team, like: Oakbridge grants team."),
        optional=True,
        max_length=120,
    )
    contact_email = email_field(
        _l("Email to write to (optional)"), invalid=REAL_EMAIL, optional=True, max_length=254
    )
    contact_phone = text_field(_l("Phone number (optional)"), optional=True, max_length=30)
    submit = button(_l("Save contact"))

    def contact_fields(self) -> dict[str, str | None]:
        return {
            "contact_name": self.contact_name.data,
            "contact_email": self.contact_email.data,
            "contact_phone": self.contact_phone.data,
        }


class WardForm(FlaskForm):
    name = text_field(
        _l("Ward name"), required=_l("Enter the ward name"), max_length=120, blank=False
    )
    submit = button(_l("Add ward"))


class PostcodeAreaForm(FlaskForm):
    prefix = text_field(
        _l("Start of the postcode"),
        hint=_l("A district like E17, or a sector like E17 4."),
        required=_l("Enter the start of a postcode"),
    )
    ward = select_field(_l("Ward"), coerce=str, optional=True)
    submit = button(_l("Add postcodes"))

    def set_wards(self, wards: list) -> None:
        self.ward.choices = [SelectChoice("", _l("No ward"))] + [
            SelectChoice(str(w.id), w.name) for w in wards
        ]


class RoleForm(FlaskForm):
    email = email_field(
        _l("Their email address"), required=_l("Enter their email address"), invalid=REAL_EMAIL
    )
    role = radio_field(
        _l("Role"),
        choices=[SelectChoice(r.value, r.label) for r in GRANTED_ROLES],
        required=_l("Choose a role"),
    )
    submit = button(_l("Give role"))


class GroupForm(FlaskForm):
    name = text_field(
        _l("Group name"), required=_l("Enter your group's name"), max_length=160, blank=False
    )
    place = select_field(_l("Where your group works"), coerce=str, required=_l("Choose a place"))
    kind = radio_field(
        _l("What kind of group is it?"),
        choices=[SelectChoice(k.value, k.label) for k in GroupKind],
        required=_l("Choose what kind of group it is"),
    )
    charity_number = text_field(
        _l("Charity number (if you have one)"), optional=True, max_length=20
    )
    company_number = text_field(
        _l("Company number (if you have one)"), optional=True, max_length=20
    )
    description = area_field(
        _l("What your group does"),
        hint=_l("A few lines are enough. We show this to the panels that read your applications."),
        max_length=2000,
    )
    annual_income_pence = money_field(
        _l("Money coming in each year, in pounds (optional)"),
        hint=_l("A rough figure is fine. Some funds are only for smaller groups."),
        optional=True,
    )
    email = email_field(
        _l("Group email (optional)"), optional=True, invalid=REAL_EMAIL, max_length=254
    )
    website = text_field(_l("Website (optional)"), optional=True, max_length=255)
    postcode = text_field(_l("Group postcode (optional)"), optional=True)
    submit = button(_l("Save group"))

    def set_places(self, places: Sequence[Place]) -> None:
        self.place.choices = [SelectChoice(p.slug, p.name) for p in places]

    def group_fields(self) -> dict:
        return {name: getattr(self, name).data for name in GROUP_FIELDS}


class MemberForm(FlaskForm):
    email = email_field(
        _l("Their email address"),
        hint=_l("They need a Placefund account first."),
        required=_l("Enter their email address"),
        invalid=REAL_EMAIL,
    )
    submit = button(_l("Add member"))
