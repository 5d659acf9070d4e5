"""Forms for votes: setting one up, making voting codes, and the ballot."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from markupsafe import Markup
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired

from giving.forms.fields import (
    button,
    checkboxes_field,
    date_field,
    form_with,
    number_field,
    radio_field,
    select_field,
    text_field,
    time_field,
)
from giving.money import format_money
from giving.timeutil import london_to_utc, to_london
from voting.forms.ranked import ranked_ballot_form, ranked_choices
from voting.models import BallotKind, Vote, VoteKind, WhoMayVote
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
    "greedy_rank_points": _l(
        "Most points from rankings: a first choice gets the most points; fund the projects "
        "with the most points, in order (for ranked ballots)"
    ),
    "mes_rank_points": _l(
        "Equal Shares using rankings: every voter gets an equal share of the money, and a "
        "higher choice counts for more (for ranked ballots)"
    ),
}

BALLOT_LABELS = {
    BallotKind.APPROVAL: _l("Tick the projects you support"),
    BallotKind.KNAPSACK: _l("Tick projects that fit in the money there is"),
    BallotKind.CUMULATIVE: _l("Share out points between projects"),
    BallotKind.RANKED: _l("Put projects in order: first choice, second choice and so on"),
}

WHO_MAY_VOTE_LABELS = {
    WhoMayVote.VERIFIED: _l("People who have shown they live here (verified residents)"),
    WhoMayVote.CODES: _l("Only people with a voting code from a letter"),
    WhoMayVote.BOTH: _l("Verified residents, and people with a voting code"),
}


class VoteForm(FlaskForm):
    who_may_vote = radio_field(
        _l("Who can vote?"),
        hint=_l(
            "A postcode on an account is not proof. Verified residents have shown where they "
            "live. Voting codes are printed on letters for people who are not online."
        ),
        choices=[SelectChoice(w.value, WHO_MAY_VOTE_LABELS[w]) for w in WhoMayVote],
        default=WhoMayVote.VERIFIED.value,
        required=_l("Choose who can vote"),
    )
    ballot_kind = radio_field(
        _l("How do people fill in their ballot?"),
        choices=[SelectChoice(k.value, BALLOT_LABELS[k]) for k in BallotKind],
        default=BallotKind.APPROVAL.value,
        required=_l("Choose how people fill in their ballot"),
    )
    max_choices = number_field(
        _l("Most projects one person can tick or put in order"),
        hint=_l(
            "For ticking, leave it empty for no limit. For putting in order, say how many "
            "choices each person has, from 1 to 10."
        ),
        optional=True,
        least=1,
        outside=_l("Enter 1 or more"),
    )
    points_total = number_field(
        _l("Points each person shares out"),
        hint=_l("Only for the points ballot. For example, 10."),
        optional=True,
        least=1,
        most=1000,
        outside=_l("Enter a number from 1 to 1,000"),
    )
    rule = select_field(
        _l("How are the votes counted?"),
        choices=[SelectChoice(r, RULE_LABELS.get(r, r)) for r in RULES],
        required=_l("Choose how the votes are counted"),
    )
    opens_on = date_field(
        _l("Day voting opens"),
        hint=_l("For example, 27 3 2027"),
        required=_l("Enter the day voting opens"),
    )
    opens_time = time_field(
        _l("Time voting opens"),
        hint=_l("UK time, like 9am"),
        default=dt.time(9, 0),
        required=_l("Enter the time voting opens"),
    )
    closes_on = date_field(
        _l("Day voting closes"),
        hint=_l("For example, 30 4 2027"),
        required=_l("Enter the day voting closes"),
    )
    closes_time = time_field(
        _l("Time voting closes"),
        hint=_l("UK time, like 5pm"),
        default=dt.time(17, 0),
        required=_l("Enter the time voting closes"),
    )
    tie_break_seed = text_field(
        _l("Lottery number for breaking ties (optional)"),
        hint=_l(
            "If two projects tie, a lottery started by this number decides. We publish it. "
            "Leave it empty and we pick one at random."
        ),
        optional=True,
        max_length=64,
    )
    submit = button(_l("Save the vote"))

    def fill_from(self, vote: Vote) -> None:
        opens, closes = to_london(vote.opens_at), to_london(vote.closes_at)
        if "who_may_vote" in self:
            self.who_may_vote.data = vote.who_may_vote.value
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
        opens_on, opens_time = self.opens_on.data, self.opens_time.data
        closes_on, closes_time = self.closes_on.data, self.closes_time.data
        # All four are required fields, so they hold a value once the form is valid.
        assert opens_on is not None
        assert opens_time is not None
        assert closes_on is not None
        assert closes_time is not None
        try:
            self.opens_at = london_to_utc(opens_on, opens_time)
            self.closes_at = london_to_utc(closes_on, closes_time)
        except ValueError:
            self.closes_time.errors = [
                *self.closes_time.errors,
                _l("The clocks change then, so that time does not exist. Choose another."),
            ]
            return False
        return True


def vote_form(kind: VoteKind, **kwargs: Any) -> VoteForm:
    """The set-up form for a vote of ``kind``: only a public vote asks who can vote (the
    panel votes in a panel vote)."""
    form = VoteForm(**kwargs)
    if kind != VoteKind.PUBLIC:
        del form.who_may_vote
    return form


class CodesForm(FlaskForm):
    count = number_field(
        _l("How many codes?"),
        hint=_l("Each code lets one person vote once. From 1 to 500."),
        required=DataRequired(_l("Enter how many codes to make")),
        least=1,
        most=500,
        outside=_l("Enter a number from 1 to 500"),
    )
    ward = select_field(
        _l("Ward the codes are for (optional)"),
        hint=_l("So we can count how many people voted in each ward."),
        choices=[],
        optional=True,
    )
    submit = button(_l("Make the codes"))


def codes_form(wards: list, **kwargs: Any) -> CodesForm:
    form = CodesForm(**kwargs)
    form.ward.choices = [SelectChoice("", _l("Any ward"))] + [
        SelectChoice(str(w.id), w.name) for w in wards
    ]
    return form


class CodeForm(FlaskForm):
    code = text_field(
        _l("Your voting code"),
        hint=_l("It is on your letter, like ABCD-EFGH-JKLM."),
        required=_l("Enter your voting code"),
        max_length=40,
    )
    submit = button(_l("Continue"))


def _option_label(option: Any) -> str:
    application = option.application
    name = application.group.name + (f": {application.title}" if application.title else "")
    return f"{name} ({format_money(option.cost_pence)})"


class BallotForm(FlaskForm):
    """A ballot. Sending it shows the choices to check; only then is the vote cast. Someone
    who has voted already also types the receipt code they were given: only that finds
    their ballot to change it (see :func:`ballot_form`)."""

    receipt = text_field(
        _l("Your receipt code"),
        hint=_l("You were given it when you voted, like ABCDE23456."),
        required=_l("Enter your receipt code"),
        max_length=40,
    )
    submit = button(_l("Check your choices"))
    option_fields: list[tuple[Any, Any]] = []
    rank_fields: list[Any] = []

    def ticks_html(self) -> Markup:
        """The ticks, as HTML. Everyone's empty ballot for a vote looks the same, so the
        HTML is made once per vote, language and answer and then reused."""
        field = self["choices"]
        if field.errors:
            return field()
        key = (
            str(field.label.text),
            tuple((str(value), str(label)) for value, label, *_rest in field.iter_choices()),
            tuple(field.data or ()),
        )
        html = _TICKS_HTML.get(key)
        if html is None:
            html = field()
            if len(_TICKS_HTML) >= _TICKS_HTML_MOST:
                _TICKS_HTML.clear()
            _TICKS_HTML[key] = html
        return html


class TicksBallotForm(BallotForm):
    """A ballot of ticks: the projects are set for each vote (see :func:`ballot_form`)."""

    choices = checkboxes_field(
        _l("Which projects do you want to get money?"), choices=[], optional=True
    )


# The ticks' HTML by (label, projects, ticked): a few per vote and language.
_TICKS_HTML: dict[tuple, Markup] = {}
_TICKS_HTML_MOST = 512


def ballot_form(vote: Vote, options: list, *, voted: bool = False, **kwargs: Any) -> BallotForm:
    """Ticks for approval ballots; a points box per project for points ballots; a drop-down
    per place in the order for ranked ballots. The receipt code is asked for only when the
    voter has ``voted`` already."""
    form = _ballot_form(vote, options, **kwargs)
    if not voted:
        del form.receipt
    return form


def _ballot_form(vote: Vote, options: list, **kwargs: Any) -> BallotForm:
    if vote.ballot_kind == BallotKind.RANKED:
        return ranked_ballot_form(BallotForm, vote, options, _option_label, **kwargs)
    if vote.ballot_kind != BallotKind.CUMULATIVE:
        ticks = TicksBallotForm(**kwargs)
        ticks.choices.choices = [SelectChoice(str(o.id), _option_label(o)) for o in options]
        return ticks
    fields = [
        (
            f"points_{option.id}",
            number_field(
                _l("Points for %(name)s", name=_option_label(option)),
                optional=True,
                least=0,
                outside=_l("Enter 0 or more"),
            ),
        )
        for option in options
    ]
    form = form_with(BallotForm, fields, **kwargs)
    form.option_fields = [(o, form[f"points_{o.id}"]) for o in options]
    return form


def ballot_choices(vote: Vote, form: BallotForm) -> dict[int, int]:
    """The ballot form's answers as option id -> points; for a ranked ballot, place ->
    option id (see :func:`voting.forms.ranked.ranked_choices`)."""
    if vote.ballot_kind == BallotKind.RANKED:
        return ranked_choices(form)
    if vote.ballot_kind == BallotKind.CUMULATIVE:
        return {o.id: field.data or 0 for o, field in form.option_fields}
    return {int(value): 1 for value in form.choices.data or []}
