"""Where the people who took part live: each person is counted in the ward of the most
specific postcode area that matches their postcode, and the participation page asks the
database the same number of times for 10 people as for 200."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import insert

from giving.extensions import db
from giving.models import PlaceFigure, User
from giving.postcodes import ward_for_postcode
from giving.services import reports
from giving.timeutil import utcnow
from tests.factories import PostcodeAreaFactory, RoundFactory, place_with_wards
from tests.statements import statements_for
from voting.models import BallotKind, Vote, VoteKind, VoterRecord
from voting.workflow import VoteStatus

# North is WB1 and South WB2, but the sector WB1 9 is in South and the sector WB2 9 is in
# no ward: the sector decides over its district.
POSTCODES = ("WB1 1AA", "WB1 9ZZ", "WB2 9ZZ", "WB2 1AA", None, "ZZ9 9ZZ")


@pytest.fixture
def world(session):
    place, north, south = place_with_wards("wardby", "Wardby", "WB")
    PostcodeAreaFactory(place=place, prefix="WB1 9", ward=south)
    PostcodeAreaFactory(place=place, prefix="WB2 9", ward=None)
    for ward, people in ((north, 100), (south, 100)):
        session.add(PlaceFigure(place=place, category="Ward", label=ward.name, people=people))
    round_ = RoundFactory(place=place, title="Wardby round")
    now = utcnow()
    vote = Vote(
        round=round_,
        kind=VoteKind.PUBLIC,
        status=VoteStatus.CLOSED,
        rule="greedy",
        ballot_kind=BallotKind.APPROVAL,
        budget_pence=100_000,
        tie_break_seed="seed",
        opens_at=now - dt.timedelta(days=3),
        closes_at=now - dt.timedelta(days=1),
    )
    session.add(vote)
    session.commit()
    return {"place": place, "vote": vote, "voters": 0}


def add_voters(session, world, count: int) -> None:
    """``count`` more people with accounts who voted, their postcodes taken in turn."""
    start = world["voters"]
    numbers = range(start, start + count)
    users = session.scalars(
        insert(User).returning(User.id, sort_by_parameter_order=True),
        [
            {
                "email": f"voter{i}@example.org",
                "name": f"Voter {i}",
                "password_hash": "x",
                "postcode": POSTCODES[i % len(POSTCODES)],
            }
            for i in numbers
        ],
    ).all()
    session.execute(
        insert(VoterRecord), [{"vote_id": world["vote"].id, "user_id": u} for u in users]
    )
    session.commit()
    world["voters"] += count


def _people_by_ward(report) -> dict[str, list[int]]:
    return {row.label: row.values for row in report.by_ward.rows}


def test_people_are_counted_in_the_ward_of_their_most_specific_postcode_area(app, session, world):
    add_voters(session, world, 6)
    with app.test_request_context():
        report = reports.participation(session, world["place"])
    # North: WB1 1AA. South: WB1 9ZZ (its sector is in South) and WB2 1AA. Not known:
    # WB2 9ZZ (its sector is in no ward), no postcode, and a postcode outside the place.
    assert _people_by_ward(report) == {"North": [1], "South": [2], "Ward not known": [3]}
    # The same answer as looking each postcode up on its own.
    one_by_one = [ward_for_postcode(session, world["place"], p) if p else None for p in POSTCODES]
    assert [w.name if w else None for w in one_by_one] == [
        "North",
        "South",
        None,
        "South",
        None,
        None,
    ]


def test_the_participation_page_costs_the_same_for_10_people_as_for_200(session, world, client):
    engine = db.session.get_bind().engine
    addresses = ("/places/wardby/participation", "/api/places/wardby/participation")
    add_voters(session, world, 10)
    small = {}
    for url in addresses:
        client.get(url)
        small[url] = statements_for(client, engine, url)
    add_voters(session, world, 190)
    large = {url: statements_for(client, engine, url) for url in addresses}
    assert large == small
    with client.application.test_request_context():
        report = reports.participation(session, world["place"])
    assert report.people.value == 200
    # 200 people, their postcodes in turn: 34 North, 67 South, 99 not known.
    assert _people_by_ward(report) == {"North": [34], "South": [67], "Ward not known": [99]}
