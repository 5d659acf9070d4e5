"""What voting adds to a round's pages (the app's ``round_links`` hook): links to its panel
and to its votes, for the staff's "manage" page and for the public page."""

from __future__ import annotations

from flask import url_for
from flask_babel import gettext as _

from giving.extensions import db
from giving.models import Round, User
from voting.permissions import can_see_vote, is_public, member_for, panel_for_round
from voting.services.votes import votes_for_round
from voting.workflow import PanelStatus, VoteStatus


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
    if panel is not None and panel.status == PanelStatus.FORMING:
        links.append(
            (
                _("Offer to sit on the panel that decides"),
                url_for("voting.offer", place_slug=place_slug, round_id=round_.id),
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
            text = _("Vote on which projects get money") if is_public(vote) else _("The panel vote")
            links.append((text, url_for("voting.vote_page", vote_id=vote.id)))
    return links
