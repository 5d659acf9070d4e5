"""How long the 360Giving export takes, and how much memory it needs, for 100 grants and for
100,000: printed side by side with the ratio. The export streams, so memory should stay flat.

Run: .venv/bin/python bench/bench_export.py [--small 100] [--large 100000]

Each size runs in a fresh process (so ru_maxrss, the process's peak, is its own), on a
throwaway SQLite database filled with generated grants.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


class CountingSink:
    """A file that only counts what is written to it."""

    def __init__(self) -> None:
        self.chars = 0

    def write(self, text: str) -> int:
        self.chars += len(text)
        return len(text)


def _fill(session, count: int) -> None:
    from sqlalchemy import insert

    from funds.models import Fund, Grant
    from giving.models import Group, GroupKind, Place

    now = dt.datetime.now(dt.UTC)
    place = Place(slug="benchford", name="Benchford", description="")
    session.add(place)
    session.flush()
    fund = Fund(
        place_id=place.id,
        name="Bench Fund",
        holder_name="Benchford Trust",
        holder_charity_number="1100001",
        checkin_threshold_pence=1_000_000,
    )
    session.add(fund)
    session.flush()
    groups = max(1, count // 10)
    session.execute(
        insert(Group),
        [
            {
                "place_id": place.id,
                "name": f"Group {n}",
                "kind": GroupKind.CHARITY if n % 3 == 0 else GroupKind.UNINCORPORATED,
                "charity_number": f"{1_000_000 + n}" if n % 3 == 0 else None,
                "description": "",
                "postcode": "BF1 1AA",
                "created_at": now,
                "updated_at": now,
            }
            for n in range(groups)
        ],
    )
    first_group = session.scalar(__import__("sqlalchemy").select(Group.id).order_by(Group.id))
    batch = []
    for n in range(count):
        batch.append(
            {
                "fund_id": fund.id,
                "group_id": first_group + n % groups,
                "title": f"Grant number {n} for running the club",
                "description": "Core costs for a local group, free to use, over three years.",
                "total_pence": 100_000 + (n * 37) % 5_000_000,
                "start_date": dt.date(2026, 4, 1) + dt.timedelta(days=n % 365),
                "years": 1 + n % 7,
                "frequency": "quarterly",
                "restricted": n % 10 == 0,
                "purpose": "Books" if n % 10 == 0 else "",
                "agreement_text": "We agree.",
                "state": "active",
                "accepted_at": now,
                "closing_note": "",
                "created_at": now,
                "updated_at": now,
            }
        )
        if len(batch) == 10_000:
            session.execute(insert(Grant), batch)
            batch = []
    if batch:
        session.execute(insert(Grant), batch)
    session.commit()


def measure(count: int) -> dict:
    """Fill a fresh database with ``count`` grants, then export them once as JSON."""
    folder = tempfile.mkdtemp(prefix="pf-bench-")
    os.environ["PLACEFUND_INSTANCE"] = folder
    from funds import opendata
    from giving.extensions import db
    from wsgi import create_app

    app = create_app("test", SQLALCHEMY_DATABASE_URI=f"sqlite:///{folder}/bench.sqlite3")
    with app.app_context():
        db.create_all()
        _fill(db.session, count)
        db.session.expunge_all()
        # First the time, on its own (tracemalloc slows every allocation down)...
        sink = CountingSink()
        rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        started = time.perf_counter()
        opendata.write(db.session, sink, "bench", "json")
        seconds = time.perf_counter() - started
        rss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        # ...then the peak memory of a second, identical export.
        tracemalloc.start()
        opendata.write(db.session, CountingSink(), "bench", "json")
        _current, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    return {
        "grants": count,
        "seconds": seconds,
        "tracemalloc_peak_kib": peak / 1024,
        "maxrss_before_kib": rss_before,
        "maxrss_after_kib": rss_after,
        "chars": sink.chars,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--small", type=int, default=100)
    parser.add_argument("--large", type=int, default=100_000)
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one is not None:
        print(json.dumps(measure(args.one)))
        return
    results = []
    for count in (args.small, args.large):
        out = subprocess.run(
            [sys.executable, __file__, "--one", str(count)],
            check=True,
            capture_output=True,
            text=True,
            cwd=ROOT,
        )
        results.append(json.loads(out.stdout.strip().splitlines()[-1]))
    small, large = results
    rows = [
        ("grants exported", "grants", "{:,.0f}"),
        ("time (s)", "seconds", "{:.3f}"),
        ("peak Python memory in export, tracemalloc (KiB)", "tracemalloc_peak_kib", "{:,.0f}"),
        ("process peak RSS after export, ru_maxrss (KiB)", "maxrss_after_kib", "{:,.0f}"),
        ("process peak RSS growth during export (KiB)", None, "{:,.0f}"),
        ("JSON written (characters)", "chars", "{:,.0f}"),
    ]
    print(f"{'360Giving export':<52}{small['grants']:>14,}{large['grants']:>14,}{'ratio':>10}")
    for label, key, fmt in rows:
        if key is None:
            a = small["maxrss_after_kib"] - small["maxrss_before_kib"]
            b = large["maxrss_after_kib"] - large["maxrss_before_kib"]
        else:
            a, b = small[key], large[key]
        ratio = f"{b / a:.1f}x" if a else "-"
        print(f"{label:<52}{fmt.format(a):>14}{fmt.format(b):>14}{ratio:>10}")


if __name__ == "__main__":
    main()
