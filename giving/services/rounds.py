"""Setting up a round: a fund manager sets one up (settings, who can apply, questions,
criteria) while it is a draft, then opens it; from then on its questions and rules are
frozen. An open round's deadline can only move later, and it closes once every application
sent to it has a decision with reasons.

Like every service, these take the session and the acting user, flush but never commit, and
raise :class:`DomainError` with a message a person can act on.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from giving.content_language import CRITERION_TEXTS, QUESTION_TEXTS, Given, clean_translations
from giving.content_language import ROUND_TEXTS as TEXTS
from giving.errors import DomainError
from giving.models import (
    Application,
    Criterion,
    DecisionMethod,
    EligibilityRule,
    GroupKind,
    Place,
    Question,
    Round,
    RoundStatus,
    RuleKind,
    User,
    Ward,
)
from giving.permissions import require_staff
from giving.services.applying import tell_the_group
from giving.services.core import add_audited, audit, count_rows, in_english, update_audited
from giving.services.estimates import estimate_minutes  # noqa: F401  (imported from here)
from giving.services.roles import ensure_panel_role, release_panel_role  # noqa: F401  (voting)
from giving.timeutil import format_date, format_datetime, to_london, utcnow
from giving.workflow import WAITING_STATES, State

ROUND_FIELDS = (
    "title",
    "description",
    "budget_pence",
    "min_grant_pence",
    "max_grant_pence",
    "opens_at",
    "closes_at",
    "decision_date",
    "decision_method",
)


def _money_error(message: str, field: str) -> DomainError:
    return DomainError(message, field=field)


def _check_round_fields(fields: dict[str, Any]) -> dict[str, Any]:
    clean = {key: fields.get(key) for key in ROUND_FIELDS}
    clean["title"] = (clean["title"] or "").strip()
    clean["description"] = (clean["description"] or "").strip()
    if not clean["title"]:
        raise DomainError(_("Enter a title for the round"), field="title")
    if not clean["description"]:
        raise DomainError(_("Say what the round is for"), field="description")
    budget, low, high = clean["budget_pence"], clean["min_grant_pence"], clean["max_grant_pence"]
    if not budget or budget <= 0:
        raise _money_error(_("Enter a budget of more than £0"), "budget_pence")
    if not low or low <= 0:
        raise _money_error(_("Enter a smallest grant of more than £0"), "min_grant_pence")
    if not high or high < low:
        raise _money_error(
            _("The largest grant cannot be less than the smallest grant"), "max_grant_pence"
        )
    if high > budget:
        raise _money_error(_("The largest grant cannot be more than the budget"), "max_grant_pence")
    opens_at, closes_at = clean["opens_at"], clean["closes_at"]
    if opens_at is None:
        raise DomainError(_("Enter when the round opens"), field="opens_on")
    if closes_at is None:
        raise DomainError(_("Enter when the round closes"), field="closes_on")
    if closes_at <= opens_at:
        raise DomainError(_("The round must close after it opens"), field="closes_on")
    decision_date = clean["decision_date"]
    if decision_date is not None and decision_date <= to_london(closes_at).date():
        raise DomainError(
            _("The decision date must be after the day the round closes"), field="decision_date"
        )
    clean["decision_method"] = DecisionMethod(clean["decision_method"] or DecisionMethod.PANEL)
    return clean


def _require_editable(session: Session, actor: User, round_: Round) -> Round:
    """The round, when ``actor`` may change it: staff of its place, while it is a draft."""
    require_staff(session, actor, round_.place)
    if not round_.is_draft:
        raise DomainError(
            _(
                "This round is open, so its settings, questions and rules cannot change. "
                "This keeps it fair for groups who have already started."
            )
        )
    return round_


def create_round(session: Session, actor: User, place: Place, **fields: Any) -> Round:
    """A new round, as a draft that only staff can see; ``translations`` may give its title
    and description in the place's other languages."""
    require_staff(session, actor, place)
    clean = _check_round_fields(fields)
    clean["translations"] = clean_translations(place, fields.get("translations") or {}, TEXTS)
    round_ = Round(place=place, created_by_id=actor.id, **clean)
    summary = f"Set up the round {round_.title}"
    return add_audited(session, actor, "round.create", round_, summary, place=place)


def update_round(session: Session, actor: User, round_: Round, **fields: Any) -> Round:
    _require_editable(session, actor, round_)
    clean = _check_round_fields(fields)
    if "translations" in fields:
        given = fields["translations"] or {}
        clean["translations"] = clean_translations(round_.place, given, TEXTS)
    summary = f"Changed the settings of {clean['title']}"
    return update_audited(
        session, actor, "round.update", round_, clean, summary, place=round_.place
    )


def add_question(
    session: Session,
    actor: User,
    round_: Round,
    text: str,
    why_asked: str,
    word_limit: int | None,
    translations: Given | None = None,
) -> Question:
    _require_editable(session, actor, round_)
    words = clean_translations(round_.place, translations or {}, QUESTION_TEXTS)
    text, why_asked = (text or "").strip(), (why_asked or "").strip()
    if not text:
        raise DomainError(_("Enter the question"), field="text")
    if not why_asked:
        raise DomainError(
            _("Say why you ask this question. Groups see it, so they know what to write."),
            field="why_asked",
        )
    if word_limit is None or not 1 <= word_limit <= 2000:
        raise DomainError(_("Enter a word limit between 1 and 2000"), field="word_limit")
    question = Question(text=text, why_asked=why_asked, word_limit=word_limit, translations=words)
    _add_part(session, actor, round_, question, "a question")
    return question


def _kind_and_list(part: Question | Criterion, round_: Round) -> tuple[str, list[Any]]:
    """Whether ``part`` is a question or a criterion, and the round's list of them."""
    if isinstance(part, Question):
        return "question", round_.questions
    return "criterion", round_.criteria


def _note_part(
    session: Session,
    actor: User,
    round_: Round,
    part: Question | Criterion,
    change: str,
    summary: str,
) -> None:
    """The audit entry for adding, moving or taking out a question or criterion."""
    kind, _parts = _kind_and_list(part, round_)
    audit(
        session,
        actor,
        f"round.{kind}_{change}",
        round_,
        summary,
        place=round_.place,
        **{f"{kind}_id": part.id},
    )


def _add_part(
    session: Session, actor: User, round_: Round, part: Question | Criterion, what: str
) -> None:
    """Put a question or criterion last in a draft round, noting ``what`` in the audit log."""
    _kind, parts = _kind_and_list(part, round_)
    part.position = max((each.position for each in parts), default=0) + 1
    parts.append(part)
    session.flush()
    _note_part(session, actor, round_, part, "add", f"Added {what} to {round_.title}")


def remove_question(session: Session, actor: User, question: Question) -> None:
    _remove_part(session, actor, question, "a question")


def move_question(session: Session, actor: User, question: Question, direction: str) -> None:
    """Move a draft round's question one place ``"up"`` or ``"down"``."""
    _move(session, actor, question, direction)


def move_criterion(session: Session, actor: User, criterion: Criterion, direction: str) -> None:
    """Move a draft round's criterion one place ``"up"`` or ``"down"``."""
    _move(session, actor, criterion, direction)


def _move(session: Session, actor: User, part: Question | Criterion, direction: str) -> None:
    """Swap ``part`` with its neighbour and number them all again from 1."""
    round_ = _require_editable(session, actor, part.round)
    kind, parts = _kind_and_list(part, round_)
    order = list(parts)
    at = order.index(part)
    to = at - 1 if direction == "up" else at + 1
    if direction not in ("up", "down") or not 0 <= to < len(order):
        raise DomainError(_("It cannot move that way."))
    order[at], order[to] = order[to], order[at]
    for position, each in enumerate(order, start=1):
        each.position = position
    session.flush()
    _note_part(
        session, actor, round_, part, "move", f"Moved a {kind} {direction} in {round_.title}"
    )


def add_criterion(
    session: Session,
    actor: User,
    round_: Round,
    name: str,
    description: str,
    weight: int | None,
    translations: Given | None = None,
) -> Criterion:
    _require_editable(session, actor, round_)
    words = clean_translations(round_.place, translations or {}, CRITERION_TEXTS)
    name = (name or "").strip()
    if not name:
        raise DomainError(_("Enter what the panel looks for"), field="name")
    if weight is None or not 1 <= weight <= 100:
        raise DomainError(_("Enter a weight between 1 and 100"), field="weight")
    criterion = Criterion(
        name=name, description=(description or "").strip(), weight=weight, translations=words
    )
    _add_part(session, actor, round_, criterion, f"the criterion {name}")
    return criterion


def remove_criterion(session: Session, actor: User, criterion: Criterion) -> None:
    _remove_part(session, actor, criterion, f"the criterion {criterion.name}")


def _remove_part(session: Session, actor: User, part: Question | Criterion, what: str) -> None:
    """Take a question or criterion out of a draft round, noting ``what`` in the audit log."""
    round_ = _require_editable(session, actor, part.round)
    _kind, parts = _kind_and_list(part, round_)
    _note_part(session, actor, round_, part, "remove", f"Removed {what} from {round_.title}")
    parts.remove(part)
    session.flush()


def set_eligibility(
    session: Session,
    actor: User,
    round_: Round,
    *,
    group_kinds: list[GroupKind] | None = None,
    ward_ids: list[int] | None = None,
    income_ceiling_pence: int | None = None,
    recent_award_months: int | None = None,
) -> list[EligibilityRule]:
    """Replace who can apply. No kinds or no wards chosen means any kind, or anywhere in the
    place; no ceiling means any income; no months means groups funded recently may apply."""
    _require_editable(session, actor, round_)
    kinds = sorted({GroupKind(k) for k in group_kinds or []})
    wards = []
    for ward_id in sorted(set(ward_ids or [])):
        ward = session.get(Ward, ward_id)
        if ward is None or ward.place_id != round_.place_id:
            raise DomainError(_("Choose wards in %(place)s", place=round_.place.name), "wards")
        wards.append(ward)
    if income_ceiling_pence is not None and income_ceiling_pence <= 0:
        raise DomainError(_("Enter an income limit of more than £0"), field="income_ceiling_pence")
    if recent_award_months is not None and not 1 <= recent_award_months <= 120:
        raise DomainError(_("Enter a number of months from 1 to 120"), field="recent_award_months")
    round_.rules.clear()
    session.flush()
    rules = [EligibilityRule(kind=RuleKind.GROUP_KIND, group_kind=k) for k in kinds]
    rules += [EligibilityRule(kind=RuleKind.WARD, ward=w) for w in wards]
    if income_ceiling_pence is not None:
        rules.append(
            EligibilityRule(kind=RuleKind.INCOME_CEILING, amount_pence=income_ceiling_pence)
        )
    if recent_award_months is not None:
        rules.append(EligibilityRule(kind=RuleKind.NO_RECENT_AWARD, months=recent_award_months))
    round_.rules.extend(rules)
    session.flush()
    audit(
        session,
        actor,
        "round.eligibility",
        round_,
        f"Changed who can apply to {round_.title}",
        place=round_.place,
        rules=[
            {
                "kind": r.kind.value,
                "value": r.group_kind or r.ward_id or r.amount_pence or r.months,
            }
            for r in rules
        ],
    )
    return rules


def open_round(session: Session, actor: User, round_: Round) -> Round:
    """Publish the round. From now on its settings, questions and rules cannot change."""
    require_staff(session, actor, round_.place)
    if not round_.is_draft:
        raise DomainError(_("This round is already open."))
    if round_.decision_date is None:
        raise DomainError(
            _("Set the date you will decide by. A round cannot open without one."),
            field="decision_date",
        )
    if round_.closes_at <= utcnow():
        raise DomainError(_("The closing time has passed. Change it first."), field="closes_on")
    if not round_.questions:
        raise DomainError(_("Add at least one question first."))
    if not round_.criteria:
        raise DomainError(_("Add at least one thing the panel looks for first."))
    round_.status = RoundStatus.OPEN
    round_.opened_at = utcnow()
    session.flush()
    audit(
        session, actor, "round.open", round_, f"Opened the round {round_.title}", place=round_.place
    )
    return round_


def extend_deadline(
    session: Session, actor: User, round_: Round, closes_at: dt.datetime, reason: str
) -> int:
    """Give groups more time: move an open round's deadline later (never earlier, so no group
    loses time it was promised), still before the decision date. Groups with an application
    not yet sent are told, with the reason. Returns how many groups were told."""
    require_staff(session, actor, round_.place)
    if round_.status != RoundStatus.OPEN:
        raise DomainError(_("Only an open round's deadline can move."))
    if round_.closes_at <= utcnow():
        raise DomainError(
            _("The deadline has passed, so it can no longer move. This keeps it fair."),
            field="closes_on",
        )
    if closes_at <= round_.closes_at:
        raise DomainError(
            _(
                "Choose a time after the deadline now, %(when)s. A deadline can only move later.",
                when=format_datetime(round_.closes_at),
            ),
            field="closes_on",
        )
    if round_.decision_date is not None and to_london(closes_at).date() >= round_.decision_date:
        raise DomainError(
            _(
                "The deadline must be before the day you will decide by, %(day)s.",
                day=format_date(round_.decision_date),
            ),
            field="closes_on",
        )
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_("Say why the deadline is moving. Groups read this."), field="reason")
    before = round_.closes_at
    round_.closes_at = closes_at
    session.flush()
    with in_english():
        audit(
            session,
            actor,
            "round.extend",
            round_,
            f"Moved the deadline of {round_.title} to {format_datetime(closes_at)}: {reason}",
            place=round_.place,
            before=before.isoformat(),
            after=closes_at.isoformat(),
        )
    drafts = session.scalars(
        select(Application).where(
            Application.round_id == round_.id, Application.state == State.DRAFT
        )
    ).all()
    subject = _l("More time to apply to %(round)s", round=round_.title)
    for application in drafts:
        tell_the_group(application, subject, "deadline_moved", reason=reason)
    return len({application.group_id for application in drafts})


def close_round(session: Session, actor: User, round_: Round) -> Round:
    """Close a round once every application sent to it has a decision, with reasons."""
    require_staff(session, actor, round_.place)
    problem = _why_it_cannot_close(session, round_, utcnow())
    if problem is not None:
        raise DomainError(problem)
    return _close(session, actor, round_)


def close_due_rounds(session: Session, now: dt.datetime) -> list[str]:
    """For ``flask tick``: close every open round whose closing time has passed and whose
    applications all have decisions, with reasons. Rounds still deciding stay open."""
    due = session.scalars(
        select(Round)
        .where(Round.status == RoundStatus.OPEN, Round.closes_at <= now)
        .order_by(Round.id)
        .with_for_update(skip_locked=True)
    ).all()
    closed = [r for r in due if _why_it_cannot_close(session, r, now) is None]
    for round_ in closed:
        _close(session, None, round_, by="system")
    return [f"Closed the round {r.title}: every application has its decision." for r in closed]


def _why_it_cannot_close(session: Session, round_: Round, now: dt.datetime) -> str | None:
    if round_.status != RoundStatus.OPEN:
        return _("Only an open round can be closed.")
    if now < round_.closes_at:
        return _(
            "This round takes applications until %(when)s. Close it after that.",
            when=format_datetime(round_.closes_at),
        )
    waiting = count_rows(
        session, Application, Application.state.in_(WAITING_STATES), round_id=round_.id
    )
    if waiting:
        return ngettext(
            "%(num)d application still needs a decision. Decide it, with reasons, first.",
            "%(num)d applications still need a decision. Decide them, with reasons, first.",
            waiting,
        )
    no_reasons = count_rows(
        session,
        Application,
        Application.state.in_((State.DECLINED, State.INELIGIBLE)),
        func.length(func.trim(Application.feedback)) == 0,
        round_id=round_.id,
    )
    if no_reasons:
        return _("Every application that was turned down needs written reasons.")
    return None


def _close(session: Session, actor: User | None, round_: Round, **details: str) -> Round:
    round_.status = RoundStatus.CLOSED
    round_.closed_at = utcnow()
    session.flush()
    audit(
        session,
        actor,
        "round.close",
        round_,
        f"Closed the round {round_.title}",
        place=round_.place,
        **details,
    )
    return round_


def rounds_stmt(place: Place, include_drafts: bool = False) -> Select:
    stmt = select(Round).where(Round.place_id == place.id)
    if not include_drafts:
        stmt = stmt.where(Round.status != RoundStatus.DRAFT)
    return stmt.order_by(Round.closes_at.desc(), Round.id.desc())
