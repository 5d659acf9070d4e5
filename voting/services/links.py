"""What voting adds to a round's pages (the app's ``round_links`` hook): links to its panel
and to its votes, for the staff's "manage" page and for the public page."""

from __future__ import annotations

from flask import url_for
from flask_babel import gettext as _

from giving.extensions import db
from giving.models import Application, Round, RoundStatus, User
from giving.permissions import is_staff
from giving.timeutil import format_date, format_datetime
from voting.models import DrawKind, Panel, PanelMethod
from voting.permissions import can_see_vote, is_public, member_for, panel_for_round
from voting.services.votes import votes_for_round
from voting.workflow import PanelStatus, VoteStatus


def offers_open(panel: Panel, round_: Round) -> bool:
    """Residents may offer to sit on the panel now: it is not appointed, the round is still
    going, and an open panel takes people until it finishes, a drawn one until the draw."""
    if panel.method == PanelMethod.APPOINTED or round_.status == RoundStatus.CLOSED:
        return False
    if panel.method == PanelMethod.OPEN:
        return panel.status != PanelStatus.FINISHED
    return panel.status == PanelStatus.FORMING


def round_links(round_: Round, user: User | None, page: str) -> list[tuple[str, str]]:
    """Links to the round's panel: for staff, to set it up; for the public, to offer to sit
    on it while it is forming, or to see the published draw."""
    session = db.session
    panel = panel_for_round(session, round_)
    place_slug = round_.place.slug
    if page == "manage":
        return [
            (
                _("The panel") if panel else _("Set up the panel"),
                url_for("voting.manage_panel", place_slug=place_slug, round_id=round_.id),
            )
        ]
    links: list[tuple[str, str]] = []
    if panel is not None and offers_open(panel, round_):
        links.append(
            (
                _("The panel is looking for people who live here: offer to sit on it"),
                url_for("voting.offer", place_slug=place_slug, round_id=round_.id),
            )
        )
    drawn = next((d for d in panel.draws if d.kind == DrawKind.PANEL), None) if panel else None
    if drawn is not None:
        links.append(
            (
                _("The panel was drawn on %(day)s: see how", day=format_date(drawn.created_at)),
                url_for(
                    "voting.draw_result",
                    place_slug=place_slug,
                    round_id=round_.id,
                    draw_id=drawn.id,
                ),
            )
        )
    if panel is not None and member_for(session, user, panel) is not None:
        links.append((_("Go to your panel"), url_for("voting.panel_view", panel_id=panel.id)))
    return links


def vote_round_links(round_: Round, user: User | None, page: str) -> list[tuple[str, str]]:
    """Links to a round's votes: for staff, to set them up; for everyone, to vote or to see
    the results."""
    session = db.session
    slug = round_.place.slug
    if page == "manage":
        if round_.is_draft:
            return []
        return [(_("Votes"), url_for("voting.manage_votes", place_slug=slug, round_id=round_.id))]
    links: list[tuple[str, str]] = []
    for vote in votes_for_round(session, round_):
        if vote.status in (VoteStatus.COUNTED, VoteStatus.AWARDED):
            text = (
                _("Results of the public vote")
                if is_public(vote)
                else _("Results of the panel vote")
            )
            links.append((text, url_for("voting.results", vote_id=vote.id)))
        elif vote.status == VoteStatus.OPEN and can_see_vote(session, user, vote):
            text = (
                _(
                    "A public vote is open until %(when)s: vote on which projects get money",
                    when=format_datetime(vote.closes_at),
                )
                if is_public(vote)
                else _("The panel vote")
            )
            links.append((text, url_for("voting.vote_page", vote_id=vote.id)))
    return links


def application_links(application: Application, user: User | None) -> list[tuple[str, str]]:
    """For the fund's team reading an application: the panel's scores and notes on it."""
    session = db.session
    if not is_staff(session, user, application.round.place):
        return []
    panel = panel_for_round(session, application.round)
    if panel is None:
        return []
    return [
        (text, url_for(endpoint, panel_id=panel.id, application_id=application.id))
        for text, endpoint in (
            (_("The panel's scores and comments"), "voting.scores"),
            (_("The panel's notes and discussion"), "voting.discussion"),
        )
    ]
