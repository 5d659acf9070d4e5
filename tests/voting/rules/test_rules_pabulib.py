"""Reading and writing Pabulib ``.pb`` files."""

from __future__ import annotations

import json
from collections import Counter
from fractions import Fraction
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pabutools.election import parse_pabulib
from pabutools.election.pabulib import parse_pabulib_from_string

from tests.pabulib_data import DATA, cases
from voting.rules import (
    Ballot,
    Election,
    Lottery,
    PabulibError,
    Project,
    count_file,
    format_number,
    parse_pabulib_string,
    read_pabulib,
    write_pabulib,
)

FILES = sorted(DATA.glob("*.pb"), key=lambda p: p.stat().st_size) if DATA.is_dir() else []
SMALL = [p for p in FILES if p.stat().st_size < 1_000_000]

SAMPLE = '''META
key;value
description;"A test; with a semicolon"
budget;1000,5
vote_type;cumulative
currency;GBP
PROJECTS
project_id;cost;name;category;votes
1;500;"Park ""bench""";green,parks;3
2;250.5;Library;None;1
10;None_is_not_a_cost;x;y;z
VOTES
voter_id;vote;points;age
v1;1,2;2,1;33
v2;1;3;None
v3;;;40
'''


def content(election: Election) -> tuple:
    """What a count depends on, plus the published fields."""
    return (
        [(p.id, p.cost, p.name, p.category) for p in election.projects],
        election.budget,
        election.vote_type,
        [(b.projects, b.points, dict(b.extra)) for b in election.ballots],
        election.project_extra,
    )


def test_reads_quoted_fields_decimal_commas_and_missing_values() -> None:
    text = SAMPLE.replace("10;None_is_not_a_cost;x;y;z\n", "")
    election = parse_pabulib_string(text)
    assert election.budget == Fraction(2001, 2)
    assert election.meta["description"] == "A test; with a semicolon"
    assert [p.id for p in election.projects] == ["1", "2"]
    assert election.projects[0].name == 'Park "bench"'
    assert election.projects[0].category == "green,parks"
    assert election.projects[1].cost == Fraction(501, 2)
    assert election.projects[1].category is None
    assert election.project_extra == {"1": {"votes": "3"}, "2": {"votes": "1"}}
    first, second, third = election.ballots
    assert first.points_by_project() == {"1": 2, "2": 1}
    assert first.voter_id == "v1"
    assert first.extra == (("age", "33"),)
    assert second.extra == ()
    assert third.projects == ()
    assert third.approved() == frozenset()


def test_rejects_files_it_cannot_count() -> None:
    with pytest.raises(PabulibError, match="budget"):
        parse_pabulib_string("META\nkey;value\nvote_type;approval\nPROJECTS\nproject_id;cost\n")
    with pytest.raises(PabulibError, match="vote_type"):
        parse_pabulib_string("META\nkey;value\nbudget;5\nvote_type;lottery\n")
    with pytest.raises(PabulibError, match="project 10 has a cost that is not a number"):
        parse_pabulib_string(SAMPLE)


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (12, "12"),
        (Fraction(253264583, 100), "2532645.83"),
        (Fraction(1, 3), "1/3"),
        (Fraction(-5, 4), "-1.25"),
    ],
)
def test_format_number_is_exact(value, text) -> None:
    assert format_number(value) == text
    assert Fraction(text) == value


@pytest.mark.slow
@pytest.mark.pabulib
@pytest.mark.parametrize("path", cases(SMALL, 1), ids=lambda p: getattr(p, "stem", None))
def test_reads_like_pabutools(path: Path) -> None:
    ours = read_pabulib(str(path))
    instance, profile = parse_pabulib(str(path))
    assert {p.id: p.cost for p in ours.projects} == {p.name: p.cost for p in instance}
    assert ours.budget == instance.budget_limit
    assert len(ours.ballots) == len(profile)
    if ours.vote_type in ("cumulative", "scoring"):
        theirs = Counter(frozenset((p.name, v) for p, v in b.items()) for b in profile)
        mine = Counter(frozenset(b.points_by_project().items()) for b in ours.ballots)
    elif ours.vote_type == "ordinal":
        theirs = Counter(tuple(p.name for p in b) for b in profile)
        mine = Counter(b.projects for b in ours.ballots)
    else:
        theirs = Counter(frozenset(p.name for p in b) for b in profile)
        mine = Counter(frozenset(b.projects) for b in ours.ballots)
    assert mine == theirs


@pytest.mark.slow
@pytest.mark.pabulib
@pytest.mark.parametrize(
    "path", cases(SMALL + FILES[-1:], 1), ids=lambda p: getattr(p, "stem", None)
)
def test_round_trip_of_real_files(path: Path) -> None:
    election = read_pabulib(str(path))
    text = write_pabulib(election, rule="mes_cost", tie_break=Lottery("2025-05-01"))
    again = parse_pabulib_string(text)
    assert content(again) == content(election)
    assert [b.voter_id for b in again.ballots] == [b.voter_id for b in election.ballots]
    assert again.meta["rule"] == "mes_cost"
    assert again.meta["tie_break"] == "lottery"
    assert again.meta["tie_break_seed"] == "2025-05-01"
    for key, value in election.meta.items():
        if key not in ("rule", "num_votes", "num_projects", "budget"):
            assert again.meta[key] == value
    if path in SMALL:
        # pabutools reads what we write to the same election.
        instance, profile = parse_pabulib_from_string(text)
        assert instance.budget_limit == election.budget
        assert len(profile) == len(election.ballots)


names = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"),
    max_size=12,
).filter(lambda s: s == s.strip() and s.lower() != "none" and s != "")
ids = st.text(alphabet="abcXYZ0123456789_-", min_size=1, max_size=4)
amounts = st.one_of(
    st.integers(0, 10**7),
    st.fractions(min_value=0, max_value=10**6, max_denominator=1000),
)


@st.composite
def elections(draw):
    project_ids = draw(st.lists(ids, min_size=1, max_size=6, unique=True))
    projects = [
        Project(pid, draw(amounts), draw(st.none() | names), draw(st.none() | names))
        for pid in project_ids
    ]
    vote_type = draw(st.sampled_from(["approval", "choose-1", "cumulative", "scoring", "ordinal"]))
    ballots = []
    for i in range(draw(st.integers(0, 8))):
        chosen = tuple(draw(st.lists(st.sampled_from(project_ids), unique=True, max_size=4)))
        voter_id = draw(st.none() | st.just(f"voter {i}"))
        extra = tuple(draw(st.dictionaries(st.sampled_from(["age", "sex"]), names)).items())
        if vote_type in ("cumulative", "scoring"):
            points = tuple(draw(st.lists(amounts, min_size=len(chosen), max_size=len(chosen))))
            ballots.append(Ballot(chosen, points if chosen else (), voter_id, extra))
        else:
            ballots.append(Ballot(chosen, None, voter_id, extra))
    meta = draw(st.dictionaries(st.sampled_from(["description", "country", "unit"]), names))
    return Election(projects, draw(amounts), ballots, vote_type, meta)


@settings(max_examples=100, deadline=None)
@given(elections(), st.none() | st.sampled_from(["id", Lottery(7), Lottery("seed;with;semis")]))
def test_round_trip(election: Election, tie_break) -> None:
    text = write_pabulib(election, rule="greedy_votes", tie_break=tie_break)
    again = parse_pabulib_string(text)
    assert content(again) == content(election)
    for ballot, back in zip(election.ballots, again.ballots, strict=True):
        if ballot.voter_id is not None:
            assert back.voter_id == ballot.voter_id
    assert len({b.voter_id for b in again.ballots}) == len(again.ballots)
    assert again.meta["rule"] == "greedy_votes"
    if isinstance(tie_break, Lottery):
        assert again.meta["tie_break_seed"] == tie_break.seed
    assert {k: again.meta[k] for k in election.meta} == election.meta


@pytest.mark.slow
@pytest.mark.pabulib
def test_count_file_gives_json_ready_outcome() -> None:
    path = DATA / "Poland_Krakow_2025_Biezanow-Prokocim.pb"
    expected = json.loads((DATA / "expected" / f"{path.stem}.json").read_text(encoding="utf-8"))
    result = count_file(str(path), "mes_cost")
    assert result == {
        "rule": "mes_cost",
        "selected": expected["rules"]["mes_cost"]["winners_in_selection_order"],
        "total_cost": int(expected["rules"]["mes_cost"]["total_cost"]),
    }
    assert json.loads(json.dumps(result)) == result
    with pytest.raises(ValueError, match="unknown rule"):
        count_file(str(path), "borda")


def test_count_file_writes_decimal_totals(tmp_path: Path) -> None:
    election = Election(
        [Project("1", Fraction(101, 2)), Project("2", 3)], 100, [Ballot.approval(["1", "2"])]
    )
    path = tmp_path / "tiny.pb"
    path.write_text(write_pabulib(election), encoding="utf-8")
    assert count_file(str(path), "greedy_votes") == {
        "rule": "greedy_votes",
        "selected": ["1", "2"],
        "total_cost": "53.5",
    }
