"""Forms for panels, review and votes, rendered with GOV.UK Frontend widgets."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, TypeVar

from flask_wtf import FlaskForm
from wtforms.fields.core import UnboundField

F = TypeVar("F", bound=FlaskForm)


def form_with(base: type[F], fields: Iterable[tuple[str, UnboundField]], **kwargs: Any) -> F:
    """A form of ``base`` with more fields made for one page: one for each of the panel's
    questions, the round's criteria, or the projects on a ballot."""
    return type(base.__name__, (base,), dict(fields))(**kwargs)
