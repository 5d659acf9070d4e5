"""The completions of Equal Shares when no voter supports two projects that cost something.

Choose-1 ballots are like this. Then buying one project takes no money from the supporters of
another, so a project is bought exactly when its supporters' shares together cover its cost,
whatever else is bought: at a share of ``x`` each, the projects bought are those whose
``cost / supporters`` is at most ``x``. That set only grows as the share is raised, and it
changes only where the share passes one of those values. So instead of running Equal Shares
at every step, each step where the set changes is checked, in order, with the same test as
:func:`voting.rules.equal_shares_search.completed_share` (the outcome costs more than the
budget, or the raising is done): the share found is the one that raising one step at a time
would stop at. For the same reason one run of Equal Shares, with the numbers that explain
it, can be worked out directly (:func:`disjoint_run`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from fractions import Fraction
from typing import TYPE_CHECKING

from voting.rules.model import Number

if TYPE_CHECKING:
    from voting.rules.equal_shares import Input, Run


def supports_are_disjoint(inp: Input) -> bool:
    """Whether no group of voters supports two of the projects that cost something."""
    seen: set[int] = set()
    for j in inp.candidates:
        for bucket in inp.buckets[j]:
            before = len(seen)
            seen.update(bucket.members)
            if len(seen) != before + len(bucket.members):
                return False
    return True


def disjoint_run(inp: Input, share: Number, *, explain: bool = False) -> Run:
    """One run of Equal Shares with ``share`` per voter, for disjoint supports and
    satisfaction by cost: what :func:`voting.rules.equal_shares.run` gives, worked out
    directly.

    No supporter of a project pays towards another, so each of a project's ``n`` supporters
    still has the whole share when its turn comes: it is affordable when ``n`` shares cover
    its cost, and then each pays ``cost / n``, which is ``1 / n`` per unit of satisfaction.
    The affordable projects are bought in that order (the most supporters first), ties going
    by the tie-breaking order.
    """
    from voting.rules.equal_shares import Bought, Run

    if not inp.uniform:
        raise ValueError("a direct run needs satisfaction by cost")
    share = Fraction(share)
    rank = inp.rank
    total_u = inp.total_u
    p, q = share.numerator, share.denominator
    num, den = inp.cost_num, inp.cost_den
    affordable = [j for j in inp.candidates if total_u[j] * p * den[j] >= num[j] * q]
    affordable.sort(key=lambda j: (-total_u[j], rank[j]))
    selected = [*inp.preselected, *affordable]
    rhos = [Fraction(1, total_u[j]) for j in affordable]
    bought: list[Bought] = []
    money_at_end: dict[int, Fraction] = {}
    if explain:
        paid: dict[int, Fraction] = {}
        for j, rho in zip(affordable, rhos, strict=True):
            each = Fraction(num[j], den[j] * total_u[j])
            bought.append(Bought(j, total_u[j] * share, rho, each))
            paid.update(dict.fromkeys(inp.buckets[j][0].members, each))
        chosen = set(selected)
        mult = inp.mult
        for j in range(len(inp.costs)):
            if j in chosen or not inp.buckets[j]:
                continue
            members = [g for b in inp.buckets[j] for g in b.members]
            spent = sum(int(mult[g]) * paid[g] for g in members if g in paid)
            have = share * int(mult[members].sum())
            money_at_end[j] = have - spent if spent else have
    return Run(selected, rhos, bought, money_at_end)


def disjoint_share(
    inp: Input,
    budget: Number,
    share0: Fraction,
    step: Fraction,
    done: Callable[[Sequence[int]], bool],
    max_steps: int | None,
) -> Fraction | None:
    """The share at which raising it by ``step`` at a time stops, for disjoint supports.

    Step ``k`` has the share ``share0 + k * step``. As in the step-by-step search: None if
    the first step's outcome costs more than ``budget``; else the first step whose outcome is
    ``done``, or the step before the first whose outcome costs more than ``budget``, or step
    ``max_steps`` if no step up to it stops.
    """
    threshold = {j: Fraction(inp.costs[j], inp.votes[j]) for j in inp.candidates}
    ordered = sorted(inp.candidates, key=threshold.__getitem__)
    chosen = list(inp.preselected)
    at = 0  # how many of ``ordered`` are bought at the current step
    k = 0
    share = share0
    while True:
        while at < len(ordered) and threshold[ordered[at]] <= share:
            chosen.append(ordered[at])
            at += 1
        if inp.total(chosen) > budget:
            return None if k == 0 else share0 + (k - 1) * step
        if done(chosen) or step == 0:
            return share
        if at == len(ordered):
            # Nothing changes any more; the step-by-step search would go on to its limit.
            return share0 + max_steps * step if max_steps is not None else share
        # The first step at which the next project is bought.
        gap = (threshold[ordered[at]] - share0) / step
        k = max(k + 1, -((-gap.numerator) // gap.denominator))
        if max_steps is not None and k > max_steps:
            return share0 + max_steps * step
        share = share0 + k * step
