"""The panel lottery: quotas are met, the same seed gives the same panel, and a quota that
cannot be met is named. Also the command line and draws made from the panel pages."""

from __future__ import annotations

import json
import random

import pytest

from voting import sortition

CATEGORIES = {
    "age": ["16-29", "30-44", "45-64", "65+"],
    "gender": ["woman", "man", "another way"],
    "ward": ["north", "south", "east", "west", "centre"],
    "ethnicity": ["white", "asian", "black", "mixed", "other"],
}
# Census-like targets for 30 seats: each a smallest and largest number.
TARGETS = {
    "age": {"16-29": (6, 9), "30-44": (7, 10), "45-64": (7, 10), "65+": (5, 8)},
    "gender": {"woman": (14, 16), "man": (13, 15), "another way": (0, 2)},
    "ward": dict.fromkeys(CATEGORIES["ward"], (5, 7)),
    "ethnicity": {
        "white": (15, 19),
        "asian": (4, 7),
        "black": (2, 5),
        "mixed": (1, 3),
        "other": (0, 3),
    },
}


def make_pool(size: int = 2000, seed: int = 1) -> list[dict[str, str]]:
    rng = random.Random(seed)
    weights = {
        "age": [25, 27, 28, 20],
        "gender": [51, 48, 1],
        "ward": [20] * 5,
        "ethnicity": [60, 18, 12, 6, 4],
    }
    return [
        {"id": f"p{i:04d}"}
        | {c: rng.choices(values, weights[c])[0] for c, values in CATEGORIES.items()}
        for i in range(size)
    ]


def make_quotas() -> list[sortition.Quota]:
    return [
        sortition.Quota(category, value, low, high)
        for category, values in TARGETS.items()
        for value, (low, high) in values.items()
    ]


def test_thirty_seats_from_two_thousand_meet_every_quota_and_repeat_with_the_same_seed():
    pool, quotas = make_pool(), make_quotas()
    first = sortition.draw(pool, quotas, 30, seed=4242)
    assert len(first.selected) == len(set(first.selected)) == 30
    by_id = {p["id"]: p for p in pool}
    for quota in quotas:
        chosen = sum(1 for i in first.selected if by_id[i][quota.category] == quota.value)
        assert quota.min <= chosen <= quota.max, quota
    # The published summary says the same, in counts only.
    for row in first.summary:
        assert row["min"] <= row["chosen"] <= row["max"]
        assert set(row) == {"category", "value", "min", "max", "offered", "chosen"}
    again = sortition.draw(pool, quotas, 30, seed=4242)
    assert again.selected == first.selected
    other = sortition.draw(pool, quotas, 30, seed=4243)
    assert other.selected != first.selected


def test_a_quota_that_cannot_be_met_names_the_short_category():
    pool = make_pool(60)
    quotas = [q for q in make_quotas() if q.category != "age"] + [
        sortition.Quota("age", "16-29", 25, 30),
        sortition.Quota("age", "30-44", 0, 30),
        sortition.Quota("age", "45-64", 0, 30),
        sortition.Quota("age", "65+", 0, 30),
    ]
    young = sum(1 for p in pool if p["age"] == "16-29")
    assert young < 25
    with pytest.raises(sortition.QuotaProblem) as problem:
        sortition.draw(pool, quotas, 30, seed=7)
    assert problem.value.category == "age"
    assert f"age is short: the panel needs at least 25 '16-29', but only {young} offered." in (
        problem.value.lines
    )


def test_targets_that_do_not_add_up_are_named():
    quotas = [
        sortition.Quota("gender", "woman", 20, 25),
        sortition.Quota("gender", "man", 20, 25),
    ]
    pool = [{"id": str(i), "gender": "woman" if i % 2 else "man"} for i in range(100)]
    with pytest.raises(sortition.QuotaProblem) as problem:
        sortition.draw(pool, quotas, 30, seed=1)
    assert (
        "gender: the smallest numbers add up to 40, more than the 30 seats." in problem.value.lines
    )


def test_the_command_line_draws_from_csv_files(file_app, tmp_path):
    pool, quotas = make_pool(), make_quotas()
    pool_csv = tmp_path / "pool.csv"
    pool_csv.write_text(
        "id,"
        + ",".join(CATEGORIES)
        + "\n"
        + "".join(f"{p['id']}," + ",".join(p[c] for c in CATEGORIES) + "\n" for p in pool)
    )
    quotas_csv = tmp_path / "quotas.csv"
    quotas_csv.write_text(
        "category,value,min,max\n"
        + "".join(f"{q.category},{q.value},{q.min},{q.max}\n" for q in quotas)
    )
    runner = file_app.test_cli_runner()
    args = ["panel", "draw", "--pool", str(pool_csv), "--quotas", str(quotas_csv), "--size", "30"]
    result = runner.invoke(args=[*args, "--seed", "99"])
    assert result.exit_code == 0, result.output
    chosen = json.loads(result.output)
    assert chosen == sortition.draw(pool, quotas, 30, seed=99).selected
    assert runner.invoke(args=[*args, "--seed", "99"]).output == result.output

    quotas_csv.write_text("category,value,min,max\nage,16-29,31,40\nage,30-44,0,40\n")
    failed = runner.invoke(args=[*args, "--seed", "99"])
    assert failed.exit_code != 0
    assert "age" in failed.output
    assert "more than the 30 seats" in failed.output


def test_the_command_line_refuses_a_pool_without_ids(file_app, tmp_path):
    (tmp_path / "pool.csv").write_text("name,age\nA,16-29\n")
    (tmp_path / "quotas.csv").write_text("category,value,min,max\nage,16-29,0,1\n")
    result = file_app.test_cli_runner().invoke(
        args=[
            "panel",
            "draw",
            "--pool",
            str(tmp_path / "pool.csv"),
            "--quotas",
            str(tmp_path / "quotas.csv"),
            "--size",
            "1",
            "--seed",
            "1",
        ]
    )
    assert result.exit_code != 0
    assert "needs an 'id' column" in result.output
