"""A member with a conflict sees nothing of that application: not its scores, its scoring
form or its discussion (403), nor the application itself on giving's pages; and scores they
gave before declaring stop counting."""

from __future__ import annotations

import pytest
from markupsafe import escape

from giving.timeutil import utcnow
from tests.conftest import post_form
from tests.giving.round_helpers import as_user
from tests.voting.panel_helpers import app_url, panel_url
from voting import services
from voting.models import Declaration, Review, Score


@pytest.mark.parametrize("page", ["scores", "score", "discussion"])
def test_a_conflicted_member_gets_403_on_that_application(client, world, page):
    as_user(client, world.conflicted.user)
    assert client.get(app_url(world, world.first, page)).status_code == 403
    # ...and cannot post to it either.
    response = post_form(
        client, app_url(world, world.first, page), {"text": "Hello"}, page="/account"
    )
    assert response.status_code in (403, 405)
    # The other application, with no conflict, is open to them.
    assert client.get(app_url(world, world.second, page)).status_code == 200


def test_a_conflicted_member_cannot_read_the_application_on_giving_pages(client, world):
    as_user(client, world.conflicted.user)
    assert client.get(f"/applications/{world.first.id}").status_code == 403
    assert client.get(f"/applications/{world.second.id}").status_code == 200


def test_a_member_who_has_not_declared_is_sent_to_declare_first(client, world):
    as_user(client, world.undeclared.user)
    response = client.get(app_url(world, world.first, "score"))
    assert response.status_code == 302
    assert response.headers["Location"].endswith(panel_url(world, "/declarations"))
    assert client.get(f"/applications/{world.first.id}").status_code == 403


def test_the_panel_view_hides_numbers_from_a_conflicted_member(client, world):
    as_user(client, world.conflicted.user)
    page = client.get(panel_url(world)).get_data(as_text=True)
    assert "You have a conflict, so you cannot see this." in page
    assert app_url(world, world.first, "scores") not in page
    assert app_url(world, world.second, "scores") in page


def _score(session, member, application, values, comment="Fine."):
    review = Review(
        member_id=member.id, application_id=application.id, comment=comment, submitted_at=utcnow()
    )
    session.add(review)
    for criterion, value in zip(application.round.criteria, values, strict=True):
        session.add(
            Score(
                member_id=member.id,
                application_id=application.id,
                criterion_id=criterion.id,
                value=value,
            )
        )
    session.flush()


def test_scores_given_before_a_conflict_is_declared_no_longer_count(session, world, ctx):
    panel = world.panel
    _score(session, world.chair, world.first, [4, 4])
    _score(session, world.reader, world.first, [2, 2])
    stats = services.stats_for(session, panel, world.first)
    assert [float(r.weighted) for r in stats.reviews] == [4.0, 2.0]
    assert stats.mean == 3.0
    # The reader now says they have a conflict after all.
    services.declare(
        session, world.reader.user, panel, {world.first.id: (True, "My cousin runs it.")}
    )
    stats = services.stats_for(session, panel, world.first)
    assert [r.member.id for r in stats.reviews] == [world.chair.id]
    assert stats.mean == 4.0
    declaration = (
        session.query(Declaration)
        .filter_by(member_id=world.reader.id, application_id=world.first.id)
        .one()
    )
    assert declaration.conflicted
    assert declaration.reason == "My cousin runs it."
    # And from now on they cannot see or score it.
    with pytest.raises(services.NotAllowed):
        services.save_review(
            session, world.reader.user, panel, world.first, scores={}, comment="", submit=False
        )
    with pytest.raises(services.NotAllowed):
        services.add_note(session, world.reader.user, panel, world.first, "I think...")


def test_a_conflict_needs_a_reason(session, world, ctx):
    with pytest.raises(services.DomainError) as error:
        services.declare(
            session, world.undeclared.user, world.panel, {world.first.id: (True, "  ")}
        )
    assert error.value.field == f"reason_{world.first.id}"


def test_no_conflict_can_be_changed_until_scores_are_sent(session, world, ctx):
    panel, member = world.panel, world.undeclared
    services.declare(session, member.user, panel, {world.first.id: (False, "")})
    services.declare(session, member.user, panel, {world.first.id: (True, "I know them.")})
    services.declare(session, member.user, panel, {world.first.id: (False, "")})
    scores = {c.id: 3 for c in world.round.criteria}
    services.save_review(
        session, member.user, panel, world.first, scores=scores, comment="", submit=True
    )
    # A conflict can still be declared (and the scores then stop counting)...
    services.declare(
        session, member.user, panel, {world.first.id: (True, "I found out I know them.")}
    )
    # ...but it cannot be taken back once scores were sent.
    with pytest.raises(services.DomainError):
        services.declare(session, member.user, panel, {world.first.id: (False, "")})


def test_the_fund_manager_sees_the_register_of_conflicts(client, world):
    as_user(client, world.manager)
    page = client.get(
        f"/places/{world.place.slug}/rounds/{world.round.id}/panel/conflicts"
    ).get_data(as_text=True)
    assert "I help run this group." in page
    # Names such as O'Neill are shown escaped in the page's HTML.
    assert str(escape(world.conflicted.user.name)) in page
    assert "Not said yet" in page


def test_declaring_through_the_page(client, world, session):
    as_user(client, world.undeclared.user)
    url = panel_url(world, "/declarations")
    response = post_form(
        client,
        url,
        {f"conflict_{world.first.id}": "yes", f"reason_{world.first.id}": ""},
    )
    assert response.status_code == 200
    assert "Say in a few words why you have a conflict with Pennington Larder" in response.get_data(
        as_text=True
    )
    response = post_form(
        client,
        url,
        {
            f"conflict_{world.first.id}": "yes",
            f"reason_{world.first.id}": "I am its treasurer.",
            f"conflict_{world.second.id}": "no",
        },
    )
    assert response.status_code == 302
    assert client.get(app_url(world, world.first, "score")).status_code == 403
    assert client.get(app_url(world, world.second, "score")).status_code == 200
