"""The platform underneath: settings, migrations, security headers, error pages, email and
background jobs, the append-only audit log."""

from __future__ import annotations

import re
import uuid

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from cryptography.fernet import Fernet
from flask import flash, render_template
from redis import Redis
from sqlalchemy import select, text
from sqlalchemy.exc import DatabaseError

from giving.email import send_email
from giving.extensions import db
from giving.jobs import commit, run_worker
from giving.languages import COOKIE
from giving.models import AuditEntry, OutboxMessage, OutboxStatus, Role
from giving.services import audit
from tests.conftest import log_in
from tests.factories import PlaceFactory, RoleGrantFactory, UserFactory
from wsgi import create_app


def test_production_refuses_to_start_with_the_default_secret(monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    with pytest.raises(RuntimeError, match="Set SECRET_KEY"):
        create_app("production", SQLALCHEMY_DATABASE_URI="sqlite://")
    app = create_app(
        "production",
        SQLALCHEMY_DATABASE_URI="sqlite://",
        SECRET_KEY=uuid.uuid4().hex * 2,
        BANK_DETAILS_KEYS=[Fernet.generate_key().decode()],
    )
    assert app.config["SESSION_COOKIE_SECURE"] is True


def test_with_nothing_set_it_runs_on_a_sqlite_file_in_instance(monkeypatch):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    import importlib

    import config

    reloaded = importlib.reload(config)
    try:
        assert reloaded.Config.SQLALCHEMY_DATABASE_URI.startswith("sqlite:///")
        assert reloaded.Config.SQLALCHEMY_DATABASE_URI.endswith("instance/placefund.sqlite3")
        monkeypatch.setenv("DATABASE_URL", "postgres://u@db.example/pf")
        assert reloaded._database_url() == "postgresql+psycopg://u@db.example/pf"
    finally:
        importlib.reload(config)


def test_models_and_migrations_agree(app, session):
    with app.app_context(), db.engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "render_as_batch": True}
        )
        diff = compare_metadata(context, db.metadata)
    assert diff == [], f"the models and migrations differ: {diff}"


def test_security_headers_on_every_page(client):
    response = client.get("/")
    headers = response.headers
    csp = headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in csp
    assert "default-src 'self'" in csp
    nonce = csp.split("'nonce-")[1].split("'")[0]
    assert f'nonce="{nonce}"' in response.get_data(as_text=True)
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["X-Frame-Options"] == "DENY"
    assert "Strict-Transport-Security" not in headers  # plain http on this machine
    other = client.get("/").headers["Content-Security-Policy"]
    assert other != csp  # a fresh nonce every time


def test_production_sends_hsts():
    app = create_app(
        "production",
        SQLALCHEMY_DATABASE_URI="sqlite://",
        SECRET_KEY="x" * 64,
        BANK_DETAILS_KEYS=[Fernet.generate_key().decode()],
    )
    response = app.test_client().get("/accessibility")
    assert "max-age=" in response.headers["Strict-Transport-Security"]


def test_pages_say_which_language_they_are_in(client):
    page = client.get("/").get_data(as_text=True)
    assert '<html lang="en-GB"' in page
    assert 'href="#main-content"' in page


def test_friendly_error_pages_leak_nothing(tmp_path):
    app = create_app("test", SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'e.sqlite3'}")
    app.config["TESTING"] = False

    @app.get("/boom")
    def boom():
        raise RuntimeError("secret internals: password=hunter2")

    client = app.test_client()
    response = client.get("/boom")
    page = response.get_data(as_text=True)
    assert response.status_code == 500
    assert "Sorry, something went wrong on our side" in page
    assert "hunter2" not in page
    assert "Traceback" not in page
    response = client.get("/no/such/page")
    assert response.status_code == 404
    assert "Page not found" in response.get_data(as_text=True)


def _send(app, session, user, subject: str = "Hello") -> OutboxMessage:
    """Email ``user`` in a request that commits; the outbox row it leaves."""
    with app.test_request_context():
        message = send_email(user.email, subject, "confirm", user=user, link="http://x/y")
        commit()
        message_id = message.id
    return session.get(OutboxMessage, message_id)


def test_with_no_mail_server_email_goes_to_the_console_and_the_outbox(
    app, session, capsys, monkeypatch
):
    user = UserFactory()
    monkeypatch.setitem(app.config, "MAIL_SERVER", "")
    assert _send(app, session, user).status == OutboxStatus.CONSOLE
    assert f"email to {user.email}" in capsys.readouterr().err


def test_email_is_delivered_over_smtp(app, session, mailbox):
    user = UserFactory(email="reader@example.org")
    assert _send(app, session, user, "Hello there").status == OutboxStatus.SENT
    assert mailbox.to("reader@example.org")[0]["subject"] == "Hello there"


def test_a_mail_server_that_is_down_is_recorded_not_hidden(app, session, monkeypatch):
    user = UserFactory()
    monkeypatch.setitem(app.config, "MAIL_PORT", 1)
    message = _send(app, session, user)
    assert message.status == OutboxStatus.FAILED
    assert message.error


def test_nothing_is_sent_when_the_request_rolls_back(app, session, mailbox):
    user = UserFactory()
    with app.test_request_context():
        send_email(user.email, "Never", "confirm", user=user, link="http://x/y")
        db.session.rollback()
        commit()
    assert mailbox.messages == []


@pytest.fixture
def redis_queue(app, redis_url):
    connection = Redis.from_url(redis_url)
    connection.ping()
    name = f"placefund-test-{uuid.uuid4().hex[:8]}"
    saved = app.config["REDIS_URL"], app.config["RQ_QUEUE"]
    app.config["REDIS_URL"], app.config["RQ_QUEUE"] = redis_url, name
    yield name
    app.config["REDIS_URL"], app.config["RQ_QUEUE"] = saved
    for key in connection.scan_iter(f"rq:*{name}*"):
        connection.delete(key)


def test_with_redis_email_goes_through_an_rq_worker(app, session, mailbox, redis_queue):
    user = UserFactory(email="queued@example.org")
    with app.test_request_context():
        message = send_email(user.email, "Queued", "confirm", user=user, link="http://x/y")
        commit()
        message_id = message.id
        assert (
            session.get(OutboxMessage, message_id).status == OutboxStatus.QUEUED
        )  # waiting for a worker
        assert mailbox.to("queued@example.org") == []
        run_worker(burst=True)
    message = session.get(OutboxMessage, message_id)
    assert message.status == OutboxStatus.SENT
    assert mailbox.to("queued@example.org")[0]["subject"] == "Queued"


def test_the_audit_log_is_append_only(app, session):
    user = UserFactory()
    with app.test_request_context():
        entry = audit(session, user, "test.thing", user, "Did a thing")
        session.commit()
        entry.summary = "Rewritten history"
        with pytest.raises(PermissionError):
            session.flush()
        session.rollback()
        with pytest.raises(DatabaseError), session.begin_nested():
            session.execute(
                text("UPDATE audit_entries SET summary = 'x' WHERE id = :id"), {"id": entry.id}
            )
        with pytest.raises(DatabaseError), session.begin_nested():
            session.execute(text("DELETE FROM audit_entries WHERE id = :id"), {"id": entry.id})
    assert session.scalar(select(AuditEntry.summary).where(AuditEntry.id == entry.id)) == (
        "Did a thing"
    )


def test_the_record_of_changes_is_for_staff_only(client, session):
    from giving.models import Role
    from tests.factories import PlaceFactory, RoleGrantFactory

    place = PlaceFactory()
    manager = RoleGrantFactory(place=place, role=Role.FUND_MANAGER).user
    resident = UserFactory()
    log_in(client, manager)
    response = client.get(f"/places/{place.slug}/audit")
    assert response.status_code == 200
    assert "Record of changes" in response.get_data(as_text=True)
    client.post("/logout")
    client2 = client.application.test_client()
    log_in(client2, resident)
    assert client2.get(f"/places/{place.slug}/audit").status_code == 403


def test_the_record_of_changes_says_it_is_in_english_on_a_welsh_page(client, session):
    place = PlaceFactory()
    manager = RoleGrantFactory(place=place, role=Role.FUND_MANAGER).user
    audit(session, manager, "test.thing", place, "Set the panel's quotas", place=place)
    session.commit()
    log_in(client, manager)
    client.set_cookie(COOKIE, "cy")
    page = client.get(f"/places/{place.slug}/audit").get_data(as_text=True)
    assert 'lang="cy"' in page
    assert '<td class="govuk-table__cell" lang="en">Set the panel&#39;s quotas</td>' in page


def test_messages_waiting_for_a_page_show_in_one_banner_for_each_kind(app):
    with app.test_request_context("/"):
        flash("Log in to vote.", "info")
        flash("This vote is not open for voting now.", "message")
        flash("Log in to vote.", "info")
        flash("Saved.", "success")
        page = render_template("errors.html", code=400, title="Oops", message="Try again.")
    assert page.count('role="region"') == 1
    assert page.count('role="alert"') == 1
    assert page.count("Log in to vote.") == 1
    problem, saved = page.index("This vote is not open"), page.index("Saved.")
    assert page.index("Log in to vote.") < problem < saved
    ids = re.findall(r'\bid="([^"]+)"', page)
    assert len(ids) == len(set(ids))
