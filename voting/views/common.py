"""The voting blueprint and the look-ups its pages share: a round of the place, its panel,
a panel the person may see, an application they may read on it, and a vote; and the numbers
chosen on its forms."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from flask import Blueprint, abort, flash, redirect, url_for
from flask_login import current_user
from sqlalchemy import select
from werkzeug.wrappers import Response
from wtforms import Field

from giving.errors import NotAllowed
from giving.extensions import db
from giving.models import Application, Place, Role, Round
from giving.views.lookups import allowed_or_403, child_or_404, place_or_404, round_in
from voting import services
from voting.models import Panel, Vote
from voting.workflow import VoteStatus

bp = Blueprint("voting", __name__)

STAFF = (Role.FUND_MANAGER, Role.ADMIN)
PANEL = "/places/<place_slug>/rounds/<int:round_id>/panel"
VOTES = "/places/<place_slug>/rounds/<int:round_id>/votes"


def panel_of(round_: Round) -> Panel:
    return db.first_or_404(select(Panel).where(Panel.round_id == round_.id))


def round_panel(place: Place, round_id: int) -> Panel:
    """The panel of one of the place's rounds."""
    return panel_of(round_in(place, round_id))


def public_panel(place_slug: str, round_id: int) -> Panel:
    round_ = round_in(place_or_404(place_slug), round_id)
    if round_.is_draft:
        abort(404)
    return panel_of(round_)


def manage_url(panel: Panel) -> str:
    return url_for(
        "voting.manage_panel", place_slug=panel.round.place.slug, round_id=panel.round_id
    )


def seen_panel(panel_id: int) -> Panel:
    """A panel the signed-in person is on, or manages."""
    return allowed_or_403(Panel, panel_id, services.can_see_panel)


def reading(
    view: Callable[[Panel, Application], str | Response],
) -> Callable[[int, int], str | Response]:
    """For a page about one application on a panel (``panel_id``, ``application_id``): the
    view gets the panel and the application once the person may read it. A conflict, or not
    being on the panel, is a 403; someone who has not declared yet is sent to declare first."""

    @functools.wraps(view)
    def page(panel_id: int, application_id: int) -> str | Response:
        panel = seen_panel(panel_id)
        application = child_or_404(Application, application_id, round_id=panel.round_id)
        refusal = services.why_cannot_read(db.session, current_user, panel, application)
        if isinstance(refusal, NotAllowed):
            abort(403)
        if refusal is not None:
            flash(refusal.message, "info")
            return redirect(url_for("voting.declarations", panel_id=panel.id))
        return view(panel, application)

    return page


def numbers_by_id(fields: list[tuple[Any, Field]]) -> dict[int, int | None]:
    """The number chosen in each field, by the id of what the field asks about (a question
    for people who offer, a criterion to score); None where it was left blank."""
    return {about.id: int(field.data) if field.data else None for about, field in fields}


def vote_in(place: Place, round_id: int, vote_id: int) -> Vote:
    return child_or_404(Vote, vote_id, round_id=round_in(place, round_id).id)


def votes_url(vote: Vote) -> str:
    return url_for("voting.manage_votes", place_slug=vote.round.place.slug, round_id=vote.round_id)


def visible_vote(vote_id: int) -> Vote:
    vote = db.get_or_404(Vote, vote_id)
    if not services.can_see_vote(db.session, current_user, vote):
        abort(404)
    return vote


def counted_vote(vote_id: int) -> Vote:
    vote = visible_vote(vote_id)
    if vote.status not in (VoteStatus.COUNTED, VoteStatus.AWARDED):
        abort(404)
    return vote
