"""Bank details: a group's account (changed by its lead members, confirmed by the fund's team)
and a fund's own account and payment settings.

A change of bank details is the commonest way grants are stolen, so a change is emailed to
everyone in the group and holds payments to the group until the place's fund managers confirm
it. The audit log records who changed or confirmed details, never the numbers.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from funds import banking
from funds.models import BankDetailsState, Fund, FundBanking, GroupBankDetails, PaymentRun
from funds.permissions import require_manager, signed_in
from giving.email import send_email
from giving.errors import DomainError, NotAllowed
from giving.models import Group, User
from giving.services import audit, group_emails, is_staff
from giving.timeutil import utcnow


def is_group_lead(user: User | None, group: Group) -> bool:
    return signed_in(user) and any(m.user_id == user.id and m.is_lead for m in group.members)


def is_group_member(user: User | None, group: Group) -> bool:
    return signed_in(user) and any(m.user_id == user.id for m in group.members)


def can_see_bank_details(session: Session, user: User | None, group: Group) -> bool:
    """The group's members (masked) and the place's fund managers (in full)."""
    return is_group_member(user, group) or can_read_in_full(session, user, group)


def can_read_in_full(session: Session, user: User | None, group: Group) -> bool:
    """Only the place's fund managers and admins read a group's numbers in full."""
    return signed_in(user) and is_staff(session, user, group.place)


def bank_details_of(session: Session, group: Group) -> GroupBankDetails | None:
    return session.scalar(select(GroupBankDetails).where(GroupBankDetails.group_id == group.id))


@dataclass(frozen=True)
class ShownAccount:
    """An account as one person may see it: masked unless they may read it in full."""

    account_name: str
    sort_code: str
    account_number: str
    iban: str | None
    in_full: bool


def shown(details: GroupBankDetails | FundBanking, in_full: bool) -> ShownAccount:
    sort_code = banking.decrypt(details.sort_code_secret)
    number = banking.decrypt(details.account_number_secret)
    secret = getattr(details, "iban_secret", None)
    iban = banking.decrypt(secret) if secret else None
    if in_full:
        return ShownAccount(
            details.account_name, banking.shown_sort_code(sort_code), number, iban, True
        )
    return ShownAccount(
        details.account_name,
        banking.masked_sort_code(sort_code),
        banking.masked_account_number(number),
        f"****{iban[-4:]}" if iban else None,
        False,
    )


def _account_name(text: str | None, most: int) -> str:
    name = " ".join((text or "").split())
    if not name:
        raise DomainError(_("Enter the name on the account"), field="account_name")
    if len(name) > most:
        raise DomainError(
            _("The name on the account must be %(most)d letters or fewer", most=most),
            field="account_name",
        )
    return name


def change_bank_details(
    session: Session,
    actor: User,
    group: Group,
    account_name: str | None,
    sort_code: str | None,
    account_number: str | None,
    iban: str | None = None,
) -> GroupBankDetails:
    """Record the group's new account (lead members only). Payments wait until the fund's team
    confirm it, and everyone in the group is told."""
    if not is_group_lead(actor, group):
        raise NotAllowed(_("Only the group's lead members can change its bank details."))
    name = _account_name(account_name, 60)
    numbers = banking.clean_numbers(sort_code, account_number, iban)
    details = bank_details_of(session, group)
    first = details is None
    if details is None:
        details = GroupBankDetails(group_id=group.id)
        session.add(details)
    details.account_name = name
    details.sort_code_secret = banking.encrypt(numbers.sort_code)
    details.account_number_secret = banking.encrypt(numbers.account_number)
    details.iban_secret = banking.encrypt(numbers.iban) if numbers.iban else None
    details.state = BankDetailsState.WAITING
    details.changed_by_id = actor.id
    details.changed_at = utcnow()
    details.confirmed_by_id = None
    details.confirmed_at = None
    session.flush()
    audit(
        session,
        actor,
        "bank_details.add" if first else "bank_details.change",
        details,
        f"Bank details {'added' if first else 'changed'} for {group.name}: waiting for checks",
        group.place,
        group_id=group.id,
    )
    link = url_for("funds.group_bank_details", group_id=group.id, _external=True)
    for email in group_emails(group):
        send_email(
            email,
            _l("Your group's bank details have changed"),
            "bank_details_changed",
            person=actor.name,
            group=group,
            account_name=name,
            last_digits=numbers.account_number[-4:],
            link=link,
        )
    return details


def confirm_bank_details(session: Session, actor: User, group: Group) -> GroupBankDetails:
    """The place's fund managers confirm new details after checking them with the group (by a
    phone number they already had, not one in the change)."""
    if not can_read_in_full(session, actor, group):
        raise NotAllowed(_("Only the fund managers of this place can confirm bank details."))
    details = bank_details_of(session, group)
    if details is None:
        raise DomainError(_("This group has not given its bank details yet."))
    if details.state == BankDetailsState.CONFIRMED:
        raise DomainError(_("These bank details are confirmed already."))
    if details.changed_by_id == actor.id:
        raise DomainError(_("Someone else must confirm bank details you changed yourself."))
    details.state = BankDetailsState.CONFIRMED
    details.confirmed_by_id = actor.id
    details.confirmed_at = utcnow()
    session.flush()
    audit(
        session,
        actor,
        "bank_details.confirm",
        details,
        f"Bank details confirmed for {group.name}",
        group.place,
        group_id=group.id,
    )
    return details


def fund_banking_of(session: Session, fund: Fund) -> FundBanking | None:
    return session.scalar(select(FundBanking).where(FundBanking.fund_id == fund.id))


def one_person_may_pay(session: Session, fund: Fund) -> bool:
    """Whether one person alone may record payments as paid: only when the fund's payment
    settings say one person may do both steps, or the fund has no payment settings yet."""
    settings = fund_banking_of(session, fund)
    return settings is None or settings.allow_one_person


def set_fund_banking(
    session: Session,
    actor: User,
    fund: Fund,
    account_name: str | None,
    sort_code: str | None,
    account_number: str | None,
    allow_one_person: bool,
) -> FundBanking:
    """The fund's own account (payments come from it) and whether one person may both prepare
    and approve a payment run."""
    require_manager(session, actor, fund)
    name = _account_name(account_name, 18)
    numbers = banking.clean_numbers(sort_code, account_number)
    settings = fund_banking_of(session, fund)
    if settings is None:
        settings = FundBanking(fund_id=fund.id)
        session.add(settings)
    settings.account_name = name
    settings.sort_code_secret = banking.encrypt(numbers.sort_code)
    settings.account_number_secret = banking.encrypt(numbers.account_number)
    settings.allow_one_person = bool(allow_one_person)
    settings.updated_by_id = actor.id
    settings.updated_at = utcnow()
    session.flush()
    audit(
        session,
        actor,
        "fund.bank_account",
        fund,
        f"Bank account and payment settings changed for {fund.name}",
        fund.place,
        allow_one_person=settings.allow_one_person,
    )
    return settings


def rotate_keys(session: Session) -> int:
    """Encrypt every kept bank detail and bank file again with the first key; how many rows."""
    count = 0
    for details in session.scalars(select(GroupBankDetails)):
        details.sort_code_secret = banking.rotate(details.sort_code_secret)
        details.account_number_secret = banking.rotate(details.account_number_secret)
        if details.iban_secret:
            details.iban_secret = banking.rotate(details.iban_secret)
        count += 1
    for settings in session.scalars(select(FundBanking)):
        settings.sort_code_secret = banking.rotate(settings.sort_code_secret)
        settings.account_number_secret = banking.rotate(settings.account_number_secret)
        count += 1
    for run in session.scalars(select(PaymentRun).where(PaymentRun.bacs_secret.is_not(None))):
        run.bacs_secret = banking.rotate(run.bacs_secret or "")
        run.csv_secret = banking.rotate(run.csv_secret or "")
        count += 1
    session.flush()
    return count
