"""Postcodes: tidying them, and finding the places and wards they are in.

Plain look-ups on the postcode areas each place is made of; services, permissions and
reports all use them, so this imports nothing of Placefund but the models and the errors.
"""

from __future__ import annotations

import re

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from giving.errors import DomainError
from giving.models import Place, PostcodeArea, User, Ward

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


def is_resident(session: Session, user: User, place: Place) -> bool:
    if not user.postcode:
        return False
    return any(p.id == place.id for p in places_for_postcode(session, user.postcode))
