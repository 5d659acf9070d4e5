"""Input no page should ever see, refused before any view runs.

- A NUL character (``\\x00``) in the address, the query string or a form's names and values:
  no person types one, and PostgreSQL cannot store it. The answer is a 400 page (JSON under
  /api) and nothing is changed. Uploaded files are not checked: a PDF may hold NUL bytes.
- An id in the address that no row can have: every table's id is a 32-bit ``Integer``, so
  ``<int:...>`` in a route takes only whole numbers from 0 to :data:`MAX_ID`; anything bigger
  is a 404, as for an id that does not exist.
- :func:`id_arg` and :func:`page_arg` read an id or a page number from the query string the
  same way: a number that cannot be one is no answer at all, never an error.
"""

from __future__ import annotations

from collections.abc import Iterable

from flask import Flask, render_template, request
from flask_babel import gettext as _
from werkzeug.routing import IntegerConverter, Map, ValidationError
from werkzeug.wrappers import Response

from giving.errors import error_response

MAX_ID = 2**31 - 1
"""The largest id a row can have: ids are ``Integer`` columns, 32 bits on PostgreSQL."""

_DIGITS = len(str(MAX_ID))


class IdConverter(IntegerConverter):
    """Flask's ``int`` converter, kept to the numbers an id column can hold. Longer strings of
    digits are refused before Python reads them (it refuses very long ones itself)."""

    def __init__(self, map: Map, *args: object, **kwargs: object) -> None:
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)  # type: ignore[arg-type]

    def to_python(self, value: str) -> int:
        if len(value.lstrip("0")) > _DIGITS:
            raise ValidationError()
        return super().to_python(value)


def whole_number(raw: str | None, most: int = MAX_ID) -> int | None:
    """``raw`` as a whole number from 0 to ``most``, or None when it is not one (blank,
    spaced, signed, a fraction, other characters, or too big)."""
    if raw is None:
        return None
    if not raw.isascii() or not raw.isdigit() or len(raw.lstrip("0")) > len(str(most)):
        return None
    number = int(raw)
    return number if number <= most else None


def id_arg(name: str) -> int | None:
    """The id given as ``?name=`` in the query string, or None when there is none or it
    cannot be an id."""
    return whole_number(request.args.get(name))


def page_arg(name: str = "page") -> int:
    """The page number asked for as ``?name=``: 1 when it is missing or not a whole number,
    and no more than :data:`MAX_ID` (a bigger one is past the end of any list)."""
    text = (request.args.get(name) or "").strip()
    if not text.isascii() or not text.isdigit():
        return 1
    if len(text.lstrip("0")) > _DIGITS:
        return MAX_ID
    return min(max(1, int(text)), MAX_ID)


def _has_nul(values: Iterable[str]) -> bool:
    return any("\x00" in value for value in values)


def _nul_in_request() -> bool:
    if "\x00" in request.path:
        return True
    for pairs in (request.args, request.form):
        # Every value of a name sent more than once, not only the first.
        if any("\x00" in key or "\x00" in value for key, value in pairs.items(multi=True)):
            return True
    return _has_nul(request.files.keys())


def refuse_nul() -> Response | tuple[str, int] | None:
    """A 400 for a request carrying a NUL character anywhere but inside an uploaded file."""
    if not _nul_in_request():
        return None
    if request.path.startswith("/api/"):
        return error_response(400, "The request has a NUL character (%00), which is not allowed")
    page = render_template(
        "errors.html",
        code=400,
        title=_("Something was wrong with that request"),
        message=_(
            "It had a hidden character that we cannot use. Go back, type your answers again "
            "and send them. Nothing was changed."
        ),
    )
    return page, 400


def init_app(app: Flask) -> None:
    """Ids in addresses kept to what a column holds, and NUL characters refused. Call before
    any blueprint is registered: the converter is chosen when a route is added."""
    app.url_map.converters["int"] = IdConverter
    app.before_request_funcs.setdefault(None, []).insert(0, refuse_nul)
