"""Why Equal Shares selected each project or not, in words and in numbers."""

from __future__ import annotations

from typing import TYPE_CHECKING

from voting.rules.model import Election, Explanation, MoneyFormat, Number

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
        notes[j] = Explanation(
            projects[j].id,
            True,
            "Selected: it costs nothing and people gave it points.",
            0,
            votes=votes[j],
            points=points(j),
            round=round_no,
        )
    for item in run.bought:
        round_no += 1
        j = item.project
        cost = projects[j].cost
        if inp.uniform:
            each = f"each of them paid at most {money(item.share)}"
        else:
            each = f"each paid at most {money(item.share)} for every point they gave it"
        notes[j] = Explanation(
            projects[j].id,
            True,
            f"Selected: its supporters had {money(item.available)} left between them and it "
            f"cost {money(cost)}, so they could buy it; {each}.",
            cost,
            votes=votes[j],
            points=points(j),
            supporters_money=item.available,
            share=item.share,
            round=round_no,
        )
    for j, project in enumerate(projects):
        if j in notes:
            continue
        if project.cost == 0 and votes[j] > 0:
            have = None
            reason = (
                "Not selected: Equal Shares weighs support by cost, so a project that costs "
                "nothing is left for a top-up."
            )
        elif j in run.money_at_end:
            have = run.money_at_end[j]
            reason = (
                f"Not selected: its supporters had {money(have)} left between them and it "
                f"cost {money(project.cost)}."
            )
        else:
            have = None
            reason = "Not selected: nobody voted for it."
        notes[j] = Explanation(
            project.id,
            False,
            reason,
            project.cost,
            votes=votes[j],
            points=points(j),
            supporters_money=have,
        )
    return notes


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
            notes[j] = Explanation(
                note.project_id,
                False,
                f"{notes[j].reason} In the top-up it did not fit in the money left "
                f"either: {money(left)} was left.",
                note.cost,
                votes=note.votes,
                points=note.points,
                money_left=note.money_left,
                supporters_money=notes[j].supporters_money,
                stage="top-up",
            )
