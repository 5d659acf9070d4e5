"""Forms for rounds and applications, rendered with GOV.UK Frontend widgets.

Dates are typed as day, month and year (the GOV.UK date pattern) with a time beside them, in
London time; the form turns them into UTC moments for the services.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from govuk_frontend_wtf.wtforms_widgets import (
    GovCharacterCount,
    GovCheckboxesInput,
    GovDateInput,
    GovFileInput,
    GovRadioInput,
    GovSelect,
    GovSubmitInput,
    GovTextArea,
    GovTextInput,
)
from wtforms import (
    DateField,
    Field,
    IntegerField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from giving.forms.core import TOO_LONG, PenceField
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

_TIME = re.compile(r"^(\d{1,2})(?:[:.](\d{2}))?\s*(am|pm)?$")


class LondonDateField(DateField):
    """Day, month and year in three boxes; a clear message when they are not a real date."""

    widget = GovDateInput()

    def __init__(self, label: Any = None, validators: Any = None, **kwargs: Any) -> None:
        super().__init__(label, validators, format="%d %m %Y", **kwargs)

    def process_formdata(self, valuelist: list[str]) -> None:
        if not valuelist or not "".join(valuelist).strip():
            self.data = None
            return
        try:
            self.data = dt.datetime.strptime(" ".join(v.strip() for v in valuelist), "%d %m %Y")
            self.data = self.data.date()
        except ValueError:
            self.data = None
            raise ValueError(_l("Enter a real date, like 27 3 2027")) from None


class TimeOfDayField(StringField):
    """A time typed as a person says it: '9am', '5:30pm', '17:30'."""

    widget = GovTextInput()

    def process_formdata(self, valuelist: list[str]) -> None:
        self.data = None
        raw = (valuelist[0] if valuelist else "").strip().lower().replace(" ", "")
        if not raw:
            return
        if raw in ("midday", "noon"):
            self.data = dt.time(12, 0)
            return
        match = _TIME.match(raw)
        if match:
            hour, minute = int(match.group(1)), int(match.group(2) or 0)
            suffix = match.group(3)
            if suffix and 1 <= hour <= 12:
                hour = hour % 12 + (12 if suffix == "pm" else 0)
            elif suffix:
                hour = 99
            if hour < 24 and minute < 60:
                self.data = dt.time(hour, minute)
                return
        raise ValueError(_l("Enter a time like 9am, 5:30pm or 17:30"))

    def _value(self) -> str:
        if self.raw_data:
            return self.raw_data[0]
        if self.data is None:
            return ""
        hour = self.data.hour % 12 or 12
        return f"{hour}:{self.data.minute:02d}{'am' if self.data.hour < 12 else 'pm'}"


def _not_blank(form: FlaskForm, field: Field) -> None:
    from wtforms.validators import ValidationError

    if isinstance(field.data, str) and field.data and not field.data.strip():
        raise ValidationError(_l("This cannot be only spaces"))


def _moment(day_field: LondonDateField, time_field: TimeOfDayField) -> dt.datetime:
    """The UTC moment of a UK day and time, or a message on the time field if the clocks skip
    it."""
    try:
        return london_to_utc(day_field.data, time_field.data)
    except ValueError:
        time_field.errors = [
            *time_field.errors,
            _l("The clocks go forward then, so that time does not exist. Choose another."),
        ]
        raise


class RoundForm(FlaskForm):
    title = StringField(
        _l("Title"),
        widget=GovTextInput(),
        description=_l("Like 'Small grants for spring 2027'."),
        validators=[
            DataRequired(_l("Enter a title for the round")),
            Length(max=160, message=TOO_LONG),
            _not_blank,
        ],
    )
    description = TextAreaField(
        _l("What the round is for, and what it will not fund"),
        widget=GovTextArea(),
        description=_l("Use plain words. Say clearly what you will and will not pay for."),
        validators=[
            DataRequired(_l("Say what the round is for")),
            Length(max=5000, message=TOO_LONG),
        ],
    )
    budget_pence = PenceField(
        _l("Total budget, in pounds"),
        validators=[InputRequired(_l("Enter the total budget"))],
    )
    min_grant_pence = PenceField(
        _l("Smallest grant, in pounds"),
        validators=[InputRequired(_l("Enter the smallest grant"))],
    )
    max_grant_pence = PenceField(
        _l("Largest grant, in pounds"),
        validators=[InputRequired(_l("Enter the largest grant"))],
    )
    opens_on = LondonDateField(
        _l("Day it opens"),
        description=_l("For example, 27 3 2027"),
        validators=[InputRequired(_l("Enter the day the round opens"))],
    )
    opens_time = TimeOfDayField(
        _l("Time it opens"),
        description=_l("UK time, like 9am"),
        default=dt.time(9, 0),
        validators=[InputRequired(_l("Enter the time the round opens"))],
    )
    closes_on = LondonDateField(
        _l("Day it closes"),
        description=_l("For example, 30 4 2027"),
        validators=[InputRequired(_l("Enter the day the round closes"))],
    )
    closes_time = TimeOfDayField(
        _l("Time it closes"),
        description=_l("UK time, like 5pm"),
        default=dt.time(17, 0),
        validators=[InputRequired(_l("Enter the time the round closes"))],
    )
    decision_date = LondonDateField(
        _l("Date you will decide by"),
        description=_l(
            "Groups see this date. You need it before the round can open. For example, 30 6 2027"
        ),
        validators=[Optional()],
    )
    decision_method = RadioField(
        _l("How will the decision be made?"),
        widget=GovRadioInput(),
        choices=[SelectChoice(m.value, m.label) for m in DecisionMethod],
        default=DecisionMethod.PANEL.value,
        validators=[DataRequired(_l("Choose how the decision will be made"))],
    )
    submit = SubmitField(_l("Save round"), widget=GovSubmitInput())

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

    closes_on = LondonDateField(
        _l("New day it closes"),
        description=_l("For example, 30 4 2027"),
        validators=[InputRequired(_l("Enter the new day the round closes"))],
    )
    closes_time = TimeOfDayField(
        _l("New time it closes"),
        description=_l("UK time, like 5pm"),
        validators=[InputRequired(_l("Enter the new time the round closes"))],
    )
    reason = TextAreaField(
        _l("Why it is moving"),
        widget=GovTextArea(),
        description=_l("Groups with an application not yet sent get this by email."),
        validators=[
            DataRequired(_l("Say why the deadline is moving. Groups read this.")),
            Length(max=1000, message=TOO_LONG),
        ],
    )
    submit = SubmitField(_l("Move the deadline"), widget=GovSubmitInput())

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
    text = StringField(
        _l("Question"),
        widget=GovTextInput(),
        validators=[
            DataRequired(_l("Enter the question")),
            Length(max=500, message=TOO_LONG),
            _not_blank,
        ],
    )
    why_asked = TextAreaField(
        _l("Why you ask it"),
        widget=GovTextArea(),
        description=_l(
            "Groups see this. If the answer would not change your decision, do not ask."
        ),
        validators=[
            DataRequired(_l("Say why you ask this question")),
            Length(max=1000, message=TOO_LONG),
        ],
    )
    word_limit = IntegerField(
        _l("Word limit"),
        widget=GovTextInput(),
        default=150,
        validators=[
            InputRequired(_l("Enter a word limit")),
            NumberRange(1, 2000, _l("Enter a word limit between 1 and 2000")),
        ],
    )
    submit = SubmitField(_l("Add question"), widget=GovSubmitInput())


class CriterionForm(FlaskForm):
    name = StringField(
        _l("What the panel looks for"),
        widget=GovTextInput(),
        description=_l("Like 'Helps people who are often left out'."),
        validators=[
            DataRequired(_l("Enter what the panel looks for")),
            Length(max=120, message=TOO_LONG),
            _not_blank,
        ],
    )
    description = TextAreaField(
        _l("More about it (optional)"),
        widget=GovTextArea(),
        validators=[Length(max=1000, message=TOO_LONG)],
    )
    weight = IntegerField(
        _l("Weight"),
        widget=GovTextInput(),
        description=_l("From 1 to 100. A criterion with weight 20 counts twice as much as 10."),
        default=10,
        validators=[
            InputRequired(_l("Enter a weight")),
            NumberRange(1, 100, _l("Enter a weight between 1 and 100")),
        ],
    )
    submit = SubmitField(_l("Add criterion"), widget=GovSubmitInput())


class EligibilityForm(FlaskForm):
    group_kinds = SelectMultipleField(
        _l("Kinds of group that can apply"),
        widget=GovCheckboxesInput(),
        description=_l("Choose none to let every kind of group apply."),
        choices=[SelectChoice(k.value, k.label) for k in GroupKind],
        validators=[Optional()],
    )
    wards = SelectMultipleField(
        _l("Wards groups must be based in"),
        widget=GovCheckboxesInput(),
        description=_l("Choose none to let groups from anywhere in the place apply."),
        coerce=int,
        validators=[Optional()],
    )
    income_ceiling_pence = PenceField(
        _l("Groups must have less than this coming in each year, in pounds (optional)"),
        validators=[Optional()],
    )
    recent_award_months = IntegerField(
        _l("Groups given money in the last this many months cannot apply (optional)"),
        widget=GovTextInput(),
        description=_l("Leave it empty if groups funded recently may apply."),
        validators=[Optional(), NumberRange(1, 120, _l("Enter a number of months from 1 to 120"))],
    )
    submit = SubmitField(_l("Save who can apply"), widget=GovSubmitInput())

    def set_wards(self, wards: list[Ward]) -> None:
        self.wards.choices = [SelectChoice(w.id, w.name) for w in wards]

    def fill_from(self, round_: Round) -> None:
        """Show who can apply to a saved round (on GET)."""
        self.group_kinds.data = [r.group_kind.value for r in round_.rules_of(RuleKind.GROUP_KIND)]
        self.wards.data = [r.ward_id for r in round_.rules_of(RuleKind.WARD)]
        ceiling = round_.rules_of(RuleKind.INCOME_CEILING)
        self.income_ceiling_pence.data = ceiling[0].amount_pence if ceiling else None
        recent = round_.rules_of(RuleKind.NO_RECENT_AWARD)
        self.recent_award_months.data = recent[0].months if recent else None


class CheckerForm(FlaskForm):
    """The public eligibility checker. Only the questions the round's rules need are kept
    (see :func:`checker_form`)."""

    group_kind = RadioField(
        _l("What kind of group are you?"),
        widget=GovRadioInput(),
        choices=[SelectChoice(k.value, k.label) for k in GroupKind],
        validators=[DataRequired(_l("Choose what kind of group you are"))],
    )
    income_pence = PenceField(
        _l("About how much money comes into your group each year, in pounds?"),
        description=_l("A rough figure is fine. If you are new, put 0."),
        validators=[InputRequired(_l("Enter about how much comes in each year"))],
    )
    postcode = StringField(
        _l("Your group's postcode"),
        widget=GovTextInput(),
        description=_l("Where your group meets or does most of its work."),
        validators=[DataRequired(_l("Enter your group's postcode"))],
    )
    recently_awarded = RadioField(
        _l("Has a round here given your group money recently?"),
        widget=GovRadioInput(),
        choices=[SelectChoice("yes", _l("Yes")), SelectChoice("no", _l("No"))],
        validators=[DataRequired(_l("Choose yes or no"))],
    )
    submit = SubmitField(_l("Check"), widget=GovSubmitInput())


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
    group = RadioField(
        _l("Which group is applying?"),
        widget=GovRadioInput(),
        coerce=int,
        validators=[InputRequired(_l("Choose your group"))],
    )
    submit = SubmitField(_l("Start application"), widget=GovSubmitInput())

    def set_groups(self, groups: list[Group]) -> None:
        self.group.choices = [SelectChoice(g.id, g.name) for g in groups]


_HELP_CHANNELS = [c for c in Channel if c != Channel.ONLINE]


class StaffStartForm(FlaskForm):
    group = SelectField(
        _l("Group"),
        widget=GovSelect(),
        coerce=int,
        validators=[InputRequired(_l("Choose the group"))],
    )
    channel = RadioField(
        _l("How did the group reach you?"),
        widget=GovRadioInput(),
        choices=[SelectChoice(c.value, c.label) for c in _HELP_CHANNELS],
        validators=[DataRequired(_l("Say how the group reached you"))],
    )
    submit = SubmitField(_l("Start application for them"), widget=GovSubmitInput())

    def set_groups(self, groups: list[Group]) -> None:
        self.group.choices = [SelectChoice(g.id, g.name) for g in groups]


class ApplicationForm(FlaskForm):
    """The application itself; one answer field per question is added by
    :func:`application_form`."""

    title = StringField(
        _l("Name of your project or idea"),
        widget=GovTextInput(),
        validators=[Length(max=160, message=TOO_LONG)],
    )
    amount_requested_pence = PenceField(
        _l("How much money are you asking for, in pounds?"), validators=[Optional()]
    )
    save = SubmitField(_l("Save and come back later"), widget=GovSubmitInput())
    check = SubmitField(_l("Save and check your answers"), widget=GovSubmitInput())

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

    class RoundApplicationForm(ApplicationForm):
        pass

    for number, question in enumerate(round_.questions, start=1):
        setattr(
            RoundApplicationForm,
            f"q_{question.id}",
            TextAreaField(
                f"{number}. {question.text}",
                widget=GovCharacterCount(),
                description=question.why_asked,
            ),
        )
    hint = kwargs.pop("amount_hint", None)
    form = RoundApplicationForm(**kwargs)
    form.amount_requested_pence.description = hint
    form.question_fields = [(q, form[f"q_{q.id}"]) for q in round_.questions]
    return form


class SendForm(FlaskForm):
    """Send the application; staff sending it for a group say how the group reached them."""

    channel = RadioField(
        _l("How did the group give you this application?"),
        widget=GovRadioInput(),
        choices=[SelectChoice(c.value, c.label) for c in _HELP_CHANNELS],
        validators=[Optional()],
    )
    submit = SubmitField(_l("Send application"), widget=GovSubmitInput())


class AttachmentForm(FlaskForm):
    file = FileField(_l("Add a file (optional)"), widget=GovFileInput())
    submit = SubmitField(_l("Add file"), widget=GovSubmitInput())


class DecideForm(FlaskForm):
    action = RadioField(
        _l("What happens next?"),
        widget=GovRadioInput(),
        validators=[DataRequired(_l("Choose what happens next"))],
    )
    feedback = TextAreaField(
        _l("Reasons the group will read"),
        widget=GovTextArea(),
        description=_l(
            "Needed when the application cannot be funded or is not given money. "
            "Be kind and clear: say what would have made the difference."
        ),
        validators=[Length(max=5000, message=TOO_LONG)],
    )
    award_pence = PenceField(
        _l("Amount to give, in pounds (only when giving money)"), validators=[Optional()]
    )
    submit = SubmitField(_l("Save decision"), widget=GovSubmitInput())

    def set_moves(self, moves: list[Move]) -> None:
        self.action.choices = [SelectChoice(m.action, ACTION_LABELS[m.action]) for m in moves]
