"""Groups: their profiles and their members. A group's lead members manage its members;
staff of its place can help."""

from __future__ import annotations

import re
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from giving.errors import DomainError, NotAllowed
from giving.models import Group, GroupKind, GroupMember, Place, User
from giving.permissions import can_edit_group, can_manage_members
from giving.postcodes import normalise_postcode
from giving.services.accounts import find_user_by_email
from giving.services.core import add_audited, audit, update_audited
from giving.timeutil import utcnow

GROUP_FIELDS = (
    "name",
    "kind",
    "charity_number",
    "company_number",
    "description",
    "annual_income_pence",
    "email",
    "website",
    "postcode",
)


def _check_group_fields(fields: dict[str, Any]) -> dict[str, Any]:
    kind = GroupKind(fields["kind"])
    clean = dict(fields)
    clean["kind"] = kind
    for key in ("charity_number", "company_number", "email", "website", "postcode"):
        value = (clean.get(key) or "").strip()
        clean[key] = value or None
    if clean["postcode"]:
        clean["postcode"] = normalise_postcode(clean["postcode"])
    if kind in (GroupKind.CHARITY, GroupKind.CIO) and not clean["charity_number"]:
        raise DomainError(_("Enter your charity number"), field="charity_number")
    if kind in (GroupKind.CIC, GroupKind.COMPANY) and not clean["company_number"]:
        raise DomainError(_("Enter your company number"), field="company_number")
    if clean["charity_number"] and not re.fullmatch(
        r"(SC\d{6}|NIC\d{6}|\d{6,8}(-\d{1,2})?)", clean["charity_number"].upper()
    ):
        raise DomainError(
            _("A charity number looks like 1164883, SC012345 or NIC100002"),
            field="charity_number",
        )
    if clean["company_number"] and not re.fullmatch(
        r"([A-Z]{2}\d{6}|\d{8})", clean["company_number"].upper()
    ):
        raise DomainError(
            _("A company number has 8 characters, like 09876543 or SC123456"),
            field="company_number",
        )
    income = clean.get("annual_income_pence")
    if income is not None and income < 0:
        raise DomainError(_("Income cannot be less than zero"), field="annual_income_pence")
    return {k: clean.get(k) for k in GROUP_FIELDS}


def create_group(session: Session, actor: User, place: Place, **fields: Any) -> Group:
    """A new group profile, with the person who made it as its lead member."""
    if not actor.is_confirmed:
        raise NotAllowed(_("Confirm your email before you add a group."))
    group = Group(place=place, **_check_group_fields(fields))
    group.members.append(GroupMember(user=actor, is_lead=True))
    return add_audited(
        session, actor, "group.create", group, f"Added the group {group.name}", place=place
    )


def update_group(session: Session, actor: User, group: Group, **fields: Any) -> Group:
    if not can_edit_group(session, actor, group):
        raise NotAllowed(_("Only this group's members can change its profile."))
    clean = _check_group_fields(fields)
    group.updated_at = utcnow()
    summary = f"Changed the profile of {clean['name']}"
    return update_audited(session, actor, "group.update", group, clean, summary, place=group.place)


def add_group_member(session: Session, actor: User, group: Group, email: str) -> GroupMember:
    if not can_manage_members(session, actor, group):
        raise NotAllowed(_("Only the group's lead members can add people."))
    user = find_user_by_email(session, email)
    if user is None:
        raise DomainError(
            _("No one has an account with that email. Ask them to register first."),
            field="email",
        )
    if any(m.user_id == user.id for m in group.members):
        raise DomainError(_("%(n)s is already a member", n=user.name), field="email")
    member = GroupMember(user=user, group=group)
    session.add(member)
    session.flush()
    audit(
        session,
        actor,
        "group.member_add",
        group,
        f"Added {user.name} to {group.name}",
        place=group.place,
        user_id=user.id,
    )
    return member


def remove_group_member(session: Session, actor: User, member: GroupMember) -> None:
    group = member.group
    if not can_manage_members(session, actor, group):
        raise NotAllowed(_("Only the group's lead members can remove people."))
    leads = [m for m in group.members if m.is_lead]
    if member.is_lead and len(leads) == 1:
        raise DomainError(_("A group needs at least one lead member."))
    audit(
        session,
        actor,
        "group.member_remove",
        group,
        f"Removed {member.user.name} from {group.name}",
        place=group.place,
        user_id=member.user_id,
    )
    group.members.remove(member)
    session.flush()


def group_emails(group: Group) -> list[str]:
    """Everyone to write to about the group's work: its members and its own address, once each."""
    emails = [m.user.email for m in group.members]
    if group.email:
        emails.append(group.email.lower())
    return list(dict.fromkeys(emails))


def groups_for(session: Session, user: User) -> list[Group]:
    stmt = (
        select(Group)
        .join(GroupMember, GroupMember.group_id == Group.id)
        .where(GroupMember.user_id == user.id)
        .order_by(Group.name)
    )
    return list(session.scalars(stmt))
