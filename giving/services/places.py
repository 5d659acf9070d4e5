"""Places: adding one, and the wards and postcode areas it is made of."""

from __future__ import annotations

import re

from flask_babel import gettext as _
from sqlalchemy.orm import Session

from giving.errors import DomainError, NotAllowed
from giving.models import Place, PostcodeArea, Role, RoleGrant, User, Ward
from giving.permissions import require_staff
from giving.postcodes import normalise_prefix
from giving.services.core import add_audited, audit, find_one, update_audited

CONTACT_FIELDS = ("contact_name", "contact_email", "contact_phone")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_PHONE = re.compile(r"^\+?[0-9 ()-]{6,30}$")


def slugify(text: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    return slug[:60] or "place"


def create_place(session: Session, actor: User, name: str, description: str = "") -> Place:
    if not actor.is_site_admin:
        raise NotAllowed(_("Only a site admin can add a place."))
    slug = slugify(name)
    if find_one(session, Place, slug=slug) is not None:
        raise DomainError(_("There is already a place with this name"), field="name")
    place = Place(name=name.strip(), slug=slug, description=description.strip())
    add_audited(session, actor, "place.create", place, f"Added the place {place.name}", place=place)
    session.add(RoleGrant(user=actor, place=place, role=Role.ADMIN, granted_by_id=actor.id))
    return place


def add_ward(session: Session, actor: User, place: Place, name: str) -> Ward:
    require_staff(session, actor, place)
    name = name.strip()
    if any(w.name.lower() == name.lower() for w in place.wards):
        raise DomainError(_("This place already has a ward called %(n)s", n=name), field="name")
    ward = Ward(place=place, name=name)
    return add_audited(session, actor, "ward.create", ward, f"Added the ward {name}", place=place)


def add_postcode_area(
    session: Session, actor: User, place: Place, prefix: str, ward: Ward | None = None
) -> PostcodeArea:
    require_staff(session, actor, place)
    prefix = normalise_prefix(prefix)
    if ward is not None and ward.place_id != place.id:
        raise DomainError(_("Choose one of this place's wards"), field="ward")
    if any(a.prefix == prefix for a in place.postcode_areas):
        raise DomainError(_("%(p)s is already part of this place", p=prefix), field="prefix")
    area = PostcodeArea(place=place, prefix=prefix, ward=ward)
    return add_audited(
        session, actor, "postcode.add", area, f"Added postcodes {prefix}", place=place
    )


def remove_postcode_area(session: Session, actor: User, area: PostcodeArea) -> None:
    place = area.place
    require_staff(session, actor, place)
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


def clean_contact(fields: dict[str, str | None]) -> dict[str, str | None]:
    """Who to ask, tidied: blanks become None; an email or phone number that cannot be right
    is refused next to its field. Also used for a fund's contact."""
    clean = {key: (fields.get(key) or "").strip() or None for key in CONTACT_FIELDS}
    email, phone = clean["contact_email"], clean["contact_phone"]
    if clean["contact_name"] and len(clean["contact_name"]) > 120:
        raise DomainError(_("Use 120 letters or fewer"), field="contact_name")
    if email and (len(email) > 254 or not _EMAIL.match(email)):
        raise DomainError(
            _("Enter a real email address, like name@example.com"), field="contact_email"
        )
    if phone and not _PHONE.match(phone):
        raise DomainError(
            _("Enter a phone number using only digits and spaces, like 01632 960 001"),
            field="contact_phone",
        )
    return clean


def set_place_contact(
    session: Session, actor: User, place: Place, fields: dict[str, str | None]
) -> Place:
    """Say who people should ask about the place's funding."""
    require_staff(session, actor, place)
    clean = clean_contact(fields)
    summary = f"Changed who to ask about {place.name}"
    return update_audited(session, actor, "place.contact", place, clean, summary, place=place)
