"""What the views of every package share: a page that asks before it acts, a button that acts
and then goes back to the page it was on, and a form's answers as a service's arguments."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar
from urllib.parse import urlsplit

from flask import redirect, render_template
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response

from giving.forms import ButtonForm
from giving.transaction import button_action, form_action

T = TypeVar("T")


def safe_next(target: str | None) -> str | None:
    """A ``next`` address to go on to, only when it is a path on this site; None for anything
    else. Browsers drop tabs and newlines from addresses, so a slash, a tab and a slash would
    leave the site: any control character, space or backslash refuses it."""
    if not target or not target.startswith("/") or target.startswith("//"):
        return None
    if any(ch.isspace() or ord(ch) < 32 or ord(ch) == 127 or ch == "\\" for ch in target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    return target


def confirm_page(
    action: Callable[[], T],
    done: str | Callable[[T], str],
    then: str,
    template: str,
    /,
    **context: Any,
) -> str | Response:
    """A page that asks "are you sure?" with one button (``form`` in ``template``). Pressing
    it runs ``action``, says ``done`` and goes to ``then``; a refusal shows the page again."""
    form = ButtonForm()
    if form_action(form, action, done):
        return redirect(then)
    return render_template(template, form=form, **context)


def button_then(action: Callable[[], Any], done: str, then: str) -> Response:
    """A button on a page (remove, approve, move): run ``action`` as :func:`button_action`
    does, then go to ``then`` whether it was done or refused."""
    button_action(action, done)
    return redirect(then)


def fields_of(form: FlaskForm, *names: str) -> dict[str, Any]:
    """The data of the form's fields ``names``, by name: for a service whose arguments are
    named as the form's fields are."""
    return {name: form[name].data for name in names}
