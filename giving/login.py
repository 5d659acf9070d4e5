"""How Flask-Login finds the person behind a session cookie."""

from __future__ import annotations

from flask import Flask
from flask_babel import lazy_gettext as _l

from giving.extensions import db, login_manager
from giving.models import User


def init_app(app: Flask) -> None:
    login_manager.init_app(app)
    login_manager.login_view = "giving.login"
    login_manager.login_message = _l("Log in to see this page.")
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"
    login_manager.user_loader(load_user)


def load_user(session_id: str) -> User | None:
    """The user whose id and current session token make up ``session_id``: logging out,
    a reset or a password change gives a new token, so old cookies stop working."""
    user_id, _sep, token = session_id.partition(":")
    if not user_id.isdigit() or not token:
        return None
    user = db.session.get(User, int(user_id))
    if user is None or user.session_token != token:
        return None
    return user
