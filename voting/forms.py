"""Forms for panels and review, rendered with GOV.UK Frontend widgets."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import (
    GovRadioInput,
    GovSubmitInput,
    GovTextArea,
    GovTextInput,
)
from wtforms import (
    EmailField,
    IntegerField,
    RadioField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, Length, NumberRange, Optional

from giving.forms import TOO_LONG
from giving.money import format_money
from voting.models import SCORE_MAX, SCORE_MIN, Panel, PanelMethod

METHOD_LABELS = {
    PanelMethod.OPEN: _l("Open: everyone who lives here and offers is on the panel"),
    PanelMethod.APPOINTED: _l("Appointed: the fund's team chooses the people"),
    PanelMethod.DRAWN: _l(
        "Drawn by lottery: chosen at random from those who offer, so the panel looks like the place"
    ),
}


def _whole(message: Any) -> IntegerField:
    return IntegerField(message, widget=GovTextInput(), validators=[Optional()])


class PanelForm(FlaskForm):
    method = RadioField(
        _l("How is the panel formed?"),
        widget=GovRadioInput(),
        choices=[SelectChoice(m.value, METHOD_LABELS[m]) for m in PanelMethod],
        validators=[DataRequired(_l("Choose how the panel is formed"))],
    )
    size = IntegerField(
        _l("Number of seats (needed for a lottery)"),
        widget=GovTextInput(),
        validators=[
            Optional(),
            NumberRange(min=1, max=500, message=_l("Enter a number from 1 to 500")),
        ],
    )
    reviewers_per_application = IntegerField(
        _l("How many people score each application? (optional)"),
        widget=GovTextInput(),
        description=_l("Leave it empty and everyone on the panel scores every application."),
        validators=[Optional(), NumberRange(min=1, message=_l("Enter 1 or more"))],
    )
    submit = SubmitField(_l("Save panel"), widget=GovSubmitInput())


class CategoryForm(FlaskForm):
    name = StringField(
        _l("What you ask"),
        widget=GovTextInput(),
        description=_l("For example: Age band, Ward, Gender, Disability."),
        validators=[
            DataRequired(_l("Enter what you ask, like Age band")),
            Length(max=80, message=TOO_LONG),
        ],
    )
    values = TextAreaField(
        _l("The answers people can choose, one on each line"),
        widget=GovTextArea(),
        description=_l("Everyone can also choose not to say."),
        validators=[DataRequired(_l("Enter at least 2 answers, one on each line"))],
    )
    submit = SubmitField(_l("Add question"), widget=GovSubmitInput())


class AppointForm(FlaskForm):
    email = EmailField(
        _l("Email address of the person to add"),
        widget=GovTextInput(),
        validators=[
            DataRequired(_l("Enter their email address")),
            Email(_l("Enter an email address like name@example.org")),
        ],
    )
    submit = SubmitField(_l("Add to the panel"), widget=GovSubmitInput())


class DrawForm(FlaskForm):
    seed = IntegerField(
        _l("Seed (optional)"),
        widget=GovTextInput(),
        description=_l(
            "A number that starts the lottery. Leave it empty and we pick one at random. "
            "We publish it, so anyone can run the same draw and check it."
        ),
        validators=[
            Optional(),
            NumberRange(min=1, max=2**62, message=_l("Enter a whole number of 1 or more")),
        ],
    )
    submit = SubmitField(_l("Run the lottery"), widget=GovSubmitInput())


def quota_form(panel: Panel, **kwargs: Any) -> DrawForm:
    """The lottery form: the smallest and largest number of seats for each answer."""

    class PanelDrawForm(DrawForm):
        pass

    for category in panel.categories:
        for value in category.values:
            setattr(
                PanelDrawForm,
                f"min_{value.id}",
                IntegerField(
                    _l("At least (%(what)s)", what=value.label),
                    widget=GovTextInput(),
                    default=value.min_seats,
                    validators=[Optional(), NumberRange(min=0, message=_l("Enter 0 or more"))],
                ),
            )
            setattr(
                PanelDrawForm,
                f"max_{value.id}",
                IntegerField(
                    _l("At most (%(what)s)", what=value.label),
                    widget=GovTextInput(),
                    default=value.max_seats,
                    validators=[Optional(), NumberRange(min=0, message=_l("Enter 0 or more"))],
                ),
            )
    form = PanelDrawForm(**kwargs)
    form.quota_rows = [
        (category, [(v, form[f"min_{v.id}"], form[f"max_{v.id}"]) for v in category.values])
        for category in panel.categories
    ]
    return form


class OfferForm(FlaskForm):
    submit = SubmitField(_l("Offer to sit on the panel"), widget=GovSubmitInput())


def offer_form(panel: Panel, **kwargs: Any) -> OfferForm:
    """The offer, with one optional question per category."""

    class PanelOfferForm(OfferForm):
        pass

    for category in panel.categories:
        setattr(
            PanelOfferForm,
            f"category_{category.id}",
            RadioField(
                _l("%(name)s (optional)", name=category.name),
                widget=GovRadioInput(),
                choices=[SelectChoice(str(v.id), v.label) for v in category.values]
                + [SelectChoice("", _l("I would rather not say"))],
                validators=[Optional()],
            ),
        )
    form = PanelOfferForm(**kwargs)
    form.category_fields = [(c, form[f"category_{c.id}"]) for c in panel.categories]
    return form


class DeclarationsForm(FlaskForm):
    submit = SubmitField(_l("Save declarations"), widget=GovSubmitInput())


def declarations_form(applications: list, **kwargs: Any) -> DeclarationsForm:
    """For each application: a conflict or none, and the reason."""

    class PanelDeclarationsForm(DeclarationsForm):
        pass

    for application in applications:
        setattr(
            PanelDeclarationsForm,
            f"conflict_{application.id}",
            RadioField(
                _l("Do you have a conflict with %(group)s?", group=application.group.name),
                widget=GovRadioInput(),
                choices=[
                    SelectChoice("no", _l("No conflict")),
                    SelectChoice("yes", _l("Yes, I have a conflict")),
                ],
                validators=[Optional()],
            ),
        )
        setattr(
            PanelDeclarationsForm,
            f"reason_{application.id}",
            TextAreaField(
                _l("Why (%(group)s)", group=application.group.name),
                widget=GovTextArea(),
                description=_l("For example: I help run this group, or it is run by my sister."),
                validators=[Length(max=500, message=TOO_LONG)],
            ),
        )
    form = PanelDeclarationsForm(**kwargs)
    form.rows = [(a, form[f"conflict_{a.id}"], form[f"reason_{a.id}"]) for a in applications]
    return form


class ReviewForm(FlaskForm):
    comment = TextAreaField(
        _l("Your comment"),
        widget=GovTextArea(),
        description=_l("What is good about it, and what worries you. The panel reads this."),
        validators=[Length(max=5000, message=TOO_LONG)],
    )
    save = SubmitField(_l("Save and come back later"), widget=GovSubmitInput())
    submit = SubmitField(_l("Send your scores"), widget=GovSubmitInput())


def review_form(criteria: list, **kwargs: Any) -> ReviewForm:
    class RoundReviewForm(ReviewForm):
        pass

    for criterion in criteria:
        setattr(
            RoundReviewForm,
            f"criterion_{criterion.id}",
            RadioField(
                _l("%(name)s (counts %(weight)d)", name=criterion.name, weight=criterion.weight),
                widget=GovRadioInput(),
                description=criterion.description or None,
                choices=[SelectChoice(str(n), str(n)) for n in range(SCORE_MIN, SCORE_MAX + 1)],
                validators=[Optional()],
            ),
        )
    form = RoundReviewForm(**kwargs)
    form.criterion_fields = [(c, form[f"criterion_{c.id}"]) for c in criteria]
    return form


class NoteForm(FlaskForm):
    text = TextAreaField(
        _l("Add to the discussion"),
        widget=GovTextArea(),
        validators=[DataRequired(_l("Write something first")), Length(max=5000, message=TOO_LONG)],
    )
    submit = SubmitField(_l("Add"), widget=GovSubmitInput())


class MeetingNotesForm(FlaskForm):
    text = TextAreaField(
        _l("Notes of the meeting"),
        widget=GovTextArea(),
        description=_l("Who came, what was said, and what was agreed."),
        validators=[Length(max=20000, message=TOO_LONG)],
    )
    submit = SubmitField(_l("Save notes"), widget=GovSubmitInput())


class ShortlistForm(FlaskForm):
    action = RadioField(
        _l("What did the panel decide?"),
        widget=GovRadioInput(),
        choices=[
            SelectChoice("shortlist", _l("Put it on the shortlist")),
            SelectChoice("decline", _l("Do not put it on the shortlist")),
        ],
        validators=[DataRequired(_l("Choose whether it goes on the shortlist"))],
    )
    reason = TextAreaField(
        _l("The reason"),
        widget=GovTextArea(),
        description=_l(
            "If it is not on the shortlist, the group reads this. Be kind and clear: "
            "say what would have made the difference."
        ),
        validators=[Length(max=5000, message=TOO_LONG)],
    )
    submit = SubmitField(_l("Save decision"), widget=GovSubmitInput())


# --- Votes -----------------------------------------------------------------------------------

import datetime as dt  # noqa: E402

from govuk_frontend_wtf.wtforms_widgets import GovCheckboxesInput, GovSelect  # noqa: E402
from wtforms import SelectField, SelectMultipleField  # noqa: E402

from giving.forms import LondonDateField, TimeOfDayField  # noqa: E402
from giving.timeutil import london_to_utc, to_london  # noqa: E402
from voting.models import BallotKind, Vote  # noqa: E402
from voting.rules import RULES  # noqa: E402

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

    class VoteBallotForm(BallotForm):
        pass

    if vote.ballot_kind == BallotKind.CUMULATIVE:
        for option in options:
            setattr(
                VoteBallotForm,
                f"points_{option.id}",
                IntegerField(
                    _l("Points for %(name)s", name=_option_label(option)),
                    widget=GovTextInput(),
                    validators=[
                        Optional(),
                        NumberRange(min=0, message=_l("Enter 0 or more")),
                    ],
                ),
            )
    else:
        VoteBallotForm.choices = SelectMultipleField(
            _l("Which projects do you want to get money?"),
            widget=GovCheckboxesInput(),
            choices=[SelectChoice(str(o.id), _option_label(o)) for o in options],
            validators=[Optional()],
        )
    form = VoteBallotForm(**kwargs)
    form.option_fields = (
        [(o, form[f"points_{o.id}"]) for o in options]
        if vote.ballot_kind == BallotKind.CUMULATIVE
        else []
    )
    return form


def ballot_choices(vote: Vote, form: BallotForm) -> dict[int, int]:
    """The ballot form's answers as option id -> points."""
    if vote.ballot_kind == BallotKind.CUMULATIVE:
        return {o.id: field.data or 0 for o, field in form.option_fields}
    return {int(value): 1 for value in form.choices.data or []}
