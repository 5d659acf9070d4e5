"""Grants as 360Giving open data (standard 1.4): a JSON data package or the flattened CSV.

Both are written a piece at a time from a streamed query, so a hundred thousand grants need
no more memory than a hundred. Money leaves as pounds written from whole pence, never floats.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import re
import secrets
from collections.abc import Iterator
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from funds.models import Fund, Grant, Instalment, Payment
from funds.schedule import end_date
from funds.workflow import PUBLISHED_GRANT_STATES
from giving.exports import formula_safe_writer
from giving.models import Application, Group, GroupKind, Place, PostcodeArea, Round, Ward
from giving.postcodes import postcode_prefixes
from giving.progress import Progress, quietly

VERSION = "1.4"
BATCH = 500
# Amounts travel through ``json.dumps`` as marked text and come out as numbers. The mark holds
# a token made when the app starts, so no text a person types (a title of "@pence:5@") can
# pass for an amount.
_MARK = f"@pence:{secrets.token_hex(8)}:"
_AMOUNT = re.compile(f'"{_MARK}(-?\\d+)@"')
# What the 360Giving data quality tool takes for an email address: none is ever published.
_EMAIL = re.compile(r"[\w.-]+@[\w.-]+\.[\w.-]+")
EMAIL_REMOVED = "[email address removed]"
# The ONS code's entity (its first three characters) gives the 360Giving geoCodeType.
GEO_CODE_TYPES = {
    "E05": "WD",
    "W05": "WD",
    "S13": "WD",
    "E06": "UA",
    "W06": "UA",
    "E07": "NMD",
    "E08": "MD",
    "E09": "LONB",
    "E10": "CTY",
    "S12": "CA",
}


def pounds(pence: int) -> str:
    """Whole pence as an exact JSON number of pounds: 125050 -> '1250.5', 100 -> '1'."""
    whole, rest = divmod(pence, 100)
    return f"{whole}" if rest == 0 else f"{whole}.{rest:02d}".rstrip("0")


def _amount(pence: int) -> str:
    """A marker that :func:`_dumps` turns into a JSON number written from pence."""
    return f"{_MARK}{pence}@"


def _dumps(record: dict[str, Any]) -> str:
    text = json.dumps(record, ensure_ascii=False, separators=(",", ":"))
    return _AMOUNT.sub(lambda m: pounds(int(m.group(1))), text)


def _stmt() -> Select:
    paid = (
        select(func.coalesce(func.sum(Payment.amount_pence), 0))
        .join(Instalment, Instalment.id == Payment.instalment_id)
        .where(Instalment.grant_id == Grant.id)
        .scalar_subquery()
    )
    return (
        select(
            Grant.id,
            Grant.title,
            Grant.description,
            Grant.total_pence,
            Grant.start_date,
            Grant.years,
            Grant.restricted,
            Grant.accepted_at,
            Grant.created_at,
            Grant.updated_at,
            Group.id.label("group_id"),
            Group.name.label("group_name"),
            Group.kind.label("group_kind"),
            Group.charity_number,
            Group.company_number,
            Group.postcode,
            Group.place_id.label("group_place_id"),
            Fund.id.label("fund_id"),
            Fund.name.label("fund_name"),
            Fund.holder_name,
            Fund.holder_charity_number,
            Fund.holder_company_number,
            Place.name.label("place_name"),
            Place.gss_code.label("place_code"),
            Round.id.label("round_id"),
            Round.title.label("round_title"),
            Application.decided_at,
            Application.amount_requested_pence,
            paid.label("paid_pence"),
        )
        .join(Group, Group.id == Grant.group_id)
        .join(Fund, Fund.id == Grant.fund_id)
        .join(Place, Place.id == Fund.place_id)
        .outerjoin(Application, Application.id == Grant.application_id)
        .outerjoin(Round, Round.id == Application.round_id)
        .where(Grant.state.in_(PUBLISHED_GRANT_STATES))
        .order_by(Grant.id)
        .execution_options(yield_per=BATCH)
    )


def _org_id(row: Any, prefix: str) -> str:
    """The same identifier as :meth:`giving.models.Group.org_id`, from the row's columns
    (its rule reads only these, so no model object is built for each grant)."""
    facts = SimpleNamespace(
        id=row.group_id,
        kind=GroupKind(row.group_kind),
        charity_number=row.charity_number,
        company_number=row.company_number,
    )
    return Group.org_id(facts, prefix)  # type: ignore[arg-type]


def _funder_id(row: Any, prefix: str) -> str:
    facts = SimpleNamespace(
        id=row.fund_id,
        holder_charity_number=row.holder_charity_number,
        holder_company_number=row.holder_company_number,
    )
    return Fund.holder_org_id(facts, prefix)  # type: ignore[arg-type]


def _iso(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S+00:00")


class Areas:
    """The places' and wards' ONS codes, read once per export: where a group is (its ward,
    from its postcode, or else its place) is published as an area code, never as the
    postcode of what may be someone's home."""

    def __init__(self, session: Session | None = None) -> None:
        self.places: dict[int, tuple[str, str | None]] = {}
        self.wards: dict[tuple[int, str], tuple[str, str | None]] = {}
        if session is None:
            return
        for place_id, name, code in session.execute(select(Place.id, Place.name, Place.gss_code)):
            self.places[place_id] = (name, code)
        stmt = select(PostcodeArea.place_id, PostcodeArea.prefix, Ward.name, Ward.gss_code).join(
            Ward, Ward.id == PostcodeArea.ward_id
        )
        for place_id, prefix, name, code in session.execute(stmt):
            self.wards[(place_id, prefix)] = (name, code)

    def of_group(self, place_id: int, postcode: str | None) -> dict[str, Any] | None:
        """The group's ward (the most specific postcode area that matches), else its place."""
        try:
            district, sector = postcode_prefixes(postcode or "")
        except (ValueError, IndexError):
            district = sector = ""
        for prefix in (sector, district):
            if (place_id, prefix) in self.wards:
                name, code = self.wards[(place_id, prefix)]
                if code:
                    return location(name, code)
                break
        name, code = self.places.get(place_id, ("", None))
        return location(name, code) if code else None


def location(name: str, code: str | None) -> dict[str, Any]:
    """A 360Giving location: its name, and its ONS code and code type when it has one."""
    place: dict[str, Any] = {"name": _text(name)}
    if code:
        place["geoCode"] = code
        place["geoCodeType"] = GEO_CODE_TYPES.get(code[:3], "")
        if not place["geoCodeType"]:
            del place["geoCodeType"]
    place["countryCode"] = "GB"
    return place


def _recipient(row: Any, prefix: str, areas: Areas) -> dict[str, Any]:
    recipient: dict[str, Any] = {"id": _org_id(row, prefix), "name": _text(row.group_name)}
    if row.charity_number:
        number = row.charity_number.upper().replace(" ", "").partition("-")[0]
        recipient["charityNumber"] = number.removeprefix("NIC")
    if row.company_number:
        recipient["companyNumber"] = row.company_number.upper().replace(" ", "")
    # A registered charity's or company's address is on a public register; an unregistered
    # group's postcode may be a member's home, so only its area is published.
    if row.postcode and (row.charity_number or row.company_number):
        recipient["postalCode"] = row.postcode
    where = areas.of_group(row.group_place_id, row.postcode)
    if where is not None:
        recipient["location"] = [where]
    return recipient


def _description(row: Any) -> str:
    """The grant's description; where it has none (or only its title), a sentence made from
    what the grant is, so the file says more than the title."""
    text = (row.description or "").strip()
    if text and text != row.title:
        return _text(text)
    years = "1 year" if row.years == 1 else f"{row.years} years"
    kind = "restricted" if row.restricted else "unrestricted"
    source = row.round_title or row.fund_name
    return _text(f"A {kind} grant over {years} to {row.group_name}, from {source}.")


def _removed(match: re.Match[str]) -> str:
    """The mark left where an email address was (a full stop after it stays)."""
    address = match.group(0)
    return EMAIL_REMOVED + address[len(address.rstrip(".")) :]


def _text(value: str | None) -> str:
    """Text a person typed, with anything that looks like an email address taken out."""
    value = value or ""
    return _EMAIL.sub(_removed, value) if "@" in value else value


def grant_record(
    row: Any, prefix: str, base_url: str = "", areas: Areas | None = None
) -> dict[str, Any]:
    """One grant in the shape of the 360Giving standard."""
    areas = areas or Areas()
    award_moment = row.decided_at or row.accepted_at or row.created_at
    record: dict[str, Any] = {
        "id": f"360G-{prefix}-grant-{row.id}",
        "title": _text(row.title),
        "description": _description(row),
        "currency": "GBP",
        "amountAwarded": _amount(row.total_pence),
        "amountDisbursed": _amount(int(row.paid_pence or 0)),
        "awardDate": award_moment.date().isoformat(),
        "plannedDates": [
            {
                "startDate": row.start_date.isoformat(),
                "endDate": end_date(row.start_date, row.years).isoformat(),
                "duration": row.years * 12,
            }
        ],
        "recipientOrganization": [_recipient(row, prefix, areas)],
        "fundingOrganization": [{"id": _funder_id(row, prefix), "name": _text(row.holder_name)}],
        "fromOpenCall": "Yes" if row.round_id else "No",
        "classifications": [
            {
                "vocabulary": f"360G-{prefix}-restriction",
                "code": "restricted" if row.restricted else "unrestricted",
                "title": "Restricted" if row.restricted else "Unrestricted",
            }
        ],
        "dateModified": _iso(row.updated_at),
        "beneficiaryLocation": [location(row.place_name, row.place_code)],
    }
    if base_url:
        record["dataSource"] = f"{base_url.rstrip('/')}/open-data"
    if row.amount_requested_pence:
        record["amountAppliedFor"] = _amount(row.amount_requested_pence)
    programme = {"code": f"360G-{prefix}-fund-{row.fund_id}", "title": _text(row.fund_name)}
    if row.round_id:
        programme = {
            "code": f"360G-{prefix}-round-{row.round_id}",
            "title": _text(row.round_title),
        }
    record["grantProgramme"] = [programme]
    return record


def published_count(session: Session) -> int:
    """How many grants the files hold."""
    published = Grant.state.in_(PUBLISHED_GRANT_STATES)
    return session.scalar(select(func.count(Grant.id)).where(published)) or 0


def _rows(session: Session, progress: Progress = quietly) -> Iterator[Any]:
    """The published grants' rows; ``progress`` (when someone watches) hears every BATCH."""
    if progress is quietly:
        yield from session.execute(_stmt())
        return
    total = published_count(session)
    done = 0
    progress(done, total)
    for row in session.execute(_stmt()):
        yield row
        done += 1
        if done % BATCH == 0:
            progress(done, total)
    progress(done, max(done, total))


def json_chunks(
    session: Session, prefix: str, base_url: str = "", progress: Progress = quietly
) -> Iterator[str]:
    """The data package, a piece at a time."""
    yield '{"version":"%s","grants":[' % VERSION  # noqa: UP031
    first = True
    areas = Areas(session)
    for row in _rows(session, progress):
        yield ("" if first else ",") + "\n" + _dumps(grant_record(row, prefix, base_url, areas))
        first = False
    yield "\n]}\n"


CSV_COLUMNS = [
    ("Identifier", "id"),
    ("Title", "title"),
    ("Description", "description"),
    ("Currency", "currency"),
    ("Amount Applied For", "amountAppliedFor"),
    ("Amount Awarded", "amountAwarded"),
    ("Amount Disbursed", "amountDisbursed"),
    ("Award Date", "awardDate"),
    ("Planned Dates:Start Date", "plannedDates.startDate"),
    ("Planned Dates:End Date", "plannedDates.endDate"),
    ("Planned Dates:Duration (months)", "plannedDates.duration"),
    ("Recipient Org:Identifier", "recipientOrganization.id"),
    ("Recipient Org:Name", "recipientOrganization.name"),
    ("Recipient Org:Charity Number", "recipientOrganization.charityNumber"),
    ("Recipient Org:Company Number", "recipientOrganization.companyNumber"),
    ("Recipient Org:Postal Code", "recipientOrganization.postalCode"),
    ("Recipient Org:Location:Name", "recipientOrganization.location.name"),
    ("Recipient Org:Location:Geographic Code", "recipientOrganization.location.geoCode"),
    ("Recipient Org:Location:Geographic Code Type", "recipientOrganization.location.geoCodeType"),
    ("Funding Org:Identifier", "fundingOrganization.id"),
    ("Funding Org:Name", "fundingOrganization.name"),
    ("Grant Programme:Code", "grantProgramme.code"),
    ("Grant Programme:Title", "grantProgramme.title"),
    ("From An Open Call?", "fromOpenCall"),
    ("Beneficiary Location:Name", "beneficiaryLocation.name"),
    ("Beneficiary Location:Country Code", "beneficiaryLocation.countryCode"),
    ("Beneficiary Location:Geographic Code", "beneficiaryLocation.geoCode"),
    ("Beneficiary Location:Geographic Code Type", "beneficiaryLocation.geoCodeType"),
    ("Last modified", "dateModified"),
    ("Data Source", "dataSource"),
]


def _flat(record: dict[str, Any], path: str) -> Any:
    """One cell of the CSV: amounts and durations as numbers, everything else as text (which
    the writer makes safe to open in a spreadsheet)."""
    value: Any = record
    for key in path.split("."):
        if isinstance(value, list):
            value = value[0] if value else {}
        value = value.get(key, "") if isinstance(value, dict) else ""
    if isinstance(value, str) and value.startswith(_MARK):
        return Decimal(pounds(int(value[len(_MARK) : -1])))
    return value


def csv_chunks(
    session: Session, prefix: str, base_url: str = "", progress: Progress = quietly
) -> Iterator[str]:
    """The flattened CSV with the standard's column titles, a row at a time. Text that a
    spreadsheet would read as a formula (a group named ``=HYPERLINK(...)``) is written as
    text; amounts stay numbers."""
    out = io.StringIO()
    writer = formula_safe_writer(out)
    writer.writerow([title for title, _path in CSV_COLUMNS])
    areas = Areas(session)
    for row in _rows(session, progress):
        record = grant_record(row, prefix, base_url, areas)
        writer.writerow([_flat(record, path) for _title, path in CSV_COLUMNS])
        if out.tell() > 64 * 1024:
            yield out.getvalue()
            out.seek(0)
            out.truncate(0)
    yield out.getvalue()


def write(
    session: Session,
    target: Any,
    prefix: str,
    fmt: str = "json",
    progress: Progress = quietly,
    base_url: str = "",
) -> int:
    """Write the export to an open text file; returns the number of characters written.
    ``progress`` hears how many grants are written; ``base_url`` is the site's public address,
    which each grant names as its data source."""
    make = json_chunks if fmt == "json" else csv_chunks
    chunks = make(session, prefix, base_url, progress=progress)
    written = 0
    for chunk in chunks:
        written += target.write(chunk)
    return written


def grants(session: Session, prefix: str, base_url: str = "") -> Iterator[dict[str, Any]]:
    """The published grants exactly as the JSON file has them, one at a time (for checks)."""
    areas = Areas(session)
    for row in _rows(session):
        yield json.loads(_dumps(grant_record(row, prefix, base_url, areas)), parse_float=Decimal)
