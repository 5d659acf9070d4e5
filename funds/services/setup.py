"""Setting up funds: their details, their check-in questions, and the rounds that draw on them."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from funds.models import (
    AccountKind,
    CheckInQuestion,
    Fund,
    FundRound,
)
from funds.permissions import (
    require_manager,
)
from funds.services.ledger import account, is_pence
from giving.content_language import FUND_TEXTS, Given, clean_translations
from giving.errors import DomainError, NotAllowed
from giving.models import Place, Round, User
from giving.services import (
    add_audited,
    audit,
    clean_contact,
    find_one,
    is_staff,
    row_exists,
    update_audited,
)
from giving.services.places import CONTACT_FIELDS

MAX_QUESTIONS = 5


FUND_FIELDS = (
    "name",
    "description",
    "holder_name",
    "holder_charity_number",
    "holder_company_number",
    "holder_can_claim_gift_aid",
    "checkin_threshold_pence",
    *CONTACT_FIELDS,
)


def _check_fund_fields(fields: dict[str, Any]) -> dict[str, Any]:
    unknown = set(fields) - set(FUND_FIELDS)
    if unknown:
        raise TypeError(f"Unknown fund fields: {sorted(unknown)}")
    clean = dict(fields)
    for key in ("name", "holder_name", "description"):
        if key in clean:
            clean[key] = (clean[key] or "").strip()
    if not clean.get("name"):
        raise DomainError(_("Enter the fund's name"), field="name")
    if not clean.get("holder_name"):
        raise DomainError(_("Enter who holds the money"), field="holder_name")
    for key in ("holder_charity_number", "holder_company_number"):
        clean[key] = (clean.get(key) or "").strip().upper() or None
    threshold = clean.get("checkin_threshold_pence")
    if threshold is None:
        clean["checkin_threshold_pence"] = 1_000_000
    elif not is_pence(threshold) or threshold < 0:
        raise DomainError(_("Enter an amount of money"), field="checkin_threshold_pence")
    clean.update(clean_contact({key: clean.get(key) for key in CONTACT_FIELDS}))
    return clean


def _require_free_name(
    session: Session, place_id: int, name: str, fund: Fund | None = None
) -> None:
    """Refuse a name another of the place's funds has (``fund`` may keep its own)."""
    others = [Fund.id != fund.id] if fund is not None else []
    if row_exists(session, Fund, *others, place_id=place_id, name=name):
        raise DomainError(_("There is already a fund with this name here."), field="name")


def create_fund(
    session: Session, actor: User, place: Place, translations: Given | None = None, **fields: Any
) -> Fund:
    """A new fund; ``translations`` may give its name and description in the place's other
    languages."""
    if not is_staff(session, actor, place):
        raise NotAllowed(_("Only the place's fund managers can set up a fund."))
    clean = _check_fund_fields(fields)
    clean["translations"] = clean_translations(place, translations or {}, FUND_TEXTS)
    _require_free_name(session, place.id, clean["name"])
    fund = Fund(place=place, created_by_id=actor.id, **clean)
    session.add(fund)
    session.flush()
    for kind in (AccountKind.BANK, AccountKind.PLEDGES, AccountKind.PAYABLE, AccountKind.GRANTS):
        account(session, fund, kind)
    audit(session, actor, "fund.create", fund, f"Set up the fund {fund.name}", place=place)
    return fund


def update_fund(
    session: Session, actor: User, fund: Fund, translations: Given | None = None, **fields: Any
) -> Fund:
    require_manager(session, actor, fund)
    clean = _check_fund_fields(fields)
    if translations is not None:
        clean["translations"] = clean_translations(fund.place, translations, FUND_TEXTS)
    _require_free_name(session, fund.place_id, clean["name"], fund)
    summary = f"Changed the fund {clean['name']}"
    return update_audited(session, actor, "fund.update", fund, clean, summary, place=fund.place)


def add_question(session: Session, actor: User, fund: Fund, text: str) -> CheckInQuestion:
    require_manager(session, actor, fund)
    text = (text or "").strip()
    if not text:
        raise DomainError(_("Write the question"), field="text")
    used = {q.position for q in fund.questions}
    free = [p for p in range(1, MAX_QUESTIONS + 1) if p not in used]
    if not free:
        raise DomainError(
            _("A check-in asks %(n)s questions at most. Take one away first.", n=MAX_QUESTIONS),
            field="text",
        )
    question = CheckInQuestion(fund=fund, position=free[0], text=text)
    return add_audited(
        session,
        actor,
        "fund.question.add",
        question,
        f"Added a check-in question to {fund.name}",
        place=fund.place,
        text=text,
    )


def remove_question(session: Session, actor: User, question: CheckInQuestion) -> None:
    fund = question.fund
    require_manager(session, actor, fund)
    audit(
        session,
        actor,
        "fund.question.remove",
        question,
        f"Took a check-in question away from {fund.name}",
        place=fund.place,
        text=question.text,
    )
    fund.questions.remove(question)
    session.delete(question)
    session.flush()


def funds_in(session: Session, place: Place) -> list[Fund]:
    """The place's funds, by name."""
    return list(session.scalars(select(Fund).where(Fund.place_id == place.id).order_by(Fund.name)))


def rounds_for(session: Session, fund: Fund) -> list[Round]:
    """The rounds that draw on the fund, in the order they were linked."""
    return list(
        session.scalars(
            select(Round)
            .join(FundRound, FundRound.round_id == Round.id)
            .where(FundRound.fund_id == fund.id)
            .order_by(FundRound.id)
        )
    )


def link_round(session: Session, actor: User, fund: Fund, round_: Round) -> FundRound:
    """Say that a round's awards are paid from this fund."""
    require_manager(session, actor, fund)
    if round_.place_id != fund.place_id:
        raise DomainError(_("Choose a round in this place"), field="round")
    existing = find_one(session, FundRound, round_id=round_.id)
    if existing is not None:
        name = existing.fund.name
        raise DomainError(_("That round already draws on %(fund)s.", fund=name), field="round")
    link = FundRound(fund=fund, round=round_)
    session.add(link)
    session.flush()
    audit(
        session,
        actor,
        "fund.round.link",
        fund,
        f"{round_.title} now draws on {fund.name}",
        place=fund.place,
        round_id=round_.id,
    )
    return link
