"""Everyone lands on what to do next: after logging in, each person sees their own tasks, each
linking straight to the action, with plain words when there is nothing to do."""

from __future__ import annotations

import re

import pytest

from giving.workflow import State
from tests.conftest import log_in
from tests.factories import ApplicationFactory, GroupFactory, GroupMemberFactory, UserFactory
from tests.giving.round_helpers import as_user
from tests.giving.tasks_helpers import build_tasks_world


@pytest.fixture
def world(session):
    return build_tasks_world()


def _section(page: str, key: str) -> str:
    """The HTML of one list on the tasks page."""
    match = re.search(rf'data-tasks="{key}">(.*?)</section>', page, re.S)
    assert match, f"no list {key} on the page"
    return match.group(1)


def _links(html: str) -> list[str]:
    return [h.replace("&amp;", "&") for h in re.findall(r'href="([^"]+)"', html)]


def _tasks(client, user) -> str:
    as_user(client, user)
    response = client.get("/tasks")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_logging_in_lands_on_your_tasks_not_the_account_page(client, world):
    response = log_in(client, world.resident)
    assert response.headers["Location"] == "/tasks"
    assert client.get("/login").headers["Location"] == "/tasks"


def test_a_resident_sees_the_vote_the_scoring_and_the_panel_to_offer_for(client, world):
    page = _tasks(client, world.resident)
    votes = _section(page, "votes")
    assert "Vote on Taskbury Neighbourhood Vote" in votes
    assert f"/votes/{world.open_vote.id}/ballot" in _links(votes)
    scoring = _section(page, "scoring")
    assert "Score Taskbury Choir&#39;s application" in scoring
    score_url = f"/panels/{world.panel.id}/applications/{world.to_score.id}/score"
    assert score_url in _links(scoring)
    # Someone who has not said whether they know a group is asked that first.
    assert "Say whether you know Taskbury Bowls Club, then score its application" in scoring
    assert f"/panels/{world.panel.id}/declarations" in _links(scoring)
    offers = _section(page, "offers")
    assert "Taskbury Youth Fund" in offers
    assert f"/places/taskbury/rounds/{world.offers_round.id}/panel/offer" in _links(offers)
    # Each link opens the page where the task is done.
    for url in (f"/votes/{world.open_vote.id}/ballot", score_url):
        assert client.get(url).status_code == 200, url
    # A resident is not staff: no staff lists.
    assert 'data-tasks="to-check"' not in page


def test_someone_who_has_not_shown_where_they_live_is_asked_to(client, world):
    page = _tasks(client, world.newcomer)
    verify = _section(page, "verify")
    assert "Show that you live in Taskbury" in verify
    assert "/places/taskbury/verify" in _links(verify)
    # Not verified: public votes for verified residents are not offered yet.
    assert "Taskbury Neighbourhood Vote" not in _section(page, "votes")


def test_a_group_sees_its_applications_what_is_due_and_its_decisions(client, world):
    page = _tasks(client, world.lead)
    applications = _section(page, "applications")
    assert "Finish Soup club for Taskbury Larder" in applications
    assert f"/applications/{world.draft.id}/edit" in _links(applications)
    decisions = _section(page, "decisions")
    assert "Old van" in decisions
    assert f"/applications/{world.declined.id}" in _links(decisions)
    agreements = _section(page, "agreements")
    assert "Soup for all" in agreements
    assert f"/grants/{world.offered.id}/agreement" in _links(agreements)
    checkins = _section(page, "checkins-due")
    assert f"/grants/{world.running.id}/check-ins/{world.due_checkin.id}" in _links(checkins)
    for url in (f"/applications/{world.draft.id}/edit", f"/grants/{world.offered.id}/agreement"):
        assert client.get(url).status_code == 200, url


def test_a_fund_manager_sees_checks_rounds_votes_payments_and_late_check_ins(client, world):
    page = _tasks(client, world.manager)
    to_check = _section(page, "to-check")
    assert "Check Taskbury Scouts&#39;s application" in to_check
    assert f"/applications/{world.to_check.id}/decide" in _links(to_check)
    assert "Taskbury Chest" in _section(page, "closing")
    confirm = _section(page, "votes-to-confirm")
    assert f"/places/taskbury/rounds/{world.counted_vote.round_id}/votes" in _links(confirm)
    assert "Winter warmers" in _section(page, "payments-due")
    late = _section(page, "checkins-overdue")
    assert f"/grants/{world.running.id}/check-ins/{world.late_checkin.id}" in _links(late)
    assert client.get(f"/applications/{world.to_check.id}/decide").status_code == 200


def test_a_site_admin_sees_the_places(client, world):
    places = _section(_tasks(client, world.admin), "places")
    assert "Manage Taskbury" in places
    assert "/places/taskbury/manage" in _links(places)


def test_nothing_to_do_is_said_in_plain_words(client, session):
    page = _tasks(client, UserFactory(name="Ned Nobody"))
    assert "Nothing is waiting for you right now." in page


def test_a_list_with_nothing_in_it_says_so_in_plain_words(client, world):
    newcomer_lead = UserFactory(name="Nell New")
    GroupMemberFactory(
        group=GroupFactory(place=world.place, name="Taskbury Knitters"), user=newcomer_lead
    )
    page = _tasks(client, newcomer_lead)
    assert "Your groups have no applications on the go." in _section(page, "applications")
    assert "No decisions yet." in _section(page, "decisions")
    assert "No grant agreements are waiting for you." in _section(page, "agreements")
    assert "No check-ins are due." in _section(page, "checkins-due")


def test_a_long_list_shows_five_then_and_n_more_with_the_whole_list_a_page_away(
    client, session, world
):
    for n in range(12):
        ApplicationFactory(
            round=world.chest,
            group=GroupFactory(place=world.place, name=f"Queue group {n}"),
            state=State.SUBMITTED,
        )
    session.commit()
    page = _tasks(client, world.manager)
    to_check = _section(page, "to-check")
    assert len(re.findall(r"<li>", to_check)) == 5
    assert "and 8 more" in to_check
    whole = client.get("/tasks?list=to-check").get_data(as_text=True)
    assert whole.count('/decide"') == 13
    assert client.get("/tasks?list=no-such-list").status_code == 404
    assert client.get("/tasks?list=to-check&page=99").status_code == 200
