"""Scaleford's public vote for ``flask demo scale``: the shortlist of the giving loader's vote
round on the ballot, voting codes for the voters, their ballots, and then the close and
count through :func:`voting.services.move_vote`, as ``flask tick`` does it, so the count
decides the round."""

from __future__ import annotations

import datetime as dt
import secrets
from typing import Any

from sqlalchemy import insert
from sqlalchemy.orm import Session

from giving.scale import Scale
from giving.timeutil import utcnow
from voting import services
from voting.models import (
    Ballot,
    BallotChoice,
    BallotKind,
    Vote,
    VoteKind,
    VoteOption,
    VoterRecord,
    VotingCode,
    WhoMayVote,
    new_receipt,
    receipt_hash,
)
from voting.services.ballots import keyed_hash
from voting.workflow import VoteStatus

SEED = "20261201"


def load(session: Session, scale: Scale) -> None:
    """The vote, its ballots and its count."""
    made, ballots = scale.made, scale.sizes.ballots
    shortlist: list[tuple[int, int]] = made["shortlist"]
    scale.expect(len(shortlist) + ballots * 4)  # codes, voters, ballots, the count
    now = utcnow()
    costs = [min(requested, 1_000_000) for _id, requested in shortlist]
    # Enough money for about half of what is asked, so the count has to choose.
    budget = max(max(costs), sum(costs) // 2)
    vote_id = session.scalars(
        insert(Vote).returning(Vote.id),
        [
            {
                "round_id": made["vote_round_id"],
                "kind": VoteKind.PUBLIC,
                "status": VoteStatus.OPEN,
                "rule": "mes_cost_add1_greedy",
                "ballot_kind": BallotKind.APPROVAL,
                "who_may_vote": WhoMayVote.BOTH,
                "budget_pence": budget,
                "tie_break_seed": SEED,
                "opens_at": now - dt.timedelta(days=14),
                "closes_at": now - dt.timedelta(hours=1),
                "created_by_id": made["manager_id"],
            }
        ],
    ).one()
    option_ids = scale.insert_ids(
        session,
        VoteOption,
        [
            {"vote_id": vote_id, "application_id": a, "position": n, "cost_pence": cost}
            for n, ((a, _requested), cost) in enumerate(zip(shortlist, costs, strict=True), start=1)
        ],
    )
    made.update(vote_id=vote_id)
    with scale.stage("Voting codes and ballots"):
        _ballots(session, scale, vote_id, option_ids, now)
    with scale.stage("Closing and counting the vote"):
        vote = session.get(Vote, vote_id)
        assert vote is not None  # inserted just above
        services.move_vote(session, None, vote, "close", as_system=True)
        scale.advance(ballots)


def _ballots(
    session: Session, scale: Scale, vote_id: int, option_ids: list[int], now: dt.datetime
) -> None:
    """One voting code per voter, used once: its voter record (with the ward, for turnout)
    and its ballot, with one to five choices; some options are more popular than others."""
    rng, made, count = scale.rng, scale.made, scale.sizes.ballots
    wards: list[int] = made["ward_ids"]
    codes = [
        {
            "vote_id": vote_id,
            "code_hash": keyed_hash(f"scale-code:{vote_id}:{n}:{secrets.token_hex(8)}"),
            "ward_id": wards[n % len(wards)],
            "issued_by_id": made["manager_id"],
            "issued_at": now - dt.timedelta(days=20),
            "used_at": now - dt.timedelta(days=rng.randint(1, 13)),
        }
        for n in range(count)
    ]
    code_ids = scale.insert_ids(session, VotingCode, codes)
    scale.insert(
        session,
        VoterRecord,
        [
            {
                "vote_id": vote_id,
                "voting_code_id": code_id,
                "ward_id": code["ward_id"],
                "voted_at": code["used_at"],
            }
            for code_id, code in zip(code_ids, codes, strict=True)
        ],
    )
    weights = [1.0 / (1 + n) ** 0.7 for n in range(len(option_ids))]
    receipts: set[str] = set()
    ballots: list[dict[str, Any]] = []
    choices: list[dict[str, Any]] = []
    for _code_id in code_ids:
        receipt = new_receipt()
        while receipt in receipts:
            receipt = new_receipt()
        receipts.add(receipt)
        ballot_id = secrets.token_hex(16)
        ballots.append(
            {
                "id": ballot_id,
                "vote_id": vote_id,
                "receipt_hash": receipt_hash(receipt),
                # Written below in a random order, all in one transaction: shuffled already.
                "mixed": True,
            }
        )
        picks = set(rng.choices(option_ids, weights, k=rng.randint(1, min(5, len(option_ids)))))
        choices.extend({"ballot_id": ballot_id, "option_id": o, "points": 1} for o in picks)
    rng.shuffle(ballots)
    scale.insert(session, Ballot, ballots)
    scale.expect(len(choices))
    scale.insert(session, BallotChoice, choices)
