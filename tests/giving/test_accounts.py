"""Accounts: register, confirm, log in and out, reset, change email; throttling and CSRF."""

from __future__ import annotations

import re
import statistics
import time

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from giving.models import AuditEntry, User
from tests.access_helpers import assert_sent_to_log_in
from tests.conftest import csrf_token, log_in, post_form
from tests.factories import PASSWORD, PlaceFactory, PostcodeAreaFactory, UserFactory


def register(client, email="new.person@example.org", postcode="", **extra):
    data = {
        "name": "New Person",
        "email": email,
        "postcode": postcode,
        "password": "correct horse battery",
        "confirm": "correct horse battery",
        **extra,
    }
    return post_form(client, "/register", data)


def confirm_path(mailbox, email: str) -> str:
    """The path of the newest confirmation link sent to ``email``."""
    return mailbox.link(email, "/confirm/").split("localhost", 1)[-1]


def _store(session, user: User) -> None:
    session.add(user)
    session.flush()


def count_users(session) -> int:
    return session.scalar(select(func.count(User.id)))


def test_register_sends_a_confirmation_email_that_confirms(client, session, mailbox):
    response = register(client)
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/register/check-email")
    user = session.scalar(select(User).where(User.email == "new.person@example.org"))
    assert user is not None
    assert not user.is_confirmed
    assert user.password_hash.startswith("$argon2")

    path = mailbox.link("new.person@example.org", "/confirm/").split("localhost", 1)[-1]
    response = client.get(path)
    assert response.status_code == 200
    assert "Confirm my email" in response.get_data(as_text=True)
    session.refresh(user)
    assert not user.is_confirmed, "opening the link changes nothing until the button is pressed"
    response = post_form(client, path, {})
    assert response.status_code == 302
    session.refresh(user)
    assert user.is_confirmed


def test_a_tampered_confirmation_link_is_refused(client, session):
    register(client)
    response = client.get("/confirm/not-a-real-token")
    assert response.status_code == 400
    assert "This link is not right" in response.get_data(as_text=True)
    user = session.scalar(select(User).where(User.email == "new.person@example.org"))
    assert not user.is_confirmed


def test_two_accounts_cannot_share_an_email_whatever_its_case(client, session, mailbox):
    UserFactory(email="sam@example.org")
    before = count_users(session)
    response = register(client, email="SAM@Example.ORG")
    # The page does not say the email is taken (that would tell anyone who has an account);
    # the email to its owner does.
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/register/check-email")
    assert count_users(session) == before
    [message] = mailbox.to("sam@example.org")
    assert message["subject"] == "You already have a Placefund account"


def test_the_database_refuses_a_second_account_with_the_same_email(session):
    UserFactory(email="sam@example.org")
    # The same email, then the same with capitals.
    for email, name in (("sam@example.org", "Sam Two"), ("Sam@example.org", "Sam Three")):
        with pytest.raises(IntegrityError), session.begin_nested():
            _store(session, User(email=email, name=name, password_hash="x"))


def test_an_unknown_postcode_is_refused_with_a_clear_message(client, session):
    PostcodeAreaFactory(prefix="TB1", place=PlaceFactory(name="Testbury"))
    before = count_users(session)
    response = register(client, postcode="ZZ9 9ZZ")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Placefund does not cover ZZ9 9ZZ yet" in page
    assert "Testbury" in page
    assert count_users(session) == before

    response = register(client, postcode="not a postcode")
    assert "Enter a full UK postcode, like E17 4QH" in response.get_data(as_text=True)
    assert count_users(session) == before


def test_a_known_postcode_makes_you_a_resident(client, session, mailbox):
    place = PlaceFactory()
    PostcodeAreaFactory(prefix="TB1 4", place=place)
    register(client, postcode="tb14ab")
    user = session.scalar(select(User).where(User.email == "new.person@example.org"))
    assert user.postcode == "TB1 4AB"
    post_form(client, confirm_path(mailbox, "new.person@example.org"), {})
    page = client.get("/account").get_data(as_text=True)
    assert place.name in page


def test_a_short_password_is_refused(client, session):
    before = count_users(session)
    response = register(client, password="short", confirm="short")
    assert "at least 10 characters" in response.get_data(as_text=True)
    assert count_users(session) == before


def test_log_in_and_out(client, session):
    user = UserFactory()
    response = log_in(client, user)
    assert response.status_code == 302
    assert client.get("/account").status_code == 200
    response = post_form(client, "/logout", {}, page="/account")
    assert response.status_code == 302
    assert client.get("/account").status_code == 302


def test_a_session_dies_at_log_out_even_if_its_cookie_is_kept(client, session, app):
    user = UserFactory()
    log_in(client, user)
    kept = client.get_cookie("session").value
    post_form(client, "/logout", {}, page="/account")
    other = app.test_client()
    other.set_cookie("session", kept)
    assert_sent_to_log_in(other.get("/account"))


def test_the_session_is_renewed_at_log_in(client, session):
    user = UserFactory()
    client.get("/login")
    with client.session_transaction() as s:
        s["planted"] = "from before"
    log_in(client, user)
    with client.session_transaction() as s:
        assert "planted" not in s
        assert s["_user_id"].startswith(f"{user.id}:")


def test_a_wrong_password_six_times_is_throttled(client, session):
    user = UserFactory()
    for attempt in range(5):
        response = log_in(client, user, password=f"wrong-{attempt}-password")
        assert response.status_code == 200, attempt
        assert "The email or password is not right" in response.get_data(as_text=True)
    response = log_in(client, user, password="wrong-again-password")
    assert response.status_code == 429
    assert "Too many tries" in response.get_data(as_text=True)
    # Even the right password waits now.
    assert log_in(client, user, password=PASSWORD).status_code == 429


def test_a_good_log_in_does_not_count_towards_the_limit(client, session):
    user = UserFactory()
    for _ in range(7):
        assert log_in(client, user).status_code == 302
        post_form(client, "/logout", {}, page="/account")


def test_log_in_goes_back_to_the_page_asked_for_but_never_off_site(client, session):
    user = UserFactory()
    token_page = client.get("/login?next=/groups")
    assert token_page.status_code == 200
    response = post_form(client, "/login?next=/groups", {"email": user.email, "password": PASSWORD})
    assert response.headers["Location"].endswith("/groups")
    post_form(client, "/logout", {}, page="/account")
    response = post_form(
        client, "/login?next=//evil.example/", {"email": user.email, "password": PASSWORD}
    )
    assert response.headers["Location"].endswith("/tasks")


def test_a_post_without_a_csrf_token_changes_nothing(client, session):
    before = count_users(session)
    response = client.post(
        "/register",
        data={
            "name": "No Token",
            "email": "no.token@example.org",
            "password": "correct horse battery",
            "confirm": "correct horse battery",
        },
    )
    assert response.status_code == 400
    assert "This form has run out" in response.get_data(as_text=True)
    assert count_users(session) == before


def test_reset_a_forgotten_password(client, session, mailbox):
    user = UserFactory(email="forgetful@example.org")
    response = post_form(client, "/password/forgot", {"email": "Forgetful@example.org"})
    assert "Check your email" in response.get_data(as_text=True)
    link = mailbox.link("forgetful@example.org", "/password/reset/")
    path = link.split("localhost", 1)[-1]
    response = post_form(
        client, path, {"password": "a brand new password", "confirm": "a brand new password"}
    )
    assert response.status_code == 302
    assert log_in(client, user, password=PASSWORD).status_code == 200
    assert log_in(client, user, password="a brand new password").status_code == 302
    # The link works once only.
    assert client.get(path).status_code == 400


def test_asking_to_reset_an_unknown_email_says_so_only_in_an_email(client, mailbox):
    response = post_form(client, "/password/forgot", {"email": "nobody@example.org"})
    assert "We have sent an email to nobody@example.org" in response.get_data(as_text=True)
    [message] = mailbox.to("nobody@example.org")
    assert message["subject"] == "There is no Placefund account with this email"
    assert "/password/reset/" not in message["body"]
    assert "/register" in mailbox.link("nobody@example.org", "/register")


def test_change_email_asks_for_the_password_again(client, session, mailbox):
    user = UserFactory(email="old@example.org")
    log_in(client, user)
    response = post_form(
        client, "/account/email", {"email": "new@example.org", "password": "not my password"}
    )
    assert "Your password is not right" in response.get_data(as_text=True)
    assert mailbox.to("new@example.org") == []

    post_form(client, "/account/email", {"email": "new@example.org", "password": PASSWORD})
    session.refresh(user)
    assert user.email == "old@example.org"  # not until the new address is confirmed
    assert mailbox.to("old@example.org"), "the old address is told"
    path = mailbox.link("new@example.org", "/account/email/confirm/").split("localhost", 1)[-1]
    assert "Confirm my email" in client.get(path).get_data(as_text=True)
    session.refresh(user)
    assert user.email == "old@example.org", "opening the link changes nothing"
    post_form(client, path, {})
    session.refresh(user)
    assert user.email == "new@example.org"


def test_change_email_to_one_already_used_is_refused(client, session):
    UserFactory(email="taken@example.org")
    user = UserFactory()
    log_in(client, user)
    response = post_form(
        client, "/account/email", {"email": "TAKEN@example.org", "password": PASSWORD}
    )
    assert "Another account already uses this email" in response.get_data(as_text=True)


def test_change_password_ends_other_sessions(client, session, app):
    user = UserFactory()
    log_in(client, user)
    other = app.test_client()
    log_in(other, user)
    response = post_form(
        client,
        "/account/password",
        {"current_password": PASSWORD, "new_password": "another long password"},
    )
    assert response.status_code == 302
    assert client.get("/account").status_code == 200
    assert other.get("/account").status_code == 302


def test_every_account_change_is_in_the_audit_log(client, session):
    register(client)
    user = session.scalar(select(User).where(User.email == "new.person@example.org"))
    actions = session.scalars(
        select(AuditEntry.action).where(AuditEntry.object_id == str(user.id))
    ).all()
    assert "account.register" in actions


# Who has an account stays private: registering and asking to reset a password answer the
# same, in the same time, for an email with an account and one without; the email sent says
# what happened.

_VARIES = re.compile(r'(name="csrf_token" type="hidden" value="|nonce=")[^"]+')


def same_page(response, *addresses: str) -> str:
    """A page with what differs by design taken out: CSRF tokens, script nonces, and the
    address the person typed."""
    page = _VARIES.sub(r"\1", response.get_data(as_text=True))
    for address in addresses:
        page = page.replace(address, "ADDRESS")
    return page


def test_registering_answers_the_same_whether_or_not_the_email_has_an_account(
    app, session, mailbox
):
    UserFactory(email="taken@example.org", name="Sam Taken")
    before = count_users(session)
    answers = {}
    for email in ("taken@example.org", "fresh@example.org"):
        client = app.test_client()
        response = register(client, email=email)
        page = client.get("/register/check-email")
        answers[email] = (
            response.status_code,
            response.headers["Location"],
            page.status_code,
            same_page(page, email),
        )
        assert f"We have sent an email to {email}" in page.get_data(as_text=True)
        assert_sent_to_log_in(client.get("/account"))
    assert answers["taken@example.org"] == answers["fresh@example.org"]
    assert answers["fresh@example.org"][:3] == (302, "/register/check-email", 200)
    assert count_users(session) == before + 1

    [known] = mailbox.to("taken@example.org")
    assert known["subject"] == "You already have a Placefund account"
    assert "Someone tried to make a new Placefund account with this email" in known["body"]
    assert mailbox.link("taken@example.org", "/login")
    assert mailbox.link("taken@example.org", "/password/forgot")
    assert "/confirm/" not in known["body"]
    [new] = mailbox.to("fresh@example.org")
    assert new["subject"] == "Confirm your email for Placefund"
    assert mailbox.link("fresh@example.org", "/confirm/")


def test_asking_to_reset_answers_the_same_whether_or_not_the_email_has_an_account(
    app, session, mailbox
):
    UserFactory(email="known@example.org")
    answers = {}
    for email in ("known@example.org", "stranger@example.org"):
        client = app.test_client()
        response = post_form(client, "/password/forgot", {"email": email})
        answers[email] = (response.status_code, same_page(response, email))
    assert answers["known@example.org"] == answers["stranger@example.org"]
    assert answers["known@example.org"][0] == 200

    [known] = mailbox.to("known@example.org")
    assert known["subject"] == "Reset your Placefund password"
    assert mailbox.link("known@example.org", "/password/reset/")
    [stranger] = mailbox.to("stranger@example.org")
    assert stranger["subject"] == "There is no Placefund account with this email"
    assert "/password/reset/" not in stranger["body"]


def test_registering_logs_no_one_in_until_the_emailed_link_is_confirmed(
    client, session, app, mailbox
):
    response = register(client)
    assert response.headers["Location"].endswith("/register/check-email")
    assert_sent_to_log_in(client.get("/account"))
    with client.session_transaction() as s:
        assert "_user_id" not in s

    path = confirm_path(mailbox, "new.person@example.org")
    response = post_form(client, path, {})
    assert response.headers["Location"].endswith("/account")
    page = client.get("/account").get_data(as_text=True)
    assert "Your email is confirmed" in page
    assert "Your email is not confirmed yet" not in page

    # A link that has done its work logs no one else in.
    other = app.test_client()
    response = post_form(other, path, {})
    assert response.headers["Location"].endswith("/login")
    assert_sent_to_log_in(other.get("/account"))


def test_the_email_can_be_sent_again_without_logging_in(app, session, mailbox):
    UserFactory(email="waiting@example.org", unconfirmed=True)
    UserFactory(email="done@example.org")
    answers = {}
    for email in ("waiting@example.org", "done@example.org", "nobody@example.org"):
        client = app.test_client()
        response = post_form(
            client, "/register/resend", {"email": email}, page="/register/check-email"
        )
        page = client.get("/register/check-email")
        answers[email] = (
            response.status_code,
            response.headers["Location"],
            same_page(page, email),
        )
        assert "We have sent another email" in page.get_data(as_text=True)
    assert len(set(answers.values())) == 1

    assert mailbox.link("waiting@example.org", "/confirm/")
    [done] = mailbox.to("done@example.org")
    assert done["subject"] == "Your Placefund email is already confirmed"
    [nobody] = mailbox.to("nobody@example.org")
    assert nobody["subject"] == "There is no Placefund account with this email"


def test_sending_the_email_again_needs_a_real_address(client, session, mailbox):
    response = post_form(
        client, "/register/resend", {"email": "not an email"}, page="/register/check-email"
    )
    assert response.status_code == 200
    assert "Enter a real email address" in response.get_data(as_text=True)
    assert mailbox.messages == []


def _ms(send) -> float:
    """The CPU time the request took in this process (password hashing's threads included):
    the work an attacker's clock would see, without the noise of other processes on the
    machine, which made the same medians differ by half on a busy machine."""
    start = time.process_time()
    response = send()
    elapsed = (time.process_time() - start) * 1000
    assert response.status_code in (200, 302)
    return elapsed


def assert_same_time(known: list[float], unknown: list[float]) -> None:
    """The medians are within a generous margin: a skipped step (a password hash) is not."""
    faster, slower = sorted((statistics.median(known), statistics.median(unknown)))
    assert slower < 1.5 * faster + 5, f"known {known}, unknown {unknown} (ms)"


TIMED = 21


@pytest.fixture
def many_emails_allowed(app, monkeypatch):
    """Timing needs more emails from one client than the limit on emails asked for allows
    (that limit has its own tests in test_throttles.py)."""
    monkeypatch.setitem(app.config, "EMAIL_REQUEST_LIMIT", "1000 per minute")


@pytest.fixture
def slow_password_hashing(app, monkeypatch):
    """Password hashing that takes a while, as on a real site (cheaper than a real site's, to
    keep the test quick), so a hash done for one kind of email and not the other shows."""
    monkeypatch.setitem(app.config, "ARGON2_TIME_COST", 1)
    monkeypatch.setitem(app.config, "ARGON2_MEMORY_COST", 16 * 1024)


def test_registering_takes_the_same_time_whether_or_not_the_email_has_an_account(
    app, session, mailbox, slow_password_hashing, many_emails_allowed
):
    UserFactory(email="taken@example.org")

    def send(email: str):
        client = app.test_client()
        data = {
            "csrf_token": csrf_token(client, "/register"),
            "name": "Someone",
            "email": email,
            "postcode": "",
            "password": "correct horse battery",
            "confirm": "correct horse battery",
        }
        return lambda: client.post("/register", data=data)

    times: dict[str, list[float]] = {"known": [], "unknown": []}
    for attempt in range(-1, TIMED):  # the first of each warms up and is not counted
        known = _ms(send("taken@example.org"))
        unknown = _ms(send(f"someone.{attempt + 1}@example.org"))
        if attempt >= 0:
            times["known"].append(known)
            times["unknown"].append(unknown)
    assert_same_time(times["known"], times["unknown"])


def test_asking_to_reset_takes_the_same_time_whether_or_not_the_email_has_an_account(
    app, session, mailbox, many_emails_allowed
):
    UserFactory(email="known@example.org")
    client = app.test_client()
    token = csrf_token(client, "/password/forgot")

    def send(email: str):
        return lambda: client.post("/password/forgot", data={"csrf_token": token, "email": email})

    times: dict[str, list[float]] = {"known": [], "unknown": []}
    for attempt in range(-1, TIMED):
        known = _ms(send("known@example.org"))
        unknown = _ms(send("nobody@example.org"))
        if attempt >= 0:
            times["known"].append(known)
            times["unknown"].append(unknown)
    assert_same_time(times["known"], times["unknown"])
