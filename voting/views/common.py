"""The voting blueprint and the look-ups its pages share: a round of the place, its panel,
a panel the person may see, an application they may read on it, and a vote."""

from __future__ import annotations

import functools
from collections.abc import Callable

from flask import Blueprint, abort, flash, redirect, url_for
from flask_login import current_user
from sqlalchemy import select
from werkzeug.wrappers import Response

from giving.errors import NotAllowed
from giving.extensions import db
from giving.models import Application, Place, Role, Round
from voting import services
from voting.models import Panel, Vote
from voting.workflow import VoteStatus

bp = Blueprint("voting", __name__)

STAFF = (Role.FUND_MANAGER, Role.ADMIN)
PANEL = "/places/<place_slug>/rounds/<int:round_id>/panel"
VOTES = "/places/<place_slug>/rounds/<int:round_id>/votes"


def round_in(place: Place, round_id: int) -> Round:
    return db.first_or_404(select(Round).where(Round.id == round_id, Round.place_id == place.id))


def panel_of(round_: Round) -> Panel:
    return db.first_or_404(select(Panel).where(Panel.round_id == round_.id))


def round_panel(place: Place, round_id: int) -> Panel:
    """The panel of one of the place's rounds."""
    return panel_of(round_in(place, round_id))


def public_panel(place_slug: str, round_id: int) -> Panel:
    place = db.first_or_404(select(Place).where(Place.slug == place_slug))
    round_ = round_in(place, round_id)
    if round_.is_draft:
        abort(404)
    return panel_of(round_)


def manage_url(panel: Panel) -> str:
    return url_for(
        "voting.manage_panel", place_slug=panel.round.place.slug, round_id=panel.round_id
    )


def seen_panel(panel_id: int) -> Panel:
    """A panel the signed-in person is on, or manages."""
    panel = db.get_or_404(Panel, panel_id)
    if not services.can_see_panel(db.session, current_user, panel):
        abort(403)
    return panel


def reading(
    view: Callable[[Panel, Application], str | Response],
) -> Callable[[int, int], str | Response]:
    """For a page about one application on a panel (``panel_id``, ``application_id``): the
    view gets the panel and the application once the person may read it. A conflict, or not
    being on the panel, is a 403; someone who has not declared yet is sent to declare first."""

    @functools.wraps(view)
    def page(panel_id: int, application_id: int) -> str | Response:
        panel = seen_panel(panel_id)
        application = db.first_or_404(
            select(Application).where(
                Application.id == application_id, Application.round_id == panel.round_id
            )
        )
        refusal = services.why_cannot_read(db.session, current_user, panel, application)
        if isinstance(refusal, NotAllowed):
            abort(403)
        if refusal is not None:
            flash(refusal.message, "info")
            return redirect(url_for("voting.declarations", panel_id=panel.id))
        return view(panel, application)

    return page


def vote_in(place: Place, round_id: int, vote_id: int) -> Vote:
    round_ = round_in(place, round_id)
    return db.first_or_404(select(Vote).where(Vote.id == vote_id, Vote.round_id == round_.id))


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
