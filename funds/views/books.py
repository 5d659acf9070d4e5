"""The books, for the fund's managers: the journal (paged and filtered), the trial balance on
any day, and both as files for an accounting package."""

from __future__ import annotations

import datetime as dt

from flask import Response, render_template, request, stream_with_context
from flask_login import current_user, login_required

from funds.forms.books import JournalFilterForm, TrialBalanceForm
from funds.models import Fund
from funds.services import books
from funds.views.access import bp, fund_or_404
from giving.extensions import db
from giving.pagination import paginate
from giving.timeutil import to_london, utcnow

# Transactions on a page of the journal.
PER_PAGE = 25


def _today() -> dt.date:
    return to_london(utcnow()).date()


def _journal_filters(fund: Fund) -> tuple[JournalFilterForm, books.JournalFilters]:
    """The filters in the page's address; any that are wrong are left out, with a message
    next to the field."""
    asked = any(key in request.args for key in ("date_from", "date_to", "account"))
    form = JournalFilterForm(formdata=request.args if asked else None)
    form.set_accounts(books.accounts_of(db.session, fund))
    if not asked or not form.validate():
        return form, books.JournalFilters()
    account = form.account.data
    return form, books.JournalFilters(
        date_from=form.date_from.data,
        date_to=form.date_to.data,
        account_id=int(account) if account else None,
    )


def _filter_args(filters: books.JournalFilters) -> dict[str, object]:
    """The filters, as the address of another page of the same journal."""
    args: dict[str, object] = {}
    for name in ("date_from", "date_to"):
        day = getattr(filters, name)
        if day is not None:
            args[name] = [day.day, day.month, day.year]
    if filters.account_id is not None:
        args["account"] = filters.account_id
    return args


def _download(body: object, filename: str) -> Response:
    response = Response(body, mimetype="text/csv; charset=utf-8")  # type: ignore[arg-type]
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@bp.get("/funds/<int:fund_id>/books")
@login_required
def books_journal(fund_id: int) -> str:
    fund = fund_or_404(fund_id)
    form, filters = _journal_filters(fund)
    page = paginate(books.journal_query(db.session, current_user, fund, filters), PER_PAGE)
    return render_template(
        "funds/books/journal.html",
        fund=fund,
        form=form,
        page=page,
        transactions=books.with_entries(db.session, page.items),
        args=_filter_args(filters),
    )


@bp.get("/funds/<int:fund_id>/books/journal.csv")
@login_required
def books_journal_csv(fund_id: int) -> Response:
    """The journal as a file: one row per entry, for the filters given."""
    fund = fund_or_404(fund_id)
    _form, filters = _journal_filters(fund)
    lines = books.journal_lines(db.session, current_user, fund, filters)
    chunks = stream_with_context(books.journal_csv_chunks(lines))
    return _download(chunks, f"journal-{fund.id}.csv")


def _trial_day() -> tuple[TrialBalanceForm, dt.date]:
    form = TrialBalanceForm(formdata=request.args if "at" in request.args else None)
    day = _today()
    if "at" in request.args and form.validate() and form.at.data is not None:
        day = form.at.data
    if not form.at.errors:
        form.at.data = day
    return form, day


@bp.get("/funds/<int:fund_id>/books/trial-balance")
@login_required
def books_trial_balance(fund_id: int) -> str:
    fund = fund_or_404(fund_id)
    form, day = _trial_day()
    return render_template(
        "funds/books/trial_balance.html",
        fund=fund,
        form=form,
        balance=books.trial_balance(db.session, current_user, fund, day),
        at_args=[day.day, day.month, day.year],
    )


@bp.get("/funds/<int:fund_id>/books/trial-balance.csv")
@login_required
def books_trial_balance_csv(fund_id: int) -> Response:
    fund = fund_or_404(fund_id)
    _form, day = _trial_day()
    balance = books.trial_balance(db.session, current_user, fund, day)
    return _download(books.trial_balance_csv(balance), f"trial-balance-{fund.id}-{day}.csv")
