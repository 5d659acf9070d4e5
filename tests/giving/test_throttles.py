"""Limits on failed tries hold without locking anyone else out: they count per account and
per real client (behind the trusted proxies), a kiosk full of voting codes is never
stopped, and with Redis every worker shares the counts and a restart keeps them."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
import redis
import requests

from tests.conftest import free_port, post_form
from tests.database_helpers import app_on
from tests.factories import UserFactory
from tests.voting.ballot_helpers import in_request, vote_world
from voting import services as voting

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
PASSWORD = "a-long-password"
ATTACKER = {"REMOTE_ADDR": "203.0.113.9"}
OWNER = {"REMOTE_ADDR": "198.51.100.7"}


def _log_in_from(client, address: dict, email: str, password: str, **headers):
    token = re.search(
        r'name="csrf_token" type="hidden" value="([^"]+)"',
        client.get("/login", environ_base=address, headers=headers).get_data(as_text=True),
    )
    assert token is not None
    return client.post(
        "/login",
        data={"csrf_token": token.group(1), "email": email, "password": password},
        environ_base=address,
        headers=headers,
    )


def test_someone_guessing_a_password_does_not_lock_its_owner_out(app, client, session):
    owner = UserFactory()
    attacker = app.test_client()
    for attempt in range(5):
        wrong = _log_in_from(attacker, ATTACKER, owner.email, f"guess-{attempt}-password")
        assert wrong.status_code == 200
    refused = _log_in_from(attacker, ATTACKER, owner.email, "guess-again-password")
    assert refused.status_code == 429
    assert "Too many tries" in refused.get_data(as_text=True)
    # The owner, on their own connection, logs in as normal.
    assert _log_in_from(client, OWNER, owner.email, PASSWORD).status_code == 302


def test_one_client_trying_many_accounts_is_stopped_and_nobody_else(app, client, session):
    people = [UserFactory() for _ in range(31)]
    attacker = app.test_client()
    for person in people[:30]:
        assert _log_in_from(attacker, ATTACKER, person.email, "not-it-at-all").status_code == 200
    assert _log_in_from(attacker, ATTACKER, people[30].email, "not-it").status_code == 429
    assert _log_in_from(client, OWNER, people[30].email, PASSWORD).status_code == 302


@pytest.fixture
def behind_a_proxy(tmp_path):
    """An app behind one load balancer: every request arrives from its address."""
    with app_on(f"sqlite:///{tmp_path / 'proxied.sqlite3'}", TRUSTED_PROXIES=1) as proxied:
        yield proxied


def _person_on(app) -> str:
    from giving.extensions import db
    from giving.jobs import commit
    from giving.services import register

    with app.test_request_context():
        user = register(db.session, email="owner@example.org", name="Owner", password=PASSWORD)
        email = user.email
        commit()
        db.session.remove()
    return email


def test_behind_the_load_balancer_each_real_client_has_its_own_count(behind_a_proxy):
    email = _person_on(behind_a_proxy)
    balancer = {"REMOTE_ADDR": "10.0.0.2"}
    attacker, owner = behind_a_proxy.test_client(), behind_a_proxy.test_client()
    for n in range(30):
        wrong = _log_in_from(
            attacker,
            balancer,
            f"nobody-{n}@example.org",
            "x" * 12,
            **{"X-Forwarded-For": "203.0.113.9"},
        )
        assert wrong.status_code == 200, n
    again = _log_in_from(attacker, balancer, email, "x" * 12, **{"X-Forwarded-For": "203.0.113.9"})
    assert again.status_code == 429
    # Another person behind the same load balancer is not locked out.
    right = _log_in_from(owner, balancer, email, PASSWORD, **{"X-Forwarded-For": "198.51.100.7"})
    assert right.status_code == 302


def test_without_trusted_proxies_a_forged_address_is_ignored(app, session):
    owner = UserFactory()
    attacker = app.test_client()
    for n in range(5):
        forged = {"X-Forwarded-For": f"192.0.2.{n}"}
        assert (
            _log_in_from(attacker, ATTACKER, owner.email, "nope-nope", **forged).status_code == 200
        )
    forged = {"X-Forwarded-For": "192.0.2.200"}
    assert _log_in_from(attacker, ATTACKER, owner.email, "nope-nope", **forged).status_code == 429


@pytest.fixture
def world(app, session):
    return vote_world(app, session)


def test_a_library_kiosk_takes_many_printed_codes_one_after_another(app, client, session, world):
    with in_request(app, session) as ctx:
        codes = voting.issue_codes(ctx, world.manager, world.public, 30)
        ctx.commit()
    url = f"/votes/{world.public.id}/code"
    for n, code in enumerate(codes):
        response = post_form(client, url, {"code": code}, environ_base=OWNER)
        assert response.status_code == 302, n
        assert response.headers["Location"].endswith(f"/votes/{world.public.id}/ballot")


def test_wrong_codes_from_one_client_are_stopped_and_nobody_else(app, client, session, world):
    with in_request(app, session) as ctx:
        codes = voting.issue_codes(ctx, world.manager, world.public, 1)
        ctx.commit()
    url = f"/votes/{world.public.id}/code"
    guesser = app.test_client()
    for n in range(20):
        wrong = post_form(guesser, url, {"code": f"WRONG{n:04d}CODE"}, environ_base=ATTACKER)
        assert wrong.status_code == 200, n
        assert "We do not know that code" in wrong.get_data(as_text=True)
    refused = post_form(guesser, url, {"code": codes[0]}, environ_base=ATTACKER)
    assert refused.status_code == 429
    response = post_form(client, url, {"code": codes[0]}, environ_base=OWNER)
    assert response.status_code == 302


def test_one_client_cannot_fill_strangers_inboxes(app, client, session, mailbox):
    sender = app.test_client()
    for n in range(20):
        sent = post_form(
            sender, "/password/forgot", {"email": f"someone-{n}@example.org"}, environ_base=ATTACKER
        )
        assert sent.status_code == 200, n
    assert len(mailbox.messages) == 20
    # Registering and asking again share the same count.
    refused = post_form(
        sender,
        "/register",
        {"email": "x@example.org", "name": "X", "password": PASSWORD, "confirm": PASSWORD},
        environ_base=ATTACKER,
    )
    assert refused.status_code == 429
    assert "Too many emails asked for" in refused.get_data(as_text=True)
    assert len(mailbox.messages) == 20
    # Someone else asking for their own reset is not held up.
    mine = post_form(client, "/password/forgot", {"email": "me@example.org"}, environ_base=OWNER)
    assert mine.status_code == 200
    assert len(mailbox.messages) == 21


# Several workers, and a restart, with the counts in Redis.


def _serve(env: dict, port: int) -> subprocess.Popen:
    server = subprocess.Popen(
        [
            str(BIN / "gunicorn"),
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "2",
            "wsgi:create_app()",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    for _ in range(200):
        try:
            if requests.get(f"http://127.0.0.1:{port}/login", timeout=10).status_code == 200:
                return server
        except requests.RequestException:
            time.sleep(0.1)
    server.terminate()
    raise AssertionError("gunicorn did not start")


def _fail_log_in(base: str, email: str) -> int:
    browser = requests.Session()
    page = browser.get(base + "/login", timeout=10).text
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)
    assert token is not None
    data = {"csrf_token": token.group(1), "email": email, "password": "not-the-password"}
    return browser.post(base + "/login", data=data, timeout=10, allow_redirects=False).status_code


def test_with_redis_every_worker_shares_the_count_and_a_restart_keeps_it(tmp_path, redis_url):
    prefix = f"placefund-test-{uuid.uuid4().hex}"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FLASK_", "PLACEFUND_"))}
    env.pop("DATABASE_URL", None)
    env.update(
        PLACEFUND_INSTANCE=str(tmp_path / "instance"),
        REDIS_URL=redis_url,
        RATELIMIT_KEY_PREFIX=prefix,
        LOGIN_FAILURE_LIMIT="3 per 15 minutes",
    )
    flask = str(BIN / "flask")
    for args in (
        [flask, "db", "upgrade"],
        [
            flask,
            "create-admin",
            "--email",
            "admin@example.org",
            "--name",
            "A",
            "--password",
            PASSWORD,
        ],
    ):
        done = subprocess.run(args, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = _serve(env, port)
    try:
        # Each worker alone would let three through: two workers would let six.
        answers = [_fail_log_in(base, "admin@example.org") for _ in range(8)]
    finally:
        server.terminate()
        server.wait(timeout=10)
    assert answers == [200, 200, 200, 429, 429, 429, 429, 429]
    server = _serve(env, port)
    try:
        assert _fail_log_in(base, "admin@example.org") == 429
    finally:
        server.terminate()
        server.wait(timeout=10)
        store = redis.Redis.from_url(redis_url)
        for key in store.scan_iter(f"*{prefix}*"):
            store.delete(key)
