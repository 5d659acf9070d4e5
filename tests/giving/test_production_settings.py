"""Production mode, as an operator deploys it: secure cookies and HSTS, the client's address
and scheme taken from exactly as many proxies as the operator trusts, and a warning when
the counts of failed tries would not be shared between workers."""

from __future__ import annotations

import logging
import re

import pytest
from cryptography.fernet import Fernet
from flask import Flask, request

from giving.extensions import db
from tests.database_helpers import reset_schema
from wsgi import create_app

SECRET = "a-long-random-production-secret-for-this-test-only"
# Production refuses to start without its own key for groups' bank details.
BANK_KEYS = [Fernet.generate_key().decode()]


def _production(tmp_path, **settings) -> Flask:
    app = create_app(
        "production",
        SECRET_KEY=SECRET,
        BANK_DETAILS_KEYS=BANK_KEYS,
        SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'production.sqlite3'}",
        **settings,
    )

    @app.get("/seen-as")
    def seen_as() -> dict:
        return {"address": request.remote_addr, "scheme": request.scheme}

    reset_schema(app)
    return app


@pytest.fixture
def production(tmp_path):
    app = _production(tmp_path, TRUSTED_PROXIES=1, RATELIMIT_STORAGE_URI="memory://")
    yield app
    with app.app_context():
        db.engine.dispose()


def test_production_sends_hsts_and_secure_cookies(production):
    client = production.test_client()
    page = client.get("/login", base_url="https://placefund.example.org")
    assert page.status_code == 200
    assert page.headers["Strict-Transport-Security"].startswith("max-age=31536000")
    cookie = page.headers["Set-Cookie"]
    assert cookie.startswith("session=")
    for flag in ("Secure", "HttpOnly", "SameSite=Lax"):
        assert re.search(rf";\s*{flag}", cookie), (flag, cookie)


def test_production_believes_exactly_the_trusted_proxies(production):
    client = production.test_client()
    seen = client.get(
        "/seen-as",
        base_url="http://10.0.0.1",
        environ_base={"REMOTE_ADDR": "10.0.0.2"},
        headers={"X-Forwarded-For": "192.0.2.1, 198.51.100.7", "X-Forwarded-Proto": "https"},
    ).get_json()
    # One proxy is trusted: the address it saw, not one the client wrote in before it.
    assert seen == {"address": "198.51.100.7", "scheme": "https"}


def test_with_no_trusted_proxy_forwarded_headers_are_ignored(tmp_path):
    app = _production(tmp_path, TRUSTED_PROXIES=0, RATELIMIT_STORAGE_URI="memory://")
    seen = (
        app.test_client()
        .get(
            "/seen-as",
            base_url="http://10.0.0.1",
            environ_base={"REMOTE_ADDR": "10.0.0.2"},
            headers={"X-Forwarded-For": "198.51.100.7", "X-Forwarded-Proto": "https"},
        )
        .get_json()
    )
    assert seen == {"address": "10.0.0.2", "scheme": "http"}
    with app.app_context():
        db.engine.dispose()


@pytest.fixture
def limits_kept_in_memory_afterwards():
    """The limiter is one object for the process: once a test's app has pointed it at Redis,
    an app on memory points it back for the tests that follow."""
    yield
    create_app("test", SQLALCHEMY_DATABASE_URI="sqlite://")


def test_production_shares_its_counts_through_redis_and_warns_without_it(
    caplog, redis_url, limits_kept_in_memory_afterwards
):
    settings = {
        "SECRET_KEY": SECRET,
        "BANK_DETAILS_KEYS": BANK_KEYS,
        "SQLALCHEMY_DATABASE_URI": "sqlite://",
    }
    with caplog.at_level(logging.WARNING):
        with_redis = create_app("production", REDIS_URL=redis_url, **settings)
    assert with_redis.config["RATELIMIT_STORAGE_URI"] == redis_url
    assert not [r for r in caplog.records if "Production needs Redis" in r.getMessage()]
    with caplog.at_level(logging.WARNING):
        alone = create_app("production", REDIS_URL="", **settings)
    assert alone.config["RATELIMIT_STORAGE_URI"] == "memory://"
    assert any("Production needs Redis" in r.getMessage() for r in caplog.records)


def test_production_refuses_the_development_secret(tmp_path):
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app("production", SECRET_KEY="")
