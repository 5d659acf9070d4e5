"""Verified residents: letters with one-time codes, verifying against the census list (see
:mod:`giving.services.census`) and in person, and the verification a person holds for a place.

A person verifies one of three ways. They type their name, date of birth and postcode as the
council's list has them (the census list); or the code from a letter the fund's team sent;
or they show proof to the fund's team, who verify them in person. A failed try never says
whether the person is on the list.
"""

from __future__ import annotations

import datetime as dt
import re
import secrets
from dataclasses import dataclass
from functools import cache

from flask_babel import gettext as _
from sqlalchemy import Select, bindparam, select
from sqlalchemy.orm import Session, selectinload

from giving.errors import DomainError
from giving.models import (
    CensusEntry,
    Place,
    ResidentVerification,
    User,
    VerificationLetter,
    VerificationMethod,
)
from giving.permissions import require_staff
from giving.postcodes import places_for_postcode
from giving.security import keyed_hash
from giving.services.accounts import find_user_by_email
from giving.services.census import (
    bad_lines_message,
    census_hash,
    current_census,
    normalise_name,
    place_postcode,
    plausible_birth,
    ward_lookup,
)
from giving.services.core import add_audited, audit, count_rows, update_audited
from giving.timeutil import utcnow

LETTERS_AT_ONCE = 1_000
MIN_VERIFICATION_DAYS, MAX_VERIFICATION_DAYS = 1, 3650
CODE_LETTERS = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 12
_FIND_POSTCODE = re.compile(r"([A-Z]{1,2}[0-9][A-Z0-9]?)\s*([0-9][A-Z]{2})(?![A-Z0-9])")


@cache
def _verified_statement() -> Select[ResidentVerification]:
    """Made once, when first needed: every ballot page asks it."""
    return select(ResidentVerification).where(
        ResidentVerification.user_id == bindparam("user_id"),
        ResidentVerification.place_id == bindparam("place_id"),
        ResidentVerification.expires_at > bindparam("now"),
    )


def verified_resident(
    session: Session, user: User | None, place: Place
) -> ResidentVerification | None:
    """The person's verification for the place while it lasts; None when they have none or
    it has run out."""
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    return session.scalar(
        _verified_statement(), {"user_id": user.id, "place_id": place.id, "now": utcnow()}
    )


@dataclass
class Residence:
    """A place a person lives in, by their word (postcode) or verified, for their account."""

    place: Place
    verification: ResidentVerification | None
    verified_by: str | None = None

    @property
    def current(self) -> bool:
        return self.verification is not None and self.verification.expires_at > utcnow()


def residence_of(session: Session, user: User) -> list[Residence]:
    """Each place the person says they live in (their postcode) or has verified in, with
    their verification there (which may have run out) and who verified them (for staff)."""
    held = {
        v.place_id: v
        for v in session.scalars(
            select(ResidentVerification).where(ResidentVerification.user_id == user.id)
        )
    }
    places = {v.place.id: v.place for v in held.values()}
    if user.postcode:
        places.update((p.id, p) for p in places_for_postcode(session, user.postcode))
    names = names_of(session, {v.verified_by_id for v in held.values()})
    return [
        Residence(p, held.get(p.id), names.get(held[p.id].verified_by_id) if p.id in held else None)
        for p in sorted(places.values(), key=lambda p: p.name)
    ]


def _not_matched() -> DomainError:
    """The one answer to every failed census check, so that it never tells whether someone
    is on the list."""
    return DomainError(
        _(
            "We could not match these details. Check that you typed your full name, date of "
            "birth and postcode as they are on the council's list. If it still does not work, "
            "use a code from a letter or show proof to the fund's team."
        )
    )


def _may_verify(user: User) -> None:
    if not user.is_confirmed:
        raise DomainError(_("Confirm your email address first, then come back here."))


def _record(
    session: Session,
    actor: User,
    user: User,
    place: Place,
    method: VerificationMethod,
    ward_id: int | None,
    note: str = "",
    by_staff: bool = False,
) -> ResidentVerification:
    """Record (or replace) the person's verification for the place, lasting the place's
    number of days."""
    now = utcnow()
    values = {
        "method": method,
        "verified_at": now,
        "expires_at": now + dt.timedelta(days=place.verification_days),
        "verified_by_id": actor.id if by_staff else None,
        "note": note,
        "ward_id": ward_id,
    }
    summary = f"{user.name} verified as living in {place.name} ({method.value})"
    existing = session.scalar(
        select(ResidentVerification)
        .where(ResidentVerification.user_id == user.id, ResidentVerification.place_id == place.id)
        .with_for_update()
    )
    if existing is not None:
        return update_audited(session, actor, "resident.verified", existing, values, summary, place)
    row = ResidentVerification(user_id=user.id, place_id=place.id, **values)
    return add_audited(session, actor, "resident.verified", row, summary, place)


def verify_by_census(
    session: Session, user: User, place: Place, name: str, birth_date: dt.date | None, postcode: str
) -> ResidentVerification:
    """Verify the person when their details match an entry on the place's census list that
    no other account has used."""
    _may_verify(user)
    census = current_census(session, place)
    if census is None:
        raise DomainError(
            _(
                "%(place)s has no list of residents to check against yet. Use a code from a "
                "letter, or show proof to the fund's team.",
                place=place.name,
            )
        )
    tidy_name = normalise_name(name)
    if not tidy_name:
        raise DomainError(_("Enter your full name"), field="name")
    if birth_date is None or not plausible_birth(birth_date):
        raise DomainError(_("Enter your date of birth, like 31 5 1990"), field="date_of_birth")
    tidy_postcode, _ward = place_postcode(place, ward_lookup(place), postcode)
    entry = session.scalar(
        select(CensusEntry)
        .where(
            CensusEntry.census_list_id == census.id,
            CensusEntry.entry_hash
            == census_hash(place, tidy_name, birth_date.isoformat(), tidy_postcode),
        )
        .with_for_update()
    )
    if entry is None or entry.used_by_id not in (None, user.id):
        raise _not_matched()
    if entry.used_by_id is None:
        claimed = select(CensusEntry.id).where(
            CensusEntry.census_list_id == census.id, CensusEntry.used_by_id == user.id
        )
        if session.scalar(claimed):
            raise _not_matched()
        entry.used_by_id, entry.used_at = user.id, utcnow()
    return _record(session, user, user, place, VerificationMethod.CENSUS, entry.ward_id)


def tidy_code(raw: str) -> str:
    return "".join(c for c in (raw or "").upper() if c.isalnum())


def _letter_hash(place: Place, code: str) -> str:
    return keyed_hash("letter", f"{place.id}|{tidy_code(code)}")


def verify_by_letter(session: Session, user: User, place: Place, code: str) -> ResidentVerification:
    """Verify the person with the code on a letter sent to an address in the place; each code
    works once."""
    _may_verify(user)
    letter = None
    if len(tidy_code(code)) == CODE_LENGTH:
        letter = session.scalar(
            select(VerificationLetter)
            .where(
                VerificationLetter.place_id == place.id,
                VerificationLetter.code_hash == _letter_hash(place, code),
                VerificationLetter.used_at.is_(None),
            )
            .with_for_update()
        )
    if letter is None:
        raise DomainError(
            _(
                "This code does not work. Check you typed it as it is on the letter. Each code "
                "works only once. If it still does not work, ask the fund's team for a new one."
            ),
            field="code",
        )
    letter.used_at, letter.used_by_id = utcnow(), user.id
    return _record(session, user, user, place, VerificationMethod.LETTER, letter.ward_id)


def verify_in_person(
    session: Session, actor: User, place: Place, email: str, note: str, postcode: str = ""
) -> ResidentVerification:
    """Staff who have seen proof that a person lives in the place verify their account. The
    note says what they saw; the postcode on the proof (or else the account's) gives the
    ward."""
    require_staff(session, actor, place)
    user = find_user_by_email(session, email or "")
    if user is None:
        raise DomainError(
            _("There is no account with this email. Ask the person to make an account first."),
            field="email",
        )
    note = (note or "").strip()
    if not note:
        raise DomainError(_("Say what proof you saw, like 'council tax bill'"), field="note")
    wards = ward_lookup(place)
    ward_id = None
    if postcode and postcode.strip():
        ward_id = place_postcode(place, wards, postcode)[1]
    elif user.postcode:
        try:
            ward_id = place_postcode(place, wards, user.postcode)[1]
        except DomainError:
            ward_id = None
    return _record(
        session, actor, user, place, VerificationMethod.IN_PERSON, ward_id, note, by_staff=True
    )


# --- Letters ----------------------------------------------------------------------------------


def _new_code() -> str:
    return "".join(secrets.choice(CODE_LETTERS) for _i in range(CODE_LENGTH))


def show_code(code: str) -> str:
    """'ABCDEFGHJKLM' -> 'ABCD-EFGH-JKLM', easier to read and type."""
    return "-".join(code[i : i + 4] for i in range(0, len(code), 4))


def _issue(session: Session, actor: User, place: Place, ward_id: int | None) -> str:
    code = _new_code()
    letter = VerificationLetter(
        place_id=place.id,
        code_hash=_letter_hash(place, code),
        ward_id=ward_id,
        issued_by_id=actor.id,
    )
    session.add(letter)
    return show_code(code)


def issue_letters(
    session: Session, actor: User, place: Place, addresses: str
) -> list[tuple[list[str], str]]:
    """A one-time code for each address (one a line, ending with its postcode in the place),
    to print on letters. Only the codes' hashes are kept, and the addresses not at all."""
    require_staff(session, actor, place)
    lines = [line.strip() for line in (addresses or "").splitlines() if line.strip()]
    if not lines:
        raise DomainError(_("Enter at least one address"), field="addresses")
    if len(lines) > LETTERS_AT_ONCE:
        raise DomainError(
            _("Make up to %(n)d letters at once.", n=LETTERS_AT_ONCE), field="addresses"
        )
    wards, found, bad = ward_lookup(place), [], []
    for number, line in enumerate(lines, start=1):
        matches = _FIND_POSTCODE.findall(line.upper())
        if not matches:
            bad.append(_("Line %(n)d: add the postcode at the end", n=number))
            continue
        try:
            found.append((line, place_postcode(place, wards, " ".join(matches[-1]))[1]))
        except DomainError:
            bad.append(
                _("Line %(n)d: this postcode is not in %(place)s", n=number, place=place.name)
            )
    if bad:
        raise DomainError(bad_lines_message(bad), field="addresses")
    letters = [
        (
            [part.strip() for part in line.split(",") if part.strip()],
            _issue(session, actor, place, ward),
        )
        for line, ward in found
    ]
    session.flush()
    audit(session, actor, "letters.issued", place, f"{len(letters)} letters with codes", place)
    return letters


def issue_letter(session: Session, actor: User, place: Place) -> str:
    """One code for one person who asks, shown once."""
    require_staff(session, actor, place)
    code = _issue(session, actor, place, None)
    session.flush()
    audit(session, actor, "letters.issued", place, "1 code for a person who asked", place)
    return code


# --- The place's verified residents -----------------------------------------------------------


def verified_residents_stmt(place: Place) -> Select:
    """The place's verifications that still last, the newest first."""
    return (
        select(ResidentVerification)
        .where(
            ResidentVerification.place_id == place.id,
            ResidentVerification.expires_at > utcnow(),
        )
        .options(selectinload(ResidentVerification.user), selectinload(ResidentVerification.ward))
        .order_by(ResidentVerification.verified_at.desc(), ResidentVerification.id.desc())
    )


def count_verified(session: Session, place: Place) -> int:
    return count_rows(
        session,
        ResidentVerification,
        ResidentVerification.expires_at > utcnow(),
        place_id=place.id,
    )


def remove_verification(session: Session, actor: User, verification: ResidentVerification) -> None:
    """Undo a verification. The census entry the person used is freed, so that the resident
    it belongs to can verify."""
    place = verification.place
    require_staff(session, actor, place)
    census = current_census(session, place)
    if census is not None:
        for entry in session.scalars(
            select(CensusEntry).where(
                CensusEntry.census_list_id == census.id,
                CensusEntry.used_by_id == verification.user_id,
            )
        ):
            entry.used_by_id, entry.used_at = None, None
    audit(
        session,
        actor,
        "resident.unverified",
        verification,
        f"Verification of {verification.user.name} removed",
        place,
    )
    session.delete(verification)
    session.flush()


def set_verification_days(session: Session, actor: User, place: Place, days: int | None) -> Place:
    """How many days a verification lasts in the place, from 1 to 3650."""
    require_staff(session, actor, place)
    if days is None or not MIN_VERIFICATION_DAYS <= days <= MAX_VERIFICATION_DAYS:
        raise DomainError(_("Enter a number of days from 1 to 3650"), field="verification_days")
    return update_audited(
        session,
        actor,
        "place.verification_days",
        place,
        {"verification_days": days},
        f"Verifications in {place.name} last {days} days",
        place,
    )


def names_of(session: Session, user_ids: set[int | None]) -> dict[int | None, str]:
    """The names of the people with these ids (who uploaded a list, who verified someone);
    looking up None, nobody, finds no name."""
    wanted = {i for i in user_ids if i is not None}
    if not wanted:
        return {}
    return dict(session.execute(select(User.id, User.name).where(User.id.in_(wanted))).all())
