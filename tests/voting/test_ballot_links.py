"""Nothing in the database ties a ballot to the person who cast it, even read by someone who
has the whole database and the app's secret key.

Fifty known people vote over HTTP (each request committing for real), the scheduled job runs
as ``flask tick`` would, and then every link we can think of is tried: the transaction ids
(``xmin``) of voter records, ballots and their choices; the rows' order on disk (``ctid``);
ids; timestamps; keyed hashes of who voted, worked out with the secret key; and the receipt
codes themselves. Each attack may be right no more often than chance would allow (at most 5
of 50). The transaction ids and the order on disk are PostgreSQL's, so this runs only there.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import re

import pytest
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from giving.models import ResidentVerification, User, VerificationMethod
from giving.timeutil import utcnow
from tests.database_helpers import engine_of, on_postgresql, own_database, setup_session
from tests.voting.ballot_helpers import build_vote_world
from voting.models import Ballot, VoterRecord

pytestmark = pytest.mark.postgres

VOTERS = 50
# Chance would get about 1 in 50 right; more than 5 means the attack works.
MOST_RIGHT = 5
CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')
RECEIPT = re.compile(r'class="pf-receipt">([A-Z2-9]{10})<')


@pytest.fixture
def link_app(smtp_server):
    if not on_postgresql():
        pytest.skip("Transaction ids (xmin) and the order on disk (ctid) are PostgreSQL's")
    controller, _mailbox = smtp_server
    with own_database(
        "ballot_links", MAIL_SERVER=controller.hostname, MAIL_PORT=controller.port
    ) as app:
        yield app


def _set_up(app) -> tuple[int, list[tuple[int, str]], list[int]]:
    """An open public vote and fifty verified residents, committed for real: the vote's id,
    each person's (id, session id), and the option ids."""
    with app.test_request_context(), setup_session(engine_of(app)) as setup:
        world = build_vote_world(setup)
        people = [
            User(
                email=f"linked{n}@example.org",
                name=f"Voter {n}",
                password_hash="x",
                postcode=f"AV{1 + n % 2} {n % 10}AA",
                email_confirmed_at=utcnow(),
            )
            for n in range(VOTERS)
        ]
        setup.add_all(people)
        setup.flush()
        setup.add_all(
            ResidentVerification(
                user_id=p.id,
                place_id=world.place.id,
                method=VerificationMethod.CENSUS,
                expires_at=utcnow() + dt.timedelta(days=365),
            )
            for p in people
        )
        setup.commit()
        return (
            world.public.id,
            [(p.id, p.get_id()) for p in people],
            [o.id for o in world.public.options],
        )


def _vote_over_http(app, vote_id: int, session_id: str, choices: list[int]) -> str:
    """One person votes in their own browser: ballot, check, cast. Their receipt code."""
    client = app.test_client()
    with client.session_transaction() as browser:
        browser["_user_id"] = session_id
        browser["_fresh"] = True
    url = f"/votes/{vote_id}/ballot"
    page = client.get(url)
    assert page.status_code == 200, page.get_data(as_text=True)
    token = CSRF.search(page.get_data(as_text=True))
    assert token is not None
    data = {"csrf_token": token.group(1), "choices": [str(c) for c in choices]}
    assert client.post(url + "/check", data=data).status_code == 200
    cast = client.post(url + "/cast", data=data)
    assert cast.status_code == 302, cast.get_data(as_text=True)
    shown = RECEIPT.search(client.get(url + "/done").get_data(as_text=True))
    assert shown is not None
    return shown.group(1)


def _rows(check: Session, sql: str, **params) -> list:
    return list(check.execute(text(sql), params).all())


def _right(guesses: dict[int, str | None], truth: dict[int, str]) -> int:
    """How many people an attack paired with their own ballot (by its receipt hash)."""
    return sum(1 for user_id, guess in guesses.items() if guess == truth[user_id])


def _attacks(check: Session, vote_id: int, secret: str) -> dict[str, dict[int, str | None]]:
    """Every attack's guess of each voter's ballot (as its receipt hash)."""
    voters = _rows(
        check,
        "SELECT user_id, xmin::text::bigint AS xid, id, voted_at FROM vote_voters "
        "WHERE vote_id = :v ORDER BY ctid",
        v=vote_id,
    )
    ballots = _rows(
        check,
        "SELECT id, receipt_hash, xmin::text::bigint AS xid FROM ballots "
        "WHERE vote_id = :v ORDER BY ctid",
        v=vote_id,
    )
    choice_rows = _rows(
        check,
        "SELECT c.ballot_id, c.xmin::text::bigint AS xid FROM ballot_choices c "
        "JOIN ballots b ON b.id = c.ballot_id WHERE b.vote_id = :v ORDER BY c.ctid",
        v=vote_id,
    )
    hash_of = {b.id: b.receipt_hash for b in ballots}

    def nearest(xid: int, rows: list, key) -> str | None:
        best = min(rows, key=lambda r: abs(r.xid - xid), default=None)
        return key(best) if best is not None else None

    in_disk_order = [b.receipt_hash for b in ballots]
    choice_order = list(dict.fromkeys(hash_of[c.ballot_id] for c in choice_rows))
    by_id = [b.receipt_hash for b in sorted(ballots, key=lambda b: b.id)]
    by_time = sorted(voters, key=lambda v: (v.voted_at, v.id))
    guesses: dict[str, dict[int, str | None]] = {
        "xmin of voter record and ballot": {
            v.user_id: nearest(v.xid, ballots, lambda b: b.receipt_hash) for v in voters
        },
        "xmin of voter record and ballot choices": {
            v.user_id: nearest(v.xid, choice_rows, lambda c: hash_of[c.ballot_id]) for v in voters
        },
        "order on disk (ctid) of voter records and ballots": {
            v.user_id: in_disk_order[n] for n, v in enumerate(voters)
        },
        "order on disk (ctid) of voter records and ballot choices": {
            v.user_id: choice_order[n] for n, v in enumerate(voters)
        },
        "voter record ids and ballot ids in order": {
            v.user_id: by_id[n] for n, v in enumerate(sorted(voters, key=lambda v: v.id))
        },
        "voting times and ballots on disk in order": {
            v.user_id: in_disk_order[n] for n, v in enumerate(by_time)
        },
    }
    # With the secret key: a keyed hash of each voter (as ballots once carried), looked for
    # in every ballot's and choice's row.
    dumped = {
        b.receipt_hash: row
        for b, (row,) in zip(
            ballots,
            [
                _rows(check, "SELECT b::text FROM ballots b WHERE id = :i", i=b.id)[0]
                for b in ballots
            ],
            strict=True,
        )
    }
    keyed = {}
    for v in voters:
        token = hmac.new(
            secret.encode(), f"ballot:{vote_id}:user:{v.user_id}".encode(), hashlib.sha256
        ).hexdigest()
        keyed[v.user_id] = next((h for h, row in dumped.items() if token in row), None)
    guesses["keyed hash of the voter, worked out with the secret key"] = keyed
    return guesses


def test_nothing_in_the_database_pairs_a_ballot_with_its_voter(link_app):
    vote_id, people, options = _set_up(link_app)
    truth: dict[int, str] = {}
    receipts = []
    for n, (user_id, session_id) in enumerate(people):
        choices = [options[n % 3]] + ([options[(n + 1) % 3]] if n % 2 else [])
        receipt = _vote_over_http(link_app, vote_id, session_id, choices)
        receipts.append(receipt)
        truth[user_id] = hashlib.sha256(receipt.encode()).hexdigest()
    engine = engine_of(link_app)
    secret = str(link_app.config["SECRET_KEY"])

    with Session(engine) as check:
        before = _attacks(check, vote_id, secret)
    # Before the shuffle the attack is real: each ballot went in with its voter record.
    assert _right(before["xmin of voter record and ballot"], truth) == VOTERS

    result = link_app.test_cli_runner().invoke(args=["tick"])
    assert result.exit_code == 0, result.output
    assert f"Shuffled ballot box {vote_id} ({VOTERS} ballots)." in result.output

    with Session(engine) as check:
        assert len(check.scalars(select(Ballot.id).where(Ballot.vote_id == vote_id)).all()) == 50
        assert len(check.scalars(select(VoterRecord.id)).all()) == 50
        for attack, guesses in _attacks(check, vote_id, secret).items():
            assert len(guesses) == VOTERS
            right = _right(guesses, truth)
            assert right <= MOST_RIGHT, f"{attack}: {right} of {VOTERS} right"
        # The ballot keeps no time at all.
        times = _rows(
            check,
            "SELECT column_name FROM information_schema.columns WHERE table_name IN "
            "('ballots', 'ballot_choices') AND (data_type LIKE 'timestamp%' OR data_type = 'date')",
        )
        assert times == []
        # No receipt code is kept anywhere, in any table.
        tables = [
            row[0]
            for row in _rows(check, "SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
        ]
        everything = "\n".join(
            row[0] for table in tables for row in _rows(check, f'SELECT t::text FROM "{table}" t')
        )
        assert not [r for r in receipts if r in everything]
