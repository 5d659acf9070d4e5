"""One way to page a list: Flask-SQLAlchemy's ``Pagination``, from ``db.paginate`` for a
query, or over a list that was filtered in Python. Pages read ``?page=`` and clamp it to the
pages there are (a page past the end shows the last page, and a page number that is not one
shows the first); the API pages as asked."""

from __future__ import annotations

from typing import Any

from flask import current_app
from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import Select

from giving.extensions import db
from giving.guards import page_arg


class _ListPagination(Pagination):
    """Flask-SQLAlchemy's page of results, over a list that was filtered in Python."""

    def _query_items(self) -> list[Any]:
        start = self._query_offset
        return self._query_args["items"][start : start + self.per_page]

    def _query_count(self) -> int:
        return len(self._query_args["items"])


def pagination_of(items: Select | list[Any], number: int, size: int) -> Pagination:
    """Page ``number`` of ``items`` (a query or a list), ``size`` rows a page."""
    if isinstance(items, Select):
        return db.paginate(items, page=number, per_page=size, max_per_page=size, error_out=False)
    return _ListPagination(
        page=number, per_page=size, max_per_page=size, error_out=False, items=items
    )


def paginate(items: Select | list[Any], per_page: int | None = None) -> Pagination:
    """The page of ``items`` that ``?page=`` asks for, ``per_page`` rows (the PER_PAGE
    setting by default); ``.items``, ``.page``, ``.pages``, ``.total``, ``.has_prev`` and
    ``.has_next`` are what the pagination macro shows."""
    size = per_page or current_app.config["PER_PAGE"]
    page = pagination_of(items, page_arg(), size)
    if page.pages and page.page > page.pages:
        page = pagination_of(items, page.pages, size)
    return page
