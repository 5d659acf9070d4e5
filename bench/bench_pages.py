"""How fast every page of a large funder answers: Scaleford (``flask demo scale``) on
PostgreSQL, served by gunicorn with two workers, each page asked for 30 times on a warm
server. Prints p50 and p99 in milliseconds and PASS or FAIL against p50 < 150 ms and
p99 < 500 ms.

Run: .venv/bin/python bench/bench_pages.py [--quick] [--repeat 30] [--rebuild]

The dataset is built once into a database of its own (``pf_bench_pages``, or
``pf_bench_pages_quick`` with ``--quick``) and reused while it was built with the same sizes.
``--database-url`` points it at another PostgreSQL server.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import os
import re
import signal
import socket
import statistics
import subprocess
import sys
import time
import urllib.parse
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432"
FULL = {"grants": 100_000, "applications": 10_000, "ballots": 100_000, "gifts": 50_000}
QUICK = {"grants": 10_000, "applications": 1_000, "ballots": 10_000, "gifts": 5_000}
P50_MS, P99_MS = 150, 500
# A page slower than this on its warm-up is asked for only a few times: it fails anyway.
SLOW_S = 5.0
# Requests before timing starts: each of the two workers gets the page at least once.
WARM_UPS = 4
CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')


def plain(url: str) -> str:
    """The address as psycopg takes it."""
    return url.replace("postgresql+psycopg://", "postgresql://")


def built_sizes(url: str) -> dict | None:
    """The sizes Scaleford was built with in this database, or None."""
    try:
        with psycopg.connect(plain(url)) as conn:
            row = conn.execute(
                "SELECT details FROM audit_entries WHERE action = 'scale.load'"
                " ORDER BY id DESC LIMIT 1"
            ).fetchone()
    except psycopg.Error:
        return None
    if row is None:
        return None
    return row[0] if isinstance(row[0], dict) else json.loads(row[0])


def flask(env: dict, *args: str) -> None:
    subprocess.run([str(BIN / "flask"), *args], cwd=ROOT, env=env, check=True)


def build(url: str, sizes: dict) -> float:
    """A new database with the schema and Scaleford; seconds the dataset took."""
    name = urllib.parse.urlsplit(plain(url)).path.lstrip("/")
    admin = plain(url).rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    env = {**os.environ, "DATABASE_URL": url}
    flask(env, "db", "upgrade")
    started = time.perf_counter()
    flask(env, "demo", "scale", *[f"--{k}={v}" for k, v in sizes.items()])
    seconds = time.perf_counter() - started
    with psycopg.connect(plain(url), autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")
        # The build leaves gigabytes of changed pages for PostgreSQL to write out at its next
        # checkpoint; written now, they do not stall a page while it is being timed (only a
        # superuser may ask for one).
        with contextlib.suppress(psycopg.errors.InsufficientPrivilege):
            conn.execute("CHECKPOINT")
    return seconds


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def serve(url: str, port: int) -> subprocess.Popen:
    env = {**os.environ, "DATABASE_URL": url}
    process = subprocess.Popen(
        [
            str(BIN / "gunicorn"),
            "--workers",
            "2",
            "--bind",
            f"127.0.0.1:{port}",
            "--timeout",
            "300",
            "--log-level",
            "warning",
            "wsgi:create_app()",
        ],
        cwd=ROOT,
        env=env,
    )
    for _ in range(300):
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return process
        except OSError:
            time.sleep(0.1)
    process.terminate()
    raise SystemExit("gunicorn did not start")


class Client:
    """One kept-alive connection that keeps the session cookie, as a browser would."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.cookie = ""
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=600)

    def request(self, method: str, path: str, body: str | None = None) -> tuple[int, str]:
        headers = {"Cookie": self.cookie} if self.cookie else {}
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        try:
            self.conn.request(method, path, body=body, headers=headers)
            response = self.conn.getresponse()
        except (http.client.HTTPException, OSError):
            self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=600)
            self.conn.request(method, path, body=body, headers=headers)
            response = self.conn.getresponse()
        text = response.read().decode("utf-8", "replace")
        for header, value in response.getheaders():
            if header.lower() == "set-cookie" and value.startswith("session="):
                self.cookie = value.split(";", 1)[0]
        return response.status, text

    def log_in(self, email: str, password: str) -> None:
        _status, page = self.request("GET", "/login")
        match = CSRF.search(page)
        if match is None:
            raise SystemExit("The log-in page has no form")
        form = urllib.parse.urlencode(
            {"csrf_token": match.group(1), "email": email, "password": password}
        )
        status, _page = self.request("POST", "/login", form)
        if status != 302:
            raise SystemExit(f"Could not log in as {email} ({status})")


def targets(url: str) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """The public pages and API, then the staff pages, of Scaleford: (name, path)."""
    with psycopg.connect(plain(url)) as conn:

        def one(sql: str) -> int:
            row = conn.execute(sql).fetchone()
            assert row is not None, sql
            return int(row[0])

        place = one("SELECT id FROM places WHERE slug = 'scaleford'")
        fund = one(f"SELECT id FROM funds WHERE place_id = {place}")
        vote_round = one(
            "SELECT r.id FROM rounds r JOIN votes v ON v.round_id = r.id"
            f" WHERE r.place_id = {place}"
        )
        biggest = one(
            "SELECT round_id FROM applications a JOIN rounds r ON r.id = a.round_id"
            f" WHERE r.place_id = {place} GROUP BY round_id ORDER BY count(*) DESC, round_id"
            " LIMIT 1"
        )
        grant = one(f"SELECT max(id) FROM grants WHERE fund_id = {fund} AND state = 'active'")
        year = one(
            "SELECT max(financial_year) FROM grant_instalments i"
            f" JOIN grants g ON g.id = i.grant_id WHERE g.fund_id = {fund} AND i.state = 'paid'"
        )
    p = "/places/scaleford"
    public = [
        ("place", p),
        ("rounds", f"{p}/rounds"),
        ("round", f"{p}/rounds/{vote_round}"),
        ("round results", f"{p}/results/rounds/{vote_round}"),
        ("place results", f"{p}/results"),
        ("results index", "/results"),
        ("scorecard", f"{p}/scorecard"),
        ("participation", f"{p}/participation"),
        ("grants search", f"{p}/grants"),
        ("grants search, filtered", f"{p}/grants?q=core&size=1000-4999&year={year}&ward=Canal"),
        ("grants search, page 40", f"{p}/grants?page=40"),
        ("money", f"{p}/money"),
        ("fund page", f"/funds/{fund}"),
        ("fund scorecard", f"/funds/{fund}/scorecard"),
        ("open data page", "/open-data"),
        ("API places", "/api/places"),
        ("API place", "/api/places/scaleford"),
        ("API rounds", "/api/places/scaleford/rounds"),
        ("API round results", f"/api/rounds/{vote_round}/results"),
        ("API scorecard", "/api/places/scaleford/scorecard"),
        ("API participation", "/api/places/scaleford/participation"),
        ("API grants, page 40", "/api/places/scaleford/grants?page=40&per_page=50"),
        ("API money", "/api/places/scaleford/money"),
    ]
    staff = [
        ("fund manage", f"/funds/{fund}/manage"),
        ("fund grants", f"/funds/{fund}/grants"),
        ("fund income", f"/funds/{fund}/income"),
        ("fund donations", f"/funds/{fund}/donations"),
        ("grant page", f"/grants/{grant}"),
        ("round applications", f"{p}/rounds/{biggest}/applications"),
    ]
    return public, staff


def measure(client: Client, path: str, repeat: int) -> tuple[int, list[float]]:
    """Warm the page in each worker, then time it ``repeat`` times (a few times only when it
    is very slow)."""
    for _ in range(WARM_UPS):
        started = time.perf_counter()
        status, _body = client.request("GET", path)
        if time.perf_counter() - started > SLOW_S:
            repeat = 3
            break
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        status, _body = client.request("GET", path)
        times.append((time.perf_counter() - started) * 1000)
    return status, times


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a tenth of the full size")
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--rebuild", action="store_true", help="build the dataset again")
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()
    sizes = QUICK if args.quick else FULL
    url = args.database_url or f"{SERVER}/pf_bench_pages{'_quick' if args.quick else ''}"
    if args.rebuild or built_sizes(url) != sizes:
        print(f"Building Scaleford ({', '.join(f'{v:,} {k}' for k, v in sizes.items())})")
        print(f"Built in {build(url, sizes):.0f} s")
    else:
        # A database kept from an earlier run gets this checkout's migrations (its indexes).
        flask({**os.environ, "DATABASE_URL": url}, "db", "upgrade")
    public, staff = targets(url)
    port = free_port()
    server = serve(url, port)
    failures = 0
    try:
        client = Client(port)
        print(f"\n{'page':<28} {'status':>6} {'p50 ms':>8} {'p99 ms':>8}  result")
        for group, pages in (("public", public), ("staff", staff)):
            if group == "staff":
                client.log_in("manager@scaleford.placefund.org", "placefund-demo")
            for name, path in pages:
                status, times = measure(client, path, args.repeat)
                p50, p99 = statistics.median(times), percentile(times, 0.99)
                ok = status == 200 and p50 < P50_MS and p99 < P99_MS
                failures += not ok
                print(
                    f"{name:<28} {status:>6} {p50:>8.0f} {p99:>8.0f}  {'PASS' if ok else 'FAIL'}",
                    flush=True,
                )
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
    print(
        f"\n{failures} of {len(public) + len(staff)} pages over p50 {P50_MS} ms or p99 {P99_MS} ms"
    )


if __name__ == "__main__":
    main()
