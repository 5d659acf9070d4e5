"""Setting up a round's votes and moving them on.

A round's panel votes on its shortlist, or everyone who lives in the place does (a public
vote), or both. A vote's options are the round's shortlisted applications, fixed when it
opens. Its settings freeze once the first ballot is in. Every move (open, close and count,
award) goes through giving's one checked step; the scheduled job :func:`close_due_votes`
closes and counts each vote whose closing time has passed.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Callable
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from giving.errors import DomainError
from giving.models import Application, DecisionMethod, Round, User
from giving.moves import Move
from giving.progress import Progress, quietly
from giving.services import audit, find_one, total_of
from giving.services.workflow import step
from giving.timeutil import utcnow
from giving.workflow import State
from voting.models import MOST_RANKED, BallotKind, Vote, VoteKind, VoteOption, WhoMayVote
from voting.permissions import require_staff
from voting.rules import POINTS_RULES, RANKED_RULES, RULES, pounds_from_pence
from voting.services.ballots import is_frozen, lock_vote
from voting.services.results import count_into, decide_from_count
from voting.workflow import SYSTEM, VOTE, VoteStatus

DEFAULT_RULES = {VoteKind.PANEL: "greedy_votes", VoteKind.PUBLIC: "mes_cost_add1_greedy"}


def vote_kinds_for(round_: Round) -> list[VoteKind]:
    """The votes a round's decision method allows."""
    return {
        DecisionMethod.PANEL: [VoteKind.PANEL],
        DecisionMethod.PUBLIC: [VoteKind.PUBLIC],
        DecisionMethod.BOTH: [VoteKind.PANEL, VoteKind.PUBLIC],
        DecisionMethod.STAFF: [],
    }[round_.decision_method]


def deciding_kind(round_: Round) -> VoteKind | None:
    """The vote whose count decides the round: the panel's where the panel decides, the
    public's where everyone votes (after the panel's shortlist, in a round decided by both).
    None where the fund's team decides."""
    return {
        DecisionMethod.PANEL: VoteKind.PANEL,
        DecisionMethod.PUBLIC: VoteKind.PUBLIC,
        DecisionMethod.BOTH: VoteKind.PUBLIC,
        DecisionMethod.STAFF: None,
    }[round_.decision_method]


def votes_for_round(session: Session, round_: Round) -> list[Vote]:
    return list(session.scalars(select(Vote).where(Vote.round_id == round_.id).order_by(Vote.id)))


def vote_of_kind(session: Session, round_: Round, kind: VoteKind) -> Vote | None:
    return find_one(session, Vote, round_id=round_.id, kind=kind)


def _awarded_elsewhere(session: Session, round_: Round, vote: Vote | None) -> int:
    """Money the round has already given, other than through this vote's options."""
    return total_of(
        session,
        Application.award_pence,
        Application.round_id == round_.id,
        Application.state == State.AWARDED,
    )


def new_seed() -> str:
    return str(secrets.randbelow(10**9) + 1)


def _check_settings(
    round_: Round,
    kind: VoteKind,
    rule: str,
    ballot_kind: BallotKind,
    opens_at: dt.datetime,
    closes_at: dt.datetime,
    points_total: int | None,
    max_choices: int | None = None,
) -> None:
    if round_.is_draft:
        raise DomainError(_("Open the round before you set up a vote."))
    if kind not in vote_kinds_for(round_):
        raise DomainError(_("This round is not decided by this kind of vote."))
    if rule not in RULES:
        raise DomainError(_("Choose how the votes are counted."), field="rule")
    if rule in POINTS_RULES and ballot_kind != BallotKind.CUMULATIVE:
        raise DomainError(
            _("This way of counting needs points: choose the points ballot."), field="rule"
        )
    if rule in RANKED_RULES and ballot_kind != BallotKind.RANKED:
        raise DomainError(
            _(
                "This way of counting needs rankings: choose the ballot that puts projects in "
                "order."
            ),
            field="rule",
        )
    if ballot_kind == BallotKind.RANKED and not 1 <= (max_choices or 0) <= MOST_RANKED:
        raise DomainError(
            _(
                "Say how many projects each person can put in order (1 to %(most)d).",
                most=MOST_RANKED,
            ),
            field="max_choices",
        )
    if closes_at <= opens_at:
        raise DomainError(_("The vote must close after it opens."), field="closes_on")
    if closes_at <= utcnow():
        raise DomainError(_("The closing time must be in the future."), field="closes_on")
    if ballot_kind == BallotKind.CUMULATIVE and (not points_total or not 1 <= points_total <= 1000):
        raise DomainError(
            _("Say how many points each voter shares out (1 to 1,000)."),
            field="points_total",
        )


def _check_budget(
    session: Session, round_: Round, vote: Vote | None, budget_pence: int | None
) -> int:
    """The vote's budget: what was asked for, or all the round has left."""
    if vote is not None:
        if vote.status not in (VoteStatus.DRAFT, VoteStatus.OPEN):
            raise DomainError(_("This vote has closed, so it cannot be changed."))
        if is_frozen(session, vote):
            raise DomainError(_("People have voted already, so the vote's settings cannot change."))
    left = round_.budget_pence - _awarded_elsewhere(session, round_, vote)
    budget = budget_pence if budget_pence is not None else left
    if budget <= 0:
        raise DomainError(_("There is no money left in this round to vote on."))
    if budget > left:
        raise DomainError(
            _("Only %(left)s of the round's money is left.", left=pounds_from_pence(left)),
            field="budget_pence",
        )
    return budget


def save_vote(
    session: Session,
    actor: User,
    round_: Round,
    kind: VoteKind | str,
    *,
    rule: str,
    ballot_kind: BallotKind | str,
    opens_at: dt.datetime,
    closes_at: dt.datetime,
    max_choices: int | None = None,
    points_total: int | None = None,
    tie_break_seed: str | None = None,
    budget_pence: int | None = None,
    who_may_vote: WhoMayVote | str | None = None,
) -> Vote:
    """Set up a round's vote, or change it until the first ballot is in. ``who_may_vote``
    is for a public vote (verified residents when not given); a panel vote ignores it."""
    require_staff(session, actor, round_.place)
    kind = VoteKind(kind)
    if who_may_vote is not None and who_may_vote not in set(WhoMayVote):
        raise DomainError(_("Choose who can vote."), field="who_may_vote")
    ballot_kind = BallotKind(ballot_kind)
    _check_settings(round_, kind, rule, ballot_kind, opens_at, closes_at, points_total, max_choices)
    if ballot_kind != BallotKind.CUMULATIVE:
        points_total = None
    if ballot_kind not in (BallotKind.APPROVAL, BallotKind.RANKED):
        max_choices = None
    seed = (tie_break_seed or "").strip() or None
    vote = vote_of_kind(session, round_, kind)
    budget = _check_budget(session, round_, vote, budget_pence)
    if vote is None:
        vote = Vote(round=round_, kind=kind, created_by_id=actor.id)
        session.add(vote)
    vote.rule = rule
    vote.ballot_kind = ballot_kind
    vote.max_choices = max_choices
    vote.points_total = points_total
    vote.opens_at = opens_at
    vote.closes_at = closes_at
    vote.budget_pence = budget
    vote.tie_break_seed = seed or vote.tie_break_seed or new_seed()
    if kind == VoteKind.PUBLIC and who_may_vote is not None:
        vote.who_may_vote = WhoMayVote(who_may_vote)
    session.flush()
    if vote.status == VoteStatus.OPEN:
        _fix_options(session, vote)
    audit(
        session,
        actor,
        "vote.save",
        vote,
        f"Set up the {kind.value} vote for {round_.title}",
        place=round_.place,
        rule=rule,
        ballot_kind=ballot_kind.value,
        seed=vote.tie_break_seed,
        who_may_vote=vote.who_may_vote.value if kind == VoteKind.PUBLIC else None,
    )
    return vote


def _fix_options(session: Session, vote: Vote) -> None:
    """Put the round's shortlist on the ballot, with the cost used to count each one."""
    round_ = vote.round
    shortlisted = session.scalars(
        select(Application)
        .where(Application.round_id == round_.id, Application.state == State.SHORTLISTED)
        .order_by(Application.id)
    ).all()
    if not shortlisted:
        raise DomainError(_("Put at least one application on the shortlist first."))
    vote.options.clear()
    session.flush()
    for position, application in enumerate(shortlisted, start=1):
        cost = min(
            application.amount_requested_pence or round_.max_grant_pence, round_.max_grant_pence
        )
        vote.options.append(VoteOption(application=application, position=position, cost_pence=cost))
    session.flush()


def _step(
    session: Session,
    actor: User | None,
    vote: Vote,
    action: str,
    actors: set[str],
    summary: Callable[[Move], str],
    *,
    check: Callable[[Move], None] | None = None,
    apply: Callable[[Move], dict[str, Any] | None] | None = None,
    details: dict[str, Any] | None = None,
) -> None:
    step(
        session,
        actor,
        vote,
        VOTE,
        action,
        actors,
        place=vote.round.place,
        summary=summary,
        check=check,
        apply=apply,
        details=details,
    )


def move_vote(
    session: Session,
    actor: User | None,
    vote: Vote,
    action: str,
    *,
    as_system: bool = False,
    progress: Progress = quietly,
) -> Vote:
    """Move a vote on (open, close and count, confirm): the one function that does it.

    Staff of the round's place move it; ``as_system`` is the scheduled close and count. A
    close is always followed by the count, made by the system, and the count is the
    decision: it gives the chosen applications money and tells the others why. Confirming
    the grants afterwards changes no decision. ``progress`` hears how many ballots the
    count has read."""
    actors = {SYSTEM} if as_system else require_staff(session, actor, vote.round.place)
    if action == "close":
        lock_vote(session, vote)  # wait for ballots being cast now, and stop new ones
    now = utcnow()
    name = f"{vote.kind.value} vote for {vote.round.title}"

    def check(move: Move) -> None:
        if action == "open" and vote.closes_at <= now:
            raise DomainError(_("The closing time has passed. Change it first."))

    def apply(move: Move) -> None:
        if action == "open":
            _fix_options(session, vote)
        elif action == "confirm":
            vote.awarded_at = now
        elif action == "close":
            vote.closed_at = now

    _step(
        session,
        actor,
        vote,
        action,
        actors,
        lambda move: f"The {name}: {move.target.label}",
        check=check,
        apply=apply,
        details={"by": "system"} if as_system else None,
    )
    if action == "close":
        _step(
            session,
            actor,
            vote,
            "count",
            {SYSTEM},
            lambda move: f"Counted the {name}",
            apply=lambda move: _count_and_decide(session, vote, progress),
        )
    return vote


def _count_and_decide(session: Session, vote: Vote, progress: Progress) -> dict[str, Any]:
    ballots = count_into(session, vote, progress)["ballots"]
    if vote.kind != deciding_kind(vote.round):
        return {"ballots": ballots}
    problems = decide_from_count(session, vote)
    return {"ballots": ballots, "not_done": problems} if problems else {"ballots": ballots}


def close_if_due(session: Session, vote: Vote, now: dt.datetime) -> bool:
    """Close and count a vote whose closing time has passed; True when it did."""
    if vote.status != VoteStatus.OPEN or now < vote.closes_at:
        return False
    # Two runs at once: the second waits, then finds it closed already.
    lock_vote(session, vote)
    if vote.status != VoteStatus.OPEN:
        return False
    move_vote(session, None, vote, "close", as_system=True)
    return True


def close_due_votes(session: Session, now: dt.datetime) -> list[str]:
    """The scheduled job (``flask tick``): close and count every open vote whose closing
    time has passed. One line for each vote it closed."""
    due = session.scalars(
        select(Vote).where(Vote.status == VoteStatus.OPEN, Vote.closes_at <= now).order_by(Vote.id)
    ).all()
    lines = []
    for vote in due:
        if close_if_due(session, vote, now):
            ballots = vote.outcome["ballots"] if vote.outcome else 0
            lines.append(
                f"Closed and counted the {vote.kind.value} vote {vote.id} for "
                f"{vote.round.title} ({ballots} ballots)."
            )
    return lines
