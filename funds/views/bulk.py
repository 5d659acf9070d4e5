"""Work on many grants at once, in three steps: tick the rows, check what will happen, then
confirm. Marking payments ready to pay, and asking groups for their written check-in."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from funds.forms.bulk import BulkForm
from funds.models import CheckIn, Fund, Instalment
from funds.services import bulk
from funds.views.access import bp, fund_or_404
from giving.extensions import db
from giving.money import format_money
from giving.timeutil import format_date, utcnow
from giving.transaction import attempt, say


@dataclass(frozen=True)
class Kind:
    """One kind of bulk action: its pages' words, its rows, and its two services."""

    name: str
    title: Any
    intro: Any
    label: Any
    empty: Any
    rows: Callable[[Fund], list]
    row_label: Callable[[Any], str]
    plan: Callable[..., bulk.Plan]
    act: Callable[..., bulk.Plan]
    done: Callable[[bulk.Plan], str]


def _payment_label(inst: Instalment) -> str:
    return _(
        "%(group)s: payment %(number)d, %(amount)s, due %(due)s",
        group=inst.grant.group.name,
        number=inst.number,
        amount=format_money(inst.amount_pence),
        due=format_date(inst.due_date),
    )


def _checkin_label(checkin: CheckIn) -> str:
    text = _(
        "%(group)s: check-in %(number)d, due %(due)s",
        group=checkin.grant.group.name,
        number=checkin.number,
        due=format_date(checkin.due_on),
    )
    if checkin.reminded_at is not None:
        text += " " + _("(asked on %(day)s)", day=format_date(checkin.reminded_at))
    return text


def _until() -> Any:
    return utcnow().date() + bulk.AHEAD


KINDS = {
    "ready": Kind(
        "ready",
        _l("Mark many payments ready to pay"),
        _l(
            "These planned payments are due in the next three months or before. Tick the ones "
            "to mark as ready to pay. Next you can check what will happen before anything "
            "changes."
        ),
        _l("Payments to mark as ready to pay"),
        _l("No planned payments are due in the next three months."),
        lambda fund: bulk.planned_payments(db.session, fund, _until()),
        _payment_label,
        bulk.plan_ready,
        bulk.mark_ready,
        lambda plan: ngettext(
            "%(num)d payment marked as ready to pay.",
            "%(num)d payments marked as ready to pay.",
            plan.count,
        ),
    ),
    "checkins": Kind(
        "checkins",
        _l("Ask many groups for their check-in"),
        _l(
            "These written check-ins are due in the next three months or before, and are not "
            "answered yet. Tick the groups to email. Next you can check what will happen "
            "before anything is sent."
        ),
        _l("Check-ins to ask for"),
        _l("No written check-ins are due in the next three months."),
        lambda fund: bulk.checkins_due(db.session, fund, _until()),
        _checkin_label,
        bulk.plan_checkins,
        bulk.request_checkins,
        lambda plan: ngettext(
            "%(num)d group asked for its check-in.",
            "%(num)d groups asked for their check-in.",
            plan.count,
        ),
    ),
}


def _form(kind: Kind, fund: Fund) -> tuple[BulkForm, list]:
    rows = kind.rows(fund)
    form = BulkForm()
    form.set_rows(str(kind.label), [(row.id, kind.row_label(row)) for row in rows])
    return form, rows


def _choose_page(kind: Kind, fund: Fund, form: BulkForm, rows: list) -> str:
    return render_template(
        "funds/bulk.html", kind=kind, fund=fund, form=form, rows=rows, most=bulk.MOST_SHOWN
    )


def _page(name: str, fund_id: int) -> str:
    """Tick the rows (GET); or check what ticking them will do (POST), changing nothing."""
    kind = KINDS[name]
    fund = fund_or_404(fund_id)
    form, rows = _form(kind, fund)
    if form.validate_on_submit():
        planned = attempt(form, kind.plan, db.session, current_user, fund, form.items.data)
        if planned:
            return render_template(
                "funds/bulk_review.html",
                kind=kind,
                fund=fund,
                form=form,
                plan=planned.value,
                labels=[kind.row_label(row) for row in planned.value.rows],
            )
    return _choose_page(kind, fund, form, rows)


def _confirm(name: str, fund_id: int) -> str | Response:
    kind = KINDS[name]
    fund = fund_or_404(fund_id)
    form, rows = _form(kind, fund)
    if form.validate_on_submit():
        done = attempt(form, kind.act, db.session, current_user, fund, form.items.data)
        if done:
            say(kind.done(done.value))
            return redirect(url_for(f"funds.bulk_{name}", fund_id=fund.id))
    return _choose_page(kind, fund, form, rows)


@bp.route("/funds/<int:fund_id>/bulk/ready", methods=["GET", "POST"])
@login_required
def bulk_ready(fund_id: int) -> str:
    return _page("ready", fund_id)


@bp.post("/funds/<int:fund_id>/bulk/ready/confirm")
@login_required
def bulk_ready_confirm(fund_id: int) -> str | Response:
    return _confirm("ready", fund_id)


@bp.route("/funds/<int:fund_id>/bulk/checkins", methods=["GET", "POST"])
@login_required
def bulk_checkins(fund_id: int) -> str:
    return _page("checkins", fund_id)


@bp.post("/funds/<int:fund_id>/bulk/checkins/confirm")
@login_required
def bulk_checkins_confirm(fund_id: int) -> str | Response:
    return _confirm("checkins", fund_id)
