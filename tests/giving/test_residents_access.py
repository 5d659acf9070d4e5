"""Who may use the pages for verified residents: anyone signed in verifies themselves; only
the place's fund managers and admins (and site admins) keep its list, letters and
verifications; a refused post changes nothing."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from giving.models import ResidentVerification, VerificationLetter, VerificationMethod
from giving.timeutil import utcnow
from tests.access_helpers import assert_sent_to_log_in, post_as
from tests.factories import RoleGrantFactory, UserFactory
from tests.giving.round_helpers import as_user

_R = "/places/<place_slug>/manage/residents"
ROUTES_COVERED = {
    "/places/<slug>/verify",
    _R,
    _R + "/letters",
    _R + "/<int:verification_id>/remove",
}


@pytest.fixture
def extra(world, session):
    """A place admin, a site admin, and a verification to remove."""
    admin = UserFactory()
    RoleGrantFactory(user=admin, place=world.place, admin=True)
    site_admin = UserFactory(site_admin=True)
    now = utcnow()
    verification = ResidentVerification(
        user_id=world.resident.id,
        place_id=world.place.id,
        method=VerificationMethod.IN_PERSON,
        verified_at=now,
        expires_at=now.replace(year=now.year + 1),
        note="Council tax bill",
    )
    session.add(verification)
    session.commit()
    return {"admin": admin, "site_admin": site_admin, "verification": verification}


def _staff_pages(world, extra) -> list[str]:
    base = f"/places/{world.place.slug}/manage/residents"
    return [base, base + "/letters", f"{base}/{extra['verification'].id}/remove"]


def _person(world, extra, who):
    return extra.get(who) or getattr(world, who)


def test_visitors_are_sent_to_log_in(client, world, extra):
    for url in [f"/places/{world.place.slug}/verify", *_staff_pages(world, extra)]:
        assert_sent_to_log_in(client.get(url))
        assert_sent_to_log_in(post_as(client, url, None))


@pytest.mark.parametrize(
    "who", ["resident", "member", "panel", "elsewhere_manager", "manager", "site_admin"]
)
def test_anyone_signed_in_may_open_the_verify_page(client, world, extra, who):
    as_user(client, _person(world, extra, who))
    assert client.get(f"/places/{world.place.slug}/verify").status_code == 200


def test_the_verify_page_of_no_place_is_not_found(client, world):
    as_user(client, world.resident)
    assert client.get("/places/nowhere/verify").status_code == 404


@pytest.mark.parametrize(
    ("who", "expected"),
    [
        ("resident", 403),
        ("member", 403),
        ("panel", 403),
        ("elsewhere_manager", 403),
        ("manager", 200),
        ("admin", 200),
        ("site_admin", 200),
    ],
)
def test_who_may_open_the_staff_pages(client, world, extra, who, expected):
    as_user(client, _person(world, extra, who))
    for url in _staff_pages(world, extra):
        assert client.get(url).status_code == expected, url


@pytest.mark.parametrize("who", ["resident", "panel", "elsewhere_manager"])
def test_others_cannot_post_to_the_staff_pages_and_nothing_changes(
    client, session, world, extra, who
):
    user = _person(world, extra, who)
    as_user(client, user)
    base, letters, remove = _staff_pages(world, extra)
    posts = [
        (base, {"action": "in_person", "person-email": user.email, "person-note": "Bill"}),
        (base, {"action": "days", "days-verification_days": "5"}),
        (letters, {"action": "one"}),
        (remove, {}),
    ]
    for url, data in posts:
        assert post_as(client, url, user, data).status_code == 403, url
    session.expire_all()
    assert world.place.verification_days == 365
    assert session.scalar(select(func.count(VerificationLetter.id))) == 0
    assert session.scalar(select(func.count(ResidentVerification.id))) == 1


def test_a_verification_of_another_place_is_not_found(client, session, world, extra):
    elsewhere = RoleGrantFactory(user=world.elsewhere_manager).place
    session.commit()
    as_user(client, world.elsewhere_manager)
    url = f"/places/{elsewhere.slug}/manage/residents/{extra['verification'].id}/remove"
    assert client.get(url).status_code == 404
    assert post_as(client, url, world.elsewhere_manager).status_code == 404
    assert session.scalar(select(func.count(ResidentVerification.id))) == 1
