"""Forms for grants: offering one, agreeing to it, acting on its payments, changing and ending
it, payment runs and check-ins."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import (
    GovCheckboxInput,
    GovRadioInput,
    GovSelect,
    GovSubmitInput,
    GovTextArea,
    GovTextInput,
)
from wtforms import (
    BooleanField,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from funds.models import CheckIn, Instalment
from funds.schedule import Frequency
from giving.forms import TOO_LONG, LondonDateField, PenceField
from giving.models import Group


class GrantForm(FlaskForm):
    group = SelectField(_l("Group"), widget=GovSelect(), validators=[Optional()])
    title = StringField(
        _l("What the grant is for, in a few words"),
        widget=GovTextInput(),
        validators=[
            DataRequired(_l("Say what the grant is for")),
            Length(max=160, message=TOO_LONG),
        ],
    )
    description = TextAreaField(
        _l("More about it (optional)"),
        widget=GovTextArea(),
        validators=[Length(max=5000, message=TOO_LONG)],
    )
    total_pence = PenceField(
        _l("Total amount, in pounds"), validators=[InputRequired(_l("Enter how much money"))]
    )
    start_date = LondonDateField(
        _l("Day the grant starts"),
        description=_l("The first payment is due on this day. For example, 1 9 2026."),
        validators=[InputRequired(_l("Enter the day the grant starts"))],
    )
    years = IntegerField(
        _l("How many years it lasts"),
        widget=GovTextInput(),
        description=_l("Longer grants help groups plan. From 1 to 25."),
        validators=[
            InputRequired(_l("Enter how many years")),
            NumberRange(min=1, max=25, message=_l("Enter a number from 1 to 25")),
        ],
    )
    frequency = RadioField(
        _l("How often we pay"),
        widget=GovRadioInput(),
        choices=[SelectChoice(f.value, _l(f.label)) for f in Frequency],
        default=Frequency.QUARTERLY.value,
        validators=[DataRequired(_l("Choose how often we pay"))],
    )
    restricted = RadioField(
        _l("What can the money be spent on?"),
        widget=GovRadioInput(),
        choices=[
            SelectChoice("no", _l("Anything that helps the group do its work (best)")),
            SelectChoice("yes", _l("Only one thing")),
        ],
        default="no",
        validators=[DataRequired(_l("Choose what the money can be spent on"))],
    )
    purpose = StringField(
        _l("If only one thing, what?"),
        widget=GovTextInput(),
        validators=[Optional(), Length(max=1000, message=TOO_LONG)],
    )
    submit = SubmitField(_l("Offer the grant"), widget=GovSubmitInput())

    def set_groups(self, groups: list[Group]) -> None:
        self.group.choices = [SelectChoice("", _l("Choose a group"))] + [
            SelectChoice(str(g.id), g.name) for g in groups
        ]


class AgreeForm(FlaskForm):
    agree = BooleanField(
        _l("I have read this and my group agrees to it"), widget=GovCheckboxInput()
    )
    submit = SubmitField(_l("Agree to the grant"), widget=GovSubmitInput())


class ReasonForm(FlaskForm):
    reason = TextAreaField(
        _l("Why is this payment on hold?"),
        widget=GovTextArea(),
        description=_l("The group will read this. Say what needs to happen next."),
        validators=[DataRequired(_l("Say why")), Length(max=2000, message=TOO_LONG)],
    )
    submit = SubmitField(_l("Put on hold"), widget=GovSubmitInput())


class PayForm(FlaskForm):
    paid_on = LondonDateField(
        _l("Day it was paid"),
        description=_l("For example, 27 3 2027."),
        validators=[InputRequired(_l("Enter the day it was paid"))],
    )
    reference = StringField(
        _l("Bank reference"),
        widget=GovTextInput(),
        validators=[
            DataRequired(_l("Enter the bank's reference for the payment")),
            Length(max=60, message=TOO_LONG),
        ],
    )
    submit = SubmitField(_l("Record the payment"), widget=GovSubmitInput())


class ConfirmForm(FlaskForm):
    submit = SubmitField(_l("Confirm"), widget=GovSubmitInput())


class CloseForm(FlaskForm):
    note = TextAreaField(
        _l("Final note"),
        widget=GovTextArea(),
        description=_l("What happened with the grant, in a few plain words. It is kept."),
        validators=[DataRequired(_l("Write a short final note")), Length(max=5000)],
    )
    submit = SubmitField(_l("End the grant"), widget=GovSubmitInput())


class RunForm(FlaskForm):
    paid_on = LondonDateField(
        _l("Day the bank paid them"),
        description=_l("For example, 27 3 2027."),
        validators=[InputRequired(_l("Enter the day the bank paid them"))],
    )
    submit = SubmitField(_l("Record these as paid"), widget=GovSubmitInput())


class NoteForm(FlaskForm):
    note = TextAreaField(
        _l("What you talked about"),
        widget=GovTextArea(),
        validators=[DataRequired(_l("Write a few words about the conversation"))],
    )
    submit = SubmitField(_l("Save note"), widget=GovSubmitInput())


def vary_form(instalments: list[Instalment], formdata: Any = None) -> FlaskForm:
    """A form with an amount and a date for each payment that can still change."""

    class VaryForm(FlaskForm):
        pass

    for inst in instalments:
        setattr(
            VaryForm,
            f"amount_{inst.id}",
            PenceField(
                _l("Payment %(n)s amount, in pounds", n=inst.number),
                default=inst.amount_pence,
                validators=[InputRequired(_l("Enter an amount"))],
            ),
        )
        setattr(
            VaryForm,
            f"due_{inst.id}",
            LondonDateField(
                _l("Payment %(n)s date", n=inst.number),
                default=inst.due_date,
                validators=[InputRequired(_l("Enter a date"))],
            ),
        )
    VaryForm.reason = TextAreaField(
        _l("Why is the grant changing?"),
        widget=GovTextArea(),
        description=_l("The group can read this."),
        validators=[DataRequired(_l("Say why the grant is changing"))],
    )
    VaryForm.submit = SubmitField(_l("Save the change"), widget=GovSubmitInput())
    return VaryForm(formdata=formdata) if formdata is not None else VaryForm()


def checkin_form(checkin: CheckIn, questions: list[tuple[int, str]]) -> FlaskForm:
    """One box for each of the fund's questions, and nothing else."""

    class CheckInForm(FlaskForm):
        pass

    for position, text in questions:
        setattr(
            CheckInForm,
            f"answer_{position}",
            TextAreaField(
                text,
                widget=GovTextArea(),
                validators=[DataRequired(_l("Answer this question")), Length(max=3000)],
            ),
        )
    CheckInForm.submit = SubmitField(_l("Send answers"), widget=GovSubmitInput())
    return CheckInForm()


class RunDateForm(FlaskForm):
    """The day a payment run is for, read from the page's address."""

    class Meta:
        csrf = False

    on = LondonDateField(_l("Pay what is due on or before"))
