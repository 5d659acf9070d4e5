"""Emails go out in the language their reader chose on their account, whatever the language of
the page that sent them: the subject and every sentence, read from the Welsh catalogue."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

from babel.support import Translations
from flask_babel import force_locale

from giving.jobs import commit
from giving.services import request_email_change, send_confirmation, submit_application
from giving.services.reminders import send_due_reminders
from giving.timeutil import format_date, to_london, utcnow
from tests.conftest import in_request
from tests.factories import (
    FundFactory,
    GroupFactory,
    GroupMemberFactory,
    UserFactory,
    make_grant,
)

ROOT = Path(__file__).resolve().parents[2]
# A sentence the template gives to _(): its words up to the first placeholder.
_SENTENCE = re.compile(r'_\("((?:[^"\\]|\\.)*)"')


def welsh(app) -> Translations:
    """The Welsh catalogue the app itself reads."""
    directory = app.config.get("BABEL_TRANSLATION_DIRECTORIES") or "translations"
    return Translations.load(str(Path(app.root_path) / directory), ["cy"])


def english_sentences(template: str) -> list[str]:
    """The English sentences of an email template, each cut at its first placeholder; only
    ones long enough to be a sentence (not "Placefund")."""
    text = (ROOT / "templates" / "email" / f"{template}.txt").read_text()
    sentences = [s.split("%(")[0].strip() for s in _SENTENCE.findall(text)]
    return [s for s in sentences if len(s.split()) >= 3]


def assert_no_english(body: str, template: str) -> None:
    for sentence in english_sentences(template):
        assert sentence not in body, sentence


def test_the_confirmation_email_is_in_welsh_for_a_person_who_chose_welsh(app, session, mailbox):
    person = UserFactory(email="eirlys@example.org", name="Eirlys", locale="cy", unconfirmed=True)
    cy = welsh(app)
    # Sent from an English page: the email follows its reader, not the page.
    with in_request(app, session) as real:
        send_confirmation(real, person)
        commit()
    [email] = mailbox.to("eirlys@example.org")
    assert email["subject"] == cy.gettext("Confirm your email for Placefund")
    assert email["subject"] != "Confirm your email for Placefund"
    body = email["body"]
    assert cy.gettext("Hello %(name)s,") % {"name": "Eirlys"} in body
    assert cy.gettext("Please confirm this is your email for Placefund. Open this link:") in body
    assert "/confirm/" in body
    assert_no_english(body, "confirm")


def test_the_email_that_an_application_arrived_is_in_welsh(app, world, session, mailbox):
    world.member.locale = "cy"
    session.flush()
    cy = welsh(app)
    title = world.round.title
    with in_request(app, session) as real:
        submit_application(real, world.member, world.application)
        commit()
    [email] = mailbox.to(world.member.email)
    expected = cy.gettext("We have your application to %(round)s") % {"round": title}
    assert email["subject"] == expected
    assert email["subject"] != f"We have your application to {title}"
    body = email["body"]
    ref = f"PF-{world.application.id}"
    assert cy.gettext("Your reference is %(ref)s.") % {"ref": ref} in body
    assert cy.gettext("If we cannot fund it, we will tell you why.") in body
    assert_no_english(body, "application_submitted")


def test_the_link_to_a_new_address_is_in_the_language_of_the_person_who_asked(
    app, session, mailbox
):
    person = UserFactory(email="hen@example.org", name="Eirlys", locale="cy")
    cy = welsh(app)
    # No account has the new address yet: the email follows the person who asked for it.
    with in_request(app, session) as real:
        request_email_change(real, person, "newydd@example.org", "a-long-password")
        commit()
    [email] = mailbox.to("newydd@example.org")
    assert email["subject"] == cy.gettext("Confirm your new email for Placefund")
    assert email["subject"] != "Confirm your new email for Placefund"
    assert cy.gettext("Hello %(name)s,") % {"name": "Eirlys"} in email["body"]
    assert_no_english(email["body"], "change_email")
    [notice] = mailbox.to("hen@example.org")
    assert notice["subject"] == cy.gettext("Someone asked to change your Placefund email")
    assert_no_english(notice["body"], "change_email_notice")


def test_a_reminder_is_in_the_language_of_each_person_it_goes_to(app, session, mailbox):
    """The reminders job runs with no page at all: each email is written for its reader,
    dates too (a Welsh reader gets the month's Welsh name)."""
    fund = FundFactory(questions=["What went well?"])
    group = GroupFactory(place=fund.place, name="Castle Larder")
    welsh_member = GroupMemberFactory(group=group, user=UserFactory(locale="cy")).user
    english_member = GroupMemberFactory(group=group).user
    grant = make_grant(fund, group=group, accepted=True, total_pence=1_200_000, title="Food club")
    checkin = grant.checkins[0]
    checkin.due_on = to_london(utcnow()).date() + dt.timedelta(days=3)
    for instalment in grant.instalments:
        instalment.due_date = checkin.due_on + dt.timedelta(days=200)
    session.flush()
    cy = welsh(app)
    with app.test_request_context():
        with force_locale("cy"):
            day = format_date(checkin.due_on)
        send_due_reminders(session, utcnow())
        commit()
    [email] = mailbox.to(welsh_member.email)
    subject = cy.gettext("Your check-in for %(title)s is due on %(day)s")
    # (A long subject is folded in the header: compare its words.)
    assert email["subject"].split() == (subject % {"title": "Food club", "day": day}).split()
    why = cy.gettext("You get this email because you are a member of %(group)s.")
    assert why % {"group": "Castle Larder"} in email["body"]
    assert "You get this email" not in email["body"]
    [english] = mailbox.to(english_member.email)
    assert english["subject"].startswith("Your check-in for Food club is due on")
