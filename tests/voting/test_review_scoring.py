"""Scoring against weighted criteria, the panel's view (mean, median, normalised score,
disagreement), the database's own checks, and the shortlist through giving's workflow."""

from __future__ import annotations

from fractions import Fraction

import pytest
from sqlalchemy.exc import IntegrityError

from giving.workflow import State
from tests.conftest import post_form
from tests.giving.round_helpers import as_user
from tests.voting.panel_helpers import app_url, panel_url
from voting import services
from voting.models import Score


def _save(session, world, member, application, scores, comment="", submit=False):
    services.save_review(
        session,
        member.user,
        world.panel,
        application,
        scores=scores,
        comment=comment,
        submit=submit,
    )


def _send(session, world, member, application, helps, value, comment=""):
    """Send a review scoring the first criterion ``helps`` and the second ``value``."""
    criteria = world.round.criteria
    scores = {criteria[0].id: helps, criteria[1].id: value}
    _save(session, world, member, application, scores, comment, submit=True)


def test_weighted_score_uses_the_criteria_weights(world):
    helps, value = world.round.criteria  # weights 30 and 10
    assert services.weighted_score({helps.id: 5, value.id: 1}, world.round.criteria) == Fraction(4)
    assert services.weighted_score({helps.id: 5}, world.round.criteria) is None


def test_save_then_change_then_send(session, world, ctx):
    member, criteria = world.reader, world.round.criteria
    _save(session, world, member, world.first, {criteria[0].id: 2}, "Thinking")
    _save(session, world, member, world.first, {criteria[0].id: 4, criteria[1].id: 3}, "Better")
    assert services.my_scores(session, member, world.first) == {
        criteria[0].id: 4,
        criteria[1].id: 3,
    }
    # Not sent yet, so it does not count.
    assert services.stats_for(session, world.panel, world.first).reviews == []
    with pytest.raises(services.DomainError) as error:
        _save(session, world, member, world.second, {criteria[0].id: 4}, submit=True)
    assert error.value.field == f"criterion_{criteria[1].id}"
    _send(session, world, member, world.first, 4, 3)
    with pytest.raises(services.DomainError):
        _send(session, world, member, world.first, 1, 1)


def test_the_panel_view_figures(session, world, ctx):
    # The chair is generous, the reader harsh; both prefer the first application.
    _send(session, world, world.chair, world.first, 5, 5)
    _send(session, world, world.chair, world.second, 4, 4)
    _send(session, world, world.reader, world.first, 4, 4)
    _send(session, world, world.reader, world.second, 1, 1)
    _send(session, world, world.conflicted, world.second, 2, 2)
    rows = {r.application.id: r for r in services.panel_stats(session, world.panel)}
    first, second = rows[world.first.id], rows[world.second.id]
    assert first.mean == 4.5
    assert first.median == 4.5
    assert second.mean == pytest.approx(7 / 3)
    assert second.median == 2.0
    # Normalised per reviewer: both gave the first their higher score, so it is +1 from each.
    assert first.normalised == pytest.approx(1.0)
    assert second.normalised == pytest.approx((-1 - 1 + 0) / 3)
    assert not first.disagree
    assert first.spread == 1.0
    assert second.disagree
    assert second.spread == 3.0


def _reader_score(world, value: int) -> Score:
    """The reader's score for the first criterion of the first application, added directly."""
    return Score(
        member_id=world.reader.id,
        application_id=world.first.id,
        criterion_id=world.round.criteria[0].id,
        value=value,
    )


def test_the_database_refuses_a_score_out_of_range(session, world):
    session.add(_reader_score(world, 6))
    with pytest.raises(IntegrityError):
        session.flush()


def test_the_database_refuses_a_second_score_for_the_same_criterion(session, world):
    for _ in range(2):
        session.add(_reader_score(world, 3))
    with pytest.raises(IntegrityError):
        session.flush()


def test_scoring_through_the_page(client, world):
    as_user(client, world.reader.user)
    url = app_url(world, world.first, "score")
    helps, value = world.round.criteria
    response = post_form(
        client, url, {f"criterion_{helps.id}": "4", "comment": "Good", "submit": "Send your scores"}
    )
    assert response.status_code == 200
    assert "Give a score for Good value" in response.get_data(as_text=True)
    response = post_form(
        client, url, {f"criterion_{helps.id}": "4", "comment": "Good", "save": "Save"}
    )
    assert response.status_code == 302
    response = post_form(
        client, url, {f"criterion_{helps.id}": "4", f"criterion_{value.id}": "2", "submit": "Send"}
    )
    assert response.status_code == 302
    page = client.get(panel_url(world)).get_data(as_text=True)
    assert "3.5" in page  # (4 x 30 + 2 x 10) / 40
    assert "How we work out the scores" in page


def test_the_chair_shortlists_and_declines_through_giving(session, world, ctx, mailbox):
    services.decide_shortlist(
        session, world.chair.user, world.panel, world.first, "shortlist", "Strong plan."
    )
    assert world.first.state == State.SHORTLISTED
    services.decide_shortlist(
        session,
        world.chair.user,
        world.panel,
        world.second,
        "decline",
        "Others reached more people. A smaller ask could do well next time.",
    )
    assert world.second.state == State.DECLINED
    assert world.second.feedback.startswith("Others reached more people.")
    with pytest.raises(services.NotAllowed):
        services.decide_shortlist(
            session, world.reader.user, world.panel, world.first, "decline", "No."
        )


def test_only_the_chair_or_staff_record_the_shortlist(client, world):
    as_user(client, world.reader.user)
    assert client.get(app_url(world, world.first, "decide")).status_code == 403
    as_user(client, world.chair.user)
    assert client.get(app_url(world, world.first, "decide")).status_code == 200
