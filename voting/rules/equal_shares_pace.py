"""How the search for the completions of Equal Shares paces itself
(:mod:`voting.rules.equal_shares_search`): when to try a proof over a run of steps, over how
many, and when to count steps one by one instead. It weighs only the work each has taken so
far, counted as passes over a project's supporters, never the time taken, so the same election
is always searched the same way.
"""

from __future__ import annotations

import math

BACKOFF = 4
"""How many times more steps are counted one by one, each time proofs cost more than counting
the steps they skipped (on Toulouse 2024, where they do, 4 took a tenth less time than 2)."""
BISECT = 16
"""A proof over at least this many steps that fails is followed at once by one over half as
many: the outcome was still before it, and the change that made it fail may lie anywhere in
it (on Budapest 2024 add1, a sixth of the time went to counting steps one by one after such
failures, where a proof over the first half passes at once)."""
GROW_PERCENT = 12
"""How much longer the next interval is, in per cent, after a proof passed: a proof's work
grows with its interval, and one that fails is lost (on Budapest 2024, 12 took a sixth less
work in all than 25)."""
PROOF_PASS = 3
"""What one pass over a project's supporters in a proof costs, next to one in a plain run of
MES: about three times as much, as a proof prices a project up to four times (the lower and
the upper bounds on the money, at both ends of the interval)."""


class Pace:
    """When :func:`voting.rules.equal_shares_search._search` tries a proof, and over how many steps.

    ``width`` is the number of steps the next proof covers; ``direct`` the steps to count one
    by one before trying a proof again; ``settled`` the steps counted one by one lately that
    bought the same projects as the step before; ``run_work`` the work to count one step,
    lately, and ``proof_work`` the work a proof takes, lately; ``gained`` and ``spent`` the
    steps that proofs gained lately and the work they took.
    """

    __slots__ = (
        "backoff",
        "direct",
        "gained",
        "proof_work",
        "run_work",
        "settled",
        "spent",
        "width",
    )

    def __init__(self, run_work: float) -> None:
        self.width = 16
        self.direct = 0
        self.backoff = 4
        self.settled = 0
        self.run_work = run_work
        self.proof_work = 0
        self.gained = self.spent = 0.0

    def proof_due(self, limit: int) -> bool:
        """Whether to try a proof over the next ``limit`` steps now.

        A proof can only pass where the outcome holds still: one is tried only after three
        steps in a row (since the last proof that failed over fewer than :data:`BISECT`
        steps) bought the same projects, and only
        if it could pay for itself: a proof takes about as much work as the last one did,
        however few steps it covers. Where it could not, the next steps are counted one by
        one, as where proofs did not pay, and the next proof covers as many steps as it needs
        to pay.
        """
        if self.direct > 0 or limit < 4 or self.settled < 3:
            return False
        cost = PROOF_PASS * self.proof_work
        if cost <= limit * self.run_work:
            return True
        self.slow_down()
        if self.run_work >= 1:  # else counting costs next to nothing: no proof could pay
            self.width = max(self.width, math.ceil(cost / self.run_work))
        return False

    def slow_down(self) -> None:
        """Proofs cost more here than counting each step: count the next few, more of them
        each time."""
        self.direct = self.backoff
        self.backoff = min(BACKOFF * self.backoff, 256)

    def proved(self, limit: int, proven: int, work: int) -> None:
        """A proof over ``limit`` steps took ``work`` and proved ``proven`` of them."""
        # One that failed may have stopped early: it shows only that a proof takes at least
        # as much work.
        self.proof_work = work if proven else max(work, self.proof_work)
        self.gained = 0.7 * self.gained + proven
        self.spent = 0.7 * self.spent + PROOF_PASS * work
        grown = limit + max(1, limit * GROW_PERCENT // 100)
        self.width = grown if proven else max(4, limit // 2)
        self.settled = self.settled if proven or limit >= BISECT else 0
        if not proven and limit <= 4:
            self.direct = 4  # something changes within a few steps: count them
        elif self.gained * self.run_work >= self.spent:
            self.backoff = 4
        else:
            self.slow_down()

    def one_by_one(self) -> int:
        """A step is counted one by one: how many steps from here on, this one included, are
        sure to be."""
        self.direct = max(0, self.direct - 1)
        return max(self.direct + 1, 3 - self.settled)

    def counted(self, work: int, same: bool) -> None:
        """A step counted one by one took ``work``; ``same``: it bought what the step before
        did."""
        self.run_work = 0.8 * self.run_work + 0.2 * work
        self.settled = self.settled + 1 if same else 0
