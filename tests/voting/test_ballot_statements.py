"""The ballot asks the database the same few questions however many projects are on it:
the vote's page, the ballot page, casting a ballot and changing it. Hundreds of people can
vote a second only if each ballot costs a handful of statements."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from giving.extensions import db
from giving.workflow import State
from tests.factories import ApplicationFactory
from tests.giving.round_helpers import as_user
from tests.statements import statements_for, statements_sent
from tests.voting.ballot_helpers import in_request, vote_world
from voting import services
from voting.models import BallotChoice

CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')
# What a ballot may cost at most, counting the savepoint the tests wrap each request in.
MOST_FOR_A_PAGE = 8
MOST_FOR_A_BALLOT = 12


def _vote_with(app, session, projects: int):
    """An open public vote with ``projects`` projects on its ballot."""
    world = vote_world(app, session, open_votes=False, slug=f"ashvale-{projects}")
    for _n in range(projects - len(world.applications)):
        ApplicationFactory(round=world.round, state=State.SHORTLISTED, answered=True)
    with in_request(app, session) as ctx:
        services.move_vote(ctx, world.manager, world.public, "open")
        ctx.commit()
    assert len(world.public.options) == projects
    return world


def _send(client, engine, url: str, option_ids: list[int]) -> int:
    """Fetch the ballot page, then send it with every project ticked; the statements the
    sending took."""
    token = CSRF.search(client.get(url).get_data(as_text=True))
    assert token is not None
    with statements_sent(engine) as seen:
        response = client.post(
            url, data={"csrf_token": token.group(1), "choices": [str(i) for i in option_ids]}
        )
    assert response.status_code == 302, response.get_data(as_text=True)
    return len(seen)


def _costs(app, session, client, projects: int) -> dict[str, int]:
    world = _vote_with(app, session, projects)
    vote = world.public
    option_ids = [o.id for o in vote.options]
    as_user(client, world.residents[0])
    with app.app_context():
        engine = db.engine
    url = f"/votes/{vote.id}/ballot"
    costs = {
        "vote page": statements_for(client, engine, f"/votes/{vote.id}"),
        "ballot page": statements_for(client, engine, url),
        "first ballot": _send(client, engine, url, option_ids),
        "ballot page again": statements_for(client, engine, url),
        "changed ballot": _send(client, engine, url, option_ids[:-1]),
    }
    chosen = session.scalar(
        select(func.count()).select_from(BallotChoice).where(BallotChoice.option_id.in_(option_ids))
    )
    assert chosen == projects - 1  # one ballot, changed: every project but the last
    return costs


@pytest.mark.parametrize("more", [30])
def test_a_ballot_costs_the_same_few_statements_with_3_projects_or_30(app, session, client, more):
    few = _costs(app, session, client, 3)
    many = _costs(app, session, client, more)
    assert few == many
    for what in ("vote page", "ballot page", "ballot page again"):
        assert few[what] <= MOST_FOR_A_PAGE, (what, few)
    for what in ("first ballot", "changed ballot"):
        assert few[what] <= MOST_FOR_A_BALLOT, (what, few)
