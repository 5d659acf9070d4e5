"""Why Equal Shares selected each project or not, in words and in numbers."""

from __future__ import annotations

from typing import TYPE_CHECKING

from voting.rules.model import Election, Explanation, MoneyFormat, Number
from voting.rules.reasons import N_, Reason, reason

if TYPE_CHECKING:
    from voting.rules.equal_shares import Input, Run


def describe(
    election: Election, inp: Input, run: Run, money: MoneyFormat
) -> dict[int, Explanation]:
    """An explanation for every project, by index, from the run that decided the outcome."""
    notes: dict[int, Explanation] = {}
    projects = election.projects
    votes = inp.votes

    def points(j: int) -> Number | None:
        return inp.points[j] if inp.points is not None else None

    round_no = 0
    for j in inp.preselected:
        round_no += 1
        why = reason(N_("Selected: it costs nothing and people gave it points."))
        notes[j] = Explanation(
            projects[j].id,
            True,
            0,
            votes=votes[j],
            points=points(j),
            round=round_no,
            why=(why,),
            money=money,
        )
    for item in run.bought:
        round_no += 1
        j = item.project
        cost = projects[j].cost
        why = _bought(inp.uniform, item.available, cost, item.share)
        notes[j] = Explanation(
            projects[j].id,
            True,
            cost,
            votes=votes[j],
            points=points(j),
            supporters_money=item.available,
            share=item.share,
            round=round_no,
            why=(why,),
            money=money,
        )
    for j, project in enumerate(projects):
        if j in notes:
            continue
        have = run.money_at_end.get(j) if project.cost > 0 or votes[j] == 0 else None
        why = _not_bought(project.cost, votes[j], have)
        notes[j] = Explanation(
            project.id,
            False,
            project.cost,
            votes=votes[j],
            points=points(j),
            supporters_money=have,
            why=(why,),
            money=money,
        )
    return notes


def _bought(uniform: bool, have: Number, cost: Number, share: Number) -> Reason:
    amounts = {"have": have, "cost": cost, "share": share}
    if uniform:
        return reason(
            N_(
                "Selected: its supporters had %(have)s left between them and it cost "
                "%(cost)s, so they could buy it; each of them paid at most %(share)s."
            ),
            amounts,
        )
    return reason(
        N_(
            "Selected: its supporters had %(have)s left between them and it cost "
            "%(cost)s, so they could buy it; each paid at most %(share)s for every "
            "point they gave it."
        ),
        amounts,
    )


def _not_bought(cost: Number, votes: int, have: Number | None) -> Reason:
    """``have``: what its supporters had left at the end (None: nobody voted for it)."""
    if cost == 0 and votes > 0:
        return reason(
            N_(
                "Not selected: Equal Shares weighs support by cost, so a project that "
                "costs nothing is left for a top-up."
            )
        )
    if have is not None:
        return reason(
            N_("Not selected: its supporters had %(have)s left between them and it cost %(cost)s."),
            {"have": have, "cost": cost},
        )
    return reason(N_("Not selected: nobody voted for it."))


def explain_top_up(
    notes: dict[int, Explanation],
    extra: list[int],
    top_up: dict[int, Explanation],
    money: MoneyFormat,
) -> None:
    """Add what a greedy top-up said to ``notes``: the projects it selected (``extra``) take
    its explanations, and those that still did not fit get a second sentence."""
    for j in extra:
        notes[j] = top_up[j]
    for j, note in top_up.items():
        if not note.selected:
            left = note.money_left if note.money_left is not None else 0
            also = reason(
                N_("In the top-up it did not fit in the money left either: %(left)s was left."),
                {"left": left},
            )
            notes[j] = Explanation(
                note.project_id,
                False,
                note.cost,
                votes=note.votes,
                points=note.points,
                money_left=note.money_left,
                supporters_money=notes[j].supporters_money,
                stage="top-up",
                why=(*notes[j].why, also),
                money=money,
            )
