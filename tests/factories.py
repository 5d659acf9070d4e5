"""factory_boy factories for the models, with traits for the usual variants."""

from __future__ import annotations

import datetime as _dt

import factory
from argon2 import PasswordHasher
from factory.alchemy import SQLAlchemyModelFactory

from funds import services as _fund_services
from funds.models import AccountKind, CheckInQuestion, Fund
from funds.schedule import Frequency
from giving.extensions import db
from giving.models import (
    Answer,
    Application,
    Criterion,
    DecisionMethod,
    Group,
    GroupKind,
    GroupMember,
    Place,
    PostcodeArea,
    Question,
    ResidentVerification,
    Role,
    RoleGrant,
    Round,
    RoundStatus,
    User,
    VerificationMethod,
    Ward,
)
from giving.timeutil import utcnow
from giving.workflow import State
from voting.models import (
    Assignment,
    Declaration,
    JoinedBy,
    Panel,
    PanelMember,
    PanelMethod,
)
from voting.workflow import PanelStatus

PASSWORD = "a-long-password"
# Hashed with the test settings' cheap argon2 parameters, so logging in stays quick.
_HASH = PasswordHasher(time_cost=1, memory_cost=1024).hash(PASSWORD)


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


class ResidentVerificationFactory(Base):
    """That a person showed they live in a place (matched the census list), for a year.
    ``expired=True`` for one that has run out."""

    class Meta:
        model = ResidentVerification

    user = factory.SubFactory(UserFactory)
    place = factory.SubFactory(PlaceFactory)
    method = VerificationMethod.CENSUS
    verified_at = factory.LazyFunction(utcnow)
    expires_at = factory.LazyAttribute(lambda o: o.verified_at + _dt.timedelta(days=365))
    ward = None

    class Params:
        expired = factory.Trait(
            verified_at=factory.LazyFunction(lambda: utcnow() - _dt.timedelta(days=400)),
            expires_at=factory.LazyFunction(lambda: utcnow() - _dt.timedelta(days=35)),
        )


def place_with_wards(slug: str, name: str, prefix: str) -> tuple[Place, Ward, Ward]:
    """A place with a North ward (postcodes ``{prefix}1``) and a South ward (``{prefix}2``)."""
    place = PlaceFactory(slug=slug, name=name)
    north = WardFactory(place=place, name="North")
    south = WardFactory(place=place, name="South")
    PostcodeAreaFactory(place=place, prefix=f"{prefix}1", ward=north)
    PostcodeAreaFactory(place=place, prefix=f"{prefix}2", ward=south)
    return place, north, south


# --- Rounds and applications -----------------------------------------------------------------


class RoundFactory(Base):
    """A round taking applications now, with two questions and two criteria. It is built as
    a draft (questions freeze when a round opens), then opened unless ``opened=False``."""

    class Meta:
        model = Round

    place = factory.SubFactory(PlaceFactory)
    title = factory.Sequence(lambda n: f"Small grants {n}")
    description = "Money for small community projects. We do not fund political campaigns."
    budget_pence = 1_000_000
    min_grant_pence = 50_000
    max_grant_pence = 200_000
    opens_at = factory.LazyFunction(lambda: utcnow() - _dt.timedelta(days=1))
    closes_at = factory.LazyFunction(lambda: utcnow() + _dt.timedelta(days=14))
    decision_date = factory.LazyFunction(lambda: (utcnow() + _dt.timedelta(days=45)).date())
    decision_method = DecisionMethod.PANEL
    status = RoundStatus.DRAFT

    @factory.post_generation
    def questions(obj, create, extracted, **kwargs):
        specs = (
            extracted
            if extracted is not None
            else [
                ("What will you do with the money?", 100),
                ("Who will it help?", 50),
            ]
        )
        for position, (text, limit) in enumerate(specs, start=1):
            obj.questions.append(
                Question(
                    text=text, why_asked="It helps us decide.", word_limit=limit, position=position
                )
            )
        if create:
            db.session.flush()

    @factory.post_generation
    def criteria(obj, create, extracted, **kwargs):
        specs = extracted if extracted is not None else [("Helps people", 20), ("Good value", 10)]
        for position, (name, weight) in enumerate(specs, start=1):
            obj.criteria.append(Criterion(name=name, weight=weight, position=position))
        if create:
            db.session.flush()

    @factory.post_generation
    def opened(obj, create, extracted, **kwargs):
        if extracted is not False:
            obj.status = RoundStatus.OPEN
            obj.opened_at = utcnow()
        if create:
            db.session.flush()


class ApplicationFactory(Base):
    """An application in any state: pass ``state=State.X``; the fields each state needs
    (when it was sent, reasons, an amount) are filled in. ``answered=True`` answers every
    question."""

    class Meta:
        model = Application

    round = factory.SubFactory(RoundFactory)
    group = factory.SubFactory(GroupFactory, place=factory.SelfAttribute("..round.place"))
    state = State.DRAFT
    title = factory.Sequence(lambda n: f"Project {n}")
    amount_requested_pence = 100_000
    submitted_at = factory.LazyAttribute(
        lambda o: None if o.state in (State.DRAFT, State.WITHDRAWN) else utcnow()
    )
    feedback = factory.LazyAttribute(
        lambda o: (
            "It does not fit this round." if o.state in (State.DECLINED, State.INELIGIBLE) else ""
        )
    )
    award_pence = factory.LazyAttribute(lambda o: 100_000 if o.state == State.AWARDED else None)
    decided_at = factory.LazyAttribute(
        lambda o: utcnow() if o.state in (State.DECLINED, State.INELIGIBLE, State.AWARDED) else None
    )

    @factory.post_generation
    def answered(obj, create, extracted, **kwargs):
        if extracted:
            for question in obj.round.questions:
                obj.answers.append(Answer(question=question, text="We will run a weekly club."))
            if create:
                db.session.flush()


# --- Funds, grants and the ledger ------------------------------------------------------------


class FundFactory(Base):
    """A fund with its ledger accounts. ``money=N`` puts N pence of council money in it;
    ``questions=[...]`` sets its check-in questions."""

    class Meta:
        model = Fund

    place = factory.SubFactory(PlaceFactory)
    name = factory.Sequence(lambda n: f"Community Fund {n}")
    description = "Money for local groups."
    holder_name = "Testbury Community Foundation"
    holder_charity_number = "1100001"
    holder_can_claim_gift_aid = True
    checkin_threshold_pence = 1_000_000

    class Params:
        no_gift_aid = factory.Trait(holder_can_claim_gift_aid=False, holder_charity_number=None)

    @factory.post_generation
    def money(obj, create, extracted, **kwargs):
        for kind in (
            AccountKind.BANK,
            AccountKind.PLEDGES,
            AccountKind.PAYABLE,
            AccountKind.GRANTS,
        ):
            _fund_services.account(db.session, obj, kind)
        if extracted:
            manager = RoleGrantFactory(place=obj.place, role=Role.FUND_MANAGER).user
            _fund_services.record_income(
                db.session,
                manager,
                obj,
                source=_fund_services.IncomeSource.COUNCIL,
                amount_pence=extracted,
                received_on=_dt.date(2026, 4, 1),
            )
        db.session.flush()

    @factory.post_generation
    def questions(obj, create, extracted, **kwargs):
        for position, text in enumerate(extracted or [], start=1):
            obj.questions.append(CheckInQuestion(position=position, text=text))
        db.session.flush()


def make_grant(fund, manager=None, group=None, accepted=False, **fields):
    """A grant offered through the real service (so its schedule and ledger are right);
    ``accepted=True`` has a member of the group agree to it."""
    manager = manager or RoleGrantFactory(place=fund.place, role=Role.FUND_MANAGER).user
    if group is None:
        group = GroupFactory(place=fund.place)
    if not group.members:
        GroupMemberFactory(group=group)
    values = {
        "title": "Running the club",
        "total_pence": 1_200_000,
        "start_date": _dt.date(2026, 8, 15),
        "years": 1,
        "frequency": Frequency.QUARTERLY,
    }
    values.update(fields)
    grant = _fund_services.make_grant(db.session, manager, fund, group=group, **values)
    if accepted:
        _fund_services.accept_agreement(db.session, group.members[0].user, grant, agreed=True)
    db.session.flush()
    return grant


# --- Panels and review -----------------------------------------------------------------------


class PanelFactory(Base):
    """A round's panel, appointed and already reading unless told otherwise."""

    class Meta:
        model = Panel

    round = factory.SubFactory(RoundFactory)
    method = PanelMethod.APPOINTED
    status = PanelStatus.REVIEWING

    class Params:
        forming = factory.Trait(status=PanelStatus.FORMING)
        drawn = factory.Trait(method=PanelMethod.DRAWN, size=30, status=PanelStatus.FORMING)
        open = factory.Trait(method=PanelMethod.OPEN, status=PanelStatus.FORMING)


class PanelMemberFactory(Base):
    """Someone on a panel, with the panel member role in its place."""

    class Meta:
        model = PanelMember

    panel = factory.SubFactory(PanelFactory)
    user = factory.SubFactory(UserFactory)
    joined_by = JoinedBy.APPOINTED

    class Params:
        chair = factory.Trait(is_chair=True)

    @factory.post_generation
    def role(obj, create, extracted, **kwargs):
        if create:
            RoleGrantFactory(user=obj.user, place=obj.panel.round.place, role=Role.PANEL_MEMBER)


class AssignmentFactory(Base):
    class Meta:
        model = Assignment

    member = factory.SubFactory(PanelMemberFactory)
    application = factory.SubFactory(ApplicationFactory, state=State.IN_REVIEW)


class DeclarationFactory(Base):
    """A declaration of no conflict; ``conflicted=True`` with a reason for a conflict."""

    class Meta:
        model = Declaration

    member = factory.SubFactory(PanelMemberFactory)
    application = factory.SubFactory(ApplicationFactory, state=State.IN_REVIEW)
    conflicted = False
    reason = factory.LazyAttribute(lambda o: "I help run this group." if o.conflicted else "")
