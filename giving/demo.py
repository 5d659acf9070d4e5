"""Demo data: a fictional borough with wards, postcodes, staff, residents and groups."""

from __future__ import annotations

import functools

from sqlalchemy import select
from sqlalchemy.orm import Session

from giving.models import (
    Group,
    GroupKind,
    GroupMember,
    Place,
    PostcodeArea,
    Role,
    RoleGrant,
    User,
    Ward,
)
from giving.services import hash_password
from giving.timeutil import utcnow

DEMO_PASSWORD = "placefund-demo"  # noqa: S105 (published demo log-in)
DEMO_PLACE_SLUG = "oakbridge"

WARDS = [
    ("Castle Hill", ["OB1 1", "OB1 2"]),
    ("Millfield", ["OB1 3", "OB1 4"]),
    ("Northgate", ["OB2"]),
    ("Riverside", ["OB3"]),
    ("St Anne's", ["OB4"]),
    ("Westbrook", ["OB5"]),
]

GROUPS = [
    ("Castle Hill Community Larder", GroupKind.UNINCORPORATED, None, None, 1_200_000),
    ("Millfield Youth Football", GroupKind.UNINCORPORATED, None, None, 850_000),
    ("Northgate Tenants' Association", GroupKind.UNINCORPORATED, None, None, 300_000),
    ("Riverside Men's Shed", GroupKind.CIO, "1187654", None, 2_400_000),
    ("St Anne's Parent and Toddler Group", GroupKind.UNINCORPORATED, None, None, 150_000),
    ("Westbrook Allotment Society", GroupKind.OTHER, None, None, 620_000),
    ("Oakbridge Refugee Welcome", GroupKind.CHARITY, "1164883", None, 9_800_000),
    ("Open Doors Arts CIC", GroupKind.CIC, None, "12345678", 4_500_000),
    ("Oakbridge Carers' Café", GroupKind.UNINCORPORATED, None, None, 90_000),
    ("Millfield Mosque Food Bank", GroupKind.CHARITY, "1178901", None, 15_600_000),
    ("Castle Hill Walking for Health", GroupKind.UNINCORPORATED, None, None, 40_000),
    ("Riverside Repair Café", GroupKind.UNINCORPORATED, None, None, 120_000),
]

FIRST_NAMES = [
    "Amara",
    "Ben",
    "Chloe",
    "Dev",
    "Ella",
    "Farah",
    "George",
    "Hana",
    "Isaac",
    "Jade",
    "Kwame",
    "Leah",
    "Mo",
    "Nia",
    "Oscar",
    "Priya",
    "Quinn",
    "Rosa",
    "Sam",
    "Tariq",
    "Una",
    "Vik",
    "Wren",
    "Xena",
    "Yusuf",
    "Zara",
    "Aled",
    "Bea",
    "Cal",
    "Dina",
]
LAST_NAMES = [
    "Okafor",
    "Smith",
    "Khan",
    "Patel",
    "Jones",
    "Nowak",
    "Ahmed",
    "Brown",
    "Silva",
    "Lee",
]


@functools.cache
def _demo_hash() -> str:
    return hash_password(DEMO_PASSWORD)


def _user(session: Session, email: str, name: str, postcode: str | None = None) -> User:
    user = User(
        email=email,
        name=name,
        password_hash=_demo_hash(),
        postcode=postcode,
        email_confirmed_at=utcnow(),
    )
    session.add(user)
    return user


def load(session: Session) -> bool:
    """Create the demo; returns False (and changes nothing) when it is already there."""
    if session.scalar(select(Place).where(Place.slug == DEMO_PLACE_SLUG)) is not None:
        return False
    place = Place(
        slug=DEMO_PLACE_SLUG,
        name="Oakbridge",
        description=(
            "Oakbridge is a made-up borough for trying Placefund. Its six wards run from the "
            "old castle to the river."
        ),
    )
    session.add(place)
    postcodes: list[str] = []
    for ward_name, prefixes in WARDS:
        ward = Ward(place=place, name=ward_name)
        session.add(ward)
        for prefix in prefixes:
            session.add(PostcodeArea(place=place, ward=ward, prefix=prefix))
            district = prefix.split(" ")[0]
            sector = prefix.split(" ")[1] if " " in prefix else "1"
            postcodes.append(f"{district} {sector}")

    admin = _user(session, "admin@demo.placefund.org", "Ade Admin")
    admin.is_site_admin = True
    manager = _user(session, "manager@demo.placefund.org", "Morgan Fund-Manager")
    session.add(RoleGrant(user=admin, place=place, role=Role.ADMIN))
    session.add(RoleGrant(user=manager, place=place, role=Role.FUND_MANAGER))

    residents = []
    letters = "ABDEFGHJLNPQRSTUWXYZ"
    for i in range(30):
        name = f"{FIRST_NAMES[i]} {LAST_NAMES[i % len(LAST_NAMES)]}"
        base = postcodes[i % len(postcodes)]
        postcode = f"{base}{letters[i % len(letters)]}{letters[(i * 7) % len(letters)]}"
        email = "resident@demo.placefund.org" if i == 0 else f"resident{i + 1}@demo.placefund.org"
        residents.append(_user(session, email, name, postcode))
    for i in range(5):
        session.add(RoleGrant(user=residents[i], place=place, role=Role.PANEL_MEMBER))

    for i, (name, kind, charity, company, income) in enumerate(GROUPS):
        lead_email = "group@demo.placefund.org" if i == 0 else f"group{i + 1}@demo.placefund.org"
        lead = _user(session, lead_email, f"{FIRST_NAMES[-(i + 1)]} {LAST_NAMES[i % 10]}")
        group = Group(
            place=place,
            name=name,
            kind=kind,
            charity_number=charity,
            company_number=company,
            annual_income_pence=income,
            description=f"{name} brings people in Oakbridge together.",
            postcode=postcodes[i % len(postcodes)] + "AB",
        )
        group.members.append(GroupMember(user=lead, is_lead=True))
        session.add(group)
    session.flush()
    return True
