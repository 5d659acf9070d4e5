"""Plain names for the ways votes are counted and panels are drawn.

Code names (``mes_cost_add1_greedy``, ``legacy``) stay inside the code and the data files; a
person reading a page sees the name and the sentence here, and a link to the "how this works"
page that explains each one. A rule added later without a plain name here is shown by the
first part of its own description (before the colon), never by its code name.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

from voting.rules import registry
from voting.sortition import ALGORITHMS


@dataclass(frozen=True)
class Explained:
    """A counting rule or draw method as the public reads it."""

    code: str
    name: str
    how: str

    @property
    def anchor(self) -> str:
        return self.code.replace("_", "-")


_RULE_WORDS = {
    "greedy_votes": (
        _l("Most votes first"),
        _l(
            "We put the ideas in order of how many votes each got. Starting at the top, each "
            "idea gets its money if there is enough left. If there is not, we skip it and try "
            "the next one."
        ),
    ),
    "greedy_points": (
        _l("Most points first"),
        _l(
            "Voters share out points. We put the ideas in order of how many points each got. "
            "Starting at the top, each idea gets its money if there is enough left; if not, "
            "we skip it and try the next one."
        ),
    ),
    "mes_cost": (
        _l("Equal shares"),
        _l(
            "Every voter gets an equal share of the money. An idea is paid for when the "
            "people who voted for it can pay for it together from their shares. This way "
            "smaller groups of voters get some of what they want too."
        ),
    ),
    "mes_points": (
        _l("Equal shares, by points"),
        _l(
            "Like equal shares, but a voter who gave an idea more points pays a bigger part "
            "of it from their share."
        ),
    ),
    "mes_cost_add1": (
        _l("Equal shares, using all the money"),
        _l(
            "Equal shares, then, if money is left over, everyone's share is made a little "
            "bigger and we count again, until no more ideas that people voted for fit."
        ),
    ),
    "mes_cost_add1_greedy": (
        _l("Equal shares, then most votes"),
        _l(
            "Equal shares, using all the money. If some money is still left at the end, it "
            "goes to the ideas with the most votes that still fit."
        ),
    ),
    "mes_points_add1": (
        _l("Equal shares by points, using all the money"),
        _l(
            "Equal shares by points, then, if money is left over, everyone's share is made a "
            "little bigger and we count again, until no more ideas fit."
        ),
    ),
    "mes_points_add1_greedy": (
        _l("Equal shares by points, then most points"),
        _l(
            "Equal shares by points, using all the money. If some money is still left at the "
            "end, it goes to the ideas with the most points that still fit."
        ),
    ),
    "mes_cost_budget_increase": (
        _l("Equal shares, with a bigger pretend budget"),
        _l(
            "Equal shares, counted again with the money made a little bigger each time (on "
            "paper), for as long as the ideas chosen still fit in the real money."
        ),
    ),
    "phragmen": (
        _l("Shared load"),
        _l(
            "Ideas are chosen one at a time. Each time, we choose the idea whose voters can "
            "share its cost most evenly, so no voter carries much more than others. We stop "
            "at the first idea that does not fit in the money left."
        ),
    ),
    "greedy_rank_points": (
        _l("Most points from rankings"),
        _l(
            "Voters put ideas in order. A first choice gets the most points, a second choice "
            "one fewer, and so on. Then we go down the list as in most points first."
        ),
    ),
    "mes_rank_points": (
        _l("Equal shares from rankings"),
        _l(
            "Voters put ideas in order. Then we count as in equal shares, with a higher "
            "choice counting for more."
        ),
    ),
}

_DRAW_WORDS = {
    "maximin": (
        _l("Fair-chance lottery"),
        _l(
            "A computer draw that makes the panel look like the place (for example, by age "
            "and ward) and gives everyone who offered as equal a chance as it can of being "
            "chosen. We publish the number it started from, so anyone can check the draw."
        ),
    ),
    "legacy": (
        _l("Quota lottery"),
        _l(
            "A computer draw that fills the panel's seats one at a time at random, so that "
            "the panel looks like the place (for example, by age and ward). Some people may "
            "have a better chance than others. We publish the number it started from, so "
            "anyone can check the draw."
        ),
    ),
}


def _fallback(code: str) -> tuple[str, str]:
    try:
        description = registry.describe_rule(code)
    except ValueError:
        return str(_l("A counting rule")), ""
    name, _colon, rest = description.partition(":")
    return (name, rest.strip() or description) if rest else (str(_l("A counting rule")), name)


def rule(code: str) -> Explained:
    """The counting rule ``code`` in plain words."""
    name, how = _RULE_WORDS.get(code) or _fallback(code)
    return Explained(code, str(name), str(how))


def draw_method(code: str) -> Explained:
    """The draw method ``code`` in plain words."""
    name, how = _DRAW_WORDS.get(code) or (_l("A lottery"), _l("A computer draw."))
    return Explained(code, str(name), str(how))


def rules() -> list[Explained]:
    return [rule(code) for code in registry.RULES]


def draw_methods() -> list[Explained]:
    return [draw_method(code) for code in ALGORITHMS]


def rule_name(code: str | None) -> str:
    """A template filter: ``{{ vote.rule|rule_name }}``."""
    return rule(code).name if code else ""


def draw_method_name(code: str | None) -> str:
    """A template filter: ``{{ draw.algorithm|draw_method_name }}``."""
    return draw_method(code).name if code else ""
