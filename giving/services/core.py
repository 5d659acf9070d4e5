"""Domain operations for accounts, places, groups and the audit log.

Every function takes the database session and, where someone acts, the acting user. They
flush but never commit (the view commits once), and raise :class:`DomainError` with a message
a person can act on.
"""

from __future__ import annotations

import functools
import re
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app, has_app_context, url_for
from flask_babel import gettext as _
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from giving.email import send_email
from giving.errors import DomainError, NotAllowed
from giving.models import (
    GRANTED_ROLES,
    AuditEntry,
    Group,
    GroupKind,
    GroupMember,
    Place,
    PostcodeArea,
    Role,
    RoleGrant,
    User,
    Ward,
    new_session_token,
)
from giving.timeutil import utcnow

# --- The audit log ---------------------------------------------------------------------------


def audit(
    session: Session,
    actor: User | None,
    action: str,
    obj: Any,
    summary: str,
    place: Place | None = None,
    **details: Any,
) -> AuditEntry:
    """Record that ``actor`` did ``action`` to ``obj``. Every service that changes things calls
    this once per change."""
    if obj.id is None:
        session.flush()
    entry = AuditEntry(
        actor_id=actor.id if actor is not None else None,
        place_id=place.id if place is not None else None,
        action=action,
        object_type=type(obj).__name__,
        object_id=str(obj.id),
        summary=summary[:255],
        details=details,
    )
    session.add(entry)
    return entry


# --- Postcodes and residency -----------------------------------------------------------------

_POSTCODE = re.compile(r"^([A-Z]{1,2}[0-9][A-Z0-9]?)\s*([0-9][A-Z]{2})$")
_PREFIX = re.compile(r"^([A-Z]{1,2}[0-9][A-Z0-9]?)(?:\s*([0-9]))?$")


def normalise_postcode(raw: str) -> str:
    """'e174qh' -> 'E17 4QH'. Raises DomainError for something that is not a UK postcode."""
    match = _POSTCODE.match(raw.strip().upper())
    if not match:
        raise DomainError(_("Enter a full UK postcode, like E17 4QH"), field="postcode")
    return f"{match.group(1)} {match.group(2)}"


def normalise_prefix(raw: str) -> str:
    """A postcode district ('E17') or sector ('E17 4'), tidied."""
    match = _PREFIX.match(raw.strip().upper())
    if not match:
        raise DomainError(_("Enter the start of a postcode, like E17 or E17 4"), field="prefix")
    return match.group(1) if match.group(2) is None else f"{match.group(1)} {match.group(2)}"


def postcode_prefixes(postcode: str) -> tuple[str, str]:
    """The district and sector a full postcode is in: 'E17 4QH' -> ('E17', 'E17 4')."""
    outward, inward = postcode.split(" ")
    return outward, f"{outward} {inward[0]}"


def places_for_postcode(session: Session, postcode: str) -> list[Place]:
    """The places a full postcode belongs to."""
    prefixes = postcode_prefixes(postcode)
    stmt = (
        select(Place)
        .join(PostcodeArea, PostcodeArea.place_id == Place.id)
        .where(PostcodeArea.prefix.in_(prefixes))
        .distinct()
        .order_by(Place.name)
    )
    return list(session.scalars(stmt))


def ward_for_postcode(session: Session, place: Place, postcode: str) -> Ward | None:
    """The ward a postcode is in, using the most specific area that matches."""
    district, sector = postcode_prefixes(postcode)
    areas = session.scalars(
        select(PostcodeArea).where(
            PostcodeArea.place_id == place.id,
            PostcodeArea.prefix.in_((district, sector)),
        )
    ).all()
    areas = sorted(areas, key=lambda a: len(a.prefix), reverse=True)
    return areas[0].ward if areas else None


def require_known_postcode(session: Session, raw: str) -> str:
    """A tidied postcode that is in at least one place, or a clear refusal."""
    postcode = normalise_postcode(raw)
    if not places_for_postcode(session, postcode):
        names = ", ".join(session.scalars(select(Place.name).order_by(Place.name)))
        message = _("Placefund does not cover %(postcode)s yet.", postcode=postcode)
        if names:
            message += " " + _("It works in: %(names)s.", names=names)
        raise DomainError(message, field="postcode")
    return postcode


def is_resident(session: Session, user: User, place: Place) -> bool:
    if not user.postcode:
        return False
    return any(p.id == place.id for p in places_for_postcode(session, user.postcode))


# --- Roles -----------------------------------------------------------------------------------


def roles_for(session: Session, user: User | None, place: Place) -> set[Role]:
    """Every role a person holds in a place: granted ones, plus resident and group member,
    which follow from their postcode and their groups."""
    if user is None or not getattr(user, "is_authenticated", False):
        return set()
    roles = set(
        session.scalars(
            select(RoleGrant.role).where(
                RoleGrant.user_id == user.id, RoleGrant.place_id == place.id
            )
        )
    )
    if is_resident(session, user, place):
        roles.add(Role.RESIDENT)
    in_group = session.scalar(
        select(func.count(GroupMember.id))
        .join(Group, Group.id == GroupMember.group_id)
        .where(GroupMember.user_id == user.id, Group.place_id == place.id)
    )
    if in_group:
        roles.add(Role.GROUP_MEMBER)
    return roles


def has_role(session: Session, user: User | None, place: Place, *roles: Role) -> bool:
    """True when the user holds any of ``roles`` in the place (site admins hold them all)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    if user.is_site_admin:
        return True
    return bool(roles_for(session, user, place) & set(roles))


def is_staff(session: Session, user: User | None, place: Place) -> bool:
    """Fund managers and admins of the place."""
    return has_role(session, user, place, Role.FUND_MANAGER, Role.ADMIN)


def staff_places(session: Session, user: User) -> list[Place]:
    """The places where the user is a fund manager or admin."""
    if user.is_site_admin:
        return list(session.scalars(select(Place).order_by(Place.name)))
    stmt = (
        select(Place)
        .join(RoleGrant, RoleGrant.place_id == Place.id)
        .where(
            RoleGrant.user_id == user.id,
            RoleGrant.role.in_((Role.FUND_MANAGER, Role.ADMIN)),
        )
        .distinct()
        .order_by(Place.name)
    )
    return list(session.scalars(stmt))


def grant_role(session: Session, actor: User, place: Place, email: str, role: Role) -> RoleGrant:
    if not has_role(session, actor, place, Role.ADMIN):
        raise NotAllowed(_("Only an admin of this place can give people roles."))
    if role not in GRANTED_ROLES:
        raise DomainError(_("That role cannot be given by hand."), field="role")
    user = find_user_by_email(session, email)
    if user is None:
        raise DomainError(
            _("No one has an account with that email. Ask them to register first."),
            field="email",
        )
    existing = session.scalar(
        select(RoleGrant).where(
            RoleGrant.user_id == user.id,
            RoleGrant.place_id == place.id,
            RoleGrant.role == role,
        )
    )
    if existing is not None:
        raise DomainError(
            _(
                "%(name)s is already a %(role)s here.",
                name=user.name,
                role=role.label.lower(),
            ),
            field="email",
        )
    grant = RoleGrant(user=user, place=place, role=role, granted_by_id=actor.id)
    session.add(grant)
    session.flush()
    audit(
        session,
        actor,
        "role.grant",
        grant,
        f"Made {user.name} {role.label}",
        place=place,
    )
    return grant


def revoke_role(session: Session, actor: User, grant: RoleGrant) -> None:
    place = grant.place
    if not has_role(session, actor, place, Role.ADMIN):
        raise NotAllowed(_("Only an admin of this place can take roles away."))
    if grant.user_id == actor.id and grant.role == Role.ADMIN:
        raise DomainError(_("You cannot remove your own admin role."))
    audit(
        session,
        actor,
        "role.revoke",
        grant,
        f"Took {grant.role.label} away from {grant.user.name}",
        place=place,
    )
    session.delete(grant)
    session.flush()


# --- Accounts --------------------------------------------------------------------------------

MIN_PASSWORD_LENGTH = 10


@functools.cache
def _hasher_for(time_cost: int, memory_cost: int) -> PasswordHasher:
    return PasswordHasher(time_cost=time_cost, memory_cost=memory_cost)


def _hasher() -> PasswordHasher:
    """Argon2 with the app's cost settings (the library's defaults unless changed)."""
    config = current_app.config if has_app_context() else {}
    return _hasher_for(
        config.get("ARGON2_TIME_COST", ARGON2_DEFAULTS[0]),
        config.get("ARGON2_MEMORY_COST", ARGON2_DEFAULTS[1]),
    )


ARGON2_DEFAULTS = (PasswordHasher().time_cost, PasswordHasher().memory_cost)


def normalise_email(raw: str) -> str:
    return raw.strip().lower()


def find_user_by_email(session: Session, email: str) -> User | None:
    return session.scalar(select(User).where(User.email == normalise_email(email)))


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def check_new_password(password: str, field: str = "password") -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise DomainError(
            _(
                "Your password must be at least %(n)s characters long",
                n=MIN_PASSWORD_LENGTH,
            ),
            field=field,
        )


def _serializer(purpose: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=f"placefund.{purpose}")


def _make_token(purpose: str, payload: dict) -> str:
    return _serializer(purpose).dumps(payload)


def _read_token(purpose: str, token: str, max_age: int) -> dict:
    try:
        return _serializer(purpose).loads(token, max_age=max_age)
    except SignatureExpired:
        raise DomainError(_("This link has run out. Ask for a new one.")) from None
    except BadSignature:
        raise DomainError(_("This link is not right. Check you copied all of it.")) from None


def register(
    session: Session,
    *,
    email: str,
    name: str,
    password: str,
    postcode: str | None = None,
) -> User:
    """Create an account and send the email that confirms it."""
    email = normalise_email(email)
    check_new_password(password)
    tidy_postcode = require_known_postcode(session, postcode) if postcode else None
    if find_user_by_email(session, email) is not None:
        raise DomainError(
            _("There is already an account with this email. Log in or reset your password."),
            field="email",
        )
    user = User(email=email, name=name.strip(), password_hash=hash_password(password))
    user.postcode = tidy_postcode
    try:
        with session.begin_nested():
            session.add(user)
            session.flush()
    except IntegrityError:
        raise DomainError(
            _("There is already an account with this email. Log in or reset your password."),
            field="email",
        ) from None
    audit(session, user, "account.register", user, f"{user.name} registered")
    send_confirmation(session, user)
    return user


def send_confirmation(session: Session, user: User) -> None:
    token = _make_token("confirm", {"u": user.id, "e": user.email})
    link = url_for("giving.confirm_email", token=token, _external=True)
    send_email(
        user.email,
        _("Confirm your email for Placefund"),
        "confirm",
        user=user,
        link=link,
    )


def confirm_email(session: Session, token: str) -> User:
    data = _read_token("confirm", token, current_app.config["EMAIL_TOKEN_MAX_AGE"])
    user = session.get(User, data.get("u"))
    if user is None or user.email != data.get("e"):
        raise DomainError(_("This link is not right. Check you copied all of it."))
    if user.email_confirmed_at is None:
        user.email_confirmed_at = utcnow()
        audit(session, user, "account.confirm", user, f"{user.name} confirmed their email")
    return user


def authenticate(session: Session, email: str, password: str) -> User | None:
    """The user whose email and password these are, or None."""
    user = find_user_by_email(session, email)
    if user is None:
        # Spend the same effort either way, so timing does not reveal who has an account.
        _hasher().hash(password)
        return None
    try:
        _hasher().verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        return None
    if _hasher().check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    return user


def record_login(session: Session, user: User) -> None:
    audit(session, user, "account.login", user, f"{user.name} logged in")


def end_sessions(session: Session, user: User) -> None:
    """Log the user out everywhere: old session cookies stop working."""
    user.session_token = new_session_token()


def request_password_reset(session: Session, email: str) -> None:
    """Send a reset link if the account exists; say nothing either way."""
    user = find_user_by_email(session, email)
    if user is None:
        return
    token = _make_token("reset", {"u": user.id, "h": user.password_hash[-16:]})
    link = url_for("giving.reset_password", token=token, _external=True)
    send_email(user.email, _("Reset your Placefund password"), "reset", user=user, link=link)


def check_reset_token(session: Session, token: str) -> User:
    data = _read_token("reset", token, current_app.config["PASSWORD_RESET_MAX_AGE"])
    user = session.get(User, data.get("u"))
    # The token carries part of the old hash, so it works once only.
    if user is None or user.password_hash[-16:] != data.get("h"):
        raise DomainError(_("This link has already been used. Ask for a new one."))
    return user


def reset_password(session: Session, token: str, password: str) -> User:
    user = check_reset_token(session, token)
    check_new_password(password)
    user.password_hash = hash_password(password)
    if user.email_confirmed_at is None:
        # They proved they can read mail sent to this address.
        user.email_confirmed_at = utcnow()
    end_sessions(session, user)
    audit(
        session,
        user,
        "account.password_reset",
        user,
        f"{user.name} reset their password",
    )
    return user


def change_password(session: Session, actor: User, current: str, new: str) -> None:
    if authenticate(session, actor.email, current) is None:
        raise DomainError(_("Your current password is not right"), field="current_password")
    check_new_password(new, field="new_password")
    actor.password_hash = hash_password(new)
    end_sessions(session, actor)
    audit(
        session,
        actor,
        "account.password_change",
        actor,
        f"{actor.name} changed password",
    )


def request_email_change(session: Session, actor: User, new_email: str, password: str) -> None:
    """Check the password, then send a link to the new address; nothing changes until then."""
    if authenticate(session, actor.email, password) is None:
        raise DomainError(_("Your password is not right"), field="password")
    new_email = normalise_email(new_email)
    if new_email == actor.email:
        raise DomainError(_("This is already your email"), field="email")
    if find_user_by_email(session, new_email) is not None:
        raise DomainError(_("Another account already uses this email"), field="email")
    token = _make_token("email", {"u": actor.id, "e": new_email, "h": actor.password_hash[-16:]})
    link = url_for("giving.confirm_email_change", token=token, _external=True)
    send_email(
        new_email,
        _("Confirm your new email for Placefund"),
        "change_email",
        user=actor,
        link=link,
    )
    send_email(
        actor.email,
        _("Someone asked to change your Placefund email"),
        "change_email_notice",
        user=actor,
        new_email=new_email,
    )
    audit(
        session,
        actor,
        "account.email_change_requested",
        actor,
        f"{actor.name} asked to change their email",
    )


def confirm_email_change(session: Session, token: str) -> User:
    data = _read_token("email", token, current_app.config["EMAIL_TOKEN_MAX_AGE"])
    user = session.get(User, data.get("u"))
    if user is None or user.password_hash[-16:] != data.get("h"):
        raise DomainError(_("This link is not right. Check you copied all of it."))
    new_email = data["e"]
    if user.email == new_email:
        return user
    if find_user_by_email(session, new_email) is not None:
        raise DomainError(_("Another account already uses this email"))
    old = user.email
    user.email = new_email
    user.email_confirmed_at = utcnow()
    try:
        with session.begin_nested():
            session.flush()
    except IntegrityError:
        raise DomainError(_("Another account already uses this email")) from None
    audit(
        session,
        user,
        "account.email_change",
        user,
        f"{user.name} changed email",
        old=old,
    )
    return user


def set_postcode(session: Session, actor: User, postcode: str) -> list[Place]:
    """Set where someone lives; returns the places that makes them a resident of."""
    actor.postcode = require_known_postcode(session, postcode)
    audit(session, actor, "account.postcode", actor, f"{actor.name} set their postcode")
    return places_for_postcode(session, actor.postcode)


# --- Places ----------------------------------------------------------------------------------


def slugify(text: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    return slug[:60] or "place"


def create_place(session: Session, actor: User, name: str, description: str = "") -> Place:
    if not actor.is_site_admin:
        raise NotAllowed(_("Only a site admin can add a place."))
    slug = slugify(name)
    if session.scalar(select(Place).where(Place.slug == slug)) is not None:
        raise DomainError(_("There is already a place with this name"), field="name")
    place = Place(name=name.strip(), slug=slug, description=description.strip())
    session.add(place)
    session.flush()
    session.add(RoleGrant(user=actor, place=place, role=Role.ADMIN, granted_by_id=actor.id))
    audit(
        session,
        actor,
        "place.create",
        place,
        f"Added the place {place.name}",
        place=place,
    )
    return place


def _require_staff(session: Session, actor: User, place: Place) -> None:
    if not is_staff(session, actor, place):
        raise NotAllowed(_("Only fund managers and admins of this place can do this."))


def add_ward(session: Session, actor: User, place: Place, name: str) -> Ward:
    _require_staff(session, actor, place)
    name = name.strip()
    if any(w.name.lower() == name.lower() for w in place.wards):
        raise DomainError(_("This place already has a ward called %(n)s", n=name), field="name")
    ward = Ward(place=place, name=name)
    session.add(ward)
    session.flush()
    audit(session, actor, "ward.create", ward, f"Added the ward {name}", place=place)
    return ward


def add_postcode_area(
    session: Session, actor: User, place: Place, prefix: str, ward: Ward | None = None
) -> PostcodeArea:
    _require_staff(session, actor, place)
    prefix = normalise_prefix(prefix)
    if ward is not None and ward.place_id != place.id:
        raise DomainError(_("Choose one of this place's wards"), field="ward")
    if any(a.prefix == prefix for a in place.postcode_areas):
        raise DomainError(_("%(p)s is already part of this place", p=prefix), field="prefix")
    area = PostcodeArea(place=place, prefix=prefix, ward=ward)
    session.add(area)
    session.flush()
    audit(session, actor, "postcode.add", area, f"Added postcodes {prefix}", place=place)
    return area


def remove_postcode_area(session: Session, actor: User, area: PostcodeArea) -> None:
    place = area.place
    _require_staff(session, actor, place)
    audit(
        session,
        actor,
        "postcode.remove",
        area,
        f"Removed postcodes {area.prefix}",
        place=place,
    )
    place.postcode_areas.remove(area)
    session.flush()


# --- Groups ----------------------------------------------------------------------------------

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
    session.add(group)
    session.flush()
    audit(
        session,
        actor,
        "group.create",
        group,
        f"Added the group {group.name}",
        place=place,
    )
    return group


def can_see_group_private(session: Session, user: User | None, group: Group) -> bool:
    """Members of the group and staff of its place."""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    if any(m.user_id == user.id for m in group.members):
        return True
    return is_staff(session, user, group.place)


def can_edit_group(session: Session, user: User | None, group: Group) -> bool:
    return can_see_group_private(session, user, group)


def can_manage_members(session: Session, user: User | None, group: Group) -> bool:
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    if any(m.user_id == user.id and m.is_lead for m in group.members):
        return True
    return is_staff(session, user, group.place)


def update_group(session: Session, actor: User, group: Group, **fields: Any) -> Group:
    if not can_edit_group(session, actor, group):
        raise NotAllowed(_("Only this group's members can change its profile."))
    clean = _check_group_fields(fields)
    changed = sorted(k for k, v in clean.items() if getattr(group, k) != v)
    for key, value in clean.items():
        setattr(group, key, value)
    group.updated_at = utcnow()
    audit(
        session,
        actor,
        "group.update",
        group,
        f"Changed the profile of {group.name}",
        place=group.place,
        changed=changed,
    )
    return group


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


def groups_for(session: Session, user: User) -> list[Group]:
    stmt = (
        select(Group)
        .join(GroupMember, GroupMember.group_id == Group.id)
        .where(GroupMember.user_id == user.id)
        .order_by(Group.name)
    )
    return list(session.scalars(stmt))
