"""A group checks it can apply, drafts, leaves, comes back and sends; a fund manager who set
up the round marks the application as one it cannot fund, with reasons; the group reads them.
Every page is scanned with axe."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest

from giving.demo import DEMO_PASSWORD
from giving.timeutil import to_london, utcnow

pytestmark = pytest.mark.e2e


def _date(visitor, field: str, day: dt.date) -> None:
    visitor.page.fill(f"#{field}-day", str(day.day))
    visitor.page.fill(f"#{field}-month", str(day.month))
    visitor.page.fill(f"#{field}-year", str(day.year))


def test_check_apply_leave_return_send_and_read_the_reasons(visitor, mailbox):
    tag = uuid.uuid4().hex[:6]
    title = f"Summer grants {tag}"
    group_name = f"Riverside Book Swap {tag}"
    email = f"jo.{tag}@example.org"
    today = to_london(utcnow()).date()

    # A fund manager sets up a round and opens it.
    visitor.log_in("manager@demo.placefund.org", DEMO_PASSWORD)
    visitor.open("/places/oakbridge/rounds")
    visitor.follow("Set up a new round")
    visitor.fill("Title", title)
    visitor.fill(
        "What the round is for, and what it will not fund",
        "Small grants for summer activities. We do not fund trips abroad.",
    )
    visitor.fill("Total budget, in pounds", "10,000")
    visitor.fill("Smallest grant, in pounds", "100")
    visitor.fill("Largest grant, in pounds", "1,000")
    _date(visitor, "opens_on", today - dt.timedelta(days=1))
    visitor.fill("Time it opens", "9am")
    _date(visitor, "closes_on", today + dt.timedelta(days=10))
    visitor.fill("Time it closes", "5pm")
    _date(visitor, "decision_date", today + dt.timedelta(days=40))
    visitor.press("Save round")
    assert "saved as a draft" in visitor.text()

    visitor.follow("Change who can apply")
    visitor.fill(
        "Groups must have less than this coming in each year, in pounds (optional)", "50,000"
    )
    visitor.press("Save who can apply")
    assert "With less than £50,000 coming in each year" in visitor.text()

    visitor.follow("0 questions")
    visitor.fill("Question", "What will you do?")
    visitor.fill("Why you ask it", "So we know what we pay for.")
    visitor.fill("Word limit", "20")
    visitor.press("Add question")
    assert "Question added" in visitor.text()
    visitor.fill("Question", "Who will come?")
    visitor.fill("Why you ask it", "The fund is for people often left out.")
    visitor.fill("Word limit", "20")
    visitor.press("Add question")
    # Questions can be put in order while the round is a draft.
    visitor.press("Move up question 2")
    assert "Question moved up." in visitor.text()
    assert visitor.text().index("Who will come?") < visitor.text().index("What will you do?")
    visitor.press("Move down question 1")
    assert visitor.text().index("What will you do?") < visitor.text().index("Who will come?")
    visitor.follow(f"Back to {title}")
    visitor.follow("0 things the panel looks for")
    visitor.fill("What the panel looks for", "Brings neighbours together")
    visitor.fill("Weight", "10")
    visitor.press("Add criterion")
    visitor.fill("What the panel looks for", "Reaches people often left out")
    visitor.fill("Weight", "5")
    visitor.press("Add criterion")
    visitor.press("Move up Reaches people often left out")
    assert visitor.text().index("Reaches people") < visitor.text().index("Brings neighbours")
    visitor.follow(f"Back to {title}")
    visitor.follow("Open the round")
    visitor.press("Open the round")
    assert "The round is open" in visitor.text()
    round_path = visitor.page.url.split("/manage")[0].split(visitor.base_url)[1]
    visitor.log_out()

    # A group checks it can apply before it writes a word.
    visitor.open(round_path)
    assert "Check if your group can apply" in visitor.text()
    visitor.follow("Check if your group can apply")
    visitor.fill("About how much money comes into your group each year, in pounds?", "80,000")
    visitor.press("Check")
    assert "Your group cannot apply to this round" in visitor.text()
    assert "Your group has £80,000" in visitor.text()
    visitor.fill("About how much money comes into your group each year, in pounds?", "3,000")
    visitor.press("Check")
    assert "Your group can apply" in visitor.text()

    # It makes an account and adds its group.
    visitor.open("/register")
    visitor.register("Jo Reader", email, "jo's long password")
    visitor.confirm_email(mailbox, email)
    visitor.open("/groups/new")
    visitor.fill("Group name", group_name)
    # Other journeys add places of their own to the same site: choose this round's.
    visitor.page.get_by_label("Where your group works").select_option(label="Oakbridge")
    visitor.page.get_by_label("Community group (not registered)").check()
    visitor.fill("Money coming in each year, in pounds (optional)", "3,000")
    visitor.press("Save group")

    # It starts, saves and leaves.
    visitor.open(round_path)
    visitor.follow("Start an application")
    visitor.page.get_by_label(group_name).check()
    visitor.press("Start application")
    assert "Your application" in visitor.text()
    visitor.fill("Name of your project or idea", "Book swap on the green")
    visitor.fill("How much money are you asking for, in pounds?", "600")
    visitor.fill("1. What will you do?", " ".join(["word"] * 25))
    visitor.press("Save and come back later")
    assert visitor.page.title().startswith("Error:")
    assert "Your answer has 25 words. Use 20 words or fewer." in visitor.text()
    visitor.fill("1. What will you do?", "Shelves of free books on the green every Saturday.")
    visitor.press("Save and come back later")
    assert "Your application is saved" in visitor.text()
    visitor.log_out()

    # The fund manager gives groups more time, and says why; the group hears by email.
    visitor.log_in("manager@demo.placefund.org", DEMO_PASSWORD)
    visitor.open(round_path + "/manage")
    visitor.follow("Give groups more time")
    _date(visitor, "closes_on", today + dt.timedelta(days=5))
    visitor.fill("Why it is moving", "The library was shut.")
    visitor.press("Move the deadline")
    assert "A deadline can only move later" in visitor.text()
    new_day = today + dt.timedelta(days=14)
    _date(visitor, "closes_on", new_day)
    visitor.press("Move the deadline")
    assert f"The deadline is now {new_day.day} {new_day:%B %Y} at 5:00pm" in visitor.text()
    visitor.log_out()
    assert any("Why it moved: The library was shut." in m["body"] for m in mailbox.to(email))

    # It comes back, finishes and sends.
    visitor.log_in(email, "jo's long password")
    visitor.follow("Your applications")
    visitor.follow("Book swap on the green")
    visitor.follow("Carry on with the application")
    assert "Shelves of free books" in visitor.page.input_value("textarea >> nth=0")
    visitor.fill("2. Who will come?", "Children and older neighbours.")
    visitor.press("Save and check your answers")
    assert "9 of 20 words" in visitor.text()
    visitor.press("Send application")
    decision_day = today + dt.timedelta(days=40)
    day_text = f"{decision_day.day} {decision_day:%B %Y}"
    assert "Application sent" in visitor.text()
    assert day_text in visitor.text()
    assert any(day_text in m["body"] for m in mailbox.to(email))
    visitor.follow("See where your application stands")
    assert f"We will tell you the decision by {day_text}." in visitor.text()
    application_url = visitor.page.url
    visitor.log_out()

    # The fund manager marks it as one the round cannot fund, with reasons.
    visitor.log_in("manager@demo.placefund.org", DEMO_PASSWORD)
    visitor.open(round_path + "/manage")
    visitor.follow("Applications")
    visitor.follow(group_name)
    visitor.follow("Record a decision or next step")
    visitor.page.get_by_label("It cannot be funded by this round (give reasons)").check()
    visitor.press("Save decision")
    assert "Write the reasons" in visitor.text()
    visitor.page.get_by_label("It cannot be funded by this round (give reasons)").check()
    visitor.fill(
        "Reasons the group will read",
        "Book swaps are already paid for by the library service. Ask them first.",
    )
    visitor.press("Save decision")
    assert "Cannot be funded by this round" in visitor.text()
    visitor.log_out()

    # The group reads the reasons.
    visitor.log_in(email, "jo's long password")
    visitor.goto_url(application_url)
    text = visitor.text()
    assert "Cannot be funded by this round" in text
    assert "Book swaps are already paid for by the library service" in text
    assert "The application was sent." in text
    visitor.log_out()


def test_the_demo_round_and_its_pages_pass_axe(visitor):
    visitor.open("/places/oakbridge/rounds")
    visitor.follow("Oakbridge Community Chest")
    assert "Who can apply" in visitor.text()
    visitor.follow("Check if your group can apply")
    visitor.log_in("manager@demo.placefund.org", DEMO_PASSWORD)
    visitor.open("/places/oakbridge/rounds")
    visitor.follow("Oakbridge Community Chest")
    visitor.follow("Manage this round")
    visitor.follow("Applications")
    visitor.follow("Oakbridge Refugee Welcome")
    # Staff read the award in staff words, not the group's "You have been given".
    assert "Oakbridge Refugee Welcome has been given £4,000" in visitor.text()
    assert "You have been given" not in visitor.text()
    visitor.log_out()
    visitor.log_in("group@demo.placefund.org", DEMO_PASSWORD)
    visitor.follow("Your applications")
    visitor.follow("Saturday breakfast club")
    assert "We will tell you the decision by" in visitor.text()
    visitor.log_out()
