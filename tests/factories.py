"""factory_boy factories for the models, with traits for the usual variants."""

from __future__ import annotations

import factory
from factory.alchemy import SQLAlchemyModelFactory

from giving.extensions import db
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

PASSWORD = "a-long-password"
_HASH = hash_password(PASSWORD)


class Base(SQLAlchemyModelFactory):
    class Meta:
        abstract = True
        sqlalchemy_session_factory = lambda: db.session  # noqa: E731
        sqlalchemy_session_persistence = "commit"


class UserFactory(Base):
    class Meta:
        model = User

    email = factory.Sequence(lambda n: f"person{n}@example.org")
    name = factory.Faker("name", locale="en_GB")
    password_hash = _HASH
    email_confirmed_at = factory.LazyFunction(utcnow)

    class Params:
        unconfirmed = factory.Trait(email_confirmed_at=None)
        site_admin = factory.Trait(is_site_admin=True)


class PlaceFactory(Base):
    class Meta:
        model = Place

    name = factory.Sequence(lambda n: f"Testbury {n}")
    slug = factory.Sequence(lambda n: f"testbury-{n}")
    description = "A place for tests."


class WardFactory(Base):
    class Meta:
        model = Ward

    place = factory.SubFactory(PlaceFactory)
    name = factory.Sequence(lambda n: f"Ward {n}")


class PostcodeAreaFactory(Base):
    class Meta:
        model = PostcodeArea

    place = factory.SubFactory(PlaceFactory)
    prefix = factory.Sequence(lambda n: f"TB{n % 99 + 1}")
    ward = None


class RoleGrantFactory(Base):
    class Meta:
        model = RoleGrant

    user = factory.SubFactory(UserFactory)
    place = factory.SubFactory(PlaceFactory)
    role = Role.FUND_MANAGER

    class Params:
        admin = factory.Trait(role=Role.ADMIN)
        panel = factory.Trait(role=Role.PANEL_MEMBER)


class GroupFactory(Base):
    class Meta:
        model = Group

    place = factory.SubFactory(PlaceFactory)
    name = factory.Sequence(lambda n: f"Test Group {n}")
    kind = GroupKind.UNINCORPORATED
    description = "We run things for our neighbours."

    class Params:
        charity = factory.Trait(kind=GroupKind.CHARITY, charity_number="1164883")
        company = factory.Trait(kind=GroupKind.COMPANY, company_number="09876543")


class GroupMemberFactory(Base):
    class Meta:
        model = GroupMember

    group = factory.SubFactory(GroupFactory)
    user = factory.SubFactory(UserFactory)
    is_lead = True
