"""Time voting.rules against the reference implementation (pabutools) on large Pabulib files.

Run from the repository root:

    .venv/bin/python bench/bench_rules.py                 # the default set, a few minutes
    .venv/bin/python bench/bench_rules.py --quick         # ours only where the reference is slow
    .venv/bin/python bench/bench_rules.py --instances Poland_Lodz_2022 --rules mes_cost_add1 \
        --ref-timeout 600

Both sides run in this process, one after the other, on the same file; parsing is timed
separately and left out of the rule times (as in the data set's reference timings). The
reference gets at most ``--ref-timeout`` seconds per call; a call whose recorded time in
``expected/<instance>.json`` is already above that budget is not run, and its recorded time
is shown instead (marked ``*``). Where the reference could not finish at all (it ran out of
memory or time), only our time is shown. "same" compares our winners with the reference's:
the live run when there was one, else the recorded winners (``*``).
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from voting.rules import count, read_pabulib  # noqa: E402

DATA = Path(os.environ.get("PABULIB_DIR", ROOT.parent / "shared" / "data" / "pabulib"))
INSTANCES = [
    "Poland_Wroclaw_2015_150_-_500",
    "Poland_Lodz_2022",
    "Poland_Krakow_2021",
    "Hungary_Budapest_2024",
]
RULES = ["greedy_votes", "mes_cost", "phragmen", "mes_cost_add1"]


class ReferenceTimeout(Exception):
    pass


def _alarm(signum, frame):
    raise ReferenceTimeout


def approval_view(instance, profile):
    """The approval reading of a pabutools profile, as in the expected files' conventions."""
    from pabutools.election import (
        AbstractApprovalProfile,
        ApprovalBallot,
        ApprovalProfile,
        CumulativeProfile,
    )

    if isinstance(profile, AbstractApprovalProfile):
        return profile
    if isinstance(profile, CumulativeProfile):
        ballots = [ApprovalBallot({p for p, v in b.items() if v > 0}) for b in profile]
    else:
        ballots = [ApprovalBallot(set(b)) for b in profile]
    return ApprovalProfile(ballots, instance=instance)


def reference_rule(rule, instance, profile):
    from pabutools.election import Cost_Sat
    from pabutools.rules import (
        greedy_utilitarian_welfare,
        method_of_equal_shares,
        sequential_phragmen,
    )

    if rule == "greedy_votes":
        return greedy_utilitarian_welfare(instance, profile, sat_class=Cost_Sat)
    if rule == "mes_cost":
        return method_of_equal_shares(instance, profile, sat_class=Cost_Sat)
    if rule == "mes_cost_add1":
        return method_of_equal_shares(
            instance, profile, sat_class=Cost_Sat, voter_budget_increment=1
        )
    if rule == "phragmen":
        return sequential_phragmen(instance, profile)
    raise SystemExit(f"no reference call for {rule} in this benchmark")


def same(rule, ours, theirs):
    # pabutools' sequential_phragmen returns its winners sorted by project id.
    if rule == "phragmen":
        return sorted(ours) == sorted(theirs)
    return list(ours) == list(theirs)


def run_reference(rule, path, loaded, budget):
    """The reference's winners and seconds, or None for the winners if it ran out of time.

    ``loaded`` keeps the file as the reference parsed it, for the other rules of the instance.
    """
    if "profile" not in loaded:
        from pabutools.election import parse_pabulib

        started = time.perf_counter()
        instance, profile = parse_pabulib(str(path))
        loaded["profile"] = (instance, approval_view(instance, profile))
        loaded["parse"] = time.perf_counter() - started
    signal.setitimer(signal.ITIMER_REAL, budget)
    started = time.perf_counter()
    try:
        result = reference_rule(rule, *loaded["profile"])
    except ReferenceTimeout:
        result = None
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
    seconds = time.perf_counter() - started
    return (None if result is None else [p.name for p in result]), seconds


def compare(rule, election, path, recorded, loaded, budget):
    """One row: our time, the reference's (live or recorded), their ratio and whether the
    winners are the same."""
    started = time.perf_counter()
    outcome = count(election, rule)
    ours = time.perf_counter() - started
    status = recorded.get("status", "missing")
    recorded_s = recorded.get("timing", {}).get("list_profile", {}).get("rule_wall_s")
    ref_text, ratio, verdict = "-", "-", "-"
    if status != "ok":
        ref_text = f"({status})"
    elif recorded_s is not None and recorded_s > budget:
        ref_text = f"{recorded_s:.2f}*"
        ratio = f"{recorded_s / ours:.0f}x*"
        agree = same(rule, outcome.selected, recorded["winners_in_selection_order"])
        verdict = "yes*" if agree else "NO*"
    else:
        winners, theirs = run_reference(rule, path, loaded, budget)
        if winners is None:
            ref_text = f">{budget:.0f}"
            ratio = f">{budget / ours:.0f}x"
        else:
            ref_text = f"{theirs:.2f}"
            ratio = f"{theirs / ours:.0f}x"
            verdict = "yes" if same(rule, outcome.selected, winners) else "NO"
    return (f"{ours:.3f}", ref_text, ratio, verdict)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--instances", nargs="+", default=INSTANCES)
    parser.add_argument("--rules", nargs="+", default=RULES)
    parser.add_argument(
        "--ref-timeout", type=float, default=30.0, help="seconds per reference call"
    )
    parser.add_argument("--quick", action="store_true", help="reference only where it takes < 15 s")
    parser.add_argument("--data", type=Path, default=DATA)
    args = parser.parse_args(argv)
    budget = 15.0 if args.quick else args.ref_timeout
    signal.signal(signal.SIGALRM, _alarm)

    rows = []
    header = ("instance", "rule", "ours s", "reference s", "ratio", "same")
    print(f"{'instance':32} {'rule':16} {'ours s':>9} {'reference s':>13} {'ratio':>8}  same")
    for name in args.instances:
        path = args.data / f"{name}.pb"
        expected = json.loads((args.data / "expected" / f"{name}.json").read_text("utf-8"))
        started = time.perf_counter()
        election = read_pabulib(str(path))
        parse_ours = time.perf_counter() - started
        loaded = {}
        for rule in args.rules:
            recorded = expected["rules"].get(rule, {})
            row = (name, rule, *compare(rule, election, path, recorded, loaded, budget))
            rows.append(row)
            print(
                f"{row[0]:32} {row[1]:16} {row[2]:>9} {row[3]:>13} {row[4]:>8}  {row[5]}",
                flush=True,
            )
        note = f"  parse: ours {parse_ours:.2f} s"
        if "parse" in loaded:
            note += f", reference {loaded['parse']:.2f} s"
        print(note, flush=True)
    print()
    print("| " + " | ".join(header) + " |")
    print("|" + "|".join("---" for _ in header) + "|")
    for row in rows:
        print("| " + " | ".join(row) + " |")
    print("\n* recorded in expected/<instance>.json (pabutools 1.2.3, 2-core VM), not run here.")
    return 1 if any(row[5].startswith("NO") for row in rows) else 0


if __name__ == "__main__":
    raise SystemExit(main())
