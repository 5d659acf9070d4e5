"""The Open and Trusting scorecard: how quickly and openly we decided, the burden of
applying, and how groups rate the way we treated them, from what the platform recorded."""

from __future__ import annotations

import datetime as dt
import statistics
from collections import Counter
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import and_, case, func, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session
from sqlalchemy.sql.functions import FunctionElement

from giving import hooks
from giving.models import (
    MIN_ANSWERS_SHOWN,
    RATING_QUESTIONS,
    Application,
    DecidedBy,
    FunderRating,
    Place,
    Question,
    Round,
)
from giving.reports import Figure, median_figure, share_figure, tidy_number
from giving.services.estimates import minutes_for_limits
from giving.services.results import DECIDED_STATES, TURNED_DOWN_STATES, rounds_in
from giving.timeutil import UTCDateTime, to_london
from giving.workflow import State

# What Python's ``str.strip()`` takes off reasons before checking any are left.
WHITESPACE = " \t\n\v\f\r"


@dataclass
class RatingSummary:
    answers: int
    means: dict[str, float | int]  # question key -> mean, only when shown

    @property
    def shown(self) -> bool:
        return self.answers >= MIN_ANSWERS_SHOWN


def rating_summary(session: Session, rounds: list[Round]) -> RatingSummary:
    """How many groups rated the funder in these rounds, and each question's mean once
    enough have answered: summed by the database."""
    if not rounds:
        return RatingSummary(0, {})
    keys = [key for key, _text in RATING_QUESTIONS]
    row = session.execute(
        select(
            func.count(FunderRating.id),
            *(func.coalesce(func.sum(getattr(FunderRating, key)), 0) for key in keys),
        ).where(FunderRating.round_id.in_([r.id for r in rounds]))
    ).one()
    answers, sums = int(row[0]), [int(total) for total in row[1:]]
    if answers < MIN_ANSWERS_SHOWN:
        return RatingSummary(answers, {})
    means = {
        key: tidy_number(Fraction(total, answers)) for key, total in zip(keys, sums, strict=True)
    }
    return RatingSummary(answers, means)


class hour_of(FunctionElement[dt.datetime]):
    """A stored UTC time cut down to its hour. London's clocks differ from UTC by whole hours,
    so every decision made within one UTC hour falls on the same London day."""

    type = UTCDateTime()
    inherit_cache = True


@compiles(hour_of)
def _hour_of(element: hour_of, compiler: Any, **kw: Any) -> str:
    return f"date_trunc('hour', {compiler.process(element.clauses, **kw)})"


@compiles(hour_of, "sqlite")
def _hour_of_sqlite(element: hour_of, compiler: Any, **kw: Any) -> str:
    return f"strftime('%Y-%m-%d %H:00:00', {compiler.process(element.clauses, **kw)})"


@dataclass
class Decisions:
    """What the scorecard needs to know of the decisions in some rounds, counted by the
    database: ``days`` and ``on_time`` for every decision, then counts by kind."""

    days: Counter[int] = field(default_factory=Counter)  # days from closing -> decisions
    decided: int = 0
    on_time: int = 0
    turned_down: int = 0
    with_reasons: int = 0  # of those turned down
    money: int = 0  # given money or not
    by_residents: int = 0  # of ``money``
    overrides: int = 0  # of ``money``


def decisions_in(session: Session, rounds: list[Round]) -> Decisions:
    """The decisions in ``rounds``, counted in one query grouped by round and the hour of the
    decision: its rows grow with the rounds and the hours decisions were made in, not with the
    applications."""
    found = Decisions()
    by_id = {r.id: r for r in rounds}
    if not by_id:
        return found
    hour = hour_of(Application.decided_at)
    reasons = func.length(func.trim(Application.feedback, WHITESPACE)) > 0
    turned_down = Application.state.in_(TURNED_DOWN_STATES)
    money = Application.state.in_((State.AWARDED, State.DECLINED))

    def how_many(*conditions: Any) -> Any:
        return func.sum(case((and_(*conditions), 1), else_=0))

    rows = session.execute(
        select(
            Application.round_id,
            hour,
            func.count(Application.id),
            how_many(turned_down),
            how_many(turned_down, reasons),
            how_many(money),
            how_many(money, Application.decided_by == DecidedBy.RESIDENTS),
            how_many(money, Application.decided_by == DecidedBy.OVERRIDE),
        )
        .where(Application.round_id.in_(list(by_id)), Application.state.in_(DECIDED_STATES))
        .group_by(Application.round_id, hour)
    ).all()
    closed = {r.id: to_london(r.closes_at).date() for r in rounds}
    for round_id, decided_hour, count, down, with_reasons, paid, residents, overrides in rows:
        due = by_id[round_id].decision_date
        day = to_london(decided_hour).date()
        found.days[max(0, (day - closed[round_id]).days)] += count
        found.decided += count
        if due is not None and day <= due:
            found.on_time += count
        found.turned_down += int(down or 0)
        found.with_reasons += int(with_reasons or 0)
        found.money += int(paid or 0)
        found.by_residents += int(residents or 0)
        found.overrides += int(overrides or 0)
    return found


def giving_scorecard(session: Session, place: Place, round_: Round | None) -> list[Figure]:
    """The figures ``giving`` records itself: decisions, reasons, the burden of applying and
    applicants' ratings, for the place's published rounds or one round."""
    return rounds_scorecard(session, rounds_in(session, place, round_))


def word_limits_of(session: Session, rounds: list[Round]) -> dict[int, list[int]]:
    """Each round's questions' word limits, in one query for all the rounds."""
    limits: dict[int, list[int]] = {r.id: [] for r in rounds}
    if limits:
        for round_id, limit in session.execute(
            select(Question.round_id, Question.word_limit).where(
                Question.round_id.in_(list(limits))
            )
        ):
            limits[round_id].append(limit)
    return limits


def rounds_scorecard(session: Session, rounds: list[Round]) -> list[Figure]:
    """``giving``'s scorecard figures over any set of published rounds (a fund's, say)."""
    rounds = [r for r in rounds if not r.is_draft]
    decided = decisions_in(session, rounds)
    nothing = _("Nothing decided yet")
    figures = [
        median_figure(
            "days_to_decision",
            _("Days from closing to decision (median)"),
            decided.days,
            "days-to-decision",
            "days",
            nothing,
        ),
        share_figure(
            "decided_on_time",
            _("Decided on or before the published date"),
            decided.on_time,
            decided.decided,
            "decided-on-time",
            nothing,
        ),
        share_figure(
            "reasons_given",
            _("Groups turned down who were given reasons"),
            decided.with_reasons,
            decided.turned_down,
            "reasons-given",
            _("No group turned down yet"),
        ),
    ]
    figures.extend(residents_figures(decided))
    figures.extend(burden_figures(session, rounds))
    figures.extend(rating_figures(rating_summary(session, rounds)))
    return figures


def burden_figures(session: Session, rounds: list[Round]) -> list[Figure]:
    """The time it takes to apply and the questions asked for each £1,000."""
    limits = word_limits_of(session, rounds)
    no_rounds = _("No rounds yet")
    per_1000 = [Fraction(len(limits[r.id]) * 100_000, r.max_grant_pence) for r in rounds]
    return [
        median_figure(
            "minutes_to_apply",
            _("Time it takes to apply (median)"),
            [minutes_for_limits(limits[r.id]) for r in rounds],
            "time-to-apply",
            "minutes",
            no_rounds,
        ),
        Figure(
            "questions_per_1000",
            _("Questions asked for each £1,000 (median)"),
            tidy_number(statistics.median(per_1000), 2) if per_1000 else None,
            str(tidy_number(statistics.median(per_1000), 2)) if per_1000 else no_rounds,
            "questions-per-1000",
        ),
    ]


def rating_figures(summary: RatingSummary) -> list[Figure]:
    """How groups rate the way they were treated, once enough have answered."""
    waiting = ngettext(
        "Not shown until 5 groups have answered (%(num)d has so far)",
        "Not shown until 5 groups have answered (%(num)d have so far)",
        summary.answers,
    )
    figures = []
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


def residents_figures(decided: Decisions) -> list[Figure]:
    """Decisions about money made by residents (of those given money or not), and how many
    the fund's team overrode."""
    money, by_residents, overrides = decided.money, decided.by_residents, decided.overrides
    return [
        Figure(
            "decided_by_residents",
            _("Decisions made by residents"),
            by_residents if money else None,
            _("%(n)d of %(m)d", n=by_residents, m=money) if money else _("Nothing decided yet"),
            "decided-by-residents",
            "number",
            by_residents,
            money,
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
