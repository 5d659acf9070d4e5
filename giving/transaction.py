"""One commit per request, made by the structure.

Views never commit. They call one service through :func:`attempt` (or, for a form,
:func:`form_action`; for a button, :func:`button_action`); a :class:`DomainError` rolls the
request's work back and is shown next to the field it names. When the view's answer is a
success (below 400) to a POST, the request's end commits once and then hands over the jobs and
email the services queued (:func:`giving.jobs.commit`). Anything else rolls back, and a GET
or HEAD never writes: its work is always rolled back, and under test a GET that wrote anything
fails loudly.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from flask import Flask, abort, current_app, flash, get_flashed_messages, render_template, request
from flask_babel import gettext as _
from flask_wtf import FlaskForm
from sqlalchemy import event
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response

from giving.errors import DomainError, NotAllowed
from giving.extensions import db
from giving.forms import ButtonForm
from giving.jobs import commit

T = TypeVar("T")

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_WROTE = "placefund_wrote"


class GetChangedRows(RuntimeError):
    """A GET request flushed changes: page views must never change a row."""


@dataclass
class Done(Generic[T]):
    """What :func:`attempt` gives back: true when the service did its work, and then
    ``value`` is what the service gave back (None when it was not done)."""

    ok: bool
    value: T = None  # type: ignore[assignment]  # None only when not done

    def __bool__(self) -> bool:
        return self.ok


def say(message: str) -> None:
    """A success message for the next page."""
    flash(message, "success")


# The kinds of message a page shows above its heading, each in one banner, problems first.
BANNER_KINDS = ("error", "info", "success")


def banners() -> list[tuple[str, list[str]]]:
    """The messages waiting for this page, one banner for each kind, each message once: two
    banners of one kind would be two landmarks with one name (after two redirects, say)."""
    found: dict[str, list[str]] = {kind: [] for kind in BANNER_KINDS}
    flashed: list[tuple[str, str]] = get_flashed_messages(with_categories=True)  # type: ignore[assignment]
    for category, message in flashed:
        kind = category if category in found else "info"
        if message not in found[kind]:
            found[kind].append(message)
    return [(kind, messages) for kind, messages in found.items() if messages]


def show_error(form: FlaskForm | None, error: DomainError) -> None:
    """Roll back what the request did and put the refusal next to the field it is about (or
    at the top of the form; or, with no form, as a message on the next page)."""
    db.session.rollback()
    if isinstance(error, NotAllowed):
        abort(403)
    if form is None:
        flash(error.message, "error")
        return
    field = getattr(form, error.field, None) if error.field else None
    if field is not None:
        field.errors = [*field.errors, error.message]
    else:
        form.form_errors.append(error.message)


def attempt(form: FlaskForm | None, action: Callable[..., T], *args: Any, **kwargs: Any) -> Done[T]:
    """Run one service. On a :class:`DomainError` roll back and show it (see
    :func:`show_error`); the request's end commits a success."""
    try:
        value = action(*args, **kwargs)
    except DomainError as error:
        show_error(form, error)
        return Done(False)
    return Done(True, value)


def form_action(
    form: FlaskForm, action: Callable[[], T], done: str | Callable[[T], str] | None = None
) -> Done[T]:
    """A form that runs one service: once it is sent and valid, run ``action`` (a refusal is
    shown on the form, see :func:`attempt`) and say ``done``, a message or one made from what
    the service gave back. Not done when the form was not sent, not valid, or refused."""
    if not form.validate_on_submit():
        return Done(False)
    result = attempt(form, action)
    if result and done is not None:
        say(done(result.value) if callable(done) else done)
    return result


def button_action(action: Callable[[], Any], done: str) -> bool:
    """A form that is only a button (remove, approve, move on): check its CSRF token, run the
    service and say ``done``; or show the refusal. True when done."""
    if not ButtonForm().validate_on_submit():
        return False
    if not attempt(None, action):
        return False
    say(done)
    return True


def init_app(app: Flask) -> None:
    """Commit at the end of each successful POST; roll back everything else."""
    app.add_template_global(banners)

    @app.after_request
    def _finish(response: Response) -> Response:
        wrote = db.session.info.pop(_WROTE, False)
        if request.method in SAFE_METHODS:
            db.session.rollback()
            if wrote and current_app.testing:
                raise GetChangedRows(f"GET {request.path} changed rows")
        elif response.status_code < 400:
            commit()
        else:
            db.session.rollback()
        return response

    @app.errorhandler(DomainError)
    def _refused(error: DomainError) -> tuple[str, int]:
        """A refusal no view caught: nothing was changed; say why."""
        db.session.rollback()
        if isinstance(error, NotAllowed):
            abort(403)
        page = render_template(
            "errors.html",
            code=400,
            title=_("That could not be done"),
            message=error.message + " " + _("Nothing was changed."),
        )
        return page, 400


@event.listens_for(Session, "after_flush")
def _note_write(session: Session, flush_context: Any) -> None:
    session.info[_WROTE] = True


@event.listens_for(Session, "after_soft_rollback")
def _forget_write(session: Session, previous_transaction: Any) -> None:
    if previous_transaction.parent is None:
        session.info.pop(_WROTE, None)
