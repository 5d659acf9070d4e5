"""Counting a vote by its rule, with every project's explanation; the results, the
anonymised ballot file anyone can count again (written once, when the vote is counted, and
kept), and the awards written back to the applications through giving's workflow.

The ballots are read as columns (:mod:`voting.services.ballot_reading`): each different
ballot once, and which one each voter cast, so a vote of 100,000 ballots is read and counted
without an object per ballot or per choice."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import delete, func, insert, select
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from giving.errors import DomainError
from giving.models import Application, Group, Place, Round
from giving.progress import Progress, quietly
from giving.services import find_one, transition
from giving.startup import collector_paused
from giving.timeutil import format_date, format_datetime, to_london, utcnow
from giving.workflow import State
from voting.models import (
    Ballot,
    BallotFile,
    BallotKind,
    Vote,
    VoteKind,
    VoteOption,
    VoterRecord,
    clean_receipt,
    receipt_hash,
)
from voting.reason_words import reader_language, shown_reason
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
from voting.rules.reasons import reasons_json
from voting.workflow import VoteStatus

# Ballots are read from the database this many at a time.
CHUNK_ROWS = 20_000

Reader = Session | Connection
"""A session, or a bare connection (in a migration)."""


def _read_ballots(*args: Any, **kwargs: Any) -> Any:
    """The ballots as columns; numpy, which reads them, loads only when a vote is counted."""
    from voting.services.ballot_reading import read_ballots

    return read_ballots(*args, **kwargs)


def _election_facts(session: Reader, vote_id: int) -> tuple[Any, list[Project], dict[int, str]]:
    """The vote's settings, its projects in ballot order, and each option's project id, read
    as columns."""
    facts = session.execute(
        select(
            Vote.kind,
            Vote.ballot_kind,
            Vote.max_choices,
            Vote.budget_pence,
            Round.title,
            Place.name.label("place_name"),
        )
        .join(Round, Round.id == Vote.round_id)
        .join(Place, Place.id == Round.place_id)
        .where(Vote.id == vote_id)
    ).one()
    options = session.execute(
        select(VoteOption.id, VoteOption.application_id, VoteOption.cost_pence)
        .add_columns(Application.title, Group.name)
        .join(Application, Application.id == VoteOption.application_id)
        .join(Group, Group.id == Application.group_id)
        .where(VoteOption.vote_id == vote_id)
        .order_by(VoteOption.position, VoteOption.id)
    ).all()
    projects = [
        Project(str(application_id), cost, name=group + (f": {title}" if title else ""))
        for _id, application_id, cost, title, group in options
    ]
    return facts, projects, {row[0]: str(row[1]) for row in options}


def election_for(session: Session, vote: Vote, progress: Progress = quietly) -> Election:
    """The vote as plain data: projects, budget and the anonymised ballots (voter id = the
    ballot's label, the start of its receipt code's hash), in label order. ``progress``
    hears how many ballots are read."""
    return election_of(session, vote.id, progress)


def election_of(session: Reader, vote_id: int, progress: Progress = quietly) -> Election:
    """:func:`election_for` by the vote's id. It reads named columns only, never whole rows,
    so it works in a migration too, on the migration's connection."""
    facts, projects, by_option = _election_facts(session, vote_id)
    ballot_kind = BallotKind(facts.ballot_kind)
    cumulative = ballot_kind == BallotKind.CUMULATIVE
    ranked = ballot_kind == BallotKind.RANKED
    meta = {
        "description": f"{facts.title}: {VoteKind(facts.kind).value} vote",
        "country": "United Kingdom",
        "unit": facts.place_name,
        "instance": f"placefund-vote-{vote_id}",
        "currency": "GBP (pence)",
        "ballot": ballot_kind.value,
    }
    if ranked:
        # How many projects a ballot could rank: a first choice is worth this many points.
        meta["max_length"] = str(facts.max_choices or 1)
    return Election(
        projects=projects,
        budget=facts.budget_pence,
        ballots=_read_ballots(
            session, vote_id, by_option, progress, CHUNK_ROWS, points=cumulative, ranked=ranked
        ),
        vote_type=ballot_kind.vote_type,
        meta=meta,
    )


def count_vote(
    session: Session,
    vote: Vote,
    rule: str | None = None,
    seed: str | None = None,
    progress: Progress = quietly,
) -> Outcome:
    """Count the vote's ballots with its rule and its published lottery seed (or others).
    ``progress`` hears how many of the ballots have been read."""
    with collector_paused():
        return _count(election_for(session, vote, progress), vote, rule, seed)


def count_and_keep_file(
    session: Session,
    vote: Vote,
    rule: str | None = None,
    seed: str | None = None,
    progress: Progress = quietly,
) -> Outcome:
    """:func:`count_vote`; and a counted vote whose ballot file was never kept (say, its
    ballots were loaded by hand) gets it kept now, from the same reading of the ballots."""
    with collector_paused():
        election = election_for(session, vote, progress)
        if vote.status in (VoteStatus.COUNTED, VoteStatus.AWARDED) and not _kept(session, vote.id):
            keep_ballot_file(
                session, vote.id, write_ballot_file(election, vote.rule, vote.tie_break_seed)
            )
        return _count(election, vote, rule, seed)


def _kept(session: Session, vote_id: int) -> bool:
    found = session.scalar(select(BallotFile.etag).where(BallotFile.vote_id == vote_id))
    return found is not None


def _count(election: Election, vote: Vote, rule: str | None, seed: str | None) -> Outcome:
    return count(
        election,
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
                "why": reasons_json(e.why),
                "votes": e.votes,
                "points": amount_for_json(e.points) if e.points is not None else None,
                "round": e.round,
            }
            for e in outcome.explanations
        },
    }


def count_into(session: Session, vote: Vote, progress: Progress = quietly) -> dict[str, Any]:
    """Count the vote and keep the outcome on it, with the ballot file anyone can count
    again (written now, once); the outcome. ``progress`` hears how many ballots are read."""
    with collector_paused():
        election = election_for(session, vote, progress)
        outcome = _count(election, vote, None, None)
        content = write_ballot_file(election, vote.rule, vote.tie_break_seed)
    vote.outcome = outcome_json(outcome, len(election.ballots))
    vote.counted_at = utcnow()
    keep_ballot_file(session, vote.id, content)
    session.flush()
    return vote.outcome


def write_ballot_file(election: Election, rule: str, seed: str) -> bytes:
    """The anonymised ballots as a Pabulib ``.pb`` file, with the rule and the seed, so anyone
    can count them again."""
    return write_pabulib(election, rule=rule, tie_break=Lottery(seed)).encode("utf-8")


def keep_ballot_file(session: Reader, vote_id: int, content: bytes) -> None:
    """Keep the vote's ballot file (replacing any kept before), with its ETag."""
    etag = hashlib.sha256(content).hexdigest()
    session.execute(delete(BallotFile).where(BallotFile.vote_id == vote_id))
    session.execute(
        insert(BallotFile).values(vote_id=vote_id, etag=etag, content=content, created_at=utcnow())
    )


@dataclass(frozen=True)
class PublishedFile:
    """A vote's ballot file: its ETag, and its bytes, read only when asked for."""

    etag: str
    read: Callable[[], bytes]


def ballot_file(session: Session, vote: Vote) -> PublishedFile:
    """The vote's published ballot file, as kept when it was counted. A vote counted before
    files were kept gets one built from its ballots (the same bytes), which is not kept:
    the migration that added kept files wrote them for the votes counted before it."""
    if vote.status not in (VoteStatus.COUNTED, VoteStatus.AWARDED):
        raise DomainError(_("The ballots are published once the vote is counted."))
    etag = session.scalar(select(BallotFile.etag).where(BallotFile.vote_id == vote.id))
    if etag is not None:
        # The bytes are read only when sent (not for a 304).
        query = select(BallotFile.content).where(BallotFile.vote_id == vote.id)
        return PublishedFile(etag, lambda: bytes(session.scalar(query) or b""))
    content = write_ballot_file(election_for(session, vote), vote.rule, vote.tie_break_seed)
    return PublishedFile(hashlib.sha256(content).hexdigest(), lambda: content)


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
    """Every project with what happened to it and why (in the reader's language): the funded
    ones first, in the order they were chosen, then the rest by votes."""
    if not vote.outcome:
        return []
    explanations = vote.outcome["explanations"]
    language = reader_language()
    rows = []
    for option in vote.options:
        item = explanations.get(option.project_id, {})
        rows.append(
            ResultRow(
                option=option,
                selected=bool(item.get("selected")),
                votes=int(item.get("votes") or 0),
                points=item.get("points"),
                reason=shown_reason(item, language),
                order=item.get("round"),
            )
        )
    return sorted(rows, key=lambda r: (not r.selected, r.order or 0, -r.votes, r.option.position))


def decide_from_count(session: Session, vote: Vote) -> list[str]:
    """The count is the decision: the chosen applications are given their cost and the
    others are told why, through giving's workflow as the system, at the moment of the
    count. Applications already decided (an override with a published reason) keep their
    decision. What could not be done, in lines for the audit.

    The reasons are kept in English, as every stored record is, whoever's page or job made
    the count happen."""
    with force_locale("en_GB"):
        who = _("the panel's vote") if vote.kind == VoteKind.PANEL else _("the public vote")
        rows = result_rows(vote)
        feedback = {
            row.option.id: _(
                "Your application was not chosen in %(who)s. %(reason)s",
                who=who,
                reason=row.reason,
            )
            for row in rows
            if not row.selected
        }
    problems = []
    for row in rows:
        application = row.option.application
        if application.state not in (State.SHORTLISTED, State.IN_REVIEW):
            continue
        try:
            if row.selected:
                transition(
                    session, None, application, "award", award_pence=row.amount, as_system=True
                )
            else:
                transition(
                    session,
                    None,
                    application,
                    "decline",
                    feedback=feedback[row.option.id],
                    as_system=True,
                )
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
    receipt code its voter was given (by its hash: the code itself is not kept). Empty when
    there is no such ballot in this vote."""
    if not clean_receipt(receipt):
        return []
    ballot = find_one(session, Ballot, vote_id=vote.id, receipt_hash=receipt_hash(receipt))
    if ballot is None:
        return []
    chosen = [(choice.option, choice.points) for choice in ballot.choices]
    if vote.ballot_kind == BallotKind.RANKED:
        # A ranked ballot's points are its places in the order: first choice first.
        chosen.sort(key=lambda pair: pair[1])
    return chosen
