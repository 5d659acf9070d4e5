"""The 360Giving data-quality checks, run over our own open data before anyone else does.

The checks follow the 360Giving data quality tool (ThreeSixtyGiving/dataquality,
``lib360dataquality/cove/threesixtygiving.py``); each keeps the tool's class name as its
``code`` and the tool's rule. Its "quality" checks and the "usefulness" checks we can always
meet are warnings; the two usefulness notes that an unregistered group cannot avoid (no
charity or company number, so a ``360G-`` identifier) are notes, not warnings. Two checks are
Placefund's own: a group with a number must be published under it, and an unregistered
group's postcode (which may be someone's home) is never published. The tool's checks for
grants to individuals do not apply: Placefund only funds groups.

Grants are read one at a time, so a large file needs no more memory than its distinct
funder identifiers.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from flask_babel import lazy_gettext as _l

Grant = dict[str, Any]

WARNING = "warning"
NOTE = "note"
EXAMPLES = 3

# Prefixes from the org-id.guide list that UK grant recipients and funders use, and 360G.
# The tool reads the whole list from org-id.guide; these are the ones Placefund writes or a
# UK funder meets.
RECOGNISED_PREFIXES = (
    "360G",
    "GB-CHC",
    "GB-SC",
    "GB-NIC",
    "GB-COH",
    "GB-MPR",
    "GB-EDU",
    "GB-GOR",
    "GB-GOVUK",
    "GB-LAE",
    "GB-LAS",
    "GB-LANI",
    "GB-PLA",
    "GB-NHS",
    "GB-UKPRN",
    "GB-SHPE",
    "GB-REV",
    "GB-WALEDU",
    "GB-SCOTEDU",
    "GB-NIEDU",
    "XI-PB",
)
EMAIL = re.compile(r"[\w.-]+@[\w.-]+\.[\w.-]+")
DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})")


def _charity_number_ok(number: str) -> bool:
    return len(number) in (6, 7) and number.isdigit()


def _company_number_ok(number: str) -> bool:
    return re.fullmatch(r"\w{8}", number) is not None


def _recipients(grant: Grant) -> list[dict[str, Any]]:
    return list(grant.get("recipientOrganization") or [])


def _funders(grant: Grant) -> list[dict[str, Any]]:
    return list(grant.get("fundingOrganization") or [])


def _date(text: Any) -> dt.date | None:
    """A date the tool can read (``2026-04-01`` or the date part of a date-time), else None."""
    match = DATE.match(str(text or ""))
    if match is None:
        return None
    try:
        return dt.date(*(int(part) for part in match.groups()))
    except ValueError:
        return None


def _dates(grant: Grant) -> dict[str, Any]:
    """The raw dates the tool looks at: the award, and the first planned and actual dates."""
    planned = (grant.get("plannedDates") or [{}])[0]
    actual = (grant.get("actualDates") or [{}])[0]
    raw = {
        "awardDate": grant.get("awardDate"),
        "plannedDates/0/startDate": planned.get("startDate"),
        "plannedDates/0/endDate": planned.get("endDate"),
        "actualDates/0/startDate": actual.get("startDate"),
        "actualDates/0/endDate": actual.get("endDate"),
    }
    return {key: value for key, value in raw.items() if value}


@dataclass
class Seen:
    """What the checks of one grant share, worked out once: the day the file is checked on,
    and the grant's dates as written and as read (None where the date cannot be read)."""

    today: dt.date
    dates: dict[str, Any]
    days: dict[str, dt.date | None]

    @classmethod
    def of(cls, grant: Grant, today: dt.date) -> Seen:
        dates = _dates(grant)
        return cls(today, dates, {key: _date(raw) for key, raw in dates.items()})


def _strings(value: Any, path: str = "") -> Iterator[tuple[str, Any]]:
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _strings(item, f"{path}/{key}")
    elif isinstance(value, list):
        for number, item in enumerate(value):
            yield from _strings(item, f"{path}/{number}")
    else:
        yield path, value


def _years_from(today: dt.date, years: int) -> dt.date:
    try:
        return today.replace(year=today.year + years)
    except ValueError:  # 29 February
        return today.replace(year=today.year + years, day=28)


# -- one grant at a time: each returns True when the grant fails the check ------------------


def zero_amount(grant: Grant, seen: Seen) -> bool:
    return grant.get("amountAwarded") == 0


def unrecognised_prefix(orgs: list[dict[str, Any]]) -> bool:
    return any(not str(org.get("id", "")).upper().startswith(RECOGNISED_PREFIXES) for org in orgs)


def recipient_unrecognised_prefix(grant: Grant, seen: Seen) -> bool:
    return unrecognised_prefix(_recipients(grant))


def funder_unrecognised_prefix(grant: Grant, seen: Seen) -> bool:
    return unrecognised_prefix(_funders(grant))


def charity_number_invalid(grant: Grant, seen: Seen) -> bool:
    for org in _recipients(grant):
        if "charityNumber" in org:
            number = str(org["charityNumber"])
            number = number[2:] if number[:2].isalpha() else number
            if not _charity_number_ok(number):
                return True
    return False


def company_number_invalid(grant: Grant, seen: Seen) -> bool:
    return any(
        "companyNumber" in org and not _company_number_ok(str(org["companyNumber"]))
        for org in _recipients(grant)
    )


def org_id_invalid(grant: Grant, seen: Seen) -> bool:
    for org in _recipients(grant) + _funders(grant):
        org_id = str(org.get("id") or "")
        if org_id.upper().startswith("GB-CHC-") and not _charity_number_ok(org_id[7:]):
            return True
        if org_id.upper().startswith("GB-COH-") and not _company_number_ok(org_id[7:]):
            return True
    return False


def org_id_unexpected_chars(grant: Grant, seen: Seen) -> bool:
    return any("\n" in str(org.get("id") or "") for org in _recipients(grant) + _funders(grant))


def grant_id_unexpected_chars(grant: Grant, seen: Seen) -> bool:
    return "\n" in str(grant.get("id") or "")


def looks_like_email(grant: Grant, seen: Seen) -> bool:
    if "@" not in json.dumps(grant, default=str, ensure_ascii=False):
        return False  # the quick answer for nearly every grant
    return any(
        "email" not in path and isinstance(value, str) and EMAIL.search(value) is not None
        for path, value in _strings(grant)
    )


def impossible_dates(grant: Grant, seen: Seen) -> bool:
    """A date written the right way that cannot be: 2026-02-30, 2026-13-01."""
    return any(DATE.match(str(raw)) and seen.days[key] is None for key, raw in seen.dates.items())


def _before(seen: Seen, kind: str) -> bool:
    start = seen.days.get(f"{kind}/0/startDate")
    end = seen.days.get(f"{kind}/0/endDate")
    return start is not None and end is not None and start > end


def planned_start_after_end(grant: Grant, seen: Seen) -> bool:
    return _before(seen, "plannedDates")


def actual_start_after_end(grant: Grant, seen: Seen) -> bool:
    return _before(seen, "actualDates")


def _later_than(seen: Seen, kind: str, limit: dt.date) -> bool:
    return any(
        day is not None and day > limit for key, day in seen.days.items() if key.startswith(kind)
    )


def far_future_planned(grant: Grant, seen: Seen) -> bool:
    return _later_than(seen, "plannedDates", _years_from(seen.today, 12))


def far_future_actual(grant: Grant, seen: Seen) -> bool:
    return _later_than(seen, "actualDates", _years_from(seen.today, 5))


def far_past(grant: Grant, seen: Seen) -> bool:
    limit = _years_from(seen.today, -25)
    return any(day is not None and day < limit for day in seen.days.values())


def award_in_future(grant: Grant, seen: Seen) -> bool:
    return _later_than(seen, "awardDate", seen.today)


def recipient_360g_prefix(grant: Grant, seen: Seen) -> bool:
    return any(str(org.get("id", "")).upper().startswith("360G") for org in _recipients(grant))


def funder_360g_prefix(grant: Grant, seen: Seen) -> bool:
    return any(str(org.get("id", "")).upper().startswith("360G") for org in _funders(grant))


def number_not_used_for_id(grant: Grant, seen: Seen) -> bool:
    return any(
        str(org.get("id", "")).upper().startswith("360G")
        and (org.get("charityNumber") or org.get("companyNumber"))
        for org in _recipients(grant)
    )


def no_charity_or_company_number(grant: Grant, seen: Seen) -> bool:
    return any(
        not (org.get("charityNumber") or org.get("companyNumber")) for org in _recipients(grant)
    )


def _has_location(org: dict[str, Any]) -> bool:
    return bool(org.get("postalCode")) or any(
        place.get("geoCode") for place in org.get("location") or []
    )


def incomplete_recipient(grant: Grant, seen: Seen) -> bool:
    return any(not _has_location(org) for org in _recipients(grant))


def unregistered_postcode(grant: Grant, seen: Seen) -> bool:
    return any(
        org.get("postalCode") and not (org.get("charityNumber") or org.get("companyNumber"))
        for org in _recipients(grant)
    )


def no_grant_programme(grant: Grant, seen: Seen) -> bool:
    return not grant.get("grantProgramme")


def no_beneficiary_location(grant: Grant, seen: Seen) -> bool:
    return not grant.get("beneficiaryLocation")


def location_name_without_code(grant: Grant, seen: Seen) -> bool:
    return any(
        place.get("name") and not place.get("geoCode")
        for place in grant.get("beneficiaryLocation") or []
    )


def beneficiary_but_not_recipient_place(grant: Grant, seen: Seen) -> bool:
    recipients = _recipients(grant)
    first = recipients[0] if recipients else {}
    return bool(grant.get("beneficiaryLocation")) and not (
        first.get("postalCode") or first.get("location")
    )


def recipient_but_not_beneficiary_place(grant: Grant, seen: Seen) -> bool:
    recipients = _recipients(grant)
    first = recipients[0] if recipients else {}
    return bool(first.get("location")) and not grant.get("beneficiaryLocation")


def title_same_as_description(grant: Grant, seen: Seen) -> bool:
    return bool(grant.get("title")) and grant.get("title") == grant.get("description")


def title_too_long(grant: Grant, seen: Seen) -> bool:
    return len(str(grant.get("title") or "")) > 140


def no_last_modified(grant: Grant, seen: Seen) -> bool:
    return not grant.get("dateModified")


def no_data_source(grant: Grant, seen: Seen) -> bool:
    return not grant.get("dataSource")


def no_planned_duration(grant: Grant, seen: Seen) -> bool:
    planned = (grant.get("plannedDates") or [{}])[0]
    return planned.get("duration") is None and not (
        planned.get("startDate") and planned.get("endDate")
    )


@dataclass(frozen=True)
class Check:
    code: str  # the data quality tool's name for it, or Placefund's own
    title: Any  # what a grant that fails it has, in plain English (lazy)
    level: str
    fails: Callable[[Grant, Seen], bool]


def _check(code: str, title: Any, fails: Callable[[Grant, Seen], bool]) -> Check:
    return Check(code, title, WARNING, fails)


GRANT_CHECKS: tuple[Check, ...] = (
    _check("ZeroAmountTest", _l("An amount of £0"), zero_amount),
    _check(
        "FundingOrgUnrecognisedPrefix",
        _l("A funder number from a list nobody knows"),
        funder_unrecognised_prefix,
    ),
    _check(
        "RecipientOrgUnrecognisedPrefix",
        _l("A group number from a list nobody knows"),
        recipient_unrecognised_prefix,
    ),
    _check(
        "RecipientOrgCharityNumber",
        _l("A charity number that does not look like one"),
        charity_number_invalid,
    ),
    _check(
        "RecipientOrgCompanyNumber",
        _l("A company number that does not look like one"),
        company_number_invalid,
    ),
    _check(
        "OrganizationIdLooksInvalid",
        _l("A charity or company identifier with a wrong number in it"),
        org_id_invalid,
    ),
    _check(
        "OrganizationIdUnexpectedChars",
        _l("A group or funder identifier with a line break in it"),
        org_id_unexpected_chars,
    ),
    _check(
        "GrantIdUnexpectedChars",
        _l("A grant number with a line break in it"),
        grant_id_unexpected_chars,
    ),
    _check("LooksLikeEmail", _l("Something that looks like an email address"), looks_like_email),
    _check("ImpossibleDates", _l("A date that does not exist"), impossible_dates),
    _check(
        "PlannedStartDateBeforeEndDate",
        _l("A planned start after the planned end"),
        planned_start_after_end,
    ),
    _check("ActualStartDateBeforeEndDate", _l("A start after the end"), actual_start_after_end),
    _check(
        "FarFuturePlannedDates",
        _l("Planned dates more than 12 years from now"),
        far_future_planned,
    ),
    _check("FarFutureActualDates", _l("Dates more than 5 years from now"), far_future_actual),
    _check("FarPastDates", _l("Dates more than 25 years ago"), far_past),
    _check("PostDatedAwardDates", _l("An award date in the future"), award_in_future),
    _check(
        "NumberNotUsedForId",
        _l("A charity or company number, but a Placefund identifier"),
        number_not_used_for_id,
    ),
    _check(
        "UnregisteredGroupPostcode",
        _l("The postcode of a group that is not registered (it may be a home)"),
        unregistered_postcode,
    ),
    _check(
        "IncompleteRecipientOrg", _l("No postcode or area code for the group"), incomplete_recipient
    ),
    _check("NoGrantProgramme", _l("No grant programme"), no_grant_programme),
    _check("NoBeneficiaryLocation", _l("No place the money is for"), no_beneficiary_location),
    _check(
        "BeneficiaryLocationNameButNoCode",
        _l("A place name without its area code"),
        location_name_without_code,
    ),
    _check(
        "BeneficiaryButNotRecipientGeoData",
        _l("A place the money is for, but not where the group is"),
        beneficiary_but_not_recipient_place,
    ),
    _check(
        "RecipientGeoDataButNoBeneficiary",
        _l("Where the group is, but not the place the money is for"),
        recipient_but_not_beneficiary_place,
    ),
    _check(
        "TitleDescriptionSame",
        _l("A description that only repeats the title"),
        title_same_as_description,
    ),
    _check("TitleLength", _l("A title longer than 140 letters"), title_too_long),
    _check("NoLastModified", _l("No date it was last changed"), no_last_modified),
    _check("NoDataSource", _l("No link to where the data comes from"), no_data_source),
    _check(
        "PlannedDurationNotPresent",
        _l("No planned length, start or end"),
        no_planned_duration,
    ),
    Check(
        "RecipientOrg360GPrefix",
        _l("A Placefund identifier for the group, because it is not registered"),
        NOTE,
        recipient_360g_prefix,
    ),
    Check(
        "NoRecipientOrgCompanyCharityNumber",
        _l("No charity or company number, because the group is not registered"),
        NOTE,
        no_charity_or_company_number,
    ),
    Check(
        "FundingOrg360GPrefix",
        _l("A Placefund identifier for the funder, because it has no charity or company number"),
        NOTE,
        funder_360g_prefix,
    ),
)

FILE_CHECKS = {
    "MoreThanOneFundingOrg": _l("More than one funder"),
    "MultiFundingOrgIdsForName": _l("One funder name with more than one identifier"),
    "MultiFundingNamesForOrgId": _l("One funder identifier with more than one name"),
}


@dataclass
class Outcome:
    code: str
    title: Any
    level: str
    count: int = 0
    examples: list[str] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return self.count == 0


@dataclass
class Report:
    grants: int
    outcomes: list[Outcome]

    @property
    def warnings(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.level == WARNING and not o.passed]

    @property
    def notes(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.level == NOTE and not o.passed]

    @property
    def passed(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.passed]

    def failing(self) -> set[str]:
        """The codes of the warnings raised (what a test wants to be empty)."""
        return {o.code for o in self.warnings}


class _Funders:
    """The file-wide funder checks: names and identifiers must pair one to one."""

    def __init__(self) -> None:
        self.name_of: dict[str, str] = {}
        self.id_of: dict[str, str] = {}
        self.outcomes = {code: Outcome(code, title, WARNING) for code, title in FILE_CHECKS.items()}

    def add(self, grant: Grant) -> None:
        for org in _funders(grant):
            org_id, name = str(org.get("id") or ""), str(org.get("name") or "")
            if self.name_of.setdefault(org_id, name) != name:
                self._fail("MultiFundingNamesForOrgId", grant)
            if self.id_of.setdefault(name, org_id) != org_id:
                self._fail("MultiFundingOrgIdsForName", grant)
            if len(self.name_of) > 1 and self.outcomes["MoreThanOneFundingOrg"].count == 0:
                self._fail("MoreThanOneFundingOrg", grant)

    def _fail(self, code: str, grant: Grant) -> None:
        outcome = self.outcomes[code]
        outcome.count += 1
        if len(outcome.examples) < EXAMPLES:
            outcome.examples.append(str(grant.get("id")))


def check(grants: Iterable[Grant], today: dt.date) -> Report:
    """Run every check over the grants of a 360Giving file (as read from its JSON)."""
    outcomes = [Outcome(c.code, c.title, c.level) for c in GRANT_CHECKS]
    funders = _Funders()
    count = 0
    for grant in grants:
        count += 1
        funders.add(grant)
        seen = Seen.of(grant, today)
        for rule, outcome in zip(GRANT_CHECKS, outcomes, strict=True):
            if rule.fails(grant, seen):
                outcome.count += 1
                if len(outcome.examples) < EXAMPLES:
                    outcome.examples.append(str(grant.get("id")))
    return Report(count, outcomes + list(funders.outcomes.values()))


def summary(report: Report) -> list[str]:
    """The report as lines of text, for the command line."""
    lines = [f"Checked {report.grants} grants: {len(report.warnings)} warnings."]
    for outcome in report.warnings:
        examples = ", ".join(outcome.examples)
        lines.append(
            f"Warning: {outcome.count} have: {outcome.title} [{outcome.code}] ({examples})"
        )
    for outcome in report.notes:
        lines.append(f"Note: {outcome.count} have: {outcome.title} [{outcome.code}]")
    return lines
