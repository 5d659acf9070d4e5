"""What Placefund publishes: each round's decisions with reasons, the Open and Trusting
scorecard, the participation report, and the anonymous surveys that feed them.

Every figure is computed from what the platform recorded, never typed in. ``giving`` knows
only its own tables; ``funds`` and ``voting`` add their figures, charts, sections and API
paths through the app's hooks (:mod:`giving.hooks`), filled in by their own ``init_app``, so
that ``giving`` never imports them.

Like every service, the ones that change things take the session and the acting user, flush
but never commit, and raise :class:`DomainError` with a message a person can act on.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from giving import hooks
from giving.models import (
    MIN_ANSWERS_SHOWN,
    RATING_MAX,
    RATING_MIN,
    RATING_QUESTIONS,
    Application,
    FunderRating,
    FunderRatingReceipt,
    GainAnswer,
    GainReceipt,
    Group,
    Place,
    PlaceFigure,
    Round,
    RoundStatus,
    User,
)
from giving.services.core import DomainError, NotAllowed, audit, is_staff, ward_for_postcode
from giving.services.rounds import estimate_minutes, is_group_member
from giving.timeutil import to_london, utcnow
from giving.workflow import State

DECIDED_STATES = (State.AWARDED, State.DECLINED, State.INELIGIBLE)
TURNED_DOWN_STATES = (State.DECLINED, State.INELIGIBLE)

# --- The shapes every package's figures take -------------------------------------------------


@dataclass
class Figure:
    """One number on the scorecard or the participation report.

    ``value`` is None when there is nothing (or not enough) to count yet; ``text`` is how
    the number reads on the page; ``anchor`` names its definition on the "how we work this
    out" page; ``numerator``/``denominator`` are given for shares."""

    key: str
    label: str
    value: float | int | None
    text: str
    anchor: str
    unit: str = "number"
    numerator: int | None = None
    denominator: int | None = None

    def as_json(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "label": self.label,
            "value": self.value,
            "text": self.text,
            "unit": self.unit,
            "numerator": self.numerator,
            "denominator": self.denominator,
            "definition": self.anchor,
        }


@dataclass
class Definition:
    """How a figure is worked out, in plain words, with its anchor."""

    anchor: str
    title: str
    text: str


@dataclass
class ChartRow:
    label: str
    values: list[int | float]


@dataclass
class Chart:
    """A bar chart and the table with the same figures. ``unit`` is "count", "money" (whole
    pence) or "percent"; each row has one value per series."""

    id: str
    title: str
    series: list[str]
    rows: list[ChartRow]
    unit: str = "count"
    label_heading: str = ""

    @property
    def biggest(self) -> float:
        return max([v for row in self.rows for v in row.values] + [0])


@dataclass
class Section:
    """A part of a public page that another package fills in."""

    title: str
    charts: list[Chart] = field(default_factory=list)
    figures: list[Figure] = field(default_factory=list)
    links: list[tuple[str, str]] = field(default_factory=list)
    note: str = ""


@dataclass
class Participation:
    """What one package knows about who took part: ``records`` are (way, occasion, user id)
    triples, where ``way`` says how ("panel", "vote", "donation") and ``occasion`` when
    ("round:5", "year:2026"); plus any charts and figures of its own."""

    records: list[tuple[str, str, int]] = field(default_factory=list)
    charts: list[Chart] = field(default_factory=list)
    figures: list[Figure] = field(default_factory=list)


def definitions() -> list[Definition]:
    """Every figure's definition, for the "how we work this out" page."""
    return list(hooks.current().definitions.values())


def place_sections(session: Session, place: Place) -> list[Section]:
    """The parts other packages add to the place's public results page."""
    sections: list[Section] = []
    for source in hooks.current().place_sections:
        sections.extend(source(session, place))
    return sections


def api_paths() -> tuple[dict[str, Any], dict[str, Any]]:
    """The OpenAPI paths and schemas other packages serve."""
    paths: dict[str, Any] = {}
    schemas: dict[str, Any] = {}
    for source in hooks.current().api_paths:
        part = source()
        paths.update(part.get("paths", {}))
        schemas.update(part.get("schemas", {}))
    return paths, schemas


# --- Number helpers --------------------------------------------------------------------------


def percent(numerator: int, denominator: int) -> int:
    """A share as a whole percent, halves rounded up: 2 of 3 -> 67."""
    if denominator <= 0:
        return 0
    return int(Fraction(100 * numerator, denominator) + Fraction(1, 2))


def tidy_number(value: float | Fraction, places: int = 1) -> float | int:
    """A figure for people to read: at most ``places`` decimals, and whole numbers whole."""
    rounded = round(float(value), places)
    return int(rounded) if rounded == int(rounded) else rounded


def share_figure(
    key: str, label: str, numerator: int, denominator: int, anchor: str, none_text: str
) -> Figure:
    """A share figure: '8 of 10 (80%)', or ``none_text`` when there is nothing to count."""
    if denominator == 0:
        return Figure(key, label, None, none_text, anchor, "percent", 0, 0)
    value = percent(numerator, denominator)
    text = _("%(pc)d%% (%(n)d of %(d)d)", pc=value, n=numerator, d=denominator)
    return Figure(key, label, value, text, anchor, "percent", numerator, denominator)


def median_figure(
    key: str, label: str, values: list[int | float], anchor: str, unit: str, none_text: str
) -> Figure:
    if not values:
        return Figure(key, label, None, none_text, anchor, unit)
    value = tidy_number(statistics.median(values))
    if unit == "days":
        text = _("1 day") if value == 1 else _("%(num)s days", num=value)
    elif unit == "minutes":
        text = _("%(num)s minutes", num=value)
    else:
        text = str(value)
    return Figure(key, label, value, text, anchor, unit)


# --- Definitions of giving's figures ---------------------------------------------------------

DEFINITIONS = (
    Definition(
        "days-to-decision",
        "Days from closing to decision",
        "For every application that got a decision (given money, not given money, or "
        "could not be funded), we count the days from the day the round closed to the "
        "day we decided, in London time. A decision made before the round closed counts "
        "as 0 days. The figure is the middle value (the median) of those counts.",
    ),
    Definition(
        "decided-on-time",
        "Decided on or before the date we published",
        "Every round publishes the date we will decide by before it opens. This is the "
        "share of decided applications whose decision was made on or before that date.",
    ),
    Definition(
        "reasons-given",
        "Groups turned down who were given reasons",
        "Of the applications we did not fund, or that this round could not fund, the "
        "share that got written reasons from us. A group may ask us not to publish its "
        "reasons; they were still given to the group, so they still count.",
    ),
    Definition(
        "time-to-apply",
        "Time it takes to apply",
        "Our estimate for each round: 10 minutes to read the round and check you can "
        "apply, plus for each question 5 minutes to think and 1 minute for every 10 "
        "words allowed, rounded up to the next 5 minutes. For more than one round, the "
        "figure is the middle value (the median) of the rounds' estimates.",
    ),
    Definition(
        "questions-per-1000",
        "Questions asked for each £1,000",
        "For each round: the number of questions on the application form, divided by "
        "the largest grant in thousands of pounds. For example, 3 questions for grants up "
        "to £5,000 is 0.6 questions for each £1,000. For more than one round, the figure "
        "is the middle value (the median), to 2 decimal places.",
    ),
    Definition(
        "applicant-ratings",
        "How groups rate the way we treated them",
        "After a decision, every group that applied, funded or not, can answer four "
        "short questions, each from 1 (not at all) to 5 (very much). Answers are "
        "anonymous. We show the average (the mean) of each question, to 1 decimal place, "
        "only once at least 5 groups have answered.",
    ),
    Definition(
        "people-taking-part",
        "People who took part",
        "Everyone with an account who sat on a panel, voted in a public vote or gave "
        "money. Each person is counted once, however many ways they took part.",
    ),
    Definition(
        "returning",
        "People who came back",
        "People who took part on more than one occasion: in more than one round, or "
        "gave money in more than one financial year (1 April to 31 March).",
    ),
    Definition(
        "what-people-gained",
        "What taking part gave people",
        "After taking part, people can tell us, anonymously, whether they learned new "
        "skills, feel more confident, or have taken on a new role in their community. "
        "We show the shares only once at least 5 people have answered.",
    ),
)

# The ways of taking part the participation report names, in its order.
WAYS = {"panel": "Sat on a panel", "vote": "Voted in a public vote", "donation": "Gave money"}

# --- Which rounds and applications a report covers ------------------------------------------


def public_rounds(session: Session, place: Place) -> list[Round]:
    return list(
        session.scalars(
            select(Round)
            .where(Round.place_id == place.id, Round.status != RoundStatus.DRAFT)
            .order_by(Round.closes_at.desc(), Round.id.desc())
        )
    )


def _rounds_in(session: Session, place: Place, round_: Round | None) -> list[Round]:
    if round_ is not None:
        return [] if round_.is_draft else [round_]
    return public_rounds(session, place)


def _decided(session: Session, rounds: list[Round]) -> list[Application]:
    if not rounds:
        return []
    return list(
        session.scalars(
            select(Application)
            .where(
                Application.round_id.in_([r.id for r in rounds]),
                Application.state.in_(DECIDED_STATES),
            )
            .order_by(Application.id)
        )
    )


def days_to_decision(application: Application) -> int:
    """Whole days from the London day the round closed to the London day of the decision."""
    closed = to_london(application.round.closes_at).date()
    decided = to_london(application.decided_at).date()
    return max(0, (decided - closed).days)


def decided_on_time(application: Application) -> bool:
    due = application.round.decision_date
    return due is not None and to_london(application.decided_at).date() <= due


@dataclass
class RoundResult:
    """One decision as the public sees it."""

    application_id: int
    group_name: str
    title: str
    state: State
    award_pence: int | None
    amount_requested_pence: int | None
    reasons: str | None  # None: the group asked us to keep them private
    ward: str | None
    decided_at: Any


def round_results(session: Session, round_: Round) -> list[RoundResult]:
    """Every decision in the round, with its reasons unless the group keeps them private."""
    results = []
    place = round_.place
    for application in _decided(session, [round_]):
        group = application.group
        ward = ward_for_postcode(session, place, group.postcode) if group.postcode else None
        results.append(
            RoundResult(
                application_id=application.id,
                group_name=group.name,
                title=application.title,
                state=application.state,
                award_pence=application.award_pence,
                amount_requested_pence=application.amount_requested_pence,
                reasons=None if application.feedback_private else application.feedback,
                ward=ward.name if ward else None,
                decided_at=application.decided_at,
            )
        )
    order = {State.AWARDED: 0, State.DECLINED: 1, State.INELIGIBLE: 2}
    return sorted(results, key=lambda r: (order[r.state], r.group_name.lower()))


# --- The Open and Trusting scorecard ---------------------------------------------------------


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
    return rounds_scorecard(session, _rounds_in(session, place, round_))


def rounds_scorecard(session: Session, rounds: list[Round]) -> list[Figure]:
    """``giving``'s scorecard figures over any set of published rounds (a fund's, say)."""
    rounds = [r for r in rounds if not r.is_draft]
    decided = _decided(session, rounds)
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


def scorecard(session: Session, place: Place, round_: Round | None = None) -> list[Figure]:
    """Every scorecard figure for the place (all its published rounds) or one round."""
    figures = giving_scorecard(session, place, round_)
    for source in hooks.current().scorecard_sources:
        figures.extend(source(session, place, round_))
    return figures


# --- Participation ---------------------------------------------------------------------------


@dataclass
class ParticipationReport:
    people: Figure
    returning: Figure
    by_way: list[tuple[str, int]]
    by_ward: Chart
    gains: list[Figure]
    charts: list[Chart]
    figures: list[Figure]


def gain_figures(session: Session, rounds: list[Round]) -> list[Figure]:
    answers = (
        list(
            session.scalars(
                select(GainAnswer).where(GainAnswer.round_id.in_([r.id for r in rounds]))
            )
        )
        if rounds
        else []
    )
    count = len(answers)
    hidden = ngettext(
        "Not shown until 5 people have answered (%(num)d has so far)",
        "Not shown until 5 people have answered (%(num)d have so far)",
        count,
    )
    figures = []
    for key, label in (
        ("skills", _("Learned new skills")),
        ("confidence", _("Feel more confident")),
        ("new_role", _("Took on a new role in their community")),
    ):
        yes = sum(1 for a in answers if getattr(a, key))
        if count < MIN_ANSWERS_SHOWN:
            figures.append(
                Figure(
                    f"gained_{key}",
                    label,
                    None,
                    hidden,
                    "what-people-gained",
                    "percent",
                    None,
                    count,
                )
            )
        else:
            figures.append(
                share_figure(f"gained_{key}", label, yes, count, "what-people-gained", hidden)
            )
    return figures


def participation(
    session: Session, place: Place, round_: Round | None = None
) -> ParticipationReport:
    """Who took part in the place (or one round), how, where they live, whether they came
    back, and what they said they gained."""
    records: list[tuple[str, str, int]] = []
    charts: list[Chart] = []
    extra: list[Figure] = []
    for source in hooks.current().participation_sources:
        part = source(session, place, round_)
        records.extend(part.records)
        charts.extend(part.charts)
        extra.extend(part.figures)
    people: set[int] = {user_id for _way, _when, user_id in records}
    occasions: dict[int, set[str]] = defaultdict(set)
    ways: dict[str, set[int]] = defaultdict(set)
    for way, when, user_id in records:
        occasions[user_id].add(when)
        ways[way].add(user_id)
    came_back = sum(1 for user_id in people if len(occasions[user_id]) > 1)
    labels = hooks.current().ways
    by_way = [(labels.get(way, way), len(ways.get(way, set()))) for way in labels]
    by_way += [(way, len(ids)) for way, ids in ways.items() if way not in labels]
    wards = {w.name: 0 for w in place.wards}
    outside = 0
    if people:
        users = session.scalars(select(User).where(User.id.in_(people)))
        for user in users:
            ward = ward_for_postcode(session, place, user.postcode) if user.postcode else None
            if ward is None:
                outside += 1
            else:
                wards[ward.name] = wards.get(ward.name, 0) + 1
    rows = [ChartRow(name, [count]) for name, count in wards.items()]
    if outside:
        rows.append(ChartRow(_("Ward not known"), [outside]))
    by_ward = Chart(
        "people-by-ward",
        _("People who took part, by the ward they live in"),
        [_("People")],
        rows,
        "count",
        _("Ward"),
    )
    total = len(people)
    return ParticipationReport(
        people=Figure("people", _("People who took part"), total, str(total), "people-taking-part"),
        returning=share_figure(
            "returning",
            _("People who came back"),
            came_back,
            total,
            "returning",
            _("No one has taken part yet"),
        ),
        by_way=by_way,
        by_ward=by_ward,
        gains=gain_figures(session, _rounds_in(session, place, round_)),
        charts=charts,
        figures=extra,
    )


def place_figures(session: Session, place: Place, category: str | None = None) -> list[PlaceFigure]:
    stmt = select(PlaceFigure).where(PlaceFigure.place_id == place.id)
    if category is not None:
        stmt = stmt.where(PlaceFigure.category == category)
    return list(session.scalars(stmt.order_by(PlaceFigure.category, PlaceFigure.label)))


def set_place_figures(session: Session, actor: User, place: Place, text: str) -> list[PlaceFigure]:
    """Replace the place's own figures from lines of 'category, group, number of people'."""
    if not is_staff(session, actor, place):
        raise NotAllowed(_("Only fund managers and admins of this place can do this."))
    rows: dict[tuple[str, str], int] = {}
    for number, line in enumerate((text or "").splitlines(), start=1):
        if not line.strip():
            continue
        parts = [p.strip() for p in line.split(",")]
        if len(parts) != 3 or not parts[0] or not parts[1]:
            raise DomainError(
                _(
                    "Line %(n)d: write the category, the group and the number of people, "
                    "with commas between them.",
                    n=number,
                ),
                field="figures",
            )
        people = parts[2].replace("_", "")
        if not people.isdigit():
            raise DomainError(
                _("Line %(n)d: the number of people must be a whole number.", n=number),
                field="figures",
            )
        if len(parts[0]) > 80 or len(parts[1]) > 80:
            raise DomainError(_("Line %(n)d is too long.", n=number), field="figures")
        rows[(parts[0], parts[1])] = int(people)
    for old in place_figures(session, place):
        session.delete(old)
    session.flush()
    made = [
        PlaceFigure(place=place, category=category, label=label, people=people)
        for (category, label), people in rows.items()
    ]
    session.add_all(made)
    session.flush()
    audit(
        session,
        actor,
        "place.figures",
        place,
        f"Changed the figures for {place.name}",
        place=place,
        rows=len(made),
    )
    return made


# --- The applicant survey --------------------------------------------------------------------


def has_rated(session: Session, round_: Round, group: Group) -> bool:
    return (
        session.scalar(
            select(FunderRatingReceipt.id).where(
                FunderRatingReceipt.round_id == round_.id,
                FunderRatingReceipt.group_id == group.id,
            )
        )
        is not None
    )


def may_rate(session: Session, user: User | None, application: Application) -> bool:
    """A member of the group, once the application is decided, if the group has not yet."""
    return (
        application.state in DECIDED_STATES
        and is_group_member(user, application.group)
        and not has_rated(session, application.round, application.group)
    )


def rate_funder(
    session: Session, actor: User, application: Application, answers: dict[str, int | None]
) -> FunderRating:
    """Keep a group's anonymous answers. Only that the group answered is kept with its name,
    apart from the answers; nothing is written to the audit log, which would tie them."""
    if not is_group_member(actor, application.group):
        raise NotAllowed(_("Only the group's members can answer for it."))
    if application.state not in DECIDED_STATES:
        raise DomainError(_("You can tell us how we treated you once we have decided."))
    clean = {}
    for key, _text in RATING_QUESTIONS:
        value = answers.get(key)
        if value is None or not RATING_MIN <= value <= RATING_MAX:
            raise DomainError(_("Choose an answer from 1 to 5"), field=key)
        clean[key] = value
    try:
        with session.begin_nested():
            session.add(
                FunderRatingReceipt(round_id=application.round_id, group_id=application.group_id)
            )
            session.flush()
    except IntegrityError:
        raise DomainError(_("Your group has already answered for this round. Thank you.")) from None
    rating = FunderRating(
        round_id=application.round_id, answered_on=to_london(utcnow()).date(), **clean
    )
    session.add(rating)
    session.flush()
    return rating


def set_feedback_private(
    session: Session, actor: User, application: Application, private: bool
) -> Application:
    """The group chooses whether its reasons appear on the public pages. The decision and
    any amount are always public."""
    if not is_group_member(actor, application.group):
        raise NotAllowed(_("Only the group's members can choose this."))
    application.feedback_private = private
    session.flush()
    audit(
        session,
        actor,
        "application.feedback_private",
        application,
        f"{application.group.name} chose to "
        + ("keep its feedback private" if private else "publish its feedback"),
        place=application.round.place,
        private=private,
    )
    return application


# --- The participant survey ------------------------------------------------------------------


def took_part(session: Session, user: User | None, round_: Round) -> bool:
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    return any(check(session, user, round_) for check in hooks.current().took_part_checks)


def has_told_gains(session: Session, user: User, round_: Round) -> bool:
    return (
        session.scalar(
            select(GainReceipt.id).where(
                GainReceipt.round_id == round_.id, GainReceipt.user_id == user.id
            )
        )
        is not None
    )


def may_tell_gains(session: Session, user: User | None, round_: Round) -> bool:
    return took_part(session, user, round_) and not has_told_gains(session, user, round_)


def record_gains(
    session: Session,
    actor: User,
    round_: Round,
    *,
    skills: bool,
    confidence: bool,
    new_role: bool,
) -> GainAnswer:
    """Keep a participant's anonymous answer; only that they answered is kept by name."""
    if not took_part(session, actor, round_):
        raise NotAllowed(_("This survey is for people who took part in this round."))
    try:
        with session.begin_nested():
            session.add(GainReceipt(round_id=round_.id, user_id=actor.id))
            session.flush()
    except IntegrityError:
        raise DomainError(_("You have already answered for this round. Thank you.")) from None
    answer = GainAnswer(
        round_id=round_.id,
        skills=bool(skills),
        confidence=bool(confidence),
        new_role=bool(new_role),
        answered_on=to_london(utcnow()).date(),
    )
    session.add(answer)
    session.flush()
    return answer
