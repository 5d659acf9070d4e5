"""Who may open a page: the decorator that views of every package use for place roles."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from flask import abort
from flask_login import current_user
from sqlalchemy import select

from giving.extensions import db, login_manager
from giving.models import Place, Role
from giving.services import has_role


def place_role_required(*roles: Role) -> Callable:
    """The view takes ``place_slug``; it gets ``place`` instead, once the user is known to hold
    one of ``roles`` there. Logged-out visitors are sent to log in; others get 403."""

    def decorator(view: Callable) -> Callable:
        @functools.wraps(view)
        def wrapped(*args: Any, place_slug: str, **kwargs: Any) -> Any:
            place = db.first_or_404(select(Place).where(Place.slug == place_slug))
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if not has_role(db.session, current_user, place, *roles):
                abort(403)
            return view(*args, place=place, **kwargs)

        return wrapped

    return decorator
