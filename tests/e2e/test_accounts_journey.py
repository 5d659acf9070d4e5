"""A person's first visit: register, confirm, log in and out, reset a password, edit a group."""

from __future__ import annotations

import pytest

from giving.demo import DEMO_PASSWORD

pytestmark = pytest.mark.e2e


def test_register_confirm_log_in_out_and_reset_password(visitor, mailbox):
    visitor.open("/")
    visitor.follow("Create an account")
    visitor.register("Robin Hart", "robin.hart@example.org", "robin's long password", "OB2 1AA")
    assert "Check your email" in visitor.text()
    assert "We have sent an email to robin.hart@example.org" in visitor.text()
    # Not logged in yet: confirming the email does that.
    assert visitor.page.get_by_role("button", name="Log out", exact=True).count() == 0

    visitor.confirm_email(mailbox, "robin.hart@example.org")
    assert "Your account" in visitor.page.title()
    assert "Your email is confirmed" in visitor.text()
    # A postcode typed at sign-up is a claim: the account page offers to verify it.
    assert "not verified yet" in visitor.text()
    assert "Oakbridge" in visitor.text()

    visitor.log_out()
    assert "You have logged out" in visitor.text()

    visitor.open("/login")
    visitor.follow("I forgot my password")
    visitor.fill("Email address", "robin.hart@example.org")
    visitor.press("Send me a link")
    assert "Check your email" in visitor.text()
    visitor.goto_url(mailbox.link("robin.hart@example.org", "/password/reset/"))
    visitor.fill("New password", "a fresh password for robin")
    visitor.fill("Type the new password again", "a fresh password for robin")
    visitor.press("Save new password")
    assert "Your password has changed" in visitor.text()

    visitor.log_in("robin.hart@example.org", "robin's long password")
    assert "The email or password is not right" in visitor.text()
    visitor.log_in("robin.hart@example.org", "a fresh password for robin")
    assert "Your tasks" in visitor.page.title()
    visitor.log_out()


def test_registering_with_an_email_that_has_an_account_looks_the_same(visitor, mailbox):
    visitor.open("/register")
    visitor.register("Someone Else", "group@demo.placefund.org", "a long password indeed")
    assert "We have sent an email to group@demo.placefund.org" in visitor.text()
    assert "already" not in visitor.text()

    # The email tells the owner, and the way in it gives works.
    [message] = mailbox.to("group@demo.placefund.org")
    assert message["subject"] == "You already have a Placefund account"
    visitor.goto_url(mailbox.link("group@demo.placefund.org", "/login"))
    visitor.fill("Email address", "group@demo.placefund.org")
    visitor.fill("Password", DEMO_PASSWORD)
    visitor.press("Log in")
    assert "Your tasks" in visitor.page.title()
    visitor.log_out()


def test_the_email_is_sent_again_without_logging_in(visitor, mailbox):
    visitor.open("/register")
    visitor.register("Kit Lowe", "kit.lowe@example.org", "kit's long password")
    visitor.fill("Email address", "kit.lowe@example.org")
    visitor.press("Send the email again")
    assert "We have sent another email" in visitor.text()
    assert len(mailbox.to("kit.lowe@example.org")) == 2
    visitor.confirm_email(mailbox, "kit.lowe@example.org")
    assert "Your account" in visitor.page.title()
    visitor.log_out()


def test_a_mistake_on_the_form_is_shown_next_to_the_field(visitor):
    visitor.open("/register")
    visitor.register("Pat Doe", "pat@example.org", "pat's long password", "ZZ9 9ZZ")
    assert visitor.page.title().startswith("Error:")
    summary = visitor.page.locator(".govuk-error-summary").inner_text()
    assert "Placefund does not cover ZZ9 9ZZ yet" in summary
    field_error = visitor.page.locator("#postcode-error").inner_text()
    assert "Placefund does not cover ZZ9 9ZZ yet" in field_error


def test_a_group_member_edits_the_group_profile(visitor):
    visitor.log_in("group@demo.placefund.org", DEMO_PASSWORD)
    visitor.follow("Your groups")
    visitor.follow("Castle Hill Community Larder")
    visitor.follow("Change details")
    visitor.fill("What your group does", "We share food with neighbours every Saturday.")
    visitor.fill("Money coming in each year, in pounds (optional)", "12,500.50")
    visitor.press("Save group")
    text = visitor.text()
    assert "Your group's profile is saved" in text
    assert "We share food with neighbours every Saturday." in text
    assert "£12,500.50" in text
    visitor.log_out()


def test_pages_fit_a_320_pixel_screen(narrow_visitor):
    for path in ("/", "/places/oakbridge", "/register", "/login"):
        page = narrow_visitor.open(path)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 320, f"{path} is {width}px wide at a 320px screen"
    narrow_visitor.log_in("manager@demo.placefund.org", DEMO_PASSWORD)
    assert "Your tasks" in narrow_visitor.page.title()
    page = narrow_visitor.open("/places/oakbridge/manage")
    assert page.evaluate("document.documentElement.scrollWidth") <= 320
    narrow_visitor.log_out()
    assert "You have logged out" in narrow_visitor.text()


def test_register_and_log_in_work_without_javascript(noscript_visitor, mailbox):
    v = noscript_visitor
    v.open("/register")
    v.register("Nell Script", "nell@example.org", "nell's long password")
    assert "Check your email" in v.text()
    v.confirm_email(mailbox, "nell@example.org")
    assert "Your email is confirmed" in v.text()
    assert "Your account" in v.page.title()
    v.log_out()
    v.log_in("nell@example.org", "nell's long password")
    assert "Your tasks" in v.page.title()
    v.log_out()
