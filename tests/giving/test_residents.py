"""Verified residents: the census list (only keyed hashes kept, bad files import nothing, a new
list replaces the old at once), verifying by census details, letter codes and in person,
expiry, undo, and the limit on failed tries. A failed try never tells whether someone is on
the list."""

from __future__ import annotations

import datetime as dt
import html
import io
import re

import pytest
from sqlalchemy import func, select, text

from giving import services
from giving.models import (
    AuditEntry,
    CensusEntry,
    CensusList,
    ResidentVerification,
    VerificationLetter,
    VerificationMethod,
)
from giving.timeutil import utcnow
from tests.conftest import post_form
from tests.factories import RoleGrantFactory, UserFactory, place_with_wards
from tests.giving.round_helpers import as_user

HEADER = "name,date_of_birth,postcode\n"
SAM = ("Sam Taylor", "1990-05-01", "RV1 1AA")
ZOE = ("Zoë O'Brien-Smith", "31/05/2000", "rv2 3bb")
CENSUS = HEADER + "Sam Taylor,1990-05-01,RV1 1AA\nZoë O'Brien-Smith,31/05/2000,rv2 3bb\n"


@pytest.fixture
def world(session):
    place, north, south = place_with_wards("riverton", "Riverton", "RV")
    manager = UserFactory(name="Fran Manager")
    RoleGrantFactory(user=manager, place=place)
    person = UserFactory(name="Sam T", postcode="RV1 1AA")
    other = UserFactory(name="Someone Else", postcode="RV1 1AA")
    session.commit()
    return place, north, south, manager, person, other


def _page(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def upload(client, place, content: bytes | str, *, pasted: bool = False):
    data = {"action": "census"}
    if pasted:
        data["census-text"] = content
    else:
        raw = content.encode() if isinstance(content, str) else content
        data["census-file"] = (io.BytesIO(raw), "residents.csv")
    return post_form(
        client,
        f"/places/{place.slug}/manage/residents",
        data,
        content_type="multipart/form-data",
    )


def census_try(client, place, name, day, month, year, postcode):
    return post_form(
        client,
        f"/places/{place.slug}/verify",
        {
            "action": "census",
            "census-name": name,
            "census-date_of_birth": [str(day), str(month), str(year)],
            "census-postcode": postcode,
        },
    )


def code_try(client, place, code):
    return post_form(
        client, f"/places/{place.slug}/verify", {"action": "letter", "letter-code": code}
    )


def _lists(session) -> int:
    return session.scalar(select(func.count(CensusList.id)))


def _verification(session, user, place):
    session.expire_all()
    return session.scalar(
        select(ResidentVerification).filter_by(user_id=user.id, place_id=place.id)
    )


# --- The census list --------------------------------------------------------------------------


def test_a_clean_upload_keeps_only_keyed_hashes_never_the_details(client, session, world):
    place, north, south, manager, _person, _other = world
    as_user(client, manager)
    response = upload(client, place, CENSUS)
    assert response.status_code == 302
    page = _page(client.get(response.headers["Location"]))
    assert "The new list has 2 people on it." in page
    assert "Fran Manager" in page

    census = session.scalar(select(CensusList))
    assert census.rows == 2
    assert census.uploaded_by_id == manager.id
    rows = session.execute(text("SELECT * FROM census_entries")).all()
    assert len(rows) == 2
    stored = " ".join(str(value) for row in rows for value in row).casefold()
    raw_and_tidied = [
        *SAM,
        *ZOE,
        "sam taylor",
        "zoe obrien smith",
        "o'brien",
        "obrien",
        "2000-05-31",
        "31/05/2000",
        "01/05/1990",
        "rv11aa",
        "rv23bb",
        "rv2 3bb",
    ]
    for value in raw_and_tidied:
        assert value.casefold() not in stored, value
    assert {row.ward_id for row in session.scalars(select(CensusEntry))} == {north.id, south.id}
    assert session.scalar(select(AuditEntry).filter_by(action="census.uploaded")) is not None


def test_a_file_with_bad_lines_imports_nothing_and_names_each_line(client, session, world):
    place, *_rest = world
    manager = world[3]
    as_user(client, manager)
    assert upload(client, place, CENSUS).status_code == 302
    before = {e.entry_hash for e in session.scalars(select(CensusEntry))}

    bad = (
        HEADER
        + "Ann Jones,1980-01-02,RV1 2AB\n"  # line 2: fine
        + "Bob Smith,the fifth of May,RV1 2AB\n"  # line 3
        + "Cat Brown,1975-07-08,ZZ9 9ZZ\n"  # line 4
        + "Ann  JONES,02/01/1980,rv12ab\n"  # line 5: line 2 again
        + ",1975-07-08,RV1 2AB\n"  # line 6
        + "Dan Green,1975-07-08,not a postcode\n"  # line 7
        + "Eve White,2099-01-01,RV2 1AA\n"  # line 8
    )
    response = upload(client, place, bad)
    assert response.status_code == 200
    page = _page(response)
    assert "Nothing was added, because 6 lines have problems." in page
    assert "Line 3: the date of birth is not a date we can read" in page
    assert "Line 4: this postcode is not in Riverton" in page
    assert "Line 5: this person is already on line 2" in page
    assert "Line 6: the name is missing" in page
    assert "Line 7: the postcode is not one we can read" in page
    assert "Line 8: the date of birth is not a date we can read" in page
    assert 'id="census-file-error"' in page  # shown next to the upload field

    session.expire_all()
    assert _lists(session) == 1
    assert {e.entry_hash for e in session.scalars(select(CensusEntry))} == before


def test_a_clean_upload_replaces_the_old_list_at_once(client, session, world):
    place, _north, _south, manager, person, _other = world
    as_user(client, manager)
    assert upload(client, place, CENSUS).status_code == 302
    old_hashes = {e.entry_hash for e in session.scalars(select(CensusEntry))}
    as_user(client, person)
    assert census_try(client, place, "sam taylor", 1, 5, 1990, "rv1 1aa").status_code == 302

    as_user(client, manager)
    new = HEADER + "Sam Taylor,01-05-1990,RV11AA\nNew Person,1970-01-01,RV2 9ZZ\n"
    response = upload(client, place, new, pasted=True)
    assert response.status_code == 302

    session.expire_all()
    lists = session.scalars(select(CensusList)).all()
    assert len(lists) == 1
    assert lists[0].rows == 2
    entries = session.scalars(select(CensusEntry)).all()
    assert {e.census_list_id for e in entries} == {lists[0].id}
    # Sam is on both lists (written differently); Zoë has gone; the new person has come.
    assert len({e.entry_hash for e in entries} & old_hashes) == 1
    # Sam is still verified, and their entry on the new list is still theirs.
    assert _verification(session, person, place) is not None
    assert [e.used_by_id for e in entries if e.used_by_id] == [person.id]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "Choose a CSV file, or paste the list"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00", "This is not a CSV file"),
        (b"first,last,town\nAnn,Jones,Riverton\n", "The first line must name the columns"),
        (HEADER.encode(), "This list has nobody on it"),
        (b'name,date_of_birth,postcode\n"Ann,1980-01-02,RV1 1AA\n', "Line 2:"),
        ("name,date_of_birth,postcode\n".encode("utf-16"), "This is not a CSV file"),
    ],
)
def test_junk_files_are_refused_with_a_message(client, session, world, content, message):
    place, *_rest = world
    as_user(client, world[3])
    response = upload(client, place, content)
    assert response.status_code == 200
    assert message in _page(response)
    assert _lists(session) == 0


def test_a_file_too_big_is_refused_without_an_error(client, session, world, app, monkeypatch):
    place, *_rest = world
    as_user(client, world[3])
    # Small limits keep test uploads in memory (big ones are spooled to temporary files).
    monkeypatch.setitem(app.config, "MAX_UPLOAD_BYTES", 100 * 1024)
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 200 * 1024)
    limit = app.config["MAX_UPLOAD_BYTES"]
    line = "Somebody Withalongname,1990-05-01,RV1 1AA\n"
    big = HEADER + line * (limit // len(line) + 10)
    response = upload(client, place, big)
    assert response.status_code == 200
    assert "This file is too big. Files can be up to 100 KB." in _page(response)
    huge = b"x" * (app.config["MAX_CONTENT_LENGTH"] + 10)
    assert upload(client, place, huge).status_code == 413
    assert _lists(session) == 0


def test_the_number_of_people_on_a_list_is_limited(session, world, ctx, monkeypatch):
    place, *_rest = world
    monkeypatch.setattr("giving.services.census.CENSUS_MAX_ROWS", 2)
    data = HEADER + "A A,1990-01-01,RV1 1AA\nB B,1990-01-01,RV1 1AA\nC C,1990-01-01,RV1 1AA\n"
    with pytest.raises(services.DomainError, match="up to 2 people"):
        services.upload_census(ctx, world[3], place, data.encode())


# --- Verifying ---------------------------------------------------------------------------------


def _with_census(client, world):
    place, _north, _south, manager, _person, _other = world
    as_user(client, manager)
    assert upload(client, place, CENSUS).status_code == 302


def test_census_details_verify_and_one_entry_verifies_one_account(client, session, world):
    place, _north, south, _manager, person, other = world
    _with_census(client, world)
    as_user(client, person)
    page = _page(client.get(f"/places/{place.slug}/verify"))
    assert "Show that you live in Riverton" in page
    response = census_try(client, place, "  ZOE o'brien smith ", 31, 5, 2000, "RV2 3BB")
    assert response.status_code == 302
    assert "You are now a verified resident of Riverton" in _page(
        client.get(response.headers["Location"])
    )
    verification = _verification(session, person, place)
    assert verification.method == VerificationMethod.CENSUS
    assert verification.ward_id == south.id
    assert verification.verified_by_id is None
    expected = utcnow() + dt.timedelta(days=place.verification_days)
    assert abs(verification.expires_at - expected) < dt.timedelta(minutes=1)
    with_services = services.verified_resident(session, person, place)
    assert with_services is not None
    assert with_services.id == verification.id

    # The same details do not verify a second account.
    as_user(client, other)
    response = census_try(client, place, "Zoë O'Brien-Smith", 31, 5, 2000, "RV2 3BB")
    assert response.status_code == 200
    assert _verification(session, other, place) is None


def _failure_text(response) -> str:
    found = re.search(r'class="govuk-error-message">(.*?)</p>', _page(response), re.S)
    assert found is not None
    return " ".join(found.group(1).split())


def test_a_failure_never_tells_whether_someone_is_on_the_list(client, session, world):
    place, _north, _south, _manager, person, other = world
    _with_census(client, world)
    as_user(client, person)
    assert census_try(client, place, "Sam Taylor", 1, 5, 1990, "RV1 1AA").status_code == 302

    as_user(client, other)
    used = census_try(client, place, "Sam Taylor", 1, 5, 1990, "RV1 1AA")
    unknown = census_try(client, place, "Nobody Known", 1, 5, 1990, "RV1 1AA")
    nearly = census_try(client, place, "Sam Taylor", 2, 5, 1990, "RV1 1AA")
    assert used.status_code == unknown.status_code == nearly.status_code == 200
    assert _failure_text(used) == _failure_text(unknown) == _failure_text(nearly)
    assert "could not match these details" in _failure_text(used)
    assert "letter" in _failure_text(used)
    # Apart from what was typed (and each page's one-time tokens), the pages are the same.
    assert _without_values(used) == _without_values(unknown) == _without_values(nearly)


def _without_values(response) -> str:
    return re.sub(r'(nonce|value)="[^"]*"', "", _page(response))


def test_verifying_again_replaces_the_verification(client, session, world):
    place, north, _south, manager, person, _other = world
    _with_census(client, world)
    as_user(client, manager)
    post_form(
        client,
        f"/places/{place.slug}/manage/residents",
        {"action": "in_person", "person-email": person.email, "person-note": "Council tax bill"},
    )
    first = _verification(session, person, place)
    assert first.method == VerificationMethod.IN_PERSON
    as_user(client, person)
    assert census_try(client, place, "Sam Taylor", 1, 5, 1990, "RV1 1AA").status_code == 302
    session.expire_all()
    rows = session.scalars(select(ResidentVerification).filter_by(user_id=person.id)).all()
    assert len(rows) == 1
    assert rows[0].method == VerificationMethod.CENSUS
    assert rows[0].ward_id == north.id
    assert rows[0].verified_by_id is None
    assert rows[0].note == ""


def test_an_unconfirmed_account_cannot_verify(client, session, world):
    place, *_rest = world
    _with_census(client, world)
    unconfirmed = UserFactory(unconfirmed=True)
    session.commit()
    as_user(client, unconfirmed)
    response = census_try(client, place, "Sam Taylor", 1, 5, 1990, "RV1 1AA")
    assert response.status_code == 200
    assert "Confirm your email address first" in _page(response)
    assert _verification(session, unconfirmed, place) is None


def test_junk_details_get_messages_not_errors(client, session, world):
    place, *_rest = world
    _with_census(client, world)
    as_user(client, world[4])
    response = census_try(client, place, "x" * 5000, 31, 2, 2001, "nowhere")
    assert response.status_code == 200
    page = _page(response)
    assert "This is too long" in page
    assert "Enter a real date" in page
    response = census_try(client, place, "Sam Taylor", 1, 5, 1990, "ZZ9 9ZZ")
    assert "This postcode is not in Riverton" in _page(response)
    # A NUL character is refused before any page sees it: a clear page, nothing changed.
    response = code_try(client, place, "\x00" * 30)
    assert response.status_code == 400
    assert "hidden character that we cannot use" in _page(response)
    assert _verification(session, world[4], place) is None


def test_without_a_census_list_the_page_says_to_use_another_way(client, session, world):
    place, *_rest = world
    as_user(client, world[4])
    page = _page(client.get(f"/places/{place.slug}/verify"))
    assert "has no list of residents to check against yet" in page
    response = census_try(client, place, "Sam Taylor", 1, 5, 1990, "RV1 1AA")
    assert response.status_code == 200
    assert _verification(session, world[4], place) is None


# --- Letters -----------------------------------------------------------------------------------

_CODE = re.compile(r"\b([A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4})\b")


def test_a_letter_code_works_once(client, session, world):
    place, north, south, manager, person, other = world
    as_user(client, manager)
    url = f"/places/{place.slug}/manage/residents/letters"
    response = post_form(
        client,
        url,
        {
            "action": "batch",
            "letters-addresses": "1 Mill Lane, Riverton, RV2 4CD\n2 Mill Lane, RV1 5EF",
        },
    )
    assert response.status_code == 200
    page = _page(response)
    codes = _CODE.findall(page)
    assert len(codes) == 2
    assert "1 Mill Lane" in page
    assert "RV2 4CD" in page
    letters = session.scalars(select(VerificationLetter).order_by(VerificationLetter.id)).all()
    assert [letter.ward_id for letter in letters] == [south.id, north.id]
    stored = " ".join(
        str(v) for row in session.execute(text("SELECT * FROM verification_letters")) for v in row
    )
    for code in codes:
        assert code not in stored
        assert code.replace("-", "") not in stored
    assert "Mill Lane" not in stored

    as_user(client, person)
    typed = codes[0].lower().replace("-", " ")
    assert code_try(client, place, typed).status_code == 302
    verification = _verification(session, person, place)
    assert verification.method == VerificationMethod.LETTER
    assert verification.ward_id == south.id

    as_user(client, other)
    response = code_try(client, place, codes[0])
    assert response.status_code == 200
    assert "This code does not work" in _page(response)
    assert _verification(session, other, place) is None


def test_a_code_for_one_person_and_bad_address_lines(client, session, world):
    place, *_rest = world
    manager, person = world[3], world[4]
    as_user(client, manager)
    url = f"/places/{place.slug}/manage/residents/letters"
    response = post_form(
        client, url, {"action": "batch", "letters-addresses": "1 Mill Lane\n3 Far Away, ZZ9 9ZZ"}
    )
    assert response.status_code == 200
    page = _page(response)
    assert "Line 1: add the postcode at the end" in page
    assert "Line 2: this postcode is not in Riverton" in page
    assert session.scalar(select(func.count(VerificationLetter.id))) == 0

    response = post_form(client, url, {"action": "one"})
    assert response.status_code == 200
    (code,) = _CODE.findall(_page(response))
    as_user(client, person)
    assert code_try(client, place, code).status_code == 302
    assert _verification(session, person, place).method == VerificationMethod.LETTER


def test_a_code_from_another_place_does_not_work(client, session, world):
    place, _n, _s, manager, person, _other = world
    elsewhere, *_wards = place_with_wards("elsewhere", "Elsewhere", "EW")
    RoleGrantFactory(user=manager, place=elsewhere)
    session.commit()
    as_user(client, manager)
    response = post_form(client, "/places/elsewhere/manage/residents/letters", {"action": "one"})
    (code,) = _CODE.findall(_page(response))
    as_user(client, person)
    assert code_try(client, place, code).status_code == 200
    assert _verification(session, person, place) is None


# --- In person, expiry, undo ------------------------------------------------------------------


def test_in_person_needs_a_note_and_records_who(client, session, world):
    place, north, _south, manager, person, _other = world
    as_user(client, manager)
    url = f"/places/{place.slug}/manage/residents"
    response = post_form(
        client, url, {"action": "in_person", "person-email": person.email, "person-note": "  "}
    )
    assert response.status_code == 200
    assert "Say what proof you saw" in _page(response)
    assert _verification(session, person, place) is None

    response = post_form(
        client,
        url,
        {"action": "in_person", "person-email": "nobody@example.org", "person-note": "Bill"},
    )
    assert "There is no account with this email" in _page(response)

    response = post_form(
        client,
        url,
        {"action": "in_person", "person-email": person.email, "person-note": "Council tax bill"},
    )
    assert response.status_code == 302
    verification = _verification(session, person, place)
    assert verification.method == VerificationMethod.IN_PERSON
    assert verification.verified_by_id == manager.id
    assert verification.note == "Council tax bill"
    assert verification.ward_id == north.id  # from the account's postcode
    assert session.scalar(
        select(AuditEntry).filter_by(action="resident.verified", actor_id=manager.id)
    )
    page = _page(client.get(url))
    assert "1 verified resident" in page
    assert "by Fran Manager" in page


def test_a_verification_lasts_the_places_number_of_days(client, session, world):
    place, _n, _s, manager, person, _other = world
    _with_census(client, world)
    as_user(client, manager)
    url = f"/places/{place.slug}/manage/residents"
    for bad in ("0", "3651", "a year"):
        response = post_form(client, url, {"action": "days", "days-verification_days": bad})
        assert response.status_code == 200
    assert (
        post_form(client, url, {"action": "days", "days-verification_days": "30"}).status_code
        == 302
    )
    session.expire_all()
    assert place.verification_days == 30

    as_user(client, person)
    assert census_try(client, place, "Sam Taylor", 1, 5, 1990, "RV1 1AA").status_code == 302
    verification = _verification(session, person, place)
    assert abs(verification.expires_at - (utcnow() + dt.timedelta(days=30))) < dt.timedelta(
        minutes=1
    )
    verification.verified_at = utcnow() - dt.timedelta(days=31)
    verification.expires_at = utcnow() - dt.timedelta(days=1)
    session.commit()
    assert services.verified_resident(session, person, place) is None
    assert services.count_verified(session, place) == 0
    assert "Show that you live in Riverton" in _page(client.get(f"/places/{place.slug}/verify"))
    # Verifying again after it ran out works with the same entry.
    assert census_try(client, place, "Sam Taylor", 1, 5, 1990, "RV1 1AA").status_code == 302
    assert services.verified_resident(session, person, place) is not None


def test_staff_can_undo_a_verification_after_confirming(client, session, world):
    place, _n, _s, manager, person, other = world
    _with_census(client, world)
    as_user(client, person)
    assert census_try(client, place, "Sam Taylor", 1, 5, 1990, "RV1 1AA").status_code == 302
    verification = _verification(session, person, place)

    as_user(client, manager)
    url = f"/places/{place.slug}/manage/residents/{verification.id}/remove"
    assert "Are you sure" in _page(client.get(url))
    assert _verification(session, person, place) is not None
    response = post_form(client, url, {})
    assert response.status_code == 302
    assert _verification(session, person, place) is None
    assert session.scalar(select(AuditEntry).filter_by(action="resident.unverified"))
    # The entry is free again, so the resident it belongs to can use it.
    as_user(client, other)
    assert census_try(client, place, "Sam Taylor", 1, 5, 1990, "RV1 1AA").status_code == 302


def test_the_account_page_shows_each_verification(client, session, world):
    place, _n, _s, manager, person, _other = world
    as_user(client, person)
    page = _page(client.get("/account"))
    assert "Riverton" in page
    assert "Show that you live here" in page
    as_user(client, manager)
    post_form(
        client,
        f"/places/{place.slug}/manage/residents",
        {"action": "in_person", "person-email": person.email, "person-note": "Tenancy"},
    )
    as_user(client, person)
    page = _page(client.get("/account"))
    assert "Showed proof to the fund's team" in page
    assert "by Fran Manager" in page
    assert "until" in page


# --- Throttling --------------------------------------------------------------------------------


def test_failed_tries_are_limited(client, session, world):
    place, *_rest = world
    _with_census(client, world)
    person = world[4]
    as_user(client, person)
    for attempt in range(5):
        response = census_try(client, place, f"Wrong Name {attempt}", 1, 5, 1990, "RV1 1AA")
        assert response.status_code == 200, attempt
    response = code_try(client, place, "AAAA-BBBB-CCCC")
    assert response.status_code == 429
    page = _page(response)
    assert "Too many tries" in page
    assert "Wait 15 minutes" in page
    assert "letter" in page
    # Even the right details wait now; nothing was changed.
    assert census_try(client, place, "Sam Taylor", 1, 5, 1990, "RV1 1AA").status_code == 429
    assert _verification(session, person, place) is None
    # The limit is the person's: someone else can still try.
    as_user(client, world[5])
    assert census_try(client, place, "Sam Taylor", 1, 5, 1990, "RV1 1AA").status_code == 302


def test_a_success_does_not_count_towards_the_limit(client, session, world):
    place, *_rest = world
    _with_census(client, world)
    as_user(client, world[4])
    for _ in range(7):
        assert census_try(client, place, "Sam Taylor", 1, 5, 1990, "RV1 1AA").status_code == 302
