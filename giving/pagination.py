"""One way to page a list: Flask-SQLAlchemy's ``db.paginate``, with the page number from the
request clamped to the pages there are (a page past the end shows the last page)."""

from __future__ import annotations

from flask import current_app, request
from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import Select

from giving.extensions import db


def paginate(stmt: Select, per_page: int | None = None) -> Pagination:
    """The page of ``stmt`` that ``?page=`` asks for, ``per_page`` rows (the PER_PAGE
    setting by default); ``.items``, ``.page``, ``.pages``, ``.total``, ``.has_prev`` and
    ``.has_next`` are what the pagination macro shows."""
    size = per_page or current_app.config["PER_PAGE"]
    number = max(1, request.args.get("page", 1, type=int) or 1)
    page = db.paginate(stmt, page=number, per_page=size, max_per_page=size, error_out=False)
    if page.pages and page.page > page.pages:
        page = db.paginate(stmt, page=page.pages, per_page=size, max_per_page=size, error_out=False)
    return page
