"""Forms for votes: setting one up, making voting codes, and the ballot."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import (
    GovCheckboxesInput,
    GovRadioInput,
    GovSelect,
    GovSubmitInput,
    GovTextInput,
)
from wtforms import (
    IntegerField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from giving.forms import TOO_LONG, LondonDateField, TimeOfDayField
from giving.money import format_money
from giving.timeutil import london_to_utc, to_london
from voting.forms.common import form_with
from voting.models import BallotKind, Vote
from voting.rules import RULES

RULE_LABELS = {
    "greedy_votes": _l("Most votes first: fund the projects with the most votes, in order"),
    "greedy_points": _l("Most points first: fund the projects with the most points, in order"),
    "mes_cost": _l("Equal Shares: every voter gets an equal share of the money"),
    "mes_points": _l("Equal Shares, weighed by the points each voter gave"),
    "mes_cost_add1": _l("Equal Shares, raising everyone's share until no more projects fit"),
    "mes_cost_add1_greedy": _l(
        "Equal Shares, raising everyone's share, then money left goes by most votes (suggested)"
    ),
    "mes_points_add1": _l("Equal Shares by points, raising everyone's share"),
    "mes_points_add1_greedy": _l(
        "Equal Shares by points, raising everyone's share, then money left goes by most points"
    ),
    "mes_cost_budget_increase": _l("Equal Shares, raising the budget 1% at a time"),
    "phragmen": _l("Phragmén: supporters share each project's cost as evenly as they can"),
}

BALLOT_LABELS = {
    BallotKind.APPROVAL: _l("Tick the projects you support"),
    BallotKind.KNAPSACK: _l("Tick projects that fit in the money there is"),
    BallotKind.CUMULATIVE: _l("Share out points between projects"),
}


class VoteForm(FlaskForm):
    ballot_kind = RadioField(
        _l("How do people fill in their ballot?"),
        widget=GovRadioInput(),
        choices=[SelectChoice(k.value, BALLOT_LABELS[k]) for k in BallotKind],
        default=BallotKind.APPROVAL.value,
        validators=[DataRequired(_l("Choose how people fill in their ballot"))],
    )
    max_choices = IntegerField(
        _l("Most projects one person can tick (optional)"),
        widget=GovTextInput(),
        description=_l("Only for ticking. Leave it empty for no limit."),
        validators=[Optional(), NumberRange(min=1, message=_l("Enter 1 or more"))],
    )
    points_total = IntegerField(
        _l("Points each person shares out"),
        widget=GovTextInput(),
        description=_l("Only for the points ballot. For example, 10."),
        validators=[
            Optional(),
            NumberRange(min=1, max=1000, message=_l("Enter a number from 1 to 1,000")),
        ],
    )
    rule = SelectField(
        _l("How are the votes counted?"),
        widget=GovSelect(),
        choices=[SelectChoice(r, RULE_LABELS.get(r, r)) for r in RULES],
        validators=[DataRequired(_l("Choose how the votes are counted"))],
    )
    opens_on = LondonDateField(
        _l("Day voting opens"),
        description=_l("For example, 27 3 2027"),
        validators=[DataRequired(_l("Enter the day voting opens"))],
    )
    opens_time = TimeOfDayField(
        _l("Time voting opens"),
        description=_l("UK time, like 9am"),
        default=dt.time(9, 0),
        validators=[DataRequired(_l("Enter the time voting opens"))],
    )
    closes_on = LondonDateField(
        _l("Day voting closes"),
        description=_l("For example, 30 4 2027"),
        validators=[DataRequired(_l("Enter the day voting closes"))],
    )
    closes_time = TimeOfDayField(
        _l("Time voting closes"),
        description=_l("UK time, like 5pm"),
        default=dt.time(17, 0),
        validators=[DataRequired(_l("Enter the time voting closes"))],
    )
    tie_break_seed = StringField(
        _l("Lottery number for breaking ties (optional)"),
        widget=GovTextInput(),
        description=_l(
            "If two projects tie, a lottery started by this number decides. We publish it. "
            "Leave it empty and we pick one at random."
        ),
        validators=[Optional(), Length(max=64, message=TOO_LONG)],
    )
    submit = SubmitField(_l("Save the vote"), widget=GovSubmitInput())

    def fill_from(self, vote: Vote) -> None:
        opens, closes = to_london(vote.opens_at), to_london(vote.closes_at)
        self.ballot_kind.data = vote.ballot_kind.value
        self.max_choices.data = vote.max_choices
        self.points_total.data = vote.points_total
        self.rule.data = vote.rule
        self.opens_on.data, self.opens_time.data = opens.date(), opens.time()
        self.closes_on.data, self.closes_time.data = closes.date(), closes.time()
        self.tie_break_seed.data = vote.tie_break_seed

    def validate(self, extra_validators: Any = None) -> bool:
        if not super().validate(extra_validators):
            return False
        try:
            self.opens_at = london_to_utc(self.opens_on.data, self.opens_time.data)
            self.closes_at = london_to_utc(self.closes_on.data, self.closes_time.data)
        except ValueError:
            self.closes_time.errors = [
                *self.closes_time.errors,
                _l("The clocks change then, so that time does not exist. Choose another."),
            ]
            return False
        return True


class CodesForm(FlaskForm):
    count = IntegerField(
        _l("How many codes?"),
        widget=GovTextInput(),
        description=_l("Each code lets one person vote once. From 1 to 500."),
        validators=[
            DataRequired(_l("Enter how many codes to make")),
            NumberRange(min=1, max=500, message=_l("Enter a number from 1 to 500")),
        ],
    )
    ward = SelectField(
        _l("Ward the codes are for (optional)"),
        widget=GovSelect(),
        description=_l("So we can count how many people voted in each ward."),
        choices=[],
        validators=[Optional()],
    )
    submit = SubmitField(_l("Make the codes"), widget=GovSubmitInput())


def codes_form(wards: list, **kwargs: Any) -> CodesForm:
    form = CodesForm(**kwargs)
    form.ward.choices = [SelectChoice("", _l("Any ward"))] + [
        SelectChoice(str(w.id), w.name) for w in wards
    ]
    return form


class CodeForm(FlaskForm):
    code = StringField(
        _l("Your voting code"),
        widget=GovTextInput(),
        description=_l("It is on your letter, like ABCD-EFGH-JKLM."),
        validators=[DataRequired(_l("Enter your voting code")), Length(max=40, message=TOO_LONG)],
    )
    submit = SubmitField(_l("Continue"), widget=GovSubmitInput())


def _option_label(option: Any) -> str:
    application = option.application
    name = application.group.name + (f": {application.title}" if application.title else "")
    return f"{name} ({format_money(option.cost_pence)})"


class BallotForm(FlaskForm):
    submit = SubmitField(_l("Send my vote"), widget=GovSubmitInput())


def ballot_form(vote: Vote, options: list, **kwargs: Any) -> BallotForm:
    """Ticks for approval ballots; a points box per project for points ballots."""
    points = vote.ballot_kind == BallotKind.CUMULATIVE
    if points:
        fields = [
            (
                f"points_{option.id}",
                IntegerField(
                    _l("Points for %(name)s", name=_option_label(option)),
                    widget=GovTextInput(),
                    validators=[Optional(), NumberRange(min=0, message=_l("Enter 0 or more"))],
                ),
            )
            for option in options
        ]
    else:
        ticks = SelectMultipleField(
            _l("Which projects do you want to get money?"),
            widget=GovCheckboxesInput(),
            choices=[SelectChoice(str(o.id), _option_label(o)) for o in options],
            validators=[Optional()],
        )
        fields = [("choices", ticks)]
    form = form_with(BallotForm, fields, **kwargs)
    form.option_fields = [(o, form[f"points_{o.id}"]) for o in options] if points else []
    return form


def ballot_choices(vote: Vote, form: BallotForm) -> dict[int, int]:
    """The ballot form's answers as option id -> points."""
    if vote.ballot_kind == BallotKind.CUMULATIVE:
        return {o.id: field.data or 0 for o, field in form.option_fields}
    return {int(value): 1 for value in form.choices.data or []}
