"""Staff close and count a vote from the web as a background job: they are sent to the job's
page, which says when it is counted and links to the results."""

from __future__ import annotations

import re

from giving.models import Job, JobState
from tests.conftest import post_form
from tests.giving.round_helpers import as_user
from tests.voting.ballot_helpers import in_request, ticks, vote_world
from voting import services
from voting.workflow import VoteStatus


def test_closing_a_vote_counts_it_in_a_job_whose_page_links_to_the_results(client, app, session):
    world = vote_world(app, session, slug="ashvale-job")
    with in_request(app, session) as ctx:
        voter = services.voter_for_user(ctx, world.chair.user, world.panel_vote)
        services.cast_ballot(
            ctx, world.panel_vote, voter, ticks(world.panel_vote, world.applications[0])
        )
        ctx.commit()
    as_user(client, world.manager)
    base = f"/places/{world.place.slug}/rounds/{world.round.id}/votes/{world.panel_vote.id}"
    response = post_form(client, base + "/move/close", {})
    assert response.status_code == 302
    job_id = int(re.fullmatch(r".*/jobs/(\d+)", response.headers["Location"]).group(1))
    job = session.get(Job, job_id)
    assert job.state == JobState.DONE
    assert (job.done, job.total) == (1, 1)  # one ballot counted
    session.refresh(world.panel_vote)
    assert world.panel_vote.status == VoteStatus.COUNTED
    page = client.get(f"/jobs/{job_id}").get_data(as_text=True)
    assert "Closing and counting the panel vote for" in page
    assert f'href="/votes/{world.panel_vote.id}/results">Counted: see the results' in page

    # A counted vote cannot be closed again: nothing is queued.
    again = post_form(client, base + "/move/close", {})
    assert again.status_code != 302 or "/jobs/" not in again.headers.get("Location", "")
    assert session.query(Job).count() == 1
