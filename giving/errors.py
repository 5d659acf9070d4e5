"""The errors every package raises and the one JSON shape the API answers errors in.

Imports nothing else of Placefund, so services, views and the API can all use it."""

from __future__ import annotations

from flask import jsonify
from werkzeug.wrappers import Response


class DomainError(Exception):
    """A rule was broken; ``message`` says what to do, ``field`` names the form field."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class NotAllowed(DomainError):
    """The actor may not do this."""


class ApiError(Exception):
    """An API request that cannot be answered: ``status`` and a message for the caller."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def error_response(status: int, message: str) -> Response:
    """``{"error": {"status": 404, "message": "..."}}``, never cached."""
    response = jsonify({"error": {"status": status, "message": message}})
    response.status_code = status
    response.headers["Cache-Control"] = "no-store"
    return response
