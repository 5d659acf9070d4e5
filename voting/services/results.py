"""Counting a vote by its rule, with every project's explanation; the results, the
anonymised ballot file anyone can count again, and the awards written back to the
applications through giving's workflow."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from giving.errors import DomainError
from giving.models import Round
from giving.services import find_one, transition
from giving.timeutil import format_date, format_datetime, to_london, utcnow
from giving.workflow import State
from voting.models import (
    Ballot,
    BallotChoice,
    BallotKind,
    Vote,
    VoteKind,
    VoteOption,
    VoterRecord,
)
from voting.rules import Ballot as RuleBallot
from voting.rules import (
    Election,
    Lottery,
    Outcome,
    Project,
    amount_for_json,
    count,
    pounds_from_pence,
    write_pabulib,
)
from voting.services.ballots import ballot_count
from voting.workflow import VoteStatus


def _project(option: VoteOption) -> Project:
    application = option.application
    name = application.group.name + (f": {application.title}" if application.title else "")
    return Project(option.project_id, option.cost_pence, name=name)


def election_for(session: Session, vote: Vote) -> Election:
    """The vote as plain data: projects, budget and the anonymised ballots (voter id = the
    ballot's receipt code), in receipt order."""
    by_option = {o.id: o.project_id for o in vote.options}
    ballots = session.scalars(
        select(Ballot).where(Ballot.vote_id == vote.id).order_by(Ballot.receipt)
    ).all()
    choices: dict[str, list[BallotChoice]] = defaultdict(list)
    for choice in session.scalars(
        select(BallotChoice)
        .join(Ballot, Ballot.id == BallotChoice.ballot_id)
        .where(Ballot.vote_id == vote.id)
    ):
        choices[choice.ballot_id].append(choice)
    rule_ballots = []
    cumulative = vote.ballot_kind == BallotKind.CUMULATIVE
    for ballot in ballots:
        mine = sorted(choices[ballot.id], key=lambda c: c.option_id)
        ids = tuple(by_option[c.option_id] for c in mine)
        points = tuple(c.points for c in mine) if cumulative else None
        rule_ballots.append(RuleBallot(ids, points, voter_id=ballot.receipt))
    round_ = vote.round
    return Election(
        projects=[_project(o) for o in vote.options],
        budget=vote.budget_pence,
        ballots=rule_ballots,
        vote_type=vote.ballot_kind.vote_type,
        meta={
            "description": f"{round_.title}: {vote.kind.value} vote",
            "country": "United Kingdom",
            "unit": round_.place.name,
            "instance": f"placefund-vote-{vote.id}",
            "currency": "GBP (pence)",
            "ballot": vote.ballot_kind.value,
        },
    )


def count_vote(
    session: Session, vote: Vote, rule: str | None = None, seed: str | None = None
) -> Outcome:
    """Count the vote's ballots with its rule and its published lottery seed (or others)."""
    return count(
        election_for(session, vote),
        rule or vote.rule,
        tie_break=Lottery(seed if seed is not None else vote.tie_break_seed),
        money=pounds_from_pence,
    )


def outcome_json(outcome: Outcome, ballots: int) -> dict[str, Any]:
    return {
        "rule": outcome.rule,
        "selected": list(outcome.selected),
        "total_cost": amount_for_json(outcome.total_cost),
        "budget": amount_for_json(outcome.budget),
        "tie_break": outcome.tie_break,
        "ballots": ballots,
        "explanations": {
            e.project_id: {
                "selected": e.selected,
                "reason": e.reason,
                "votes": e.votes,
                "points": amount_for_json(e.points) if e.points is not None else None,
                "round": e.round,
            }
            for e in outcome.explanations
        },
    }


def count_into(session: Session, vote: Vote) -> dict[str, Any]:
    """Count the vote and keep the outcome on it; the outcome."""
    outcome = count_vote(session, vote)
    vote.outcome = outcome_json(outcome, ballot_count(session, vote))
    vote.counted_at = utcnow()
    session.flush()
    return vote.outcome


def ballot_file(session: Session, vote: Vote) -> str:
    """The anonymised ballots as a Pabulib ``.pb`` file, with the rule and the seed, so anyone
    can count them again."""
    if vote.status not in (VoteStatus.COUNTED, VoteStatus.AWARDED):
        raise DomainError(_("The ballots are published once the vote is counted."))
    return write_pabulib(
        election_for(session, vote), rule=vote.rule, tie_break=Lottery(vote.tie_break_seed)
    )


@dataclass
class ResultRow:
    option: VoteOption
    selected: bool
    votes: int
    points: Any
    reason: str
    order: int | None

    @property
    def amount(self) -> int | None:
        return self.option.cost_pence if self.selected else None


def result_rows(vote: Vote) -> list[ResultRow]:
    """Every project with what happened to it and why: the funded ones first, in the order
    they were chosen, then the rest by votes."""
    if not vote.outcome:
        return []
    explanations = vote.outcome["explanations"]
    rows = []
    for option in vote.options:
        item = explanations.get(option.project_id, {})
        rows.append(
            ResultRow(
                option=option,
                selected=bool(item.get("selected")),
                votes=int(item.get("votes") or 0),
                points=item.get("points"),
                reason=item.get("reason", ""),
                order=item.get("round"),
            )
        )
    return sorted(rows, key=lambda r: (not r.selected, r.order or 0, -r.votes, r.option.position))


def decide_from_count(session: Session, vote: Vote) -> list[str]:
    """The count is the decision: the chosen applications are given their cost and the
    others are told why, through giving's workflow as the system, at the moment of the
    count. Applications already decided (an override with a published reason) keep their
    decision. What could not be done, in lines for the audit."""
    who = _("the panel's vote") if vote.kind == VoteKind.PANEL else _("the public vote")
    problems = []
    for row in result_rows(vote):
        application = row.option.application
        if application.state not in (State.SHORTLISTED, State.IN_REVIEW):
            continue
        try:
            if row.selected:
                transition(
                    session, None, application, "award", award_pence=row.amount, as_system=True
                )
            else:
                feedback = _(
                    "Your application was not chosen in %(who)s. %(reason)s",
                    who=who,
                    reason=row.reason,
                )
                transition(session, None, application, "decline", feedback=feedback, as_system=True)
        except DomainError as refused:
            # Say, money the round no longer has after an override: the fund's team decides
            # what happens next, by a published override.
            problems.append(f"{application.group.name}: {refused}")
    return problems


def ballots_by_way(session: Session, vote: Vote) -> tuple[int, int]:
    """How many ballots came from residents' accounts (verified, in a public vote; the
    panel's members, in a panel vote) and how many from voting codes, in one query."""
    accounts, codes = session.execute(
        select(func.count(VoterRecord.user_id), func.count(VoterRecord.voting_code_id)).where(
            VoterRecord.vote_id == vote.id
        )
    ).one()
    return int(accounts), int(codes)


# The fund's team confirms the grants a count decided within this many days of the count.
CONFIRM_WITHIN_DAYS = 7


def confirm_by(vote: Vote) -> dt.date | None:
    """The London day by which the fund's team confirms the grants the count decided."""
    if vote.counted_at is None:
        return None
    return to_london(vote.counted_at).date() + dt.timedelta(days=CONFIRM_WITHIN_DAYS)


def vote_note(vote: Vote) -> str | None:
    """One sentence on where the vote stands, the same wherever the round's results are."""
    which = _("The panel's vote") if vote.kind == VoteKind.PANEL else _("The public vote")
    if vote.status == VoteStatus.OPEN:
        return _(
            "%(which)s is open until %(when)s. Nothing is decided until it is counted.",
            which=which,
            when=format_datetime(vote.closes_at),
        )
    if vote.status == VoteStatus.COUNTED:
        return _(
            "%(which)s was counted on %(counted)s, and the count is the decision. The fund's "
            "team confirms the grants by %(due)s.",
            which=which,
            counted=format_date(vote.counted_at),
            due=format_date(confirm_by(vote)),
        )
    if vote.status == VoteStatus.AWARDED:
        return _(
            "%(which)s was counted on %(counted)s, and the count is the decision. The fund's "
            "team confirmed the grants on %(confirmed)s.",
            which=which,
            counted=format_date(vote.counted_at),
            confirmed=format_date(vote.awarded_at),
        )
    return None


def round_notes(session: Session, rounds: list[Round]) -> dict[int, list[str]]:
    """Giving's ``round_notes`` hook: how each round's votes stand, for its results wherever
    they are shown (the round's and the place's results, the results index, the API and
    the groups' timelines); one query for all the rounds."""
    notes: dict[int, list[str]] = defaultdict(list)
    votes = session.scalars(
        select(Vote).where(Vote.round_id.in_([r.id for r in rounds])).order_by(Vote.id)
    )
    for vote in votes:
        note = vote_note(vote)
        if note:
            notes[vote.round_id].append(note)
    return notes


def ballot_by_receipt(session: Session, vote: Vote, receipt: str) -> list[tuple[VoteOption, int]]:
    """What a published ballot chose (the same as its line in the ballot file), found by the
    receipt code its voter was given. Empty when there is no such ballot in this vote."""
    code = "".join(ch for ch in receipt.upper() if ch.isalnum())
    ballot = find_one(session, Ballot, vote_id=vote.id, receipt=code)
    if ballot is None:
        return []
    return [(choice.option, choice.points) for choice in ballot.choices]
