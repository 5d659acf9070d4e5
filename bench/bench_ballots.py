"""Ballots a second through gunicorn and PostgreSQL, beside PostgreSQL's own ceiling.

Run: .venv/bin/python bench/bench_ballots.py [--voters 6000] [--clients 32] [--seconds 20]

It makes a PostgreSQL database of its own (``pf_bench_ballots``, dropped at the end), builds
the schema with the migrations, and adds a place with an open public vote of ten projects and
thousands of verified residents (added in bulk, all with one password hashed once). It serves
the app with gunicorn and ``gunicorn.conf.py`` as production would, then ``--clients`` voters
at a time, each logged in, load the ballot page, send it to the check page and cast it (the
way a voter does, with the page's CSRF token), for
``--seconds``. It prints ballots a second, the time each request and each whole ballot took
(p50, p99) and any errors. Then, in the same run, two ceilings, each with as many clients for
as long: the same server and voters loading three plain pages (the accessibility statement,
logged in, with the same layout as every page) in place of the ballot's three, which is the
most ballots a second this app could take on this machine whatever the voting code does; and
``pgbench`` inserting single rows with a unique key, the most the database could take. The
ratios say how close the ballots come to each. For each run it also prints how many of the
machine's cores were busy with the app, with the voters (this script) and with everything
else (PostgreSQL and the system), which says what would have to give for more ballots.

PostgreSQL is reached as ``BENCH_POSTGRES_URL`` (default postgres@127.0.0.1:5432).
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import http.client
import itertools
import os
import random
import re
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlencode

from cryptography.fernet import Fernet

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DATABASE = "pf_bench_ballots"
PROJECTS = 10
USER_AGENT = "placefund-bench/1"
CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')


# Production refuses to start without a key for bank details; the benchmark keeps none, so a
# fresh key for this run will do.
BANK_DETAILS_KEY = Fernet.generate_key().decode()


def _admin_url() -> str:
    return os.environ.get("BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")


def _database_url(driver: str = "postgresql+psycopg") -> str:
    from sqlalchemy.engine import make_url

    url = make_url(_admin_url()).set(drivername=driver, database=DATABASE)
    return url.render_as_string(hide_password=False)


def _fresh_database() -> None:
    import psycopg

    with psycopg.connect(_admin_url(), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{DATABASE}"')


def _drop_database() -> None:
    import psycopg

    with psycopg.connect(_admin_url(), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)')


# --- The data ------------------------------------------------------------------------------


def _open_vote(session) -> tuple[int, int, list[int]]:
    """A place with two wards, a round decided by a public vote of ten shortlisted projects,
    opened. The vote's id, the place's id and the ids of its options."""
    from giving.models import DecisionMethod, Role
    from giving.workflow import State
    from tests.factories import ApplicationFactory, RoleGrantFactory, RoundFactory, place_with_wards
    from voting import services
    from voting.models import BallotKind, VoteKind, WhoMayVote

    place, _north, _south = place_with_wards("benchford", "Benchford", "BF")
    manager = RoleGrantFactory(place=place, role=Role.FUND_MANAGER).user
    round_ = RoundFactory(
        place=place,
        title="Benchford grants",
        budget_pence=1_000_000,
        decision_method=DecisionMethod.PUBLIC,
    )
    for n in range(PROJECTS):
        ApplicationFactory(
            round=round_,
            state=State.SHORTLISTED,
            amount_requested_pence=50_000 + 10_000 * n,
            answered=True,
        )
    now = dt.datetime.now(dt.UTC)
    vote = services.save_vote(
        session,
        manager,
        round_,
        VoteKind.PUBLIC,
        rule="mes_cost",
        ballot_kind=BallotKind.APPROVAL,
        who_may_vote=WhoMayVote.BOTH,
        opens_at=now - dt.timedelta(hours=1),
        closes_at=now + dt.timedelta(days=7),
        tie_break_seed="2026",
    )
    services.move_vote(session, manager, vote, "open")
    session.commit()
    return vote.id, place.id, [o.id for o in vote.options]


def _add_voters(session, place_id: int, count: int) -> list[tuple[int, str]]:
    """``count`` verified residents with confirmed accounts, in bulk; (id, session token)."""
    from sqlalchemy import insert, select

    from giving.models import ResidentVerification, User, VerificationMethod
    from giving.services.accounts import hash_password

    now = dt.datetime.now(dt.UTC)
    password = hash_password("bench-voter-password")  # hashed once, used by everyone
    session.execute(
        insert(User),
        [
            {
                "email": f"voter{n}@bench.example.org",
                "name": f"Voter {n}",
                "password_hash": password,
                "postcode": f"BF{1 + n % 2} {n % 10}AB",
                "email_confirmed_at": now,
                "is_site_admin": False,
                "session_token": secrets.token_urlsafe(24),
                "created_at": now,
            }
            for n in range(count)
        ],
    )
    voters = session.execute(
        select(User.id, User.session_token).where(User.email.like("%@bench.example.org"))
    ).all()
    session.execute(
        insert(ResidentVerification),
        [
            {
                "user_id": user_id,
                "place_id": place_id,
                "method": VerificationMethod.CENSUS,
                "verified_at": now,
                "expires_at": now + dt.timedelta(days=365),
                "note": "",
            }
            for user_id, _token in voters
        ],
    )
    session.commit()
    return [(user_id, token) for user_id, token in voters]


def _cookies(app, voters: list[tuple[int, str]]) -> list[str]:
    """A logged-in session cookie for each voter, as the log-in page would have set it."""
    from flask_login.utils import _create_identifier

    serializer = app.session_interface.get_signing_serializer(app)
    name = app.config["SESSION_COOKIE_NAME"]
    environ = {"REMOTE_ADDR": "127.0.0.1"}
    with app.test_request_context(environ_base=environ, headers={"User-Agent": USER_AGENT}):
        identifier = _create_identifier()
    return [
        f"{name}="
        + serializer.dumps(
            {
                "_user_id": f"{user_id}:{token}",
                "_fresh": True,
                "_id": identifier,
                "csrf_token": hashlib.sha1(os.urandom(64)).hexdigest(),
            }
        )
        for user_id, token in voters
    ]


def build(voters: int, secret: str) -> tuple[int, list[int], list[str]]:
    """The database, built; the vote's id, its option ids and a cookie for each voter."""
    import flask_migrate

    from giving.extensions import db
    from tests.database_helpers import setup_session
    from wsgi import create_app

    _fresh_database()
    app = create_app(
        "production",
        SQLALCHEMY_DATABASE_URI=_database_url(),
        SECRET_KEY=secret,
        BANK_DETAILS_KEYS=[BANK_DETAILS_KEY],
    )
    with app.app_context():
        flask_migrate.upgrade()
        engine = db.engine
    with app.test_request_context(), setup_session(engine) as session:
        vote_id, place_id, options = _open_vote(session)
        people = _add_voters(session, place_id, voters)
    cookies = _cookies(app, people)
    with app.app_context():
        db.engine.dispose()
    return vote_id, options, cookies


# --- The server ----------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def serve(port: int, secret: str) -> subprocess.Popen:
    env = {
        **os.environ,
        "PLACEFUND_ENV": "production",
        "SECRET_KEY": secret,
        "BANK_DETAILS_KEYS": BANK_DETAILS_KEY,
        "DATABASE_URL": _database_url(),
        "REDIS_URL": "",
    }
    gunicorn = str(Path(sys.executable).parent / "gunicorn")
    command = [gunicorn, "-c", "gunicorn.conf.py", "-b", f"127.0.0.1:{port}", "wsgi:create_app()"]
    return subprocess.Popen(command, cwd=ROOT, env=env, stderr=subprocess.DEVNULL)


def wait_for(port: int, path: str, server: subprocess.Popen) -> None:
    for _ in range(600):
        if server.poll() is not None:
            raise SystemExit("gunicorn stopped before it served a page")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("GET", path)
            if conn.getresponse().status == 200:
                return
        except OSError:
            pass
        time.sleep(0.1)
    raise SystemExit("gunicorn did not answer in 60 s")


def server_cpu_seconds(server: subprocess.Popen) -> float:
    """CPU time used so far by gunicorn's workers (and its master), from /proc."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0.0
    pids = [server.pid]
    children = Path(f"/proc/{server.pid}/task/{server.pid}/children")
    if children.exists():
        pids += [int(p) for p in children.read_text().split()]
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / ticks  # utime and stime
    return total


def machine_busy_seconds() -> float:
    """CPU time every core of the machine has spent busy so far, from /proc/stat (0 where
    there is no /proc)."""
    try:
        first = Path("/proc/stat").read_text().splitlines()[0].split()
    except OSError:
        return 0.0
    # user nice system idle iowait irq softirq steal: all but idle and iowait are work.
    ticks = [int(x) for x in first[1:9]]
    busy = sum(ticks) - ticks[3] - ticks[4]
    return busy / os.sysconf("SC_CLK_TCK")


class Usage:
    """Where the machine's CPU goes while voters are driven: the app (gunicorn), the voters
    (this script's own threads) and everything else (PostgreSQL and the system)."""

    def __init__(self, server: subprocess.Popen) -> None:
        self.server = server
        self.start = self._now()

    def _now(self) -> tuple[float, float, float, float]:
        return (
            time.perf_counter(),
            server_cpu_seconds(self.server),
            time.process_time(),
            machine_busy_seconds(),
        )

    def stop(self) -> None:
        self.used = [b - a for a, b in zip(self.start, self._now(), strict=True)]

    @property
    def app_seconds(self) -> float:
        return self.used[1]

    def line(self) -> str:
        wall, app, voters, busy = self.used
        rest = max(0.0, busy - app - voters)
        return (
            f"cores busy: app {app / wall:.2f}, voters (this script) {voters / wall:.2f}, "
            f"everything else (PostgreSQL, the system) {rest / wall:.2f}, "
            f"of {os.cpu_count()}"
        )


# --- The voters ----------------------------------------------------------------------------


class Results:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.requests: list[float] = []
        self.ballots: list[float] = []
        self.errors: list[str] = []


class Browser:
    """One voter's connection: kept open when the server allows it, opened again when not."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.conn: http.client.HTTPConnection | None = None

    def send(self, method: str, path: str, headers: dict, body: str | None = None):
        for attempt in (1, 2):
            if self.conn is None:
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
            try:
                self.conn.request(method, path, body=body, headers=headers)
                response = self.conn.getresponse()
                data = response.read()
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                self.conn.close()
                self.conn = None
                if attempt == 2:
                    raise
                continue
            if response.will_close:
                self.conn.close()
                self.conn = None
            return response.status, data
        raise AssertionError("not reached")


def vote_once(browser: Browser, url: str, cookie: str, options: list[int], results: Results):
    headers = {"Cookie": cookie, "User-Agent": USER_AGENT}
    started = time.perf_counter()
    status, page = browser.send("GET", url, headers)
    loaded = time.perf_counter()
    token = CSRF.search(page.decode()) if status == 200 else None
    if token is None:
        with results.lock:
            results.errors.append(f"GET {status}")
        return
    chosen = random.sample(options, random.randint(1, 4))
    body = urlencode([("csrf_token", token.group(1))] + [("choices", str(o)) for o in chosen])
    form = {**headers, "Content-Type": "application/x-www-form-urlencoded"}
    # As a voter does: the check page (writes nothing), then "Cast your vote" with the same
    # choices, which the check page carries in hidden fields.
    status, _answer = browser.send("POST", url + "/check", form, body)
    checked = time.perf_counter()
    if status != 200:
        with results.lock:
            results.errors.append(f"POST check {status}")
        return
    status, _answer = browser.send("POST", url + "/cast", form, body)
    done = time.perf_counter()
    with results.lock:
        if status != 302:
            results.errors.append(f"POST cast {status}")
            return
        results.requests += [loaded - started, checked - loaded, done - checked]
        results.ballots.append(done - started)


PLAIN_PAGE = "/accessibility"


def visit_plain(browser: Browser, url: str, cookie: str, options: list[int], results: Results):
    """Three plain pages in place of a ballot's three: what the app costs with no vote."""
    headers = {"Cookie": cookie, "User-Agent": USER_AGENT}
    started = time.perf_counter()
    times = []
    for _ in range(3):
        status, _page = browser.send("GET", PLAIN_PAGE, headers)
        times.append(time.perf_counter())
        if status != 200:
            with results.lock:
                results.errors.append(f"GET {PLAIN_PAGE} {status}")
            return
    with results.lock:
        results.requests += [b - a for a, b in zip([started, *times], times, strict=False)]
        results.ballots.append(times[-1] - started)


def drive(
    port: int, vote_id: int, options, cookies, clients: int, seconds: float, visit=vote_once
) -> Results:
    url = f"/votes/{vote_id}/ballot"
    voters = itertools.cycle(cookies)
    take = threading.Lock()
    results = Results()
    stop = time.perf_counter() + seconds

    def voter() -> None:
        browser = Browser(port)
        while time.perf_counter() < stop:
            with take:
                cookie = next(voters)
            try:
                visit(browser, url, cookie, options, results)
            except Exception as error:  # every failure is counted and shown
                with results.lock:
                    results.errors.append(type(error).__name__)

    threads = [threading.Thread(target=voter) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


# --- PostgreSQL's own ceiling --------------------------------------------------------------


def _pgbench() -> str | None:
    found = shutil.which("pgbench")
    if found:
        return found
    for candidate in sorted(Path("/usr/lib/postgresql").glob("*/bin/pgbench"), reverse=True):
        return str(candidate)
    return None


def pgbench_rate(clients: int, seconds: int) -> float | None:
    """Single-row inserts with a unique key a second, from ``clients`` at once."""
    import psycopg

    binary = _pgbench()
    if binary is None:
        return None
    with psycopg.connect(_database_url("postgresql"), autocommit=True) as conn:
        conn.execute("DROP TABLE IF EXISTS bench_rows")
        conn.execute("CREATE TABLE bench_rows (id bigserial PRIMARY KEY, k text UNIQUE, v int)")
    script = "INSERT INTO bench_rows (k, v) VALUES (md5(random()::text || clock_timestamp()::text || pg_backend_pid()::text), 1);\n"  # noqa: E501
    url = _database_url("postgresql")
    with tempfile.NamedTemporaryFile("w", suffix=".sql", delete=False) as file:
        file.write(script)
    try:
        run = subprocess.run(
            [binary, "-n", "-c", str(clients), "-j", "2", "-T", str(seconds), "-f", file.name, url],
            capture_output=True,
            text=True,
            check=True,
        )
    finally:
        os.unlink(file.name)
    match = re.search(r"tps = ([\d.]+)", run.stdout)
    return float(match.group(1)) if match else None


# --- The report ----------------------------------------------------------------------------


def _ms(values: list[float], share: float) -> str:
    if not values:
        return "-"
    ordered = sorted(values)
    return f"{ordered[min(len(ordered) - 1, int(share * len(ordered)))] * 1000:.0f} ms"


def report(
    results: Results, plain: Results, seconds: float, pg_rate: float | None, clients: int
) -> None:
    rate = len(results.ballots) / seconds
    print(f"ballots: {len(results.ballots)} in {seconds:.0f} s from {clients} voters at once")
    print(f"  ballots a second: {rate:.0f}")
    print(
        f"  each request (page, check or cast): p50 {_ms(results.requests, 0.5)}, "
        f"p99 {_ms(results.requests, 0.99)}"
    )
    print(
        f"  each ballot (page, check and cast): p50 {_ms(results.ballots, 0.5)}, "
        f"p99 {_ms(results.ballots, 0.99)}"
    )
    if results.errors:
        kinds = sorted({e: results.errors.count(e) for e in results.errors}.items())
        print(f"  errors: {len(results.errors)} ({', '.join(f'{k}: {n}' for k, n in kinds)})")
    else:
        print("  errors: 0")
    plain_rate = len(plain.ballots) / seconds
    print(
        f"three plain pages ({PLAIN_PAGE}, logged in) in place of each ballot, {clients} "
        f"visitors: {plain_rate:.0f} a second"
    )
    print(f"  each page: p50 {_ms(plain.requests, 0.5)}, p99 {_ms(plain.requests, 0.99)}")
    if plain.errors:
        print(f"  errors: {len(plain.errors)}")
    if plain_rate:
        print(f"  ratio ballots / plain pages: {rate / plain_rate:.2f}")
    if pg_rate is None:
        print("pgbench: not found (it comes with PostgreSQL's client programs)")
        return
    print(
        f"pgbench single-row inserts with a unique key, {clients} clients: {pg_rate:.0f} a second"
    )
    print(f"  ratio ours / pgbench: {rate / pg_rate:.3f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--voters", type=int, default=6000)
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--seconds", type=int, default=20)
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    args = parser.parse_args()
    secret = secrets.token_urlsafe(32)
    started = time.perf_counter()
    vote_id, options, cookies = build(args.voters, secret)
    print(f"built the vote and {len(cookies)} voters in {time.perf_counter() - started:.1f} s")
    port = _free_port()
    server = serve(port, secret)
    try:
        wait_for(port, f"/votes/{vote_id}", server)
        drive(port, vote_id, options, cookies[-200:], args.clients, 2)  # warm every worker up
        usage = Usage(server)
        results = drive(port, vote_id, options, cookies, args.clients, args.seconds)
        usage.stop()
        plain_usage = Usage(server)
        plain = drive(port, vote_id, options, cookies, args.clients, args.seconds, visit_plain)
        plain_usage.stop()
    finally:
        server.terminate()
        server.wait(timeout=30)
    try:
        pg_rate = pgbench_rate(args.clients, args.seconds)
        report(results, plain, args.seconds, pg_rate, args.clients)
        cores = os.cpu_count() or 1
        for what, done, used in (
            ("ballot (page, check and cast)", results.ballots, usage),
            ("three plain pages", plain.ballots, plain_usage),
        ):
            if done:
                each = used.app_seconds / len(done)
                print(
                    f"  app CPU per {what}: {each * 1000:.1f} ms, so "
                    f"{cores / each:.0f} a second if the app had every core"
                )
                print(f"    {used.line()}")
        print(
            f"  (cores here: {os.cpu_count()}; load average now: "
            f"{', '.join(f'{x:.1f}' for x in os.getloadavg())})"
        )
    finally:
        if not args.keep:
            _drop_database()


if __name__ == "__main__":
    main()
