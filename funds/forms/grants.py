"""Forms for grants: offering one, agreeing to it, acting on its payments, changing and ending
it, payment runs and check-ins."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms.fields.choices import SelectChoice

from funds.models import CheckIn, Instalment
from funds.schedule import Frequency
from giving.forms.fields import (
    area_field,
    button,
    date_field,
    form_with,
    money_field,
    number_field,
    radio_field,
    select_field,
    text_field,
    tick_field,
)
from giving.models import Group


class GrantForm(FlaskForm):
    group = select_field(_l("Group"), optional=True)
    title = text_field(
        _l("What the grant is for, in a few words"),
        required=_l("Say what the grant is for"),
        max_length=160,
    )
    description = area_field(_l("More about it (optional)"), max_length=5000)
    total_pence = money_field(_l("Total amount, in pounds"), required=_l("Enter how much money"))
    start_date = date_field(
        _l("Day the grant starts"),
        hint=_l("The first payment is due on this day. For example, 1 9 2026."),
        required=_l("Enter the day the grant starts"),
    )
    years = number_field(
        _l("How many years it lasts"),
        hint=_l("Longer grants help groups plan. From 1 to 25."),
        required=_l("Enter how many years"),
        least=1,
        most=25,
        outside=_l("Enter a number from 1 to 25"),
    )
    frequency = radio_field(
        _l("How often we pay"),
        choices=[SelectChoice(f.value, _l(f.label)) for f in Frequency],
        default=Frequency.QUARTERLY.value,
        required=_l("Choose how often we pay"),
    )
    restricted = radio_field(
        _l("What can the money be spent on?"),
        choices=[
            SelectChoice("no", _l("Anything that helps the group do its work (best)")),
            SelectChoice("yes", _l("Only one thing")),
        ],
        default="no",
        required=_l("Choose what the money can be spent on"),
    )
    purpose = text_field(_l("If only one thing, what?"), optional=True, max_length=1000)
    submit = button(_l("Offer the grant"))

    def set_groups(self, groups: list[Group]) -> None:
        self.group.choices = [SelectChoice("", _l("Choose a group"))] + [
            SelectChoice(str(g.id), g.name) for g in groups
        ]


class AgreeForm(FlaskForm):
    agree = tick_field(_l("I have read this and my group agrees to it"))
    submit = button(_l("Agree to the grant"))


class ReasonForm(FlaskForm):
    reason = area_field(
        _l("Why is this payment on hold?"),
        hint=_l("The group will read this. Say what needs to happen next."),
        required=_l("Say why"),
        max_length=2000,
    )
    submit = button(_l("Put on hold"))


class PayForm(FlaskForm):
    paid_on = date_field(
        _l("Day it was paid"),
        hint=_l("For example, 27 3 2027."),
        required=_l("Enter the day it was paid"),
    )
    reference = text_field(
        _l("Bank reference"),
        required=_l("Enter the bank's reference for the payment"),
        max_length=60,
    )
    submit = button(_l("Record the payment"))


class ConfirmForm(FlaskForm):
    submit = button(_l("Confirm"))


class CloseForm(FlaskForm):
    note = area_field(
        _l("Final note"),
        hint=_l("What happened with the grant, in a few plain words. It is kept."),
        required=_l("Write a short final note"),
        max_length=5000,
        too_long=None,
    )
    submit = button(_l("End the grant"))


class RunForm(FlaskForm):
    paid_on = date_field(
        _l("Day the bank paid them"),
        hint=_l("For example, 27 3 2027."),
        required=_l("Enter the day the bank paid them"),
    )
    submit = button(_l("Record these as paid"))


class NoteForm(FlaskForm):
    note = area_field(
        _l("What you talked about"), required=_l("Write a few words about the conversation")
    )
    submit = button(_l("Save note"))


class VaryForm(FlaskForm):
    """A change to a grant's payments: the fields are made by :func:`vary_form`."""


def vary_form(instalments: list[Instalment], formdata: Any = None) -> FlaskForm:
    """A form with an amount and a date for each payment that can still change."""
    fields = []
    for inst in instalments:
        amount = money_field(
            _l("Payment %(n)s amount, in pounds", n=inst.number),
            default=inst.amount_pence,
            required=_l("Enter an amount"),
        )
        due = date_field(
            _l("Payment %(n)s date", n=inst.number),
            default=inst.due_date,
            required=_l("Enter a date"),
        )
        fields += [(f"amount_{inst.id}", amount), (f"due_{inst.id}", due)]
    reason = area_field(
        _l("Why is the grant changing?"),
        hint=_l("The group can read this."),
        required=_l("Say why the grant is changing"),
    )
    fields += [("reason", reason), ("submit", button(_l("Save the change")))]
    kwargs = {"formdata": formdata} if formdata is not None else {}
    return form_with(VaryForm, fields, **kwargs)


class CheckInForm(FlaskForm):
    """A check-in's answers: the fields are made by :func:`checkin_form`."""


def checkin_form(checkin: CheckIn, questions: list[tuple[int, str]]) -> FlaskForm:
    """One box for each of the fund's questions, and nothing else."""
    fields = [
        (
            f"answer_{position}",
            area_field(text, required=_l("Answer this question"), max_length=3000, too_long=None),
        )
        for position, text in questions
    ]
    return form_with(CheckInForm, [*fields, ("submit", button(_l("Send answers")))])


class RunDateForm(FlaskForm):
    """The day a payment run is for, read from the page's address."""

    class Meta:
        csrf = False

    on = date_field(_l("Pay what is due on or before"))
