"""What voting adds to a person's "Your tasks" page: votes they can vote in, panel work
(scoring to do, panels they can offer to join), and for the fund's team, counted votes whose
grants wait to be confirmed. Each list is one query (see :mod:`giving.services.tasks`)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import url_for
from flask_babel import gettext as _
from sqlalchemy import and_, exists, or_, select
from sqlalchemy.orm import Session

from giving.models import Application, Group, Place, Round, RoundStatus
from giving.services.tasks import Audience, Person, Task, TaskList
from giving.timeutil import format_datetime
from voting.models import (
    Assignment,
    Declaration,
    Panel,
    PanelMember,
    PanelMethod,
    PanelOffer,
    Review,
    Vote,
    VoteKind,
    VoterRecord,
    VoteStatus,
    WhoMayVote,
)
from voting.workflow import PanelStatus

_FOR_RESIDENTS = (WhoMayVote.VERIFIED, WhoMayVote.BOTH)


def _on_panel(person: Person, round_id: Any) -> Any:
    """The person sits on the round's panel now."""
    return exists().where(
        PanelMember.panel_id == Panel.id,
        Panel.round_id == round_id,
        PanelMember.user_id == person.user.id,
        PanelMember.left_at.is_(None),
    )


def _open_votes(person: Person, now: dt.datetime) -> TaskList:
    public = and_(
        Vote.kind == VoteKind.PUBLIC,
        Vote.who_may_vote.in_(_FOR_RESIDENTS),
        Round.place_id.in_(person.verified_place_ids),
    )
    voted = exists().where(VoterRecord.vote_id == Vote.id, VoterRecord.user_id == person.user.id)
    stmt = (
        select(Vote.id, Vote.kind, Vote.closes_at, Round.title)
        .join(Round, Round.id == Vote.round_id)
        .where(
            Vote.status == VoteStatus.OPEN,
            Vote.opens_at <= now,
            Vote.closes_at > now,
            or_(public, and_(Vote.kind == VoteKind.PANEL, _on_panel(person, Round.id))),
            ~voted,
        )
        .order_by(Vote.closes_at, Vote.id)
    )

    def task(row: Any) -> Task:
        text = (
            _("Vote on %(round)s", round=row.title)
            if row.kind == VoteKind.PUBLIC
            else _("Vote with your panel on %(round)s", round=row.title)
        )
        return Task(
            text,
            url_for("voting.ballot", vote_id=row.id),
            _("Voting closes at %(when)s.", when=format_datetime(row.closes_at)),
        )

    return TaskList(
        "votes",
        Audience.RESIDENT,
        _("Votes you can vote in"),
        _("There is no vote for you to vote in right now."),
        stmt,
        task,
    )


def _scoring(person: Person) -> TaskList:
    member = PanelMember.id == Assignment.member_id
    sent = exists().where(
        Review.member_id == Assignment.member_id,
        Review.application_id == Assignment.application_id,
        Review.submitted_at.is_not(None),
    )
    declared = and_(
        Declaration.member_id == Assignment.member_id,
        Declaration.application_id == Assignment.application_id,
    )
    stmt = (
        select(
            Assignment.application_id,
            PanelMember.panel_id,
            Application.title,
            Group.name.label("group_name"),
            Round.title.label("round_title"),
            Declaration.id.label("declaration_id"),
        )
        .join(PanelMember, member)
        .join(Panel, Panel.id == PanelMember.panel_id)
        .join(Application, Application.id == Assignment.application_id)
        .join(Group, Group.id == Application.group_id)
        .join(Round, Round.id == Panel.round_id)
        .outerjoin(Declaration, declared)
        .where(
            PanelMember.user_id == person.user.id,
            PanelMember.left_at.is_(None),
            Panel.status == PanelStatus.REVIEWING,
            ~sent,
            or_(Declaration.id.is_(None), Declaration.conflicted.is_(False)),
        )
        .order_by(Round.closes_at, Assignment.id)
    )

    def task(row: Any) -> Task:
        about = _("%(title)s, in %(round)s", title=row.title or "", round=row.round_title)
        if row.declaration_id is None:
            return Task(
                _(
                    "Say whether you know %(group)s, then score its application",
                    group=row.group_name,
                ),
                url_for("voting.declarations", panel_id=row.panel_id),
                about,
            )
        return Task(
            _("Score %(group)s's application", group=row.group_name),
            url_for("voting.score", panel_id=row.panel_id, application_id=row.application_id),
            about,
        )

    return TaskList(
        "scoring",
        Audience.RESIDENT,
        _("Applications to score"),
        _("You have no applications to score. Thank you."),
        stmt,
        task,
    )


def _offers(person: Person) -> TaskList:
    offered = exists().where(
        PanelOffer.panel_id == Panel.id,
        PanelOffer.user_id == person.user.id,
        PanelOffer.withdrawn_at.is_(None),
    )
    member = exists().where(
        PanelMember.panel_id == Panel.id,
        PanelMember.user_id == person.user.id,
        PanelMember.left_at.is_(None),
    )
    stmt = (
        select(Round.id, Round.title, Place.slug, Place.name.label("place_name"))
        .join(Panel, Panel.round_id == Round.id)
        .join(Place, Place.id == Round.place_id)
        .where(
            Round.place_id.in_(person.home_place_ids),
            Round.status == RoundStatus.OPEN,
            Panel.method != PanelMethod.APPOINTED,
            Panel.status != PanelStatus.FINISHED,
            or_(Panel.method == PanelMethod.OPEN, Panel.status == PanelStatus.FORMING),
            ~offered,
            ~member,
        )
        .order_by(Round.closes_at, Round.id)
    )

    def task(row: Any) -> Task:
        return Task(
            _("Offer to sit on the panel for %(round)s", round=row.title),
            url_for("voting.offer", place_slug=row.slug, round_id=row.id),
            _("Panel members read local groups' ideas and help decide who gets money."),
        )

    return TaskList(
        "offers",
        Audience.RESIDENT,
        _("Panels you can offer to join"),
        _("No panels near you are looking for people right now."),
        stmt,
        task,
    )


def _to_confirm(person: Person) -> TaskList:
    stmt = (
        select(Vote.id, Vote.counted_at, Round.id.label("round_id"), Round.title, Place.slug)
        .join(Round, Round.id == Vote.round_id)
        .join(Place, Place.id == Round.place_id)
        .where(Vote.status == VoteStatus.COUNTED, Round.place_id.in_(person.staff_place_ids))
        .order_by(Vote.counted_at, Vote.id)
    )

    def task(row: Any) -> Task:
        return Task(
            _("Confirm the grants from the vote on %(round)s", round=row.title),
            url_for("voting.manage_votes", place_slug=row.slug, round_id=row.round_id),
            _("Counted at %(when)s.", when=format_datetime(row.counted_at)),
        )

    return TaskList(
        "votes-to-confirm",
        Audience.STAFF,
        _("Votes to confirm"),
        _("No counted votes are waiting for you to confirm their grants."),
        stmt,
        task,
    )


def task_lists(session: Session, person: Person, now: dt.datetime) -> list[TaskList]:
    """Voting's lists for this person (registered as a task source in :func:`voting.init_app`)."""
    found: list[TaskList] = []
    # Voting and panel work are for people who live somewhere on Placefund.
    if person.home_place_ids:
        found.extend((_open_votes(person, now), _scoring(person), _offers(person)))
    if person.staff_place_ids:
        found.append(_to_confirm(person))
    return found
