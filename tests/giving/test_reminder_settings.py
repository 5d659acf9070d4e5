"""A person turns their reminders by email off, and on again, from their account page."""

from __future__ import annotations

from giving.models import AuditEntry
from tests.conftest import log_in, post_form
from tests.factories import UserFactory


def test_reminders_are_on_until_a_person_turns_them_off(app, client, session):
    person = UserFactory()
    assert person.reminders_on is True
    log_in(client, person)
    account = client.get("/account").get_data(as_text=True)
    assert "Reminders by email" in account
    assert 'href="/account/reminders"' in account

    page = client.get("/account/reminders").get_data(as_text=True)
    assert 'value="on" checked' in page

    response = post_form(client, "/account/reminders", {"reminders": "off"})
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/account")
    session.refresh(person)
    assert person.reminders_on is False
    assert "Reminders are off." in client.get("/account").get_data(as_text=True)
    assert session.query(AuditEntry).filter_by(action="account.reminders").count() == 1

    post_form(client, "/account/reminders", {"reminders": "on"})
    session.refresh(person)
    assert person.reminders_on is True


def test_a_form_with_no_answer_says_so_and_changes_nothing(app, client, session):
    person = UserFactory()
    log_in(client, person)
    for data in ({}, {"reminders": "maybe"}):
        response = post_form(client, "/account/reminders", data)
        assert response.status_code == 200
        page = response.get_data(as_text=True)
        assert "govuk-error-message" in page
        session.refresh(person)
        assert person.reminders_on is True
