"""The ballot asks the database the same few questions however many projects are on it:
the vote's page, the ballot page, checking the choices, casting a ballot and changing it
with its receipt. Hundreds of people can vote a second only if each ballot costs a handful of
statements."""

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


RECEIPT = re.compile(r'class="pf-receipt">([A-Z2-9]{10})<')


def _send(
    client, engine, url: str, option_ids: list[int], receipt: str | None = None
) -> tuple[int, int, str]:
    """Fetch the ballot page, check it with these projects ticked, then cast it; the
    statements checking and casting took, and the receipt shown afterwards."""
    token = CSRF.search(client.get(url).get_data(as_text=True))
    assert token is not None
    data = {"csrf_token": token.group(1), "choices": [str(i) for i in option_ids]}
    if receipt:
        data["receipt"] = receipt
    with statements_sent(engine) as checking:
        checked = client.post(url + "/check", data=data)
    assert checked.status_code == 200, checked.get_data(as_text=True)
    with statements_sent(engine) as casting:
        response = client.post(url + "/cast", data=data)
    assert response.status_code == 302, response.get_data(as_text=True)
    shown = RECEIPT.search(client.get(url + "/done").get_data(as_text=True))
    assert shown is not None
    return len(checking), len(casting), shown.group(1)


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
    }
    costs["check"], costs["first ballot"], receipt = _send(client, engine, url, option_ids)
    costs["ballot page again"] = statements_for(client, engine, url)
    costs["check again"], costs["changed ballot"], again = _send(
        client, engine, url, option_ids[:-1], receipt
    )
    assert again == receipt
    chosen = session.scalar(
        select(func.count()).select_from(BallotChoice).where(BallotChoice.option_id.in_(option_ids))
    )
    assert chosen == projects - 1  # one ballot, changed: every project but the last
    return costs


@pytest.mark.parametrize("more", [30])
def test_a_ballot_costs_the_same_few_statements_with_3_projects_or_30(app, session, client, more):
    few = _costs(app, session, client, 3)
    many = _costs(app, session, client, more)
    assert few == many, (few, many)
    for what in ("vote page", "ballot page", "ballot page again", "check", "check again"):
        assert few[what] <= MOST_FOR_A_PAGE, (what, few)
    for what in ("first ballot", "changed ballot"):
        assert few[what] <= MOST_FOR_A_BALLOT, (what, few)
