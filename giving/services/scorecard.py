"""The Open and Trusting scorecard: how quickly and openly we decided, the burden of
applying, and how groups rate the way we treated them, from what the platform recorded."""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from fractions import Fraction

from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import select
from sqlalchemy.orm import Session

from giving import hooks
from giving.models import (
    MIN_ANSWERS_SHOWN,
    RATING_QUESTIONS,
    Application,
    DecidedBy,
    FunderRating,
    Place,
    Round,
)
from giving.reports import Figure, median_figure, share_figure, tidy_number
from giving.services.estimates import estimate_minutes
from giving.services.results import (
    TURNED_DOWN_STATES,
    days_to_decision,
    decided_in,
    decided_on_time,
    rounds_in,
)
from giving.workflow import State


@dataclass
class RatingSummary:
    answers: int
    means: dict[str, float | int]  # question key -> mean, only when shown

    @property
    def shown(self) -> bool:
        return self.answers >= MIN_ANSWERS_SHOWN


def rating_summary(session: Session, rounds: list[Round]) -> RatingSummary:
    if not rounds:
        return RatingSummary(0, {})
    rows = list(
        session.scalars(
            select(FunderRating).where(FunderRating.round_id.in_([r.id for r in rounds]))
        )
    )
    if len(rows) < MIN_ANSWERS_SHOWN:
        return RatingSummary(len(rows), {})
    means = {
        key: tidy_number(Fraction(sum(getattr(r, key) for r in rows), len(rows)))
        for key, _text in RATING_QUESTIONS
    }
    return RatingSummary(len(rows), means)


def giving_scorecard(session: Session, place: Place, round_: Round | None) -> list[Figure]:
    """The figures ``giving`` records itself: decisions, reasons, the burden of applying and
    applicants' ratings, for the place's published rounds or one round."""
    return rounds_scorecard(session, rounds_in(session, place, round_))


def rounds_scorecard(session: Session, rounds: list[Round]) -> list[Figure]:
    """``giving``'s scorecard figures over any set of published rounds (a fund's, say)."""
    rounds = [r for r in rounds if not r.is_draft]
    decided = decided_in(session, rounds)
    nothing = _("Nothing decided yet")
    figures = [
        median_figure(
            "days_to_decision",
            _("Days from closing to decision (median)"),
            [days_to_decision(a) for a in decided],
            "days-to-decision",
            "days",
            nothing,
        ),
        share_figure(
            "decided_on_time",
            _("Decided on or before the published date"),
            sum(1 for a in decided if decided_on_time(a)),
            len(decided),
            "decided-on-time",
            nothing,
        ),
    ]
    turned_down = [a for a in decided if a.state in TURNED_DOWN_STATES]
    figures.append(
        share_figure(
            "reasons_given",
            _("Groups turned down who were given reasons"),
            sum(1 for a in turned_down if a.feedback.strip()),
            len(turned_down),
            "reasons-given",
            _("No group turned down yet"),
        )
    )
    figures.extend(residents_figures(decided))
    no_rounds = _("No rounds yet")
    figures.append(
        median_figure(
            "minutes_to_apply",
            _("Time it takes to apply (median)"),
            [estimate_minutes(r.questions) for r in rounds],
            "time-to-apply",
            "minutes",
            no_rounds,
        )
    )
    per_1000 = [Fraction(len(r.questions) * 100_000, r.max_grant_pence) for r in rounds]
    figures.append(
        Figure(
            "questions_per_1000",
            _("Questions asked for each £1,000 (median)"),
            tidy_number(statistics.median(per_1000), 2) if per_1000 else None,
            str(tidy_number(statistics.median(per_1000), 2)) if per_1000 else no_rounds,
            "questions-per-1000",
        )
    )
    summary = rating_summary(session, rounds)
    waiting = ngettext(
        "Not shown until 5 groups have answered (%(num)d has so far)",
        "Not shown until 5 groups have answered (%(num)d have so far)",
        summary.answers,
    )
    for key, question in RATING_QUESTIONS:
        mean = summary.means.get(key)
        figures.append(
            Figure(
                f"rating_{key}",
                _(question),
                mean,
                _("%(mean)s out of 5 (%(n)d groups)", mean=mean, n=summary.answers)
                if mean is not None
                else waiting,
                "applicant-ratings",
                "rating",
                None,
                summary.answers,
            )
        )
    return figures


def residents_figures(decided: list[Application]) -> list[Figure]:
    """Decisions about money made by residents (of those given money or not), and how many
    the fund's team overrode."""
    money = [a for a in decided if a.state in (State.AWARDED, State.DECLINED)]
    by_residents = sum(1 for a in money if a.decided_by == DecidedBy.RESIDENTS)
    overrides = sum(1 for a in money if a.decided_by == DecidedBy.OVERRIDE)
    return [
        Figure(
            "decided_by_residents",
            _("Decisions made by residents"),
            by_residents if money else None,
            _("%(n)d of %(m)d", n=by_residents, m=len(money))
            if money
            else _("Nothing decided yet"),
            "decided-by-residents",
            "number",
            by_residents,
            len(money),
        ),
        Figure(
            "overrides",
            _("Overrides by the fund's team"),
            overrides,
            str(overrides),
            "overrides",
        ),
    ]


def scorecard(session: Session, place: Place, round_: Round | None = None) -> list[Figure]:
    """Every scorecard figure for the place (all its published rounds) or one round."""
    figures = giving_scorecard(session, place, round_)
    for source in hooks.current().scorecard_sources:
        figures.extend(source(session, place, round_))
    return figures
