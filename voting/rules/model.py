"""Plain data for counting: projects, ballots, elections, tie-breaking and outcomes.

Amounts are integers in the smallest currency unit (pence for GBP). Elections imported from
Pabulib may carry amounts with decimals (a budget of ``2532645.83`` złoty); those are kept
exactly as :class:`fractions.Fraction`, never as floats.
"""

from __future__ import annotations

import hashlib
import sys
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from voting.rules.columns import BallotColumns
    from voting.rules.reasons import Reason

Number = int | Fraction
"""An exact amount or score: an int, or a Fraction where the data has decimals."""

VoteType = Literal["approval", "choose-1", "cumulative", "scoring", "ordinal"]
"""How ballots are filled in, with the names Pabulib uses.

- ``approval``: tick any projects (a budget-limited "knapsack" ballot is an approval ballot
  whose ticked projects must fit in the budget; that limit is checked when voting, not here);
- ``choose-1``: tick exactly one project;
- ``cumulative``: share out points between projects;
- ``scoring``: give each project a score;
- ``ordinal``: rank projects, best first.
"""

VOTE_TYPES: tuple[str, ...] = ("approval", "choose-1", "cumulative", "scoring", "ordinal")
POINTS_VOTE_TYPES: tuple[str, ...] = ("cumulative", "scoring")


def as_number(value: Number | str) -> Number:
    """Return ``value`` as an exact number: an int when it is whole, else a Fraction.

    Strings may use a decimal point or a decimal comma (``"12,5"``), or be a fraction
    (``"25/2"``).
    """
    if isinstance(value, bool):
        raise TypeError("a yes/no value is not an amount")
    if isinstance(value, int):
        return value
    if isinstance(value, Fraction):
        return value.numerator if value.denominator == 1 else value
    if isinstance(value, str):
        text = value.strip().replace(",", ".")
        if text.lstrip("+-").isdigit():
            return int(text)
        return as_number(Fraction(text))
    raise TypeError(f"{value!r} is not an exact amount: use an int, a Fraction or a string")


@dataclass(frozen=True, slots=True)
class Project:
    """A project that can be funded.

    ``id`` is the project's identifier as a string; ``cost`` is what it needs, in the smallest
    currency unit.
    """

    id: str
    cost: Number
    name: str | None = None
    category: str | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.id, str) or not self.id:
            raise ValueError("a project needs a non-empty string id")
        cost = as_number(self.cost)
        if cost < 0:
            raise ValueError(f"project {self.id} has a negative cost")
        object.__setattr__(self, "cost", cost)


@dataclass(slots=True)
class Ballot:
    """One voter's ballot.

    ``projects`` holds the projects the voter chose: ticked (approval, choose-1), ranked best
    first (ordinal), or given points (cumulative, scoring), in which case ``points`` holds the
    points for each project in the same order. ``voter_id`` and ``extra`` (further Pabulib vote
    fields such as ``age``) are carried through for publishing and are never used to count.
    """

    projects: tuple[str, ...]
    points: tuple[Number, ...] | None = None
    voter_id: str | None = None
    extra: tuple[tuple[str, str], ...] = ()

    def __post_init__(self) -> None:
        if type(self.projects) is not tuple:
            if isinstance(self.projects, str):
                raise TypeError("ballot projects must be a sequence of project ids, not a string")
            self.projects = tuple(self.projects)
        if self.points is not None:
            points = tuple(as_number(p) for p in self.points)
            if len(points) != len(self.projects):
                raise ValueError("a points ballot needs one number of points for each project")
            self.points = points

    @classmethod
    def approval(cls, project_ids: Iterable[str], voter_id: str | None = None) -> Ballot:
        """An approval (or choose-1) ballot ticking ``project_ids``."""
        return cls(tuple(project_ids), None, voter_id)

    @classmethod
    def ranked(cls, project_ids: Sequence[str], voter_id: str | None = None) -> Ballot:
        """An ordinal ballot ranking ``project_ids``, best first."""
        return cls(tuple(project_ids), None, voter_id)

    @classmethod
    def with_points(cls, points: Mapping[str, Number], voter_id: str | None = None) -> Ballot:
        """A cumulative or scoring ballot giving ``points[project_id]`` to each project."""
        return cls(tuple(points), tuple(points.values()), voter_id)

    def points_by_project(self) -> dict[str, Number]:
        """Points per project (a later mention of the same project replaces an earlier one).

        Ballots without points give one point to each chosen project.
        """
        if self.points is None:
            return dict.fromkeys(self.projects, 1)
        return dict(zip(self.projects, self.points, strict=True))

    def approved(self) -> frozenset[str]:
        """The projects this ballot supports when it is read as an approval ballot.

        Ticked and ranked projects count; on a points ballot, projects with more than zero
        points count.
        """
        if self.points is None:
            return frozenset(self.projects)
        return frozenset(p for p, pts in self.points_by_project().items() if pts > 0)


@dataclass(slots=True)
class Election:
    """Everything needed to count a vote: projects, budget, ballots and how they were cast.

    ``meta`` holds descriptive Pabulib metadata (``description``, ``country``, ``unit``,
    ``currency``...) that is published alongside the ballots.
    """

    projects: list[Project]
    budget: Number
    ballots: Sequence[Ballot]
    vote_type: str = "approval"
    meta: dict[str, str] = field(default_factory=dict)
    project_extra: dict[str, dict[str, str]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.budget = as_number(self.budget)
        if self.budget < 0:
            raise ValueError("the budget cannot be negative")
        if self.vote_type not in VOTE_TYPES:
            raise ValueError(
                f"unknown vote type {self.vote_type!r}: use one of {', '.join(VOTE_TYPES)}"
            )
        seen: set[str] = set()
        for project in self.projects:
            if project.id in seen:
                raise ValueError(f"project id {project.id} appears twice")
            seen.add(project.id)

    def project(self, project_id: str) -> Project:
        """The project with this id."""
        for project in self.projects:
            if project.id == project_id:
                return project
        raise KeyError(project_id)


# --- tie-breaking ---------------------------------------------------------------------------


class Lottery:
    """A published, reproducible random order of projects, used to break ties.

    Each project gets the ticket ``sha256("<seed>:<project id>")`` (UTF-8, as a hexadecimal
    string); the project with the lowest ticket wins a tie. Anyone who knows the seed and the
    project ids can recompute the order with any SHA-256 tool. Publish the seed before the
    count (for example, a number drawn in public) so that it cannot be chosen to favour a
    project.
    """

    __slots__ = ("seed",)

    def __init__(self, seed: str | int) -> None:
        if isinstance(seed, bool) or not isinstance(seed, str | int):
            raise TypeError("a lottery seed is a string or an integer")
        self.seed = str(seed)

    def ticket(self, project_id: str) -> str:
        """The project's lottery ticket: lower tickets win ties."""
        return hashlib.sha256(f"{self.seed}:{project_id}".encode()).hexdigest()

    def order(self, project_ids: Iterable[str]) -> list[str]:
        """The projects in the lottery's order (winner of a tie first)."""
        return sorted(project_ids, key=lambda pid: (self.ticket(pid), pid))

    def __repr__(self) -> str:
        return f"Lottery({self.seed!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Lottery) and other.seed == self.seed

    def __hash__(self) -> int:
        return hash(("Lottery", self.seed))


TieBreak = Literal["id"] | Lottery
"""``"id"``: the project whose id comes first as a string wins a tie (``"10"`` before ``"9"``);
or a :class:`Lottery`."""


def tie_order(project_ids: Iterable[str], tie_break: TieBreak = "id") -> dict[str, int]:
    """Rank of each project in the tie-breaking order (0 wins every tie)."""
    if isinstance(tie_break, Lottery):
        ordered = tie_break.order(project_ids)
    elif tie_break == "id":
        ordered = sorted(project_ids)
    else:
        raise ValueError('tie_break must be "id" or a Lottery(seed)')
    return {pid: rank for rank, pid in enumerate(ordered)}


def describe_tie_break(tie_break: TieBreak) -> str:
    """How ties were broken, in words."""
    if isinstance(tie_break, Lottery):
        return (
            f"ties broken by a published lottery with seed {tie_break.seed!r}: "
            "the project with the lowest sha256('<seed>:<project id>') wins"
        )
    return "ties broken by project id: the id that comes first as text wins"


def tie_ranks(projects: Sequence[Project], tie_break: TieBreak = "id") -> list[int]:
    """Each project's rank in the tie-breaking order (:func:`tie_order`), in project order."""
    rank_by_id = tie_order((p.id for p in projects), tie_break)
    return [rank_by_id[p.id] for p in projects]


# --- money formatting -----------------------------------------------------------------------

MoneyFormat = Callable[[Number], str]


def plain_amount(amount: Number) -> str:
    """Format an amount in the data's own units: ``1,234`` or ``1,234.56`` (rounded down)."""
    if type(amount) is int:
        return f"{amount:,}"
    exact = amount if type(amount) is Fraction else Fraction(amount)
    whole, cents = divmod(exact.numerator * 100 // exact.denominator, 100)
    if cents == 0 and exact.denominator == 1:
        return f"{whole:,}"
    return f"{whole:,}.{cents:02d}"


def pounds_from_pence(amount: Number) -> str:
    """Format an amount of pence as pounds: ``£1,234.56`` (parts of a penny rounded down)."""
    pence = Fraction(amount).__floor__()
    sign = "-" if pence < 0 else ""
    pounds, rest = divmod(abs(pence), 100)
    return f"{sign}£{pounds:,}.{rest:02d}"


# --- outcomes -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Explanation:
    """Why a project was or was not selected, in words and in numbers.

    ``why`` holds the sentences to translate (message ids and their values, see
    :mod:`voting.rules.reasons`), and :attr:`reason` the same in plain English, with amounts
    written by ``money``; the numbers behind them are in the other fields (a field is
    ``None`` when the rule does not use it):

    - ``votes``: how many voters supported the project (approval reading of the ballots);
    - ``points``: total points it received (points rules);
    - ``cost``: what it costs;
    - ``money_left``: the budget left when its turn came (greedy, and top-up steps);
    - ``supporters_money``: what its supporters had left between them when it was bought or,
      for a project not bought, at the end (Equal Shares);
    - ``share``: the most any one supporter paid towards it (Equal Shares; per point of
      support for points rules);
    - ``load``: the most any supporter had paid in total once it was bought (Phragmén);
    - ``round``: its position in the order of selection (1 = first), if selected;
    - ``stage``: ``"main"`` or ``"top-up"`` (a greedy step filling the money left over).
    """

    project_id: str
    selected: bool
    cost: Number
    votes: int = 0
    points: Number | None = None
    money_left: Number | None = None
    supporters_money: Number | None = None
    share: Number | None = None
    load: Number | None = None
    round: int | None = None
    stage: str = "main"
    why: tuple[Reason, ...] = ()
    money: MoneyFormat = field(default=plain_amount, compare=False, repr=False)

    @property
    def reason(self) -> str:
        """``why`` in plain English. Written when read, not at every count: a count's outcome
        is often only compared or stored, and writing every project's sentences took a fifth
        of counting a small election."""
        from voting.rules.reasons import in_english

        return in_english(self.why, self.money)


@dataclass(frozen=True, slots=True)
class Outcome:
    """The result of a count.

    ``selected`` lists project ids in the order the rule selected them. ``explanations`` has
    one entry per project, in the election's project order. ``voter_budget`` is each voter's
    share of money in the run that decided the outcome (Equal Shares only; raised above
    ``budget / voters`` by the "add1" and "budget_increase" variants).
    """

    rule: str
    selected: tuple[str, ...]
    total_cost: Number
    budget: Number
    explanations: tuple[Explanation, ...]
    tie_break: str
    voter_budget: Number | None = None

    def explanation(self, project_id: str) -> Explanation:
        """The explanation for one project."""
        for item in self.explanations:
            if item.project_id == project_id:
                return item
        raise KeyError(project_id)


def outcome_of(
    rule: str,
    election: Election,
    selection: Sequence[int],
    notes: Mapping[int, Explanation],
    tie_break: TieBreak,
    voter_budget: Number | None = None,
) -> Outcome:
    """The outcome of a count from project positions: ``selection`` lists the selected
    projects' positions in ``election.projects`` in order, ``notes`` explains every project by
    its position."""
    projects = election.projects
    return Outcome(
        rule=rule,
        selected=tuple(projects[j].id for j in selection),
        total_cost=sum(projects[j].cost for j in selection),
        budget=election.budget,
        explanations=tuple(notes[j] for j in range(len(projects))),
        tie_break=describe_tie_break(tie_break),
        voter_budget=voter_budget,
    )


def as_columns(ballots: Sequence[Ballot]) -> BallotColumns | None:
    """``ballots`` when they are kept as columns, else None. Ballots can only be columns once
    :mod:`voting.rules.columns` is loaded (it loads numpy), so asking does not load it."""
    columns = sys.modules.get("voting.rules.columns")
    if columns is None:
        return None
    kept: type[BallotColumns] = columns.BallotColumns
    return ballots if isinstance(ballots, kept) else None
