"""Figures: the shapes every package's published numbers take, the helpers that make them,
and how each of giving's figures is worked out.

Nothing here queries the database: the services that count things (the scorecard, the
participation report, in :mod:`giving.services`) build these shapes. ``funds`` and
``voting`` add their own figures, charts, sections and API paths through the app's hooks
(:mod:`giving.hooks`), which the readers at the end of this module collect.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from giving import hooks
from giving.models import Place


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


def median_of_counts(counts: Mapping[Any, int]) -> float | None:
    """The median of values given as ``{value: how many times}``, as ``statistics.median``
    would give it for the values written out one by one; None when there are none."""
    total = sum(counts.values())
    if total <= 0:
        return None
    wanted = [(total - 1) // 2, total // 2]  # the middle one, or the middle two
    found: list[int | float] = []
    seen = 0
    for value in sorted(v for v, n in counts.items() if n > 0):
        seen += counts[value]
        while wanted and wanted[0] < seen:
            found.append(value)
            wanted.pop(0)
    return found[0] if found[0] == found[1] else (found[0] + found[1]) / 2


def median_figure(
    key: str,
    label: str,
    values: Sequence[int | float] | Mapping[Any, int],
    anchor: str,
    unit: str,
    none_text: str,
) -> Figure:
    """The median of ``values`` (a list, or ``{value: how many times}``) as a figure."""
    middle = median_of_counts(values if isinstance(values, Mapping) else Counter(values))
    if middle is None:
        return Figure(key, label, None, none_text, anchor, unit)
    value = tidy_number(middle)
    if unit == "days":
        text = _("1 day") if value == 1 else _("%(num)s days", num=value)
    elif unit == "minutes":
        text = _("%(num)s minutes", num=value)
    else:
        text = str(value)
    return Figure(key, label, value, text, anchor, unit)


DEFINITIONS = (
    Definition(
        "days-to-decision",
        _l("Days from closing to decision"),
        _l(
            "For every application that got a decision (given money, not given money, or "
            "could not be funded), we count the days from the day the round closed to the "
            "day we decided, in London time. A decision made before the round closed counts "
            "as 0 days. The figure is the middle value (the median) of those counts."
        ),
    ),
    Definition(
        "decided-on-time",
        _l("Decided on or before the date we published"),
        _l(
            "Every round publishes the date we will decide by before it opens. This is the "
            "share of decided applications whose decision was made on or before that date."
        ),
    ),
    Definition(
        "reasons-given",
        _l("Groups turned down who were given reasons"),
        _l(
            "Of the applications we did not fund, or that this round could not fund, the "
            "share that got written reasons from us. A group may ask us not to publish its "
            "reasons; they were still given to the group, so they still count."
        ),
    ),
    Definition(
        "decided-by-residents",
        _l("Decisions made by residents"),
        _l(
            "Of the applications given money or not given money in the rounds covered, how "
            "many were decided by the people who live here: by the panel, or by a count of a "
            "public vote. The rest were decided by the fund's team, in rounds where the team "
            "decides, or by the team overriding residents."
        ),
    ),
    Definition(
        "overrides",
        _l("Overrides by the fund's team"),
        _l(
            "How many decisions the fund's team made in place of residents, in a round where "
            "the panel or a public vote decides. The team may do this only in an emergency "
            "(the group closed, fraud, a conflict found late), and must write why. Every "
            "reason is published with the round's results."
        ),
    ),
    Definition(
        "time-to-apply",
        _l("Time it takes to apply"),
        _l(
            "Our estimate for each round: 10 minutes to read the round and check you can "
            "apply, plus for each question 5 minutes to think and 1 minute for every 10 "
            "words allowed, rounded up to the next 5 minutes. For more than one round, the "
            "figure is the middle value (the median) of the rounds' estimates."
        ),
    ),
    Definition(
        "questions-per-1000",
        _l("Questions asked for each £1,000"),
        _l(
            "For each round: the number of questions on the application form, divided by "
            "the largest grant in thousands of pounds. For example, 3 questions for grants up "
            "to £5,000 is 0.6 questions for each £1,000. For more than one round, the figure "
            "is the middle value (the median), to 2 decimal places."
        ),
    ),
    Definition(
        "applicant-ratings",
        _l("How groups rate the way we treated them"),
        _l(
            "After a decision, every group that applied, funded or not, can answer four "
            "short questions, each from 1 (not at all) to 5 (very much). Answers are "
            "anonymous. We show the average (the mean) of each question, to 1 decimal place, "
            "only once at least 5 groups have answered."
        ),
    ),
    Definition(
        "people-taking-part",
        _l("People who took part"),
        _l(
            "Everyone with an account who sat on a panel, voted in a public vote or gave "
            "money. Each person is counted once, however many ways they took part. In the table "
            "of how people took part, and in the chart of people who voted by ward, each person "
            "is counted once for each way, however many times they took part that way (in two "
            "public votes, say). People who voted with a voting code have no account: the chart "
            "of people who voted by ward shows them in a column of their own."
        ),
    ),
    Definition(
        "returning",
        _l("People who came back"),
        _l(
            "People who took part on more than one occasion: in more than one round, or "
            "gave money in more than one financial year (1 April to 31 March)."
        ),
    ),
    Definition(
        "verified-residents",
        _l("Verified residents"),
        _l(
            "People whose account shows they live in the place today: they matched the list of "
            "residents, used a code sent by letter, or showed proof to the fund's team. A "
            "postcode typed on an account does not count. Each check lasts as long as the place "
            "sets. The chart sets the share of verified residents in each ward next to the share "
            "of the people who live there, from the place's own figures."
        ),
    ),
    Definition(
        "what-people-gained",
        _l("What taking part gave people"),
        _l(
            "After taking part, people can tell us, anonymously, whether they learned new "
            "skills, feel more confident, or have taken on a new role in their community. "
            "We show the shares only once at least 5 people have answered."
        ),
    ),
)

# The ways of taking part the participation report names, in its order.
WAYS = {
    "panel": _l("Sat on a panel"),
    "vote": _l("Voted in a public vote"),
    "donation": _l("Gave money"),
}


def definitions() -> list[Definition]:
    """Every figure's definition, for the "how we work this out" page."""
    return list(hooks.current().definitions.values())


def place_sections(session: Session, place: Place) -> list[Section]:
    """The parts other packages add to the place's public results page."""
    sections: list[Section] = []
    for source in hooks.current().place_sections:
        sections.extend(source(session, place))
    return sections
