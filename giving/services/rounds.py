"""Domain operations for rounds and applications.

Rounds: a fund manager sets one up (settings, who can apply, questions, criteria) while it is
a draft, then opens it; from then on its questions and rules are frozen. Applications: a
group member starts one, saves and returns, then sends it before the deadline; staff can do
the same on a group's behalf. Every change of an application's state goes through
:func:`transition`, which follows the table in :mod:`giving.workflow`.

Like every service, these take the session and the acting user, flush but never commit, and
raise :class:`DomainError` with a message a person can act on.
"""

from __future__ import annotations

import datetime as dt
import io
import math
import secrets
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flask import current_app, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import Select, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from werkzeug.datastructures import FileStorage

from giving import hooks, workflow
from giving.email import send_email
from giving.jobs import enqueue
from giving.models import (
    Answer,
    Application,
    Attachment,
    AuditEntry,
    Channel,
    Criterion,
    DecisionMethod,
    EligibilityRule,
    Group,
    GroupKind,
    GroupMember,
    Place,
    PostcodeArea,
    Question,
    Role,
    RoleGrant,
    Round,
    RoundStatus,
    RuleKind,
    User,
    Ward,
)
from giving.money import format_money
from giving.services.core import (
    DomainError,
    NotAllowed,
    audit,
    is_staff,
    normalise_postcode,
    postcode_prefixes,
)
from giving.timeutil import format_date, format_datetime, to_london, utcnow
from giving.workflow import Actor, Move, Needs, State

# --- Who may see and change what -------------------------------------------------------------


def _signed_in(user: User | None) -> bool:
    return user is not None and bool(getattr(user, "is_authenticated", False))


def is_group_member(user: User | None, group: Group) -> bool:
    return _signed_in(user) and any(m.user_id == user.id for m in group.members)


def _default_panel_policy(session: Session, user: User, application: Application) -> bool:
    """Anyone given the panel member role in the round's place may read applications that
    are being read or are on the shortlist (never drafts, and never before they are read)."""
    if application.state not in workflow.PANEL_STATES:
        return False
    grant = session.scalar(
        select(RoleGrant.id).where(
            RoleGrant.user_id == user.id,
            RoleGrant.place_id == application.round.place_id,
            RoleGrant.role == Role.PANEL_MEMBER,
        )
    )
    return grant is not None


def _require_self_or_staff(session: Session, actor: User, place: Place, user: User) -> None:
    if not (actor.id == user.id or is_staff(session, actor, place)):
        raise NotAllowed(_("Only fund managers and admins of this place can do this."))


def _panel_grant(session: Session, place: Place, user: User) -> RoleGrant | None:
    return session.scalar(
        select(RoleGrant).where(
            RoleGrant.user_id == user.id,
            RoleGrant.place_id == place.id,
            RoleGrant.role == Role.PANEL_MEMBER,
        )
    )


def ensure_panel_role(session: Session, actor: User, place: Place, user: User) -> RoleGrant:
    """Give ``user`` the panel member role in ``place`` when they join one of its panels
    (``voting`` calls this). Staff of the place may give it; a resident joining an open panel
    gives it to themselves. What they may read is still narrowed by the panel access policy."""
    _require_self_or_staff(session, actor, place, user)
    grant = _panel_grant(session, place, user)
    if grant is None:
        grant = RoleGrant(user=user, place=place, role=Role.PANEL_MEMBER, granted_by_id=actor.id)
        session.add(grant)
        session.flush()
        audit(session, actor, "role.grant", grant, f"Made {user.name} Panel member", place=place)
    return grant


def release_panel_role(session: Session, actor: User, place: Place, user: User) -> bool:
    """Take the panel member role in ``place`` back from ``user`` once they sit on none of
    its panels (``voting`` calls this when someone leaves their last one). Returns whether
    there was a role to take back."""
    _require_self_or_staff(session, actor, place, user)
    grant = _panel_grant(session, place, user)
    if grant is None:
        return False
    audit(
        session,
        actor,
        "role.revoke",
        grant,
        f"{user.name} is no longer a Panel member",
        place=place,
    )
    session.delete(grant)
    session.flush()
    return True


def can_view_application(session: Session, user: User | None, application: Application) -> bool:
    """The group's members, staff of the round's place and, while it is being decided,
    panel members (the app's ``panel_access`` hook, which voting narrows). No one else."""
    if not _signed_in(user):
        return False
    if is_group_member(user, application.group):
        return True
    if is_staff(session, user, application.round.place):
        return True
    policy = hooks.current().panel_access or _default_panel_policy
    return policy(session, user, application)


def can_edit_application(session: Session, user: User | None, application: Application) -> bool:
    """Drafts can be changed by the group's members and by staff helping them."""
    return application.state == State.DRAFT and (
        is_group_member(user, application.group) or is_staff(session, user, application.round.place)
    )


def actors_for(session: Session, user: User | None, application: Application) -> set[Actor]:
    """The workflow roles ``user`` holds for this application."""
    actors: set[Actor] = set()
    if is_group_member(user, application.group):
        actors.add(Actor.GROUP)
    if _signed_in(user) and is_staff(session, user, application.round.place):
        actors.add(Actor.STAFF)
    return actors


def _require_staff(session: Session, actor: User, place: Place) -> None:
    if not is_staff(session, actor, place):
        raise NotAllowed(_("Only fund managers and admins of this place can do this."))


# --- How long applying takes -----------------------------------------------------------------


def estimate_minutes(questions: list[Question], config: dict | None = None) -> int:
    """About how long a group needs to apply, in minutes, rounded up to the next 5.

    estimate = APPLY_BASE_MINUTES (read the round, check you can apply)
             + for each question: APPLY_MINUTES_PER_QUESTION (think, find facts)
                                  + word limit / APPLY_WORDS_PER_MINUTE (write)

    For example 3 questions of up to 150 words: 10 + 3 x (5 + 15) = 70 minutes.
    """
    config = config or current_app.config
    minutes = config["APPLY_BASE_MINUTES"] + sum(
        config["APPLY_MINUTES_PER_QUESTION"]
        + math.ceil(q.word_limit / config["APPLY_WORDS_PER_MINUTE"])
        for q in questions
    )
    return 5 * math.ceil(minutes / 5)


def guide_minutes(max_grant_pence: int, config: dict | None = None) -> int:
    """The most time a round should ask of a group for grants up to ``max_grant_pence``:
    APPLY_GUIDE_MINUTES_PER_1000_POUNDS for each £1,000, between the floor and ceiling."""
    config = config or current_app.config
    minutes = math.ceil(max_grant_pence * config["APPLY_GUIDE_MINUTES_PER_1000_POUNDS"] / 100_000)
    return max(
        config["APPLY_GUIDE_FLOOR_MINUTES"], min(config["APPLY_GUIDE_CEILING_MINUTES"], minutes)
    )


def format_minutes(minutes: int) -> str:
    """'about 40 minutes', 'about 1 hour 40 minutes', 'about 2 hours'."""
    hours, rest = divmod(minutes, 60)
    if not hours:
        return ngettext("about %(num)d minute", "about %(num)d minutes", rest)
    text = ngettext("about %(num)d hour", "about %(num)d hours", hours)
    if rest:
        text += " " + ngettext("%(num)d minute", "%(num)d minutes", rest)
    return text


def proportion_warning(round_: Round) -> str | None:
    """A warning for the fund manager when applying takes longer than the guide allows."""
    estimate = estimate_minutes(round_.questions)
    guide = guide_minutes(round_.max_grant_pence)
    if estimate <= guide:
        return None
    return _(
        "Applying will take %(estimate)s. For grants up to %(max)s, our guide is no more than "
        "%(guide)s. Ask fewer questions, or allow fewer words.",
        estimate=format_minutes(estimate),
        max=format_money(round_.max_grant_pence),
        guide=format_minutes(guide).removeprefix("about "),
    )


# --- Setting up a round ----------------------------------------------------------------------

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


def _require_draft(round_: Round) -> None:
    if not round_.is_draft:
        raise DomainError(
            _(
                "This round is open, so its settings, questions and rules cannot change. "
                "This keeps it fair for groups who have already started."
            )
        )


def create_round(session: Session, actor: User, place: Place, **fields: Any) -> Round:
    """A new round, as a draft that only staff can see."""
    _require_staff(session, actor, place)
    round_ = Round(place=place, created_by_id=actor.id, **_check_round_fields(fields))
    session.add(round_)
    session.flush()
    audit(session, actor, "round.create", round_, f"Set up the round {round_.title}", place=place)
    return round_


def update_round(session: Session, actor: User, round_: Round, **fields: Any) -> Round:
    _require_staff(session, actor, round_.place)
    _require_draft(round_)
    clean = _check_round_fields(fields)
    changed = sorted(k for k, v in clean.items() if getattr(round_, k) != v)
    for key, value in clean.items():
        setattr(round_, key, value)
    session.flush()
    audit(
        session,
        actor,
        "round.update",
        round_,
        f"Changed the settings of {round_.title}",
        place=round_.place,
        changed=changed,
    )
    return round_


def add_question(
    session: Session, actor: User, round_: Round, text: str, why_asked: str, word_limit: int | None
) -> Question:
    _require_staff(session, actor, round_.place)
    _require_draft(round_)
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
    position = max((q.position for q in round_.questions), default=0) + 1
    question = Question(text=text, why_asked=why_asked, word_limit=word_limit, position=position)
    round_.questions.append(question)
    session.flush()
    audit(
        session,
        actor,
        "round.question_add",
        round_,
        f"Added a question to {round_.title}",
        place=round_.place,
        question_id=question.id,
    )
    return question


def remove_question(session: Session, actor: User, question: Question) -> None:
    round_ = question.round
    _require_staff(session, actor, round_.place)
    _require_draft(round_)
    audit(
        session,
        actor,
        "round.question_remove",
        round_,
        f"Removed a question from {round_.title}",
        place=round_.place,
        question_id=question.id,
    )
    round_.questions.remove(question)
    session.flush()


def move_question(session: Session, actor: User, question: Question, direction: str) -> None:
    """Move a draft round's question one place ``"up"`` or ``"down"``."""
    _move(session, actor, question, question.round.questions, direction, "question")


def move_criterion(session: Session, actor: User, criterion: Criterion, direction: str) -> None:
    """Move a draft round's criterion one place ``"up"`` or ``"down"``."""
    _move(session, actor, criterion, criterion.round.criteria, direction, "criterion")


def _move(
    session: Session,
    actor: User,
    part: Question | Criterion,
    parts: list[Any],
    direction: str,
    what: str,
) -> None:
    """Swap ``part`` with its neighbour and number them all again from 1."""
    round_ = part.round
    _require_staff(session, actor, round_.place)
    _require_draft(round_)
    order = list(parts)
    at = order.index(part)
    to = at - 1 if direction == "up" else at + 1
    if direction not in ("up", "down") or not 0 <= to < len(order):
        raise DomainError(_("It cannot move that way."))
    order[at], order[to] = order[to], order[at]
    for position, each in enumerate(order, start=1):
        each.position = position
    session.flush()
    audit(
        session,
        actor,
        f"round.{what}_move",
        round_,
        f"Moved a {what} {direction} in {round_.title}",
        place=round_.place,
        **{f"{what}_id": part.id},
    )


def add_criterion(
    session: Session, actor: User, round_: Round, name: str, description: str, weight: int | None
) -> Criterion:
    _require_staff(session, actor, round_.place)
    _require_draft(round_)
    name = (name or "").strip()
    if not name:
        raise DomainError(_("Enter what the panel looks for"), field="name")
    if weight is None or not 1 <= weight <= 100:
        raise DomainError(_("Enter a weight between 1 and 100"), field="weight")
    position = max((c.position for c in round_.criteria), default=0) + 1
    criterion = Criterion(
        name=name, description=(description or "").strip(), weight=weight, position=position
    )
    round_.criteria.append(criterion)
    session.flush()
    audit(
        session,
        actor,
        "round.criterion_add",
        round_,
        f"Added the criterion {name} to {round_.title}",
        place=round_.place,
        criterion_id=criterion.id,
    )
    return criterion


def remove_criterion(session: Session, actor: User, criterion: Criterion) -> None:
    round_ = criterion.round
    _require_staff(session, actor, round_.place)
    _require_draft(round_)
    audit(
        session,
        actor,
        "round.criterion_remove",
        round_,
        f"Removed the criterion {criterion.name} from {round_.title}",
        place=round_.place,
        criterion_id=criterion.id,
    )
    round_.criteria.remove(criterion)
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
    _require_staff(session, actor, round_.place)
    _require_draft(round_)
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
    _require_staff(session, actor, round_.place)
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
    _require_staff(session, actor, round_.place)
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
    for application in drafts:
        link = url_for("giving.application", application_id=application.id, _external=True)
        for email in _group_emails(application):
            send_email(
                email,
                _("More time to apply to %(round)s", round=round_.title),
                "deadline_moved",
                application=application,
                round=round_,
                reason=reason,
                link=link,
            )
    return len({application.group_id for application in drafts})


def close_round(session: Session, actor: User, round_: Round) -> Round:
    """Close a round once every application sent to it has a decision, with reasons."""
    _require_staff(session, actor, round_.place)
    if round_.status != RoundStatus.OPEN:
        raise DomainError(_("Only an open round can be closed."))
    if utcnow() < round_.closes_at:
        raise DomainError(
            _(
                "This round takes applications until %(when)s. Close it after that.",
                when=format_datetime(round_.closes_at),
            )
        )
    waiting = session.scalar(
        select(func.count(Application.id)).where(
            Application.round_id == round_.id, Application.state.in_(workflow.WAITING_STATES)
        )
    )
    if waiting:
        raise DomainError(
            ngettext(
                "%(num)d application still needs a decision. Decide it, with reasons, first.",
                "%(num)d applications still need a decision. Decide them, with reasons, first.",
                waiting,
            )
        )
    no_reasons = session.scalar(
        select(func.count(Application.id)).where(
            Application.round_id == round_.id,
            Application.state.in_((State.DECLINED, State.INELIGIBLE)),
            func.length(func.trim(Application.feedback)) == 0,
        )
    )
    if no_reasons:
        raise DomainError(_("Every application that was turned down needs written reasons."))
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
    )
    return round_


def rounds_stmt(place: Place, include_drafts: bool = False) -> Select:
    stmt = select(Round).where(Round.place_id == place.id)
    if not include_drafts:
        stmt = stmt.where(Round.status != RoundStatus.DRAFT)
    return stmt.order_by(Round.closes_at.desc(), Round.id.desc())


def can_see_round(session: Session, user: User | None, round_: Round) -> bool:
    """Open and closed rounds are public; drafts only for staff of the place."""
    return not round_.is_draft or (_signed_in(user) and is_staff(session, user, round_.place))


# --- Who can apply ---------------------------------------------------------------------------


@dataclass
class EligibilityFacts:
    """What we know about a group, from its profile or from the eligibility checker."""

    group_kind: GroupKind | None = None
    income_pence: int | None = None
    postcode: str | None = None
    last_award_on: dt.date | None = None
    recently_awarded: bool | None = None
    place_id: int | None = None
    place_name: str = ""


def _months_ago(day: dt.date, months: int) -> dt.date:
    year, month = divmod(day.year * 12 + day.month - 1 - months, 12)
    month += 1
    last_day = 31
    while True:
        try:
            return dt.date(year, month, min(day.day, last_day))
        except ValueError:
            last_day -= 1


def last_award_date(session: Session, group: Group, place: Place) -> dt.date | None:
    """When the group was last given money by a round in ``place`` (London date)."""
    decided = session.scalar(
        select(func.max(Application.decided_at))
        .join(Round, Round.id == Application.round_id)
        .where(
            Application.group_id == group.id,
            Application.state == State.AWARDED,
            Round.place_id == place.id,
        )
    )
    if decided is None:
        return None
    if decided.tzinfo is None:
        decided = decided.replace(tzinfo=dt.UTC)
    return to_london(decided).date()


def facts_for_group(session: Session, round_: Round, group: Group) -> EligibilityFacts:
    return EligibilityFacts(
        group_kind=group.kind,
        income_pence=group.annual_income_pence,
        postcode=group.postcode,
        last_award_on=last_award_date(session, group, round_.place),
        place_id=group.place_id,
        place_name=group.place.name,
    )


def _ward_of(session: Session, place_id: int, postcode: str) -> Ward | None:
    district, sector = postcode_prefixes(postcode)
    areas = session.scalars(
        select(PostcodeArea).where(
            PostcodeArea.place_id == place_id, PostcodeArea.prefix.in_((district, sector))
        )
    ).all()
    areas = sorted(areas, key=lambda a: len(a.prefix), reverse=True)
    return areas[0].ward if areas else None


def _or_list(items: list[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return _("%(first)s or %(last)s", first=", ".join(items[:-1]), last=items[-1])


def eligibility_reasons(session: Session, round_: Round, facts: EligibilityFacts) -> list[str]:
    """Every reason a group cannot apply, in plain words; an empty list means it can."""
    reasons: list[str] = []
    if facts.place_id is not None and facts.place_id != round_.place_id:
        reasons.append(
            _(
                "This round is for groups in %(place)s. Your group is in %(theirs)s.",
                place=round_.place.name,
                theirs=facts.place_name,
            )
        )
    kinds = [r.group_kind for r in round_.rules_of(RuleKind.GROUP_KIND)]
    if kinds and facts.group_kind not in kinds:
        allowed = _or_list([k.label.lower() for k in kinds])
        if facts.group_kind is None:
            reasons.append(_("Tell us what kind of group you are."))
        else:
            reasons.append(
                _(
                    "This round is only for these kinds of group: %(allowed)s. "
                    "Your group is: %(kind)s.",
                    allowed=allowed,
                    kind=facts.group_kind.label.lower(),
                )
            )
    wards = [r.ward for r in round_.rules_of(RuleKind.WARD) if r.ward is not None]
    if wards:
        names = _or_list([w.name for w in wards])
        if not facts.postcode:
            reasons.append(
                _(
                    "This round is only for groups based in %(wards)s. "
                    "Add your group's postcode so we can check where it is.",
                    wards=names,
                )
            )
        else:
            ward = _ward_of(session, round_.place_id, facts.postcode)
            if ward is None or ward.id not in {w.id for w in wards}:
                where = ward.name if ward is not None else _("none of these wards")
                reasons.append(
                    _(
                        "This round is only for groups based in %(wards)s. "
                        "Your postcode %(postcode)s is in %(where)s.",
                        wards=names,
                        postcode=facts.postcode,
                        where=where,
                    )
                )
    for rule in round_.rules_of(RuleKind.INCOME_CEILING):
        if facts.income_pence is None:
            reasons.append(
                _(
                    "This round is for groups with less than %(limit)s coming in each year. "
                    "Tell us how much money comes into your group each year.",
                    limit=format_money(rule.amount_pence),
                )
            )
        elif facts.income_pence >= rule.amount_pence:
            reasons.append(
                _(
                    "This round is for groups with less than %(limit)s coming in each year. "
                    "Your group has %(income)s.",
                    limit=format_money(rule.amount_pence),
                    income=format_money(facts.income_pence),
                )
            )
    for rule in round_.rules_of(RuleKind.NO_RECENT_AWARD):
        since = _months_ago(to_london(utcnow()).date(), rule.months)
        recent = facts.recently_awarded
        if facts.last_award_on is not None:
            recent = facts.last_award_on >= since
        if recent:
            text = ngettext(
                "Groups given money in %(place)s in the last month cannot apply to this round.",
                "Groups given money in %(place)s in the last %(num)d months cannot apply "
                "to this round.",
                rule.months,
                place=round_.place.name,
            )
            if facts.last_award_on is not None:
                text += " " + _(
                    "Your group was given money on %(day)s.", day=format_date(facts.last_award_on)
                )
            reasons.append(text)
    return reasons


def describe_rules(round_: Round) -> list[str]:
    """Who can apply, as a list a person can read."""
    lines = [_("Groups that work in %(place)s", place=round_.place.name)]
    kinds = [r.group_kind for r in round_.rules_of(RuleKind.GROUP_KIND)]
    if kinds:
        lines.append(_("That are: %(kinds)s", kinds=_or_list([k.label.lower() for k in kinds])))
    wards = [r.ward.name for r in round_.rules_of(RuleKind.WARD) if r.ward is not None]
    if wards:
        lines.append(_("Based in %(wards)s", wards=_or_list(wards)))
    for rule in round_.rules_of(RuleKind.INCOME_CEILING):
        lines.append(
            _("With less than %(limit)s coming in each year", limit=format_money(rule.amount_pence))
        )
    for rule in round_.rules_of(RuleKind.NO_RECENT_AWARD):
        lines.append(
            ngettext(
                "Not given money in %(place)s in the last month",
                "Not given money in %(place)s in the last %(num)d months",
                rule.months,
                place=round_.place.name,
            )
        )
    return lines


def round_not_taking_reason(round_: Round) -> str | None:
    now = utcnow()
    if round_.status == RoundStatus.DRAFT:
        return _("This round is not open yet.")
    if round_.has_closed_for_applications(now):
        return _("This round closed on %(when)s.", when=format_datetime(round_.closes_at))
    if now < round_.opens_at:
        return _("This round opens on %(when)s.", when=format_datetime(round_.opens_at))
    return None


def check_public_eligibility(
    session: Session,
    round_: Round,
    *,
    group_kind: str | None = None,
    income_pence: int | None = None,
    postcode: str | None = None,
    recently_awarded: bool | None = None,
) -> list[str]:
    """The eligibility checker anyone can use: the reasons a group like this cannot apply."""
    tidy = normalise_postcode(postcode) if postcode else None
    facts = EligibilityFacts(
        group_kind=GroupKind(group_kind) if group_kind else None,
        income_pence=income_pence,
        postcode=tidy,
        recently_awarded=recently_awarded,
    )
    return eligibility_reasons(session, round_, facts)


# --- Applying --------------------------------------------------------------------------------


def count_words(text: str | None) -> int:
    """Words as a person (and the GOV.UK word counter) counts them: runs of non-spaces."""
    return len((text or "").split())


def _live_application(session: Session, round_: Round, group: Group) -> Application | None:
    return session.scalar(
        select(Application).where(
            Application.round_id == round_.id,
            Application.group_id == group.id,
            Application.state != State.WITHDRAWN,
        )
    )


def start_application(
    session: Session,
    actor: User,
    round_: Round,
    group: Group,
    channel: Channel = Channel.ONLINE,
) -> Application:
    """A draft application for ``group``, started by one of its members or, on its behalf,
    by staff (who say how the group reached them)."""
    member = is_group_member(actor, group)
    staff = is_staff(session, actor, round_.place)
    if not member and not staff:
        raise NotAllowed(_("Only members of the group can apply for it."))
    if not member and channel == Channel.ONLINE:
        raise DomainError(_("Say how the group reached you"), field="channel")
    if not actor.is_confirmed:
        raise NotAllowed(_("Confirm your email before you apply."))
    reason = round_not_taking_reason(round_)
    if reason:
        raise DomainError(reason, field="group")
    reasons = eligibility_reasons(session, round_, facts_for_group(session, round_, group))
    if reasons:
        raise DomainError(" ".join(reasons), field="group")
    if _live_application(session, round_, group) is not None:
        raise DomainError(
            _("%(group)s has already started an application to this round.", group=group.name),
            field="group",
        )
    application = Application(
        round=round_,
        group=group,
        created_by_id=actor.id,
        channel=channel if not member or channel != Channel.ONLINE else Channel.ONLINE,
        entered_by_staff=not member,
    )
    try:
        with session.begin_nested():
            session.add(application)
            session.flush()
    except IntegrityError:
        raise DomainError(
            _("%(group)s has already started an application to this round.", group=group.name),
            field="group",
        ) from None
    audit(
        session,
        actor,
        "application.start",
        application,
        f"Started an application from {group.name} to {round_.title}",
        place=round_.place,
        to=State.DRAFT.value,
        channel=application.channel.value,
        staff=not member,
    )
    return application


def save_application(
    session: Session,
    actor: User,
    application: Application,
    *,
    title: str | None,
    amount_requested_pence: int | None,
    answers: dict[int, str],
) -> Application:
    """Save a draft. Gaps are fine until it is sent; answers over their word limit and
    amounts outside the round's grant sizes are refused."""
    if not can_edit_application(session, actor, application):
        if application.state != State.DRAFT and can_view_application(session, actor, application):
            raise DomainError(_("This application has been sent, so it cannot change."))
        raise NotAllowed(_("Only the group's members can change this application."))
    round_ = application.round
    title = (title or "").strip()
    if len(title) > 160:
        raise DomainError(_("Use 160 characters or fewer"), field="title")
    if amount_requested_pence is not None and not (
        round_.min_grant_pence <= amount_requested_pence <= round_.max_grant_pence
    ):
        raise DomainError(
            _(
                "Ask for between %(low)s and %(high)s",
                low=format_money(round_.min_grant_pence),
                high=format_money(round_.max_grant_pence),
            ),
            field="amount_requested_pence",
        )
    by_id = {a.question_id: a for a in application.answers}
    for question in round_.questions:
        text = (answers.get(question.id) or "").strip()
        words = count_words(text)
        if words > question.word_limit:
            raise DomainError(
                _(
                    "Your answer has %(words)d words. Use %(limit)d words or fewer.",
                    words=words,
                    limit=question.word_limit,
                ),
                field=f"q_{question.id}",
            )
        if question.id in by_id:
            by_id[question.id].text = text
        elif text:
            application.answers.append(Answer(question=question, text=text))
    application.title = title
    application.amount_requested_pence = amount_requested_pence
    application.updated_at = utcnow()
    session.flush()
    audit(
        session,
        actor,
        "application.save",
        application,
        f"Saved the application from {application.group.name}",
        place=round_.place,
    )
    return application


def missing_parts(application: Application) -> list[tuple[str, str]]:
    """What still needs filling in before the application can be sent: (field, message)."""
    problems: list[tuple[str, str]] = []
    if not application.title.strip():
        problems.append(("title", _("Give your project or idea a name")))
    if application.amount_requested_pence is None:
        problems.append(("amount_requested_pence", _("Say how much money you are asking for")))
    for number, question in enumerate(application.round.questions, start=1):
        text = application.answer_to(question)
        if not text.strip():
            problems.append((f"q_{question.id}", _("Answer question %(n)d", n=number)))
        elif count_words(text) > question.word_limit:
            problems.append(
                (
                    f"q_{question.id}",
                    _(
                        "Make your answer to question %(n)d %(limit)d words or fewer",
                        n=number,
                        limit=question.word_limit,
                    ),
                )
            )
    return problems


def _award_total(session: Session, round_: Round, leaving_out: Application) -> int:
    return (
        session.scalar(
            select(func.coalesce(func.sum(Application.award_pence), 0)).where(
                Application.round_id == round_.id,
                Application.state == State.AWARDED,
                Application.id != leaving_out.id,
            )
        )
        or 0
    )


def _check_needs(
    session: Session,
    move: Move,
    application: Application,
    feedback: str | None,
    award_pence: int | None,
) -> None:
    round_ = application.round
    if Needs.OPEN_ROUND in move.needs:
        if utcnow() >= round_.closes_at or round_.status == RoundStatus.CLOSED:
            raise DomainError(
                _(
                    "The deadline was %(when)s, so this application can no longer be sent.",
                    when=format_datetime(round_.closes_at),
                )
            )
        reason = round_not_taking_reason(round_)
        if reason:
            raise DomainError(reason)
    if Needs.COMPLETE in move.needs:
        problems = missing_parts(application)
        if problems:
            field, message = problems[0]
            raise DomainError(message, field=field)
        reasons = eligibility_reasons(
            session, round_, facts_for_group(session, round_, application.group)
        )
        if reasons:
            raise DomainError(" ".join(reasons))
    if Needs.FEEDBACK in move.needs and not (feedback or "").strip():
        raise DomainError(
            _("Write the reasons. The group will read them, so use plain words."),
            field="feedback",
        )
    if Needs.AWARD in move.needs:
        if award_pence is None or award_pence <= 0:
            raise DomainError(_("Enter how much money to give"), field="award_pence")
        if award_pence > round_.max_grant_pence:
            raise DomainError(
                _(
                    "The largest grant in this round is %(high)s",
                    high=format_money(round_.max_grant_pence),
                ),
                field="award_pence",
            )
        left = round_.budget_pence - _award_total(session, round_, application)
        if award_pence > left:
            raise DomainError(
                _("Only %(left)s of the round's budget is left", left=format_money(left)),
                field="award_pence",
            )


def transition(
    session: Session,
    actor: User | None,
    application: Application,
    action: str,
    *,
    feedback: str | None = None,
    award_pence: int | None = None,
    channel: Channel | None = None,
    as_system: bool = False,
) -> Application:
    """Move an application along the workflow: the only way its state ever changes.

    Looks ``action`` up in :data:`giving.workflow.MOVES` for the application's state, checks
    the actor may make it (``as_system`` for decisions reached elsewhere on Placefund, such
    as a vote count), checks what the move needs, then records the change in the audit log
    and tells the group by email when it is sent or decided.
    """
    move = workflow.find_move(application.state, action)
    if move is None:
        raise DomainError(
            _(
                "This cannot be done to an application that is: %(state)s.",
                state=application.state.label.lower(),
            ),
            field="action",
        )
    actors = {Actor.SYSTEM} if as_system else actors_for(session, actor, application)
    if not move.who & actors:
        raise NotAllowed(_("You cannot do this to this application."))
    _check_needs(session, move, application, feedback, award_pence)
    source = application.state
    now = utcnow()
    if move.action == "submit" and Actor.STAFF in actors and Actor.GROUP not in actors:
        if channel is None or channel == Channel.ONLINE:
            raise DomainError(_("Say how the group reached you"), field="channel")
        application.channel = channel
        application.entered_by_staff = True
    if feedback is not None and feedback.strip():
        application.feedback = feedback.strip()
    application.award_pence = award_pence if move.target == State.AWARDED else None
    application.state = move.target
    if move.target == State.SUBMITTED and application.submitted_at is None:
        application.submitted_at = now
    if move.target in (State.INELIGIBLE, State.DECLINED, State.AWARDED):
        application.decided_at = now
    elif move.target == State.SUBMITTED:
        application.decided_at = None
    application.updated_at = now
    session.flush()
    details: dict[str, Any] = {"from": source.value, "to": move.target.value}
    if move.action == "submit":
        details["channel"] = application.channel.value
    if move.target == State.AWARDED:
        details["award_pence"] = application.award_pence
    if as_system:
        details["by"] = "system"
    audit(
        session,
        actor,
        f"application.{move.action}",
        application,
        f"{application.group.name}: {source.label} → {move.target.label}",
        place=application.round.place,
        **details,
    )
    _tell_the_group(application, move)
    return application


def _group_emails(application: Application) -> list[str]:
    emails = [m.user.email for m in application.group.members]
    if application.group.email:
        emails.append(application.group.email.lower())
    return list(dict.fromkeys(emails))


def _tell_the_group(application: Application, move: Move) -> None:
    round_ = application.round
    link = url_for("giving.application", application_id=application.id, _external=True)
    if move.target == State.SUBMITTED and move.source == State.DRAFT:
        for email in _group_emails(application):
            send_email(
                email,
                _("We have your application to %(round)s", round=round_.title),
                "application_submitted",
                application=application,
                round=round_,
                link=link,
            )
    elif move.target in (State.INELIGIBLE, State.DECLINED, State.AWARDED):
        for email in _group_emails(application):
            send_email(
                email,
                _("A decision on your application to %(round)s", round=round_.title),
                "application_decided",
                application=application,
                round=round_,
                link=link,
            )


def submit_application(
    session: Session, actor: User, application: Application, channel: Channel | None = None
) -> Application:
    return transition(session, actor, application, "submit", channel=channel)


def withdraw_application(session: Session, actor: User, application: Application) -> Application:
    return transition(session, actor, application, "withdraw")


def decide_application(
    session: Session,
    actor: User,
    application: Application,
    action: str,
    *,
    feedback: str | None = None,
    award_pence: int | None = None,
) -> Application:
    """Staff move an application on (start reading, shortlist, decline, award...)."""
    _require_staff(session, actor, application.round.place)
    return transition(
        session, actor, application, action, feedback=feedback, award_pence=award_pence
    )


def applications_for_user_stmt(user: User) -> Select:
    return (
        select(Application)
        .join(GroupMember, GroupMember.group_id == Application.group_id)
        .where(GroupMember.user_id == user.id)
        .order_by(Application.created_at.desc(), Application.id.desc())
    )


def round_applications_stmt(round_: Round, state: State | None = None) -> Select:
    stmt = select(Application).where(Application.round_id == round_.id)
    if state is not None:
        stmt = stmt.where(Application.state == state)
    return stmt.order_by(
        Application.submitted_at.is_(None), Application.submitted_at, Application.id
    )


def state_counts(session: Session, round_: Round) -> dict[State, int]:
    rows = session.execute(
        select(Application.state, func.count(Application.id))
        .where(Application.round_id == round_.id)
        .group_by(Application.state)
    ).all()
    return {State(state): count for state, count in rows}


# --- Where an application stands -------------------------------------------------------------


@dataclass
class Step:
    when: dt.datetime
    text: str


def timeline(session: Session, application: Application) -> list[Step]:
    """What happened to the application, oldest first, in plain words."""
    entries = session.scalars(
        select(AuditEntry)
        .where(
            AuditEntry.object_type == "Application",
            AuditEntry.object_id == str(application.id),
            AuditEntry.action != "application.save",
        )
        .order_by(AuditEntry.created_at, AuditEntry.id)
    ).all()
    steps = []
    for entry in entries:
        to = (entry.details or {}).get("to")
        if to is None:
            continue
        text = str(workflow.TIMELINE_TEXT[State(to)])
        channel = (entry.details or {}).get("channel")
        if to == State.DRAFT and entry.details.get("staff"):
            text = _("The fund's team started the application for you.")
        if to == State.SUBMITTED and channel and channel != Channel.ONLINE:
            text = _(
                "The fund's team sent the application for you (%(how)s).",
                how=Channel(channel).label.lower(),
            )
        steps.append(Step(when=entry.created_at, text=text))
    return steps


def next_promise(application: Application) -> str | None:
    """The next date we promised the group, in plain words."""
    round_ = application.round
    if application.state == State.DRAFT:
        if round_.has_closed_for_applications():
            return _(
                "This round closed on %(when)s. The application was not sent.",
                when=format_datetime(round_.closes_at),
            )
        return _("Send it by %(when)s.", when=format_datetime(round_.closes_at))
    if application.state in workflow.WAITING_STATES and round_.decision_date is not None:
        if to_london(utcnow()).date() > round_.decision_date:
            return _(
                "We said we would decide by %(day)s. We are late, and we are sorry. "
                "We will tell you as soon as we can.",
                day=format_date(round_.decision_date),
            )
        return _("We will tell you the decision by %(day)s.", day=format_date(round_.decision_date))
    return None


# --- Files attached to applications ----------------------------------------------------------

ALLOWED_FILES = {
    ".pdf": "application/pdf",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".odt": "application/vnd.oasis.opendocument.text",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".png": "image/png",
}


def sniff_type(data: bytes) -> str | None:
    """The file's real type, from its first bytes (and, for zip-based documents, the names
    inside), whatever its name says. None for anything we do not accept."""
    if data.startswith(b"%PDF-"):
        return ALLOWED_FILES[".pdf"]
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return ALLOWED_FILES[".png"]
    if data.startswith(b"\xff\xd8\xff"):
        return ALLOWED_FILES[".jpg"]
    if data.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                names = set(archive.namelist())
                if "mimetype" in names:
                    mimetype = archive.read("mimetype")[:100].decode("ascii", "replace").strip()
                    if mimetype == ALLOWED_FILES[".odt"]:
                        return mimetype
                if "[Content_Types].xml" in names and "word/document.xml" in names:
                    return ALLOWED_FILES[".docx"]
                if "[Content_Types].xml" in names and "xl/workbook.xml" in names:
                    return ALLOWED_FILES[".xlsx"]
        except (zipfile.BadZipFile, KeyError, OSError):
            return None
    return None


def format_file_size(size: int) -> str:
    """'5 MB', '200 KB': a size limit as a person reads it."""
    if size >= 1024 * 1024:
        return f"{size / (1024 * 1024):.3g} MB"
    return f"{max(1, size // 1024)} KB"


def upload_folder() -> Path:
    folder = current_app.config.get("UPLOAD_FOLDER") or str(
        Path(current_app.instance_path) / "uploads"
    )
    return Path(folder)


def attachment_path(attachment: Attachment) -> Path:
    return upload_folder() / attachment.stored_name


def _remove_file(path: str) -> None:
    """Delete a stored file (run after the request commits)."""
    Path(path).unlink(missing_ok=True)


def _tidy_filename(name: str) -> str:
    name = name.replace("\\", "/").rsplit("/", 1)[-1].strip()
    name = "".join(ch for ch in name if ch.isprintable())
    return name[:255] or "file"


def add_attachment(
    session: Session, actor: User, application: Application, upload: FileStorage | None
) -> Attachment:
    """Keep a file with a draft application: PDF, Word (.docx), Excel (.xlsx), OpenDocument
    text (.odt), JPEG or PNG, no bigger than MAX_UPLOAD_BYTES, checked by its content."""
    if not can_edit_application(session, actor, application):
        raise NotAllowed(_("Only the group's members can add files to a draft application."))
    config = current_app.config
    if upload is None or not upload.filename:
        raise DomainError(_("Choose a file"), field="file")
    if len(application.attachments) >= config["MAX_ATTACHMENTS"]:
        raise DomainError(
            _("You can add up to %(n)d files. Remove one first.", n=config["MAX_ATTACHMENTS"]),
            field="file",
        )
    name = _tidy_filename(upload.filename)
    extension = Path(name).suffix.lower()
    if extension not in ALLOWED_FILES:
        raise DomainError(
            _("The file must be a PDF, Word (.docx), Excel (.xlsx), .odt, JPEG or PNG"),
            field="file",
        )
    data = upload.stream.read(config["MAX_UPLOAD_BYTES"] + 1)
    if len(data) > config["MAX_UPLOAD_BYTES"]:
        raise DomainError(
            _(
                "The file must be smaller than %(size)s",
                size=format_file_size(config["MAX_UPLOAD_BYTES"]),
            ),
            field="file",
        )
    if not data:
        raise DomainError(_("The file is empty"), field="file")
    sniffed = sniff_type(data)
    if sniffed is None or sniffed != ALLOWED_FILES[extension]:
        raise DomainError(
            _(
                "The file is not really a %(kind)s. Save it again as one and try again.",
                kind=extension.lstrip(".").upper(),
            ),
            field="file",
        )
    folder = upload_folder()
    folder.mkdir(parents=True, exist_ok=True)
    stored_name = secrets.token_hex(20)
    with open(folder / stored_name, "xb") as out:
        out.write(data)
    attachment = Attachment(
        original_name=name,
        stored_name=stored_name,
        content_type=sniffed,
        size_bytes=len(data),
        uploaded_by_id=actor.id,
    )
    application.attachments.append(attachment)
    session.flush()
    audit(
        session,
        actor,
        "application.attach",
        application,
        f"Added the file {name} to the application from {application.group.name}",
        place=application.round.place,
        attachment_id=attachment.id,
    )
    return attachment


def remove_attachment(session: Session, actor: User, attachment: Attachment) -> None:
    application = attachment.application
    if not can_edit_application(session, actor, application):
        raise NotAllowed(_("Only the group's members can remove files from a draft."))
    audit(
        session,
        actor,
        "application.detach",
        application,
        f"Removed the file {attachment.original_name} from the application "
        f"from {application.group.name}",
        place=application.round.place,
        attachment_id=attachment.id,
    )
    enqueue(_remove_file, str(attachment_path(attachment)))
    application.attachments.remove(attachment)
    session.flush()
