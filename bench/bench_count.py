"""How long counting a 100,000-ballot vote from the database takes, and how much memory it
needs, beside the targets (3 s, 200 MB) and the figures before counting loaded columns; and
how long the published ballot file takes to serve, first and second time.

Run: .venv/bin/python bench/bench_count.py [--ballots 100000] [--options 40]

The vote is built once, with bulk inserts, in a PostgreSQL database of its own
(``pf_bench_count`` on ``BENCH_PG``, default ``postgresql+psycopg://postgres@127.0.0.1:5432``)
and reused on later runs. Each measurement runs in a fresh process, so that its peak RSS
(``ru_maxrss``) is its own.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SERVER = os.environ.get("BENCH_PG", "postgresql+psycopg://postgres@127.0.0.1:5432")
DATABASE = "pf_bench_count"
TITLE = "Bench count"
TARGET_SECONDS = 3.0
TARGET_MB = 200.0
# Measured before counting loaded columns (issue 16): flask count --round, 100,000 ballots.
OLD_SECONDS = 26.0
OLD_MB = 596.0
OLD_FILE_SECONDS = "15-20"
APP_MB = 100


def _url() -> str:
    return f"{SERVER}/{DATABASE}"


def _ensure_database() -> None:
    import psycopg

    plain = SERVER.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(f"{plain}/postgres", autocommit=True) as conn:
        found = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (DATABASE,)).fetchone()
        if not found:
            conn.execute(f"CREATE DATABASE {DATABASE}")


def _app():
    from wsgi import create_app

    return create_app("test", SQLALCHEMY_DATABASE_URI=_url(), WTF_CSRF_ENABLED=False)


def _bench_vote_id(session, ballots: int) -> int | None:
    from sqlalchemy import func, select

    from giving.models import Round
    from voting.models import Ballot, Vote

    vote_id = session.scalar(
        select(Vote.id).join(Round, Round.id == Vote.round_id).where(Round.title == TITLE)
    )
    if vote_id is None:
        return None
    have = session.scalar(select(func.count()).select_from(Ballot).where(Ballot.vote_id == vote_id))
    return vote_id if have == ballots else None


def _world(session, options: int):
    """A place, an open public round with ``options`` shortlisted applications, and its
    public vote, closed (ballots are added in bulk afterwards)."""
    from giving.models import (
        Application,
        DecisionMethod,
        Group,
        GroupKind,
        Place,
        Round,
        RoundStatus,
    )
    from giving.timeutil import utcnow
    from giving.workflow import State
    from voting.models import BallotKind, Vote, VoteKind, VoteOption, WhoMayVote
    from voting.workflow import VoteStatus

    now = utcnow()
    stamp = now.strftime("%Y%m%d%H%M%S")
    place = Place(slug=f"bench-{stamp}", name="Benchford", description="A place to measure.")
    round_ = Round(
        place=place,
        title=TITLE,
        description="Money for a very large public vote.",
        budget_pence=20_000_000,
        min_grant_pence=50_000,
        max_grant_pence=2_000_000,
        opens_at=now - dt.timedelta(days=30),
        closes_at=now - dt.timedelta(days=20),
        decision_date=(now + dt.timedelta(days=10)).date(),
        decision_method=DecisionMethod.PUBLIC,
        status=RoundStatus.DRAFT,
    )
    session.add(round_)
    session.flush()
    round_.status = RoundStatus.OPEN
    round_.opened_at = now - dt.timedelta(days=30)
    vote = Vote(
        round=round_,
        kind=VoteKind.PUBLIC,
        status=VoteStatus.CLOSED,
        rule="mes_cost_add1_greedy",
        ballot_kind=BallotKind.APPROVAL,
        who_may_vote=WhoMayVote.CODES,
        budget_pence=round_.budget_pence,
        tie_break_seed="2026",
        opens_at=now - dt.timedelta(days=10),
        closes_at=now - dt.timedelta(days=1),
        closed_at=now - dt.timedelta(days=1),
    )
    session.add(vote)
    for n in range(options):
        group = Group(
            place=place, name=f"Bench group {n}", kind=GroupKind.UNINCORPORATED, description=""
        )
        application = Application(
            round=round_,
            group=group,
            title=f"Project {n}",
            state=State.SHORTLISTED,
            amount_requested_pence=100_000 + (n * 48_611) % 1_900_000,
            submitted_at=now - dt.timedelta(days=25),
        )
        vote.options.append(
            VoteOption(
                application=application,
                position=n + 1,
                cost_pence=application.amount_requested_pence,
            )
        )
    session.flush()
    return vote


def build(ballots: int, options: int) -> int:
    """The bench vote's id: built now unless the database has it already."""
    from flask_migrate import upgrade
    from sqlalchemy import insert, text

    from giving.extensions import db
    from voting.models import RECEIPT_ALPHABET, Ballot, BallotChoice, receipt_hash

    app = _app()
    with app.app_context():
        upgrade()
        found = _bench_vote_id(db.session, ballots)
        if found is not None:
            return found
        vote = _world(db.session, options)
        option_ids = [o.id for o in vote.options]
        # Some projects are far more popular than others, as in a real vote.
        weights = [1.0 / (1 + n) ** 0.7 for n in range(options)]
        rng = random.Random(16)
        receipts: set[str] = set()
        batch: list[dict] = []
        choices: list[dict] = []
        for n in range(ballots):
            receipt = "".join(rng.choices(RECEIPT_ALPHABET, k=10))
            while receipt in receipts:
                receipt = "".join(rng.choices(RECEIPT_ALPHABET, k=10))
            receipts.add(receipt)
            ballot_id = f"{rng.getrandbits(128):032x}"
            batch.append(
                {
                    "id": ballot_id,
                    "vote_id": vote.id,
                    "receipt_hash": receipt_hash(receipt),
                    "mixed": True,
                }
            )
            picked = set(rng.choices(option_ids, weights=weights, k=rng.randint(3, 7)))
            choices.extend({"ballot_id": ballot_id, "option_id": o, "points": 1} for o in picked)
            if len(batch) == 10_000 or n == ballots - 1:
                db.session.execute(insert(Ballot), batch)
                db.session.execute(insert(BallotChoice), choices)
                batch, choices = [], []
                print(f"  {n + 1:,} ballots", file=sys.stderr)
        db.session.commit()
        # As autovacuum would on a live server: statistics for the planner, and the
        # visibility map that lets the ballots be read from the index alone.
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE ballots, ballot_choices"))
        return vote.id


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def measure_count(vote_id: int, rule: str | None) -> dict:
    """Count the vote from the database as ``flask count --round`` does (``rule`` "read":
    only read the ballots into the rules' input)."""
    from giving.extensions import db
    from voting import services
    from voting.models import Vote

    app = _app()
    with app.app_context():
        vote = db.session.get(Vote, vote_id)
        before = _peak_mb()
        started, cpu = time.perf_counter(), time.process_time()
        if rule == "read":
            services.election_for(db.session, vote)
        else:
            rule = services.count_vote(db.session, vote, rule).rule
        seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    peak = _peak_mb()
    return {"rule": rule, "seconds": seconds, "cpu": cpu, "peak_mb": peak, "before_mb": before}


def measure_count_and_file(vote_id: int) -> dict:
    """Count the vote and keep its outcome and its ballot file, as closing a vote does."""
    from giving.extensions import db
    from voting import services
    from voting.models import Vote
    from voting.workflow import VoteStatus

    app = _app()
    with app.app_context():
        vote = db.session.get(Vote, vote_id)
        before = _peak_mb()
        started, cpu = time.perf_counter(), time.process_time()
        services.count_into(db.session, vote)
        seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
        vote.status = VoteStatus.COUNTED
        db.session.commit()
    return {"seconds": seconds, "cpu": cpu, "peak_mb": _peak_mb(), "before_mb": before}


def measure_file(vote_id: int) -> dict:
    """GET the ballot file twice, then once more with its ETag."""
    app = _app()
    client = app.test_client()
    url = f"/votes/{vote_id}/ballots.pb"
    times = []
    etag = None
    size = 0
    for _ in range(2):
        started = time.perf_counter()
        response = client.get(url)
        size = len(response.get_data())
        times.append(time.perf_counter() - started)
        assert response.status_code == 200, response.status_code
        etag = response.headers.get("ETag")
    started = time.perf_counter()
    response = client.get(url, headers={"If-None-Match": etag or ""})
    again = time.perf_counter() - started
    return {
        "first": times[0],
        "second": times[1],
        "not_modified": again,
        "status_not_modified": response.status_code,
        "bytes": size,
    }


def _run(*args: str) -> dict:
    out = subprocess.run(
        [sys.executable, __file__, *args],
        check=True,
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def _row(label: str, found: dict, target: str = "-", before: str = "-") -> None:
    print(
        f"{label:<48}{found['seconds']:>9.2f}{found['cpu']:>7.2f}{found['peak_mb']:>9.0f}"
        f"{target:>15}{before:>15}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ballots", type=int, default=100_000)
    parser.add_argument("--options", type=int, default=40)
    parser.add_argument("--one", help=argparse.SUPPRESS)
    parser.add_argument("--vote", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--rule", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one == "build":
        print(json.dumps({"vote": build(args.ballots, args.options)}))
        return
    if args.one == "count":
        print(json.dumps(measure_count(args.vote, args.rule)))
        return
    if args.one == "close":
        print(json.dumps(measure_count_and_file(args.vote)))
        return
    if args.one == "file":
        print(json.dumps(measure_file(args.vote)))
        return

    _ensure_database()
    started = time.perf_counter()
    vote = _run("--one", "build", "--ballots", str(args.ballots), "--options", str(args.options))
    vote_id = vote["vote"]
    print(f"Counting a vote of {args.ballots:,} approval ballots, {args.options} projects")
    print(
        f"(PostgreSQL database {DATABASE}, vote {vote_id}, ready in "
        f"{time.perf_counter() - started:.1f} s)"
    )
    print(
        "(seconds: wall clock, with the database; CPU s: this process only; peak MB: the\n"
        f"whole process, about {APP_MB} MB of it the app before it starts)"
    )
    print(f"{'':<48}{'seconds':>9}{'CPU s':>7}{'peak MB':>9}{'target':>15}{'before':>15}")
    target = f"{TARGET_SECONDS:.0f} s, {TARGET_MB:.0f} MB"
    old = f"{OLD_SECONDS:.0f} s, {OLD_MB:.0f} MB"
    for label, rule in (
        ("read the ballots only", "read"),
        ("count, greedy_votes", "greedy_votes"),
        ("count, the vote's own rule", None),
    ):
        extra = ["--rule", rule] if rule else []
        found = _run("--one", "count", "--vote", str(vote_id), *extra)
        if rule is None:
            label = f"{label} ({found['rule']})"
        _row(label, found, target, old if rule is None else "-")
    _row("count, keep outcome and file (own rule)", _run("--one", "close", "--vote", str(vote_id)))
    served = _run("--one", "file", "--vote", str(vote_id))
    print(
        f"ballots.pb ({served['bytes']:,} bytes): first request {served['first']:.3f} s, "
        f"second {served['second']:.3f} s, with If-None-Match {served['not_modified']:.3f} s "
        f"({served['status_not_modified']}); before: {OLD_FILE_SECONDS} s every request"
    )


if __name__ == "__main__":
    main()
