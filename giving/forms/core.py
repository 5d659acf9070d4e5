"""Forms for accounts, places and groups, rendered with GOV.UK Frontend widgets."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import (
    GovPasswordInput,
    GovRadioInput,
    GovSelect,
    GovSubmitInput,
    GovTextArea,
    GovTextInput,
)
from wtforms import (
    EmailField,
    Field,
    PasswordField,
    RadioField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, EqualTo, Length, Optional, ValidationError

from giving.models import GRANTED_ROLES, GroupKind
from giving.services.groups import GROUP_FIELDS

TOO_LONG = _l("This is too long. Use %(max)d characters or fewer.")


class PenceField(StringField):
    """Pounds typed by a person ('£1,250.50'), held as whole pence."""

    widget = GovTextInput()

    def process_formdata(self, valuelist: list[str]) -> None:
        self.data = None
        self.raw = valuelist[0] if valuelist else ""
        text = self.raw.strip().replace("£", "").replace(",", "")
        if not text:
            return
        try:
            pounds = Decimal(text)
        except InvalidOperation:
            self.data = None
            raise ValueError(_l("Enter an amount in pounds, like 1250 or 1250.50")) from None
        if pounds != pounds.quantize(Decimal("0.01")):
            raise ValueError(_l("Enter an amount in pounds and pence, like 1250.50"))
        self.data = int(pounds * 100)

    def _value(self) -> str:
        if self.raw_data:
            return self.raw_data[0]
        if self.data is None:
            return ""
        return f"{self.data // 100}" if self.data % 100 == 0 else f"{self.data / 100:.2f}"


def _not_blank(form: FlaskForm, field: Field) -> None:
    if isinstance(field.data, str) and not field.data.strip():
        raise ValidationError(_l("This cannot be only spaces"))


class RegisterForm(FlaskForm):
    name = StringField(
        _l("Your name"),
        widget=GovTextInput(),
        validators=[
            DataRequired(_l("Enter your name")),
            Length(max=120, message=TOO_LONG),
            _not_blank,
        ],
    )
    email = EmailField(
        _l("Email address"),
        widget=GovTextInput(),
        description=_l("We will send you an email to check it is yours."),
        validators=[
            DataRequired(_l("Enter your email address")),
            Email(_l("Enter a real email address, like name@example.com")),
            Length(max=254, message=TOO_LONG),
        ],
    )
    postcode = StringField(
        _l("Your home postcode (optional)"),
        widget=GovTextInput(),
        description=_l(
            "Add it if you live in a place on Placefund, so you can vote and join panels."
        ),
        validators=[Optional()],
    )
    password = PasswordField(
        _l("Make a password"),
        widget=GovPasswordInput(),
        description=_l("Use 10 or more characters. A few words in a row are easy to remember."),
        validators=[DataRequired(_l("Make a password"))],
    )
    confirm = PasswordField(
        _l("Type the password again"),
        widget=GovPasswordInput(),
        validators=[
            DataRequired(_l("Type the password again")),
            EqualTo("password", _l("The two passwords are not the same")),
        ],
    )
    submit = SubmitField(_l("Create account"), widget=GovSubmitInput())


class LoginForm(FlaskForm):
    email = EmailField(
        _l("Email address"),
        widget=GovTextInput(),
        validators=[DataRequired(_l("Enter your email address"))],
    )
    password = PasswordField(
        _l("Password"),
        widget=GovPasswordInput(),
        validators=[DataRequired(_l("Enter your password"))],
    )
    submit = SubmitField(_l("Log in"), widget=GovSubmitInput())


class EmailOnlyForm(FlaskForm):
    email = EmailField(
        _l("Email address"),
        widget=GovTextInput(),
        validators=[
            DataRequired(_l("Enter your email address")),
            Email(_l("Enter a real email address, like name@example.com")),
        ],
    )
    submit = SubmitField(_l("Send me a link"), widget=GovSubmitInput())


class ResetPasswordForm(FlaskForm):
    password = PasswordField(
        _l("New password"),
        widget=GovPasswordInput(),
        description=_l("Use 10 or more characters."),
        validators=[DataRequired(_l("Make a new password"))],
    )
    confirm = PasswordField(
        _l("Type the new password again"),
        widget=GovPasswordInput(),
        validators=[
            DataRequired(_l("Type the new password again")),
            EqualTo("password", _l("The two passwords are not the same")),
        ],
    )
    submit = SubmitField(_l("Save new password"), widget=GovSubmitInput())


class ChangePasswordForm(FlaskForm):
    current_password = PasswordField(
        _l("Your password now"),
        widget=GovPasswordInput(),
        validators=[DataRequired(_l("Enter your password now"))],
    )
    new_password = PasswordField(
        _l("New password"),
        widget=GovPasswordInput(),
        description=_l("Use 10 or more characters."),
        validators=[DataRequired(_l("Make a new password"))],
    )
    submit = SubmitField(_l("Change password"), widget=GovSubmitInput())


class ChangeEmailForm(FlaskForm):
    email = EmailField(
        _l("New email address"),
        widget=GovTextInput(),
        validators=[
            DataRequired(_l("Enter your new email address")),
            Email(_l("Enter a real email address, like name@example.com")),
            Length(max=254, message=TOO_LONG),
        ],
    )
    password = PasswordField(
        _l("Your password"),
        widget=GovPasswordInput(),
        description=_l("We ask for it again to check it is really you."),
        validators=[DataRequired(_l("Enter your password"))],
    )
    submit = SubmitField(_l("Change email"), widget=GovSubmitInput())


class PostcodeForm(FlaskForm):
    postcode = StringField(
        _l("Your home postcode"),
        widget=GovTextInput(),
        validators=[DataRequired(_l("Enter your postcode"))],
    )
    submit = SubmitField(_l("Save postcode"), widget=GovSubmitInput())


class ButtonForm(FlaskForm):
    """A form that is only a button (log out, remove): it carries the CSRF token."""

    submit = SubmitField(_l("Confirm"), widget=GovSubmitInput())


class PlaceForm(FlaskForm):
    name = StringField(
        _l("Name of the place"),
        widget=GovTextInput(),
        validators=[
            DataRequired(_l("Enter the name of the place")),
            Length(max=120, message=TOO_LONG),
            _not_blank,
        ],
    )
    description = TextAreaField(
        _l("About the place (optional)"),
        widget=GovTextArea(),
        validators=[Length(max=2000, message=TOO_LONG)],
    )
    submit = SubmitField(_l("Add place"), widget=GovSubmitInput())


class WardForm(FlaskForm):
    name = StringField(
        _l("Ward name"),
        widget=GovTextInput(),
        validators=[
            DataRequired(_l("Enter the ward name")),
            Length(max=120, message=TOO_LONG),
            _not_blank,
        ],
    )
    submit = SubmitField(_l("Add ward"), widget=GovSubmitInput())


class PostcodeAreaForm(FlaskForm):
    prefix = StringField(
        _l("Start of the postcode"),
        widget=GovTextInput(),
        description=_l("A district like E17, or a sector like E17 4."),
        validators=[
            DataRequired(_l("Enter the start of a postcode")),
        ],
    )
    ward = SelectField(_l("Ward"), widget=GovSelect(), coerce=str, validators=[Optional()])
    submit = SubmitField(_l("Add postcodes"), widget=GovSubmitInput())

    def set_wards(self, wards: list) -> None:
        self.ward.choices = [SelectChoice("", _l("No ward"))] + [
            SelectChoice(str(w.id), w.name) for w in wards
        ]


class RoleForm(FlaskForm):
    email = EmailField(
        _l("Their email address"),
        widget=GovTextInput(),
        validators=[
            DataRequired(_l("Enter their email address")),
            Email(_l("Enter a real email address, like name@example.com")),
        ],
    )
    role = RadioField(
        _l("Role"),
        widget=GovRadioInput(),
        choices=[SelectChoice(r.value, r.label) for r in GRANTED_ROLES],
        validators=[DataRequired(_l("Choose a role"))],
    )
    submit = SubmitField(_l("Give role"), widget=GovSubmitInput())


class GroupForm(FlaskForm):
    name = StringField(
        _l("Group name"),
        widget=GovTextInput(),
        validators=[
            DataRequired(_l("Enter your group's name")),
            Length(max=160, message=TOO_LONG),
            _not_blank,
        ],
    )
    place = SelectField(
        _l("Where your group works"),
        widget=GovSelect(),
        coerce=str,
        validators=[DataRequired(_l("Choose a place"))],
    )
    kind = RadioField(
        _l("What kind of group is it?"),
        widget=GovRadioInput(),
        choices=[SelectChoice(k.value, k.label) for k in GroupKind],
        validators=[DataRequired(_l("Choose what kind of group it is"))],
    )
    charity_number = StringField(
        _l("Charity number (if you have one)"),
        widget=GovTextInput(),
        validators=[Optional(), Length(max=20, message=TOO_LONG)],
    )
    company_number = StringField(
        _l("Company number (if you have one)"),
        widget=GovTextInput(),
        validators=[Optional(), Length(max=20, message=TOO_LONG)],
    )
    description = TextAreaField(
        _l("What your group does"),
        widget=GovTextArea(),
        description=_l(
            "A few lines are enough. We show this to the panels that read your applications."
        ),
        validators=[Length(max=2000, message=TOO_LONG)],
    )
    annual_income_pence = PenceField(
        _l("Money coming in each year, in pounds (optional)"),
        description=_l("A rough figure is fine. Some funds are only for smaller groups."),
        validators=[Optional()],
    )
    email = EmailField(
        _l("Group email (optional)"),
        widget=GovTextInput(),
        validators=[
            Optional(),
            Email(_l("Enter a real email address, like name@example.com")),
            Length(max=254, message=TOO_LONG),
        ],
    )
    website = StringField(
        _l("Website (optional)"),
        widget=GovTextInput(),
        validators=[Optional(), Length(max=255, message=TOO_LONG)],
    )
    postcode = StringField(
        _l("Group postcode (optional)"),
        widget=GovTextInput(),
        validators=[Optional()],
    )
    submit = SubmitField(_l("Save group"), widget=GovSubmitInput())

    def set_places(self, places: list) -> None:
        self.place.choices = [SelectChoice(p.slug, p.name) for p in places]

    def group_fields(self) -> dict:
        return {name: getattr(self, name).data for name in GROUP_FIELDS}


class MemberForm(FlaskForm):
    email = EmailField(
        _l("Their email address"),
        widget=GovTextInput(),
        description=_l("They need a Placefund account first."),
        validators=[
            DataRequired(_l("Enter their email address")),
            Email(_l("Enter a real email address, like name@example.com")),
        ],
    )
    submit = SubmitField(_l("Add member"), widget=GovSubmitInput())
