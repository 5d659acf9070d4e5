"""Finding what a page is about: 404 when it is not there (or not part of the place or round
in its address), 403 when the person may not see it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from flask import abort, flash, redirect, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import Session

from giving import permissions
from giving.extensions import db
from giving.models import Application, Criterion, Group, Place, Question, Round
from giving.workflow import State

T = TypeVar("T")


def place_or_404(slug: str) -> Place:
    return db.first_or_404(select(Place).where(Place.slug == slug))


def child_or_404(model: type[T], part_id: int, **parent: int) -> T:
    """The row ``part_id`` of ``model`` whose parent column matches, e.g. ``round_id=3``;
    404 when there is no such row or it belongs to another parent."""
    ((column, value),) = parent.items()
    part = db.get_or_404(model, part_id)
    if getattr(part, column) != value:
        abort(404)
    return part


def allowed_or_403(model: type[T], row_id: int, may: Callable[[Session, Any, T], bool]) -> T:
    """Row ``row_id`` of ``model`` (404 when there is none), once ``may`` lets the signed-in
    person at it (403 when it does not)."""
    row = db.get_or_404(model, row_id)
    if not may(db.session, current_user, row):
        abort(403)
    return row


def round_in(place: Place, round_id: int) -> Round:
    return child_or_404(Round, round_id, place_id=place.id)


def part_of(
    place: Place, round_id: int, model: type[Question] | type[Criterion], part_id: int
) -> Question | Criterion:
    """A question or criterion of a round in ``place`` (404 for any other)."""
    return child_or_404(model, part_id, round_id=round_in(place, round_id).id)


def visible_round(place_slug: str, round_id: int) -> Round:
    """A round anyone may see; drafts are hidden from everyone but staff."""
    round_ = round_in(place_or_404(place_slug), round_id)
    if not permissions.can_see_round(db.session, current_user, round_):
        abort(404)
    return round_


def public_round(place: Place, round_id: int) -> Round:
    """A round the public reports cover: any but a draft."""
    round_ = round_in(place, round_id)
    if round_.is_draft:
        abort(404)
    return round_


def viewable_application(application_id: int) -> Application:
    """An application the signed-in person may see (the group, staff, panel)."""
    return allowed_or_403(Application, application_id, permissions.can_view_application)


def editable_application(application_id: int) -> Application:
    """A draft the person may change; a sent one sends them back to its page."""
    application = viewable_application(application_id)
    if not permissions.can_edit_application(db.session, current_user, application):
        if application.state != State.DRAFT:
            flash(_("This application has been sent, so it cannot change."), "info")
            abort(redirect(url_for("giving.application", application_id=application.id)))
        abort(403)
    return application


def group_for(group_id: int, may: str = "see") -> Group:
    """A group whose private profile the person may see (or, ``may="manage"``, whose members
    they may manage)."""
    check = permissions.can_see_group_private if may == "see" else permissions.can_manage_members
    return allowed_or_403(Group, group_id, check)
