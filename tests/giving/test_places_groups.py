"""Places, wards, postcodes, residency, roles and group profiles."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from giving import services
from giving.models import AuditEntry, Group, GroupMember, PostcodeArea, Role
from tests.conftest import log_in, post_form
from tests.factories import (
    GroupFactory,
    GroupMemberFactory,
    PlaceFactory,
    PostcodeAreaFactory,
    RoleGrantFactory,
    UserFactory,
    WardFactory,
)


@pytest.mark.parametrize(
    ("raw", "tidy"),
    [
        ("e174qh", "E17 4QH"),
        (" SW1A 1AA ", "SW1A 1AA"),
        ("m1 1ae", "M1 1AE"),
        ("B33 8TH", "B33 8TH"),
    ],
)
def test_postcodes_are_tidied(raw, tidy):
    assert services.normalise_postcode(raw) == tidy


@pytest.mark.parametrize("raw", ["", "12345", "E17", "ZZZ 1AA", "E17 4Q"])
def test_things_that_are_not_postcodes_are_refused(raw):
    with pytest.raises(services.DomainError, match="Enter a full UK postcode"):
        services.normalise_postcode(raw)


def test_a_resident_is_someone_whose_postcode_is_in_the_place(session):
    place = PlaceFactory()
    ward = WardFactory(place=place, name="Hillside")
    PostcodeAreaFactory(place=place, prefix="TB2", ward=None)
    PostcodeAreaFactory(place=place, prefix="TB2 7", ward=ward)
    district_only = UserFactory(postcode="TB2 1AB")
    in_sector = UserFactory(postcode="TB2 7XY")
    elsewhere = UserFactory(postcode="TB3 1AB")
    nowhere = UserFactory(postcode=None)

    assert Role.RESIDENT in services.roles_for(session, district_only, place)
    assert Role.RESIDENT in services.roles_for(session, in_sector, place)
    assert Role.RESIDENT not in services.roles_for(session, elsewhere, place)
    assert services.roles_for(session, nowhere, place) == set()
    assert services.ward_for_postcode(session, place, "TB2 7XY") == ward
    assert services.ward_for_postcode(session, place, "TB2 1AB") is None


def test_roles_are_held_per_place(session):
    here, there = PlaceFactory(), PlaceFactory()
    grant = RoleGrantFactory(place=here, role=Role.FUND_MANAGER)
    member = GroupMemberFactory(group=GroupFactory(place=there))
    assert services.roles_for(session, grant.user, here) == {Role.FUND_MANAGER}
    assert services.roles_for(session, grant.user, there) == set()
    assert services.roles_for(session, member.user, there) == {Role.GROUP_MEMBER}
    assert services.roles_for(session, member.user, here) == set()


def test_staff_add_wards_and_postcodes(client, session):
    place = PlaceFactory()
    manager = RoleGrantFactory(place=place, role=Role.FUND_MANAGER).user
    log_in(client, manager)
    url = f"/places/{place.slug}/manage"
    response = post_form(client, url, {"action": "ward", "ward-name": "Riverside"})
    assert response.status_code == 302
    session.refresh(place)
    ward = place.wards[0]
    assert ward.name == "Riverside"
    response = post_form(
        client, url, {"action": "area", "area-prefix": "tb9 4", "area-ward": str(ward.id)}
    )
    assert response.status_code == 302
    area = session.scalar(select(PostcodeArea).where(PostcodeArea.place_id == place.id))
    assert area.prefix == "TB9 4"
    assert area.ward_id == ward.id
    actions = session.scalars(select(AuditEntry.action).where(AuditEntry.place_id == place.id))
    assert {"ward.create", "postcode.add"} <= set(actions)


def test_a_bad_postcode_prefix_is_refused_and_changes_nothing(client, session):
    place = PlaceFactory()
    PostcodeAreaFactory(place=place, prefix="TB9")
    manager = RoleGrantFactory(place=place, role=Role.FUND_MANAGER).user
    log_in(client, manager)
    url = f"/places/{place.slug}/manage"
    for prefix, message in [
        ("not a prefix", "Enter the start of a postcode, like E17 or E17 4"),
        ("tb9", "TB9 is already part of this place"),
    ]:
        response = post_form(client, url, {"action": "area", "area-prefix": prefix})
        assert response.status_code == 200
        assert message in response.get_data(as_text=True)
    count = session.scalar(
        select(func.count(PostcodeArea.id)).where(PostcodeArea.place_id == place.id)
    )
    assert count == 1


def test_staff_of_one_place_cannot_manage_another(client, session):
    mine, other = PlaceFactory(), PlaceFactory()
    manager = RoleGrantFactory(place=mine, role=Role.FUND_MANAGER).user
    log_in(client, manager)
    assert client.get(f"/places/{mine.slug}/manage").status_code == 200
    assert client.get(f"/places/{other.slug}/manage").status_code == 403
    response = post_form(
        client,
        f"/places/{other.slug}/manage",
        {"action": "ward", "ward-name": "Sneaky"},
        page=f"/places/{mine.slug}/manage",
    )
    assert response.status_code == 403
    session.refresh(other)
    assert other.wards == []


def test_an_admin_gives_and_takes_roles(client, session):
    place = PlaceFactory()
    admin = RoleGrantFactory(place=place, role=Role.ADMIN).user
    someone = UserFactory(email="helper@example.org")
    log_in(client, admin)
    url = f"/places/{place.slug}/team"
    response = post_form(client, url, {"email": "HELPER@example.org", "role": "fund_manager"})
    assert response.status_code == 302
    assert services.roles_for(session, someone, place) == {Role.FUND_MANAGER}

    response = post_form(client, url, {"email": "helper@example.org", "role": "fund_manager"})
    assert "is already a fund manager here" in response.get_data(as_text=True)
    response = post_form(client, url, {"email": "ghost@example.org", "role": "admin"})
    assert "No one has an account with that email" in response.get_data(as_text=True)
    response = post_form(client, url, {"email": "helper@example.org", "role": "resident"})
    assert response.status_code == 200
    assert services.roles_for(session, someone, place) == {Role.FUND_MANAGER}


def test_a_fund_manager_cannot_give_roles(client, session):
    place = PlaceFactory()
    manager = RoleGrantFactory(place=place, role=Role.FUND_MANAGER).user
    target = UserFactory()
    log_in(client, manager)
    assert client.get(f"/places/{place.slug}/team").status_code == 403
    response = post_form(
        client,
        f"/places/{place.slug}/team",
        {"email": target.email, "role": "admin"},
        page="/account",
    )
    assert response.status_code == 403
    assert services.roles_for(session, target, place) == set()


def group_data(place, **extra):
    data = {
        "name": "Hillside Choir",
        "place": place.slug,
        "kind": "unincorporated",
        "description": "We sing.",
        "annual_income_pence": "",
        "charity_number": "",
        "company_number": "",
        "email": "",
        "website": "",
        "postcode": "",
    }
    data.update(extra)
    return data


def test_a_person_adds_a_group_and_becomes_its_lead(client, session):
    place = PlaceFactory()
    user = UserFactory()
    log_in(client, user)
    response = post_form(client, "/groups/new", group_data(place, annual_income_pence="£2,400.50"))
    assert response.status_code == 302
    group = session.scalar(select(Group).where(Group.name == "Hillside Choir"))
    assert group.annual_income_pence == 240050
    assert [(m.user_id, m.is_lead) for m in group.members] == [(user.id, True)]
    assert group.org_id("placefund") == f"360G-placefund-group-{group.id}"


def test_registration_numbers_are_checked_and_shape_the_identifier(client, session):
    place = PlaceFactory()
    log_in(client, UserFactory())
    before = session.scalar(select(func.count(Group.id)))
    response = post_form(client, "/groups/new", group_data(place, kind="charity"))
    assert "Enter your charity number" in response.get_data(as_text=True)
    response = post_form(
        client, "/groups/new", group_data(place, kind="company", company_number="12")
    )
    assert "A company number has 8 characters" in response.get_data(as_text=True)
    response = post_form(client, "/groups/new", group_data(place, annual_income_pence="lots"))
    assert "Enter an amount in pounds" in response.get_data(as_text=True)
    assert session.scalar(select(func.count(Group.id))) == before

    post_form(client, "/groups/new", group_data(place, kind="charity", charity_number="1164883"))
    group = session.scalar(select(Group).where(Group.name == "Hillside Choir"))
    assert group.org_id("placefund") == "GB-CHC-1164883"


@pytest.mark.parametrize(
    ("kind", "charity", "company", "expected"),
    [
        ("cio", "SC012345", None, "GB-SC-SC012345"),
        ("charity", "NIC100002", None, "GB-NIC-100002"),
        ("cic", None, "12345678", "GB-COH-12345678"),
        ("company", None, "sc123456", "GB-COH-SC123456"),
    ],
)
def test_org_ids_follow_org_id_guide(session, kind, charity, company, expected):
    group = GroupFactory(kind=kind, charity_number=charity, company_number=company)
    assert group.org_id("placefund") == expected


def test_an_unconfirmed_person_cannot_add_a_group(client, session):
    place = PlaceFactory()
    log_in(client, UserFactory(unconfirmed=True))
    response = post_form(client, "/groups/new", group_data(place), page="/account")
    assert response.status_code == 302
    assert "/register/check-email" in response.headers["Location"]
    assert session.scalar(select(Group).where(Group.name == "Hillside Choir")) is None


def test_only_members_and_staff_see_or_change_a_group(client, session):
    group = GroupFactory(name="Quiet Readers")
    lead = GroupMemberFactory(group=group).user
    outsider = UserFactory()
    staff = RoleGrantFactory(place=group.place, role=Role.FUND_MANAGER).user

    log_in(client, outsider)
    assert client.get(f"/groups/{group.id}").status_code == 403
    assert client.get(f"/groups/{group.id}/edit").status_code == 403
    response = post_form(
        client,
        f"/groups/{group.id}/edit",
        group_data(group.place, name="Hijacked"),
        page="/account",
    )
    assert response.status_code == 403
    session.refresh(group)
    assert group.name == "Quiet Readers"
    post_form(client, "/logout", {}, page="/account")

    for person in (lead, staff):
        log_in(client, person)
        assert client.get(f"/groups/{group.id}").status_code == 200
        post_form(client, "/logout", {}, page="/account")


def test_a_tampered_place_cannot_move_a_group(client, session):
    group = GroupFactory()
    lead = GroupMemberFactory(group=group).user
    other_place = PlaceFactory()
    log_in(client, lead)
    response = post_form(client, f"/groups/{group.id}/edit", group_data(other_place, name="Moved"))
    assert response.status_code == 200
    session.refresh(group)
    assert group.place_id != other_place.id
    assert group.name != "Moved"


def _add_member(client, group, email: str):
    """Add someone to ``group`` by email, as its page does."""
    return post_form(
        client, f"/groups/{group.id}/members", {"email": email}, page=f"/groups/{group.id}"
    )


def _remove_member(client, group, member_id: int):
    url = f"/groups/{group.id}/members/{member_id}/remove"
    return post_form(client, url, {}, page=f"/groups/{group.id}")


def test_leads_add_and_remove_members(client, session):
    group = GroupFactory()
    lead = GroupMemberFactory(group=group, is_lead=True).user
    newcomer = UserFactory(email="newcomer@example.org")
    log_in(client, lead)
    response = _add_member(client, group, "newcomer@example.org")
    assert response.status_code == 302
    member = session.scalar(
        select(GroupMember).where(
            GroupMember.group_id == group.id, GroupMember.user_id == newcomer.id
        )
    )
    assert member is not None
    assert not member.is_lead
    response = _add_member(client, group, "nobody@example.org")
    assert response.status_code == 400
    assert "No one has an account with that email" in response.get_data(as_text=True)

    member_id = member.id
    response = _remove_member(client, group, member_id)
    assert response.status_code == 302
    session.expire_all()
    assert session.get(GroupMember, member_id) is None


def test_a_group_keeps_at_least_one_lead(client, session):
    group = GroupFactory()
    lead_member = GroupMemberFactory(group=group, is_lead=True)
    log_in(client, lead_member.user)
    _remove_member(client, group, lead_member.id)
    session.expire_all()
    assert session.get(GroupMember, lead_member.id) is not None


def test_a_plain_member_cannot_add_members(client, session):
    group = GroupFactory()
    GroupMemberFactory(group=group, is_lead=True)
    plain = GroupMemberFactory(group=group, is_lead=False).user
    UserFactory(email="friend@example.org")
    log_in(client, plain)
    response = _add_member(client, group, "friend@example.org")
    assert response.status_code == 403
    session.refresh(group)
    assert len(group.members) == 2
