"""Staff reading a group's application see staff wording ("Taskbury Scouts's application",
not "Your applications", no withdraw button meant for the group) and the panel's scores and
notes; the group still reads its own words."""

from __future__ import annotations

import pytest

from tests.giving.round_helpers import as_user
from tests.giving.tasks_helpers import build_tasks_world


@pytest.fixture
def world(session):
    return build_tasks_world()


def test_the_fund_manager_reads_a_groups_application_in_staff_words(client, world):
    as_user(client, world.manager)
    page = client.get(f"/applications/{world.to_score.id}").get_data(as_text=True)
    assert "Taskbury Choir's application" in page
    assert "Your applications" not in page.split("<main")[1]
    assert "Withdraw this application" not in page
    assert "All applications to Taskbury Chest" in page
    scores = f"/panels/{world.panel.id}/applications/{world.to_score.id}/scores"
    discussion = f"/panels/{world.panel.id}/applications/{world.to_score.id}/discussion"
    assert f'href="{scores}"' in page
    assert f'href="{discussion}"' in page
    assert client.get(scores).status_code == 200


def test_the_group_reads_its_own_application_in_its_own_words(client, world):
    as_user(client, world.lead)
    page = client.get(f"/applications/{world.declined.id}").get_data(as_text=True)
    assert "Your applications" in page
    assert "Larder's application" not in page
    assert "The panel's scores" not in page
