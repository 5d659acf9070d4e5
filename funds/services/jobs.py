"""Funds' long work as background jobs: a Gift Aid claim and the payment run's file for the
bank. Each has a start (checked in the request, then queued) and the work the job runs, which
checks again and gives back the file for the job's page to offer."""

from __future__ import annotations

import datetime as dt

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy.orm import Session

from funds.models import Fund
from funds.permissions import require_manager
from funds.services.claim_review import review_claim, review_claim_for
from funds.services.claim_schedule import ODS_TYPE, claim_ods
from funds.services.claims import make_gift_aid_claim
from funds.services.payment_runs import payment_run, payment_run_csv
from giving.errors import DomainError
from giving.models import Job, User
from giving.progress import Progress
from giving.services.jobs import JobFile, start_job
from giving.timeutil import format_date

CSV = "text/csv; charset=utf-8"


def _fund(session: Session, fund_id: int) -> Fund:
    fund = session.get(Fund, fund_id)
    if fund is None:
        raise DomainError(_("The fund is gone."))
    return fund


def start_gift_aid_claim(
    session: Session,
    actor: User,
    fund: Fund,
    from_on: dt.date,
    to_on: dt.date,
    next_url: str | None = None,
) -> Job:
    """Queue the claim of every claimable gift between the days; its job writes the claim
    schedule. The gifts are marked claimed when the job runs, in the same transaction."""
    review_claim_for(session, actor, fund, from_on, to_on)
    title = _(
        "Gift Aid claim for %(fund)s, %(first)s to %(last)s",
        fund=fund.name,
        first=format_date(from_on),
        last=format_date(to_on),
    )
    return start_job(
        session,
        actor,
        fund.place,
        "gift_aid_claim",
        gift_aid_claim_work,
        fund.id,
        from_on,
        to_on,
        title=title,
        next_url=next_url,
        next_text=_("See the fund's Gift Aid claims"),
    )


def gift_aid_claim_work(
    session: Session,
    actor: User | None,
    fund_id: int,
    from_on: dt.date,
    to_on: dt.date,
    *,
    progress: Progress,
) -> JobFile:
    """The claim job: claim the gifts, then write HMRC's schedule as an ODS file (half the
    progress each). The claim's own page offers it again, and as CSV."""
    fund = _fund(session, fund_id)
    require_manager(session, actor, fund)
    if review_claim(session, fund, from_on, to_on).empty:
        raise DomainError(
            _("There are no gifts left to claim between those days: another claim took them.")
        )
    claim = make_gift_aid_claim(
        session, fund, from_on, to_on, lambda done, total: progress(done, 2 * total), actor
    )
    data = claim_ods(claim, lambda done, total: progress(total + done, 2 * total))
    name = f"gift-aid-claim-{fund.id}-{from_on.isoformat()}-to-{to_on.isoformat()}.ods"
    return JobFile(name, ODS_TYPE, data)


def start_payment_run_file(
    session: Session, actor: User, fund: Fund, on: dt.date, next_url: str | None = None
) -> Job:
    """Queue the payment run's file for the bank: every payment ready to pay on or before
    ``on``. Making the file changes nothing; recording the run as paid is a separate step."""
    require_manager(session, actor, fund)
    title = _("File for the bank: %(fund)s, due by %(day)s", fund=fund.name, day=format_date(on))
    return start_job(
        session,
        actor,
        fund.place,
        "payment_run_file",
        payment_run_file_work,
        fund.id,
        on,
        title=title,
        next_url=next_url,
        next_text=_("Back to the payment run"),
    )


def payment_run_file_work(
    session: Session, actor: User | None, fund_id: int, on: dt.date, *, progress: Progress
) -> JobFile:
    """The payment run job: the CSV file for the bank."""
    fund = _fund(session, fund_id)
    require_manager(session, actor, fund)
    items = payment_run(session, fund, on)
    progress(0, len(items))
    prefix = current_app.config["THREESIXTYGIVING_PREFIX"]
    body = payment_run_csv(fund, on, items, prefix)
    progress(len(items), len(items))
    return JobFile(f"payment-run-{fund.id}-{on.isoformat()}.csv", CSV, body.encode("utf-8"))
