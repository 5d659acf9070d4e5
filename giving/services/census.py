"""The census list: the place's residents as staff upload them (from council records, say),
kept only as keyed hashes of each person's tidied name, date of birth and postcode, never the
details themselves. People verify by typing the same details (see
:mod:`giving.services.residents`), tidied here the same way."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import unicodedata
from dataclasses import dataclass

from flask import current_app
from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session

from giving.errors import DomainError
from giving.models import CensusEntry, CensusList, Place, User
from giving.permissions import require_staff
from giving.postcodes import normalise_postcode, postcode_prefixes
from giving.security import keyed_hash
from giving.services.attachments import format_file_size
from giving.services.core import add_audited
from giving.timeutil import utcnow

CENSUS_MAX_ROWS = 200_000
BAD_LINES_SHOWN = 10
_DATE_FORMATS = ("%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y")
_DASHES = re.compile(r"[-\u2010-\u2015_/]")
_HEADINGS = {"name": "name", "date_of_birth": "date", "dob": "date", "postcode": "postcode"}

# --- Tidying what people type, the same way for the list and for the person -----------------


def normalise_name(raw: str) -> str:
    """'  Zoë  O'Brien-Smith ' -> 'zoe obrien smith': accents, case and punctuation do not
    matter; dashes count as spaces."""
    text = unicodedata.normalize("NFKD", _DASHES.sub(" ", raw or ""))
    text = "".join(c for c in text if not unicodedata.combining(c)).casefold()
    text = "".join(c for c in text if c.isalnum() or c.isspace())
    return " ".join(text.split())


def normalise_birth_date(raw: str) -> str | None:
    """'31/05/2000', '31-05-2000' or '2000-05-31' -> '2000-05-31'; None when it is not a
    date someone alive could be born on."""
    text = (raw or "").strip()
    for pattern in _DATE_FORMATS:
        try:
            day = dt.datetime.strptime(text, pattern).date()
        except ValueError:
            continue
        return day.isoformat() if plausible_birth(day) else None
    return None


def plausible_birth(day: dt.date) -> bool:
    return day.year >= 1880 and day <= utcnow().date()


def census_hash(place: Place, name: str, birth_date: str, postcode: str) -> str:
    """The keyed hash kept for one resident: of the place, their tidied name, date of birth
    (ISO) and postcode (upper case, no spaces)."""
    compact = postcode.replace(" ", "").upper()
    return keyed_hash("census", f"{place.id}|{name}|{birth_date}|{compact}")


def ward_lookup(place: Place) -> dict[str, int | None]:
    return {area.prefix: area.ward_id for area in place.postcode_areas}


def place_postcode(place: Place, wards: dict[str, int | None], raw: str) -> tuple[str, int | None]:
    """The postcode tidied and its ward; DomainError when it is not one, or not in the place."""
    postcode = normalise_postcode(raw)
    district, sector = postcode_prefixes(postcode)
    if sector in wards:
        return postcode, wards[sector]
    if district in wards:
        return postcode, wards[district]
    raise DomainError(_("This postcode is not in %(place)s", place=place.name), field="postcode")


# --- The census list ---------------------------------------------------------------------------


@dataclass
class _Row:
    line: int
    entry_hash: str
    ward_id: int | None


def _census_text(data: bytes) -> str:
    if b"\x00" in data:
        raise DomainError(_("This is not a CSV file. Save the list as CSV and try again."), "file")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def _columns(header: list[str]) -> dict[str, int]:
    names = [_HEADINGS.get("_".join(h.strip().lower().replace("-", " ").split())) for h in header]
    columns = {name: i for i, name in reversed(list(enumerate(names))) if name}
    if len(columns) < 3:
        raise DomainError(
            _(
                "The first line must name the columns: name, date_of_birth, postcode. "
                "Nothing was added."
            ),
            field="file",
        )
    return columns


def _census_row(place: Place, wards: dict, cells: list[str], columns: dict[str, int]) -> _Row:
    """One line of the list as its hash and ward; DomainError saying what is wrong with it."""
    if len(cells) <= max(columns.values()):
        raise DomainError(_("it needs a name, a date of birth and a postcode"))
    name = normalise_name(cells[columns["name"]])
    if not name:
        raise DomainError(_("the name is missing"))
    if len(name) > 200:
        raise DomainError(_("the name is too long"))
    birth = normalise_birth_date(cells[columns["date"]])
    if birth is None:
        raise DomainError(_("the date of birth is not a date we can read"))
    try:
        normalise_postcode(cells[columns["postcode"]])
    except DomainError:
        raise DomainError(_("the postcode is not one we can read")) from None
    try:
        postcode, ward_id = place_postcode(place, wards, cells[columns["postcode"]])
    except DomainError:
        raise DomainError(_("this postcode is not in %(place)s", place=place.name)) from None
    return _Row(0, census_hash(place, name, birth, postcode), ward_id)


def read_census(place: Place, data: bytes) -> list[_Row]:
    """Every resident on the list, checked; DomainError naming each bad line when any is bad
    (then nothing may be added)."""
    reader = csv.reader(io.StringIO(_census_text(data), newline=""))
    try:
        columns = _columns(next(reader, []))
    except csv.Error:
        columns = _columns([])
    wards = ward_lookup(place)
    rows: list[_Row] = []
    seen: dict[str, int] = {}  # each person's line, found by their entry hash
    bad: list[str] = []
    while True:
        try:
            cells = next(reader, None)
        except csv.Error:
            bad.append(_("Line %(n)d: we cannot read this line", n=reader.line_num))
            break
        if cells is None:
            break
        if not any(c.strip() for c in cells):
            continue
        if len(rows) + len(bad) >= CENSUS_MAX_ROWS:
            raise DomainError(
                _(
                    "A list can have up to %(n)s people. Nothing was added.",
                    n=f"{CENSUS_MAX_ROWS:,}",
                ),
                field="file",
            )
        try:
            row = _census_row(place, wards, cells, columns)
        except DomainError as error:
            bad.append(_("Line %(n)d: %(problem)s", n=reader.line_num, problem=error.message))
            continue
        row.line = reader.line_num
        if row.entry_hash in seen:
            bad.append(
                _(
                    "Line %(n)d: this person is already on line %(m)d",
                    n=row.line,
                    m=seen[row.entry_hash],
                )
            )
            continue
        seen[row.entry_hash] = row.line
        rows.append(row)
    if bad:
        raise DomainError(bad_lines_message(bad), field="file")
    if not rows:
        raise DomainError(_("This list has nobody on it. Nothing was added."), field="file")
    return rows


def bad_lines_message(bad: list[str]) -> str:
    shown = ". ".join(bad[:BAD_LINES_SHOWN]) + "."
    more = len(bad) - BAD_LINES_SHOWN
    if more > 0:
        shown += " " + ngettext("And %(num)d more line.", "And %(num)d more lines.", more)
    return (
        ngettext(
            "Nothing was added, because %(num)d line has a problem.",
            "Nothing was added, because %(num)d lines have problems.",
            len(bad),
        )
        + " "
        + shown
        + " "
        + _("Fix the file and upload it again.")
    )


def current_census(session: Session, place: Place) -> CensusList | None:
    return session.scalar(select(CensusList).where(CensusList.place_id == place.id))


def upload_census(session: Session, actor: User, place: Place, data: bytes) -> CensusList:
    """Replace the place's census list with the one in ``data`` (CSV with a header row: name,
    date_of_birth, postcode), keeping only a keyed hash of each row. A file with any bad row
    changes nothing. People already verified stay verified, and a resident who verified with
    the old list is still counted as having used their entry."""
    require_staff(session, actor, place)
    limit = current_app.config["MAX_UPLOAD_BYTES"]
    if not data:
        raise DomainError(_("Choose a CSV file, or paste the list"), field="file")
    if len(data) > limit:
        raise DomainError(
            _("This file is too big. Files can be up to %(size)s.", size=format_file_size(limit)),
            field="file",
        )
    rows = read_census(place, data)
    old = current_census(session, place)
    used: dict[str, tuple[int | None, dt.datetime | None]] = {}
    if old is not None:
        used = {
            e.entry_hash: (e.used_by_id, e.used_at)
            for e in session.scalars(
                select(CensusEntry).where(
                    CensusEntry.census_list_id == old.id, CensusEntry.used_by_id.is_not(None)
                )
            )
        }
        session.execute(delete(CensusEntry).where(CensusEntry.census_list_id == old.id))
        session.delete(old)
        session.flush()
    census = CensusList(place_id=place.id, uploaded_by_id=actor.id, rows=len(rows))
    add_audited(
        session, actor, "census.uploaded", census, f"Census list of {len(rows)} people", place
    )
    session.execute(
        insert(CensusEntry),
        [
            {
                "census_list_id": census.id,
                "entry_hash": row.entry_hash,
                "ward_id": row.ward_id,
                "used_by_id": used.get(row.entry_hash, (None, None))[0],
                "used_at": used.get(row.entry_hash, (None, None))[1],
            }
            for row in rows
        ],
    )
    return census
