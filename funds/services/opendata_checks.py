"""The open data page's checks: the 360Giving data quality checks run over the file that
anyone downloads, shown to the people who can put a warning right; and the ONS codes of a
place and its wards, which the file gives as where the money goes."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from funds import opendata
from funds.opendata_quality import Report, check
from funds.permissions import can_check_open_data
from giving.errors import DomainError
from giving.models import Place, RoleGrant, User
from giving.permissions import STAFF_ROLES, require_staff
from giving.services.core import audit
from giving.timeutil import to_london, utcnow

# The ONS entities (the first three characters of a code) a council or a ward can have.
COUNCIL_ENTITIES = ("E06", "E07", "E08", "E09", "W06", "S12", "N09")
WARD_ENTITIES = ("E05", "W05", "S13", "N08")
_CODE = re.compile(r"[ENSW]\d{8}")


# Checking takes about a millisecond a grant; above this many, the page says to use the
# command (``flask export 360giving --check``) rather than keep someone waiting.
CHECK_LIMIT = 20_000


@dataclass
class OpenDataChecks:
    report: Report | None  # None until asked for, or when the file is too big to check here
    places: list[Place]  # the places whose area codes this person can set
    grants: int  # how many grants the file has
    limit: int = CHECK_LIMIT


def open_data_checks(
    session: Session,
    actor: User | None,
    prefix: str,
    base_url: str,
    run: bool = False,
    today: dt.date | None = None,
) -> OpenDataChecks | None:
    """For staff, how today's open data file does on the checks (when ``run``); None for
    anyone else (the file is public, but the list of what to put right is for the people who
    can put it right)."""
    if actor is None or not can_check_open_data(session, actor):
        return None
    grants = opendata.published_count(session)
    report = None
    if run and grants <= CHECK_LIMIT:
        day = today or to_london(utcnow()).date()
        report = check(opendata.grants(session, prefix, base_url), day)
    places = select(Place).order_by(Place.name)
    if not actor.is_site_admin:
        places = places.where(
            Place.id.in_(
                select(RoleGrant.place_id).where(
                    RoleGrant.user_id == actor.id, RoleGrant.role.in_(STAFF_ROLES)
                )
            )
        )
    return OpenDataChecks(report, list(session.scalars(places)), grants, CHECK_LIMIT)


def _code(raw: str | None, entities: tuple[str, ...], field: str, message: str) -> str | None:
    code = (raw or "").replace(" ", "").upper()
    if not code:
        return None
    if not _CODE.fullmatch(code) or not code.startswith(entities):
        raise DomainError(message, field=field)
    return code


def set_area_codes(
    session: Session,
    actor: User,
    place: Place,
    place_code: str | None,
    ward_codes: dict[int, str | None],
) -> Place:
    """Set (or, left empty, clear) the ONS codes of a place's council and its wards."""
    require_staff(session, actor, place)
    council = _code(
        place_code,
        COUNCIL_ENTITIES,
        "place_code",
        _("A council's code starts with E06, E07, E08, E09, W06, S12 or N09, like E09000031"),
    )
    wards = {
        ward: _code(
            ward_codes.get(ward.id),
            WARD_ENTITIES,
            f"ward_{ward.id}",
            _("A ward's code starts with E05, W05, S13 or N08, like E05000026"),
        )
        for ward in place.wards
    }
    place.gss_code = council
    for ward, code in wards.items():
        ward.gss_code = code
    audit(
        session,
        actor,
        "place.area_codes",
        place,
        f"Set the area codes of {place.name}",
        place=place,
        council=council,
        wards={ward.name: code for ward, code in wards.items()},
    )
    session.flush()
    return place
