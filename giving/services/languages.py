"""A person chooses the language of the pages and of the emails sent to them."""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy.orm import Session

from giving.errors import DomainError
from giving.languages import known
from giving.models import User


def choose_language(session: Session, actor: User | None, code: str | None) -> str:
    """Use the language ``code`` from now on; a person signed in keeps it on their account,
    so that every device and every email uses it. Gives back the code. A preference, not a
    decision: no audit entry."""
    chosen = known(code)
    if chosen is None:
        raise DomainError(_("We do not have that language. Choose one from the list."), "language")
    if actor is not None:
        actor.locale = chosen
        session.flush()
    return chosen
