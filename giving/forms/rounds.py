"""Forms for rounds and applications, rendered with GOV.UK Frontend widgets.

Dates are typed as day, month and year (the GOV.UK date pattern) with a time beside them, in
London time; the form turns them into UTC moments for the services.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from govuk_frontend_wtf.wtforms_widgets import GovCharacterCount, GovFileInput
from wtforms import Field, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, ValidationError

from giving.content_language import localised
from giving.forms.fields import (
    LondonDateField,
    TimeOfDayField,
    area_field,
    button,
    checkboxes_field,
    date_field,
    form_with,
    money_field,
    number_field,
    radio_field,
    select_field,
    text_field,
    time_field,
)
from giving.models import (
    Application,
    Channel,
    DecisionMethod,
    Group,
    GroupKind,
    Round,
    RuleKind,
    Ward,
)
from giving.timeutil import london_to_utc, to_london
from giving.workflow import ACTION_LABELS, Move


def _moment(day_field: LondonDateField, time_field: TimeOfDayField) -> dt.datetime:
    """The UTC moment of a UK day and time, or a message on the time field if the clocks skip
    it."""
    day, time = day_field.data, time_field.data
    assert day is not None  # both are required fields
    assert time is not None
    try:
        return london_to_utc(day, time)
    except ValueError:
        time_field.errors = [
            *time_field.errors,
            _l("The clocks go forward then, so that time does not exist. Choose another."),
        ]
        raise


class RoundForm(FlaskForm):
    title = text_field(
        _l("Title"),
        hint=_l("Like 'Small grants for spring 2027'."),
        required=_l("Enter a title for the round"),
        max_length=160,
        blank=False,
    )
    description = area_field(
        _l("What the round is for, and what it will not fund"),
        hint=_l("Use plain words. Say clearly what you will and will not pay for."),
        required=_l("Say what the round is for"),
        max_length=5000,
    )
    budget_pence = money_field(_l("Total budget, in pounds"), required=_l("Enter the total budget"))
    min_grant_pence = money_field(
        _l("Smallest grant, in pounds"), required=_l("Enter the smallest grant")
    )
    max_grant_pence = money_field(
        _l("Largest grant, in pounds"), required=_l("Enter the largest grant")
    )
    opens_on = date_field(
        _l("Day it opens"),
        hint=_l("For example, 27 3 2027"),
        required=_l("Enter the day the round opens"),
    )
    opens_time = time_field(
        _l("Time it opens"),
        hint=_l("UK time, like 9am"),
        default=dt.time(9, 0),
        required=_l("Enter the time the round opens"),
    )
    closes_on = date_field(
        _l("Day it closes"),
        hint=_l("For example, 30 4 2027"),
        required=_l("Enter the day the round closes"),
    )
    closes_time = time_field(
        _l("Time it closes"),
        hint=_l("UK time, like 5pm"),
        default=dt.time(17, 0),
        required=_l("Enter the time the round closes"),
    )
    decision_date = date_field(
        _l("Date you will decide by"),
        hint=_l(
            "Groups see this date. You need it before the round can open. For example, 30 6 2027"
        ),
        optional=True,
    )
    decision_method = radio_field(
        _l("How will the decision be made?"),
        choices=[SelectChoice(m.value, m.label) for m in DecisionMethod],
        default=DecisionMethod.PANEL.value,
        required=_l("Choose how the decision will be made"),
    )
    submit = button(_l("Save round"))

    def fill_from(self, round_: Round) -> None:
        """Show a saved round's settings (on GET)."""
        opens, closes = to_london(round_.opens_at), to_london(round_.closes_at)
        self.title.data = round_.title
        self.description.data = round_.description
        self.budget_pence.data = round_.budget_pence
        self.min_grant_pence.data = round_.min_grant_pence
        self.max_grant_pence.data = round_.max_grant_pence
        self.opens_on.data, self.opens_time.data = opens.date(), opens.time()
        self.closes_on.data, self.closes_time.data = closes.date(), closes.time()
        self.decision_date.data = round_.decision_date
        self.decision_method.data = round_.decision_method.value

    def validate(self, extra_validators: Any = None) -> bool:
        if not super().validate(extra_validators):
            return False
        try:
            self._opens_at = _moment(self.opens_on, self.opens_time)
            self._closes_at = _moment(self.closes_on, self.closes_time)
        except ValueError:
            return False
        return True

    def round_fields(self) -> dict[str, Any]:
        return {
            "title": self.title.data,
            "description": self.description.data,
            "budget_pence": self.budget_pence.data,
            "min_grant_pence": self.min_grant_pence.data,
            "max_grant_pence": self.max_grant_pence.data,
            "opens_at": self._opens_at,
            "closes_at": self._closes_at,
            "decision_date": self.decision_date.data,
            "decision_method": DecisionMethod(self.decision_method.data),
        }


class DeadlineForm(FlaskForm):
    """More time for groups: a later deadline for an open round, and why."""

    closes_on = date_field(
        _l("New day it closes"),
        hint=_l("For example, 30 4 2027"),
        required=_l("Enter the new day the round closes"),
    )
    closes_time = time_field(
        _l("New time it closes"),
        hint=_l("UK time, like 5pm"),
        required=_l("Enter the new time the round closes"),
    )
    reason = area_field(
        _l("Why it is moving"),
        hint=_l("Groups with an application not yet sent get this by email."),
        required=_l("Say why the deadline is moving. Groups read this."),
        max_length=1000,
    )
    submit = button(_l("Move the deadline"))

    def fill_from(self, round_: Round) -> None:
        closes = to_london(round_.closes_at)
        self.closes_on.data, self.closes_time.data = closes.date(), closes.time()

    def validate(self, extra_validators: Any = None) -> bool:
        if not super().validate(extra_validators):
            return False
        try:
            self.closes_at = _moment(self.closes_on, self.closes_time)
        except ValueError:
            return False
        return True


class QuestionForm(FlaskForm):
    text = text_field(
        _l("Question"), required=_l("Enter the question"), max_length=500, blank=False
    )
    why_asked = area_field(
        _l("Why you ask it"),
        hint=_l("Groups see this. If the answer would not change your decision, do not ask."),
        required=_l("Say why you ask this question"),
        max_length=1000,
    )
    word_limit = number_field(
        _l("Word limit"),
        default=150,
        required=_l("Enter a word limit"),
        least=1,
        most=2000,
        outside=_l("Enter a word limit between 1 and 2000"),
    )
    submit = button(_l("Add question"))


class CriterionForm(FlaskForm):
    name = text_field(
        _l("What the panel looks for"),
        hint=_l("Like 'Helps people who are often left out'."),
        required=_l("Enter what the panel looks for"),
        max_length=120,
        blank=False,
    )
    description = area_field(_l("More about it (optional)"), max_length=1000)
    weight = number_field(
        _l("Weight"),
        hint=_l("From 1 to 100. A criterion with weight 20 counts twice as much as 10."),
        default=10,
        required=_l("Enter a weight"),
        least=1,
        most=100,
        outside=_l("Enter a weight between 1 and 100"),
    )
    submit = button(_l("Add criterion"))


class EligibilityForm(FlaskForm):
    group_kinds = checkboxes_field(
        _l("Kinds of group that can apply"),
        hint=_l("Choose none to let every kind of group apply."),
        choices=[SelectChoice(k.value, k.label) for k in GroupKind],
        optional=True,
    )
    wards = checkboxes_field(
        _l("Wards groups must be based in"),
        hint=_l("Choose none to let groups from anywhere in the place apply."),
        coerce=int,
        optional=True,
    )
    income_ceiling_pence = money_field(
        _l("Groups must have less than this coming in each year, in pounds (optional)"),
        optional=True,
    )
    recent_award_months = number_field(
        _l("Groups given money in the last this many months cannot apply (optional)"),
        hint=_l("Leave it empty if groups funded recently may apply."),
        optional=True,
        least=1,
        most=120,
        outside=_l("Enter a number of months from 1 to 120"),
    )
    submit = button(_l("Save who can apply"))

    def set_wards(self, wards: list[Ward]) -> None:
        self.wards.choices = [SelectChoice(w.id, w.name) for w in wards]

    def fill_from(self, round_: Round) -> None:
        """Show who can apply to a saved round (on GET)."""
        kinds = round_.rules_of(RuleKind.GROUP_KIND)
        self.group_kinds.data = [r.group_kind.value for r in kinds if r.group_kind is not None]
        self.wards.data = [r.ward_id for r in round_.rules_of(RuleKind.WARD)]
        ceiling = round_.rules_of(RuleKind.INCOME_CEILING)
        self.income_ceiling_pence.data = ceiling[0].amount_pence if ceiling else None
        recent = round_.rules_of(RuleKind.NO_RECENT_AWARD)
        self.recent_award_months.data = recent[0].months if recent else None


class CheckerForm(FlaskForm):
    """The public eligibility checker. Only the questions the round's rules need are kept
    (see :func:`checker_form`)."""

    group_kind = radio_field(
        _l("What kind of group are you?"),
        choices=[SelectChoice(k.value, k.label) for k in GroupKind],
        required=_l("Choose what kind of group you are"),
    )
    income_pence = money_field(
        _l("About how much money comes into your group each year, in pounds?"),
        hint=_l("A rough figure is fine. If you are new, put 0."),
        required=_l("Enter about how much comes in each year"),
    )
    postcode = text_field(
        _l("Your group's postcode"),
        hint=_l("Where your group meets or does most of its work."),
        required=_l("Enter your group's postcode"),
    )
    recently_awarded = radio_field(
        _l("Has a round here given your group money recently?"),
        choices=[SelectChoice("yes", _l("Yes")), SelectChoice("no", _l("No"))],
        required=_l("Choose yes or no"),
    )
    submit = button(_l("Check"))


def checker_form(needs: set[str], months: int | None = None, **kwargs: Any) -> CheckerForm:
    """A checker that asks only what a round's rules need (``needs`` names the fields)."""
    form = CheckerForm(**kwargs)
    for name in ("group_kind", "income_pence", "postcode", "recently_awarded"):
        if name not in needs:
            delattr(form, name)
    if "recently_awarded" in needs and months:
        form.recently_awarded.label.text = ngettext(
            "Has a round here given your group money in the last month?",
            "Has a round here given your group money in the last %(num)d months?",
            months,
        )
    return form


class StartForm(FlaskForm):
    group = radio_field(
        _l("Which group is applying?"), coerce=int, required=InputRequired(_l("Choose your group"))
    )
    submit = button(_l("Start application"))

    def set_groups(self, groups: Sequence[Group]) -> None:
        self.group.choices = [SelectChoice(g.id, g.name) for g in groups]


_HELP_CHANNELS = [c for c in Channel if c != Channel.ONLINE]


class StaffStartForm(FlaskForm):
    group = select_field(_l("Group"), coerce=int, required=InputRequired(_l("Choose the group")))
    channel = radio_field(
        _l("How did the group reach you?"),
        choices=[SelectChoice(c.value, c.label) for c in _HELP_CHANNELS],
        required=_l("Say how the group reached you"),
    )
    submit = button(_l("Start application for them"))

    def set_groups(self, groups: Sequence[Group]) -> None:
        self.group.choices = [SelectChoice(g.id, g.name) for g in groups]


class ApplicationForm(FlaskForm):
    """The application itself; one answer field per question is added by
    :func:`application_form`."""

    title = text_field(_l("Name of your project or idea"), max_length=160)
    amount_requested_pence = money_field(
        _l("How much money are you asking for, in pounds?"), optional=True
    )
    save = button(_l("Save and come back later"))
    check = button(_l("Save and check your answers"))

    question_fields: list[tuple[Any, Field]]

    def answers(self) -> dict[int, str]:
        return {question.id: field.data or "" for question, field in self.question_fields}

    def fill_from(self, application: Application) -> None:
        """Show what the group has saved so far (on GET)."""
        self.title.data = application.title
        self.amount_requested_pence.data = application.amount_requested_pence
        for question, field in self.question_fields:
            field.data = application.answer_to(question)


def application_form(round_: Round, **kwargs: Any) -> ApplicationForm:
    """The application form for a round: its questions become text boxes with word counts."""
    fields = [
        (
            f"q_{question.id}",
            TextAreaField(
                f"{number}. {localised(question, 'text').text}",
                widget=GovCharacterCount(),
                description=question.why_asked,
            ),
        )
        for number, question in enumerate(round_.questions, start=1)
    ]
    hint = kwargs.pop("amount_hint", None)
    form = form_with(ApplicationForm, fields, **kwargs)
    form.amount_requested_pence.description = hint
    form.question_fields = [(q, form[f"q_{q.id}"]) for q in round_.questions]
    return form


class SendForm(FlaskForm):
    """Send the application; staff sending it for a group say how the group reached them."""

    channel = radio_field(
        _l("How did the group give you this application?"),
        choices=[SelectChoice(c.value, c.label) for c in _HELP_CHANNELS],
        optional=True,
    )
    submit = button(_l("Send application"))


class AttachmentForm(FlaskForm):
    file = FileField(_l("Add a file (optional)"), widget=GovFileInput())
    submit = button(_l("Add file"))


class DecideForm(FlaskForm):
    """Staff move an application on. The radios show the moves they may make; ``also``
    lets the service answer for moves that exist but are not theirs to make (where residents
    decide), so the refusal says why."""

    action = radio_field(
        _l("What happens next?"), required=_l("Choose what happens next"), validate_choice=False
    )
    feedback = area_field(
        _l("Reasons the group will read"),
        hint=_l(
            "Needed when the application cannot be funded or is not given money. "
            "Be kind and clear: say what would have made the difference."
        ),
        max_length=5000,
    )
    award_pence = money_field(
        _l("Amount to give, in pounds (only when giving money)"), optional=True
    )
    submit = button(_l("Save decision"))

    def set_moves(self, moves: list[Move], also: list[Move] | None = None) -> None:
        self.action.choices = [SelectChoice(m.action, ACTION_LABELS[m.action]) for m in moves]
        self.accepted = {m.action for m in [*moves, *(also or [])]}

    def validate_action(self, field: Field) -> None:
        if field.data not in getattr(self, "accepted", set()):
            raise ValidationError(_l("Not a valid choice."))


class OverrideForm(FlaskForm):
    """The fund's team overrides the residents' decision, in an emergency, with a reason
    that is published."""

    action = radio_field(
        _l("What should happen?"),
        choices=[
            SelectChoice("override_award", _l("Give money")),
            SelectChoice("override_decline", _l("Do not give money")),
        ],
        required=_l("Choose whether to give money or not"),
    )
    override_reason = area_field(
        _l("Why the fund's team is overriding the residents' decision"),
        hint=_l(
            "For example: the group closed, fraud, or a conflict found late. This reason is "
            "published on the round's results and shown to the group."
        ),
        required=_l("Write why the fund's team is overriding the residents' decision"),
        max_length=5000,
        blank=False,
    )
    feedback = area_field(
        _l("Reasons the group will read (only when not giving money)"),
        hint=_l("Be kind and clear."),
        max_length=5000,
    )
    award_pence = money_field(
        _l("Amount to give, in pounds (only when giving money)"), optional=True
    )
    submit = button(_l("Override and publish the reason"))
