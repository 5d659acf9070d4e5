"""Demo data: a fictional borough with wards, postcodes, staff, residents and groups."""

from __future__ import annotations

import datetime as dt
import functools
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from giving.models import (
    Answer,
    Application,
    AuditEntry,
    Criterion,
    DecidedBy,
    DecisionMethod,
    EligibilityRule,
    FunderRating,
    GainAnswer,
    Group,
    GroupKind,
    GroupMember,
    Place,
    PlaceFigure,
    PostcodeArea,
    Question,
    Role,
    RoleGrant,
    Round,
    RoundStatus,
    RuleKind,
    User,
    Ward,
)
from giving.services import find_one, hash_password
from giving.timeutil import utcnow
from giving.workflow import DECISION_ACTIONS, State

DEMO_PASSWORD = "placefund-demo"  # noqa: S105 (published demo log-in)
DEMO_PLACE_SLUG = "oakbridge"
DEMO_MANAGER_EMAIL = "manager@demo.placefund.org"

WARDS = [
    ("Castle Hill", ["OB1 1", "OB1 2"]),
    ("Millfield", ["OB1 3", "OB1 4"]),
    ("Northgate", ["OB2"]),
    ("Riverside", ["OB3"]),
    ("St Anne's", ["OB4"]),
    ("Westbrook", ["OB5"]),
]

# Made-up ONS codes for the made-up borough and its wards (real ones look the same: E06 for a
# unitary authority, E05 for a ward), so that its open data shows where the money goes.
PLACE_CODE = "E06999901"
WARD_CODES = {name: f"E0599990{n}" for n, (name, _areas) in enumerate(WARDS, start=1)}

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

FIRST_NAMES = (  # noqa: SIM905 (thirty names, kept short)
    "Amara Ben Chloe Dev Ella Farah George Hana Isaac Jade Kwame Leah Mo Nia Oscar Priya Quinn "
    "Rosa Sam Tariq Una Vik Wren Xena Yusuf Zara Aled Bea Cal Dina"
).split()
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


def group_postcode(name: str, number: int) -> str:
    """Where a demo group is based: in the ward its name says ("Millfield Youth Football" in
    Millfield), or else in each ward in turn; a full postcode in that ward's first area."""
    _ward, prefixes = next(
        ((ward, prefixes) for ward, prefixes in WARDS if name.startswith(ward)),
        WARDS[number % len(WARDS)],
    )
    first = prefixes[0]
    sector = first if " " in first else f"{first} 1"
    return f"{sector}AB"


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


def demo_place(session: Session) -> Place | None:
    """The demo's place, once the base demo is loaded (the other packages build on it)."""
    return find_one(session, Place, slug=DEMO_PLACE_SLUG)


def demo_manager(session: Session) -> User | None:
    """The demo's fund manager, who sets up the other packages' demo data."""
    return find_one(session, User, email=DEMO_MANAGER_EMAIL)


def load(session: Session) -> bool:
    """Create the demo; returns False (and changes nothing) when all of it is already there."""
    existing = demo_place(session)
    if existing is not None:
        created = load_rounds(session, existing)
        return load_reports(session, existing) or created
    place = Place(
        slug=DEMO_PLACE_SLUG,
        name="Oakbridge",
        gss_code=PLACE_CODE,
        # Written in English first, and offered in Welsh too.
        languages="en,cy",
        description=(
            "Oakbridge is a made-up borough for trying Placefund. Its six wards run from the "
            "old castle to the river."
        ),
    )
    session.add(place)
    postcodes: list[str] = []
    for ward_name, prefixes in WARDS:
        ward = Ward(place=place, name=ward_name, gss_code=WARD_CODES[ward_name])
        session.add(ward)
        for prefix in prefixes:
            session.add(PostcodeArea(place=place, ward=ward, prefix=prefix))
            district = prefix.split(" ")[0]
            sector = prefix.split(" ")[1] if " " in prefix else "1"
            postcodes.append(f"{district} {sector}")

    admin = _user(session, "admin@demo.placefund.org", "Ade Admin")
    admin.is_site_admin = True
    manager = _user(session, DEMO_MANAGER_EMAIL, "Morgan Fund-Manager")
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
            postcode=group_postcode(name, i),
        )
        group.members.append(GroupMember(user=lead, is_lead=True))
        session.add(group)
    session.flush()
    load_rounds(session, place)
    load_reports(session, place)
    return True


# --- Rounds and applications -----------------------------------------------------------------

DEMO_ROUND_TITLE = "Oakbridge Community Chest"

# (group, state, project, amount asked in pounds, days since it was sent, reasons or award)
DEMO_APPLICATIONS = [
    ("Castle Hill Community Larder", State.SUBMITTED, "Saturday breakfast club", 2500, 3, None),
    ("Millfield Youth Football", State.DRAFT, "Kit for the under-12s", 1200, None, None),
    ("Northgate Tenants' Association", State.SUBMITTED, "Stairwell murals", 3000, 5, None),
    ("Riverside Men's Shed", State.IN_REVIEW, "A new lathe and safety training", 4500, 9, None),
    (
        "St Anne's Parent and Toddler Group",
        State.SHORTLISTED,
        "Messy play mornings",
        1800,
        10,
        None,
    ),
    (
        "Westbrook Allotment Society",
        State.DECLINED,
        "New fencing",
        5000,
        12,
        "The panel liked the plan, but other applications reached more people who are often "
        "left out. A fence is also something the council may pay for: ask the parks team.",
    ),
    ("Oakbridge Refugee Welcome", State.AWARDED, "English conversation café", 4000, 12, 4000),
    ("Open Doors Arts CIC", State.WITHDRAWN, "Street theatre festival", 5000, 8, None),
    (
        "Oakbridge Carers' Café",
        State.INELIGIBLE,
        "A day trip to the seaside",
        900,
        7,
        "This round pays for things that happen in Oakbridge. A trip out of the borough "
        "cannot be funded by it. A weekly café session in Oakbridge could be.",
    ),
    (
        "Millfield Mosque Food Bank",
        State.INELIGIBLE,
        "More freezer space",
        3500,
        6,
        "This round is for groups with less than £100,000 coming in each year. Your group "
        "has £156,000, so it cannot be funded by this round. The Oakbridge food fund may help.",
    ),
    ("Castle Hill Walking for Health", State.IN_REVIEW, "Walk leader training", 600, 4, None),
    ("Riverside Repair Café", State.DRAFT, "", None, None, None),
]

_DEMO_ANSWERS = [
    "We will run it every week for a year, with volunteers from the street.",
    "People on their own, families with little money, and anyone who wants to join in.",
    "We will count who comes and ask them what changed.",
]


def load_rounds(session: Session, place: Place) -> bool:
    """A round for Oakbridge with applications in every state; False if it is already there.

    The round is not linked to a fund: funds point at rounds from the ``funds`` package.
    """
    if find_one(session, Round, title=DEMO_ROUND_TITLE) is not None:
        return False
    now = utcnow()
    manager = demo_manager(session)
    round_ = _demo_round(place, manager, now)
    session.add(round_)
    session.flush()
    round_.status = RoundStatus.OPEN
    round_.opened_at = now - dt.timedelta(days=14)
    session.flush()

    groups = {g.name: g for g in session.scalars(select(Group).where(Group.place_id == place.id))}
    for name, state, title, pounds, sent_days, extra in DEMO_APPLICATIONS:
        group = groups[name]
        lead = group.members[0].user if group.members else None
        started = now - dt.timedelta(days=(sent_days or 2) + 3)
        sent = now - dt.timedelta(days=sent_days) if sent_days is not None else None
        application = Application(
            round=round_,
            group=group,
            state=state,
            title=title,
            amount_requested_pence=pounds * 100 if pounds else None,
            created_by_id=lead.id if lead else None,
            created_at=started,
            updated_at=sent or started,
            submitted_at=sent if state != State.DRAFT and sent_days is not None else None,
        )
        if state in (State.DECLINED, State.INELIGIBLE):
            assert isinstance(extra, str)  # the feedback
            application.feedback = extra
            application.decided_at = now - dt.timedelta(days=2)
        if state == State.AWARDED:
            assert isinstance(extra, int)  # the award in pounds
            application.award_pence = extra * 100
            application.decided_at = now - dt.timedelta(days=2)
        # The panel decides who gets money; the fund's team checks who can be funded.
        application.decided_by = _DEMO_DECIDED_BY.get(state)
        answers = _DEMO_ANSWERS if title else _DEMO_ANSWERS[:1]
        for question, text in zip(round_.questions, answers, strict=False):
            application.answers.append(Answer(question=question, text=text))
        session.add(application)
        session.flush()
        session.add_all(_history(application, lead, manager, started, sent, now))
    session.flush()
    return True


def _demo_round(place: Place, manager: User | None, now: dt.datetime) -> Round:
    """The Community Chest with its questions, criteria and who can apply (not yet added)."""
    round_ = Round(
        place=place,
        title=DEMO_ROUND_TITLE,
        description=(
            "Grants of £500 to £5,000 for community groups in Oakbridge. We fund activities, "
            "equipment, volunteers' costs and running costs. We do not fund political or "
            "religious campaigning, trips outside Oakbridge, or things the council must pay for."
        ),
        budget_pence=6_000_000,
        min_grant_pence=50_000,
        max_grant_pence=500_000,
        opens_at=now - dt.timedelta(days=14),
        closes_at=now + dt.timedelta(days=21),
        decision_date=(now + dt.timedelta(days=60)).date(),
        decision_method=DecisionMethod.PANEL,
        created_by_id=manager.id if manager else None,
        translations={
            "cy": {
                "title": "Cist Gymunedol Oakbridge",
                "description": (
                    "Grantiau o £500 i £5,000 i grwpiau cymunedol yn Oakbridge. Rydym yn ariannu "
                    "gweithgareddau, offer, costau gwirfoddolwyr a chostau rhedeg."
                ),
            }
        },
    )
    questions = [
        ("What will you do with the money?", "So the panel knows what they are paying for.", 100),
        ("Who will it help?", "The fund is for people who are often left out.", 50),
        (
            "How will you know it worked?",
            "A few words are enough. We will not ask for a report.",
            30,
        ),
    ]
    for position, (text, why, limit) in enumerate(questions, start=1):
        round_.questions.append(
            Question(text=text, why_asked=why, word_limit=limit, position=position)
        )
    criteria = [
        ("Helps people who are often left out", 40),
        ("Led by local people", 30),
        ("Good use of the money", 30),
    ]
    for position, (name, weight) in enumerate(criteria, start=1):
        round_.criteria.append(Criterion(name=name, weight=weight, position=position))
    round_.rules.append(EligibilityRule(kind=RuleKind.INCOME_CEILING, amount_pence=10_000_000))
    return round_


_DEMO_DECIDED_BY = {State.AWARDED: DecidedBy.RESIDENTS, State.DECLINED: DecidedBy.RESIDENTS}
_DEMO_DECIDED_BY[State.INELIGIBLE] = DecidedBy.STAFF

# The moves that bring a demo application to its state, after it was sent.
_DEMO_PATHS = {
    State.IN_REVIEW: [("start_review", State.IN_REVIEW)],
    State.SHORTLISTED: [("start_review", State.IN_REVIEW), ("shortlist", State.SHORTLISTED)],
    State.DECLINED: [("start_review", State.IN_REVIEW), ("decline", State.DECLINED)],
    State.AWARDED: [
        ("start_review", State.IN_REVIEW),
        ("shortlist", State.SHORTLISTED),
        ("award", State.AWARDED),
    ],
    State.INELIGIBLE: [("mark_ineligible", State.INELIGIBLE)],
    State.WITHDRAWN: [("withdraw", State.WITHDRAWN)],
}


def _history(
    application: Application,
    lead: User | None,
    manager: User | None,
    started: dt.datetime,
    sent: dt.datetime | None,
    now: dt.datetime,
) -> list[AuditEntry]:
    """The audit entries of a demo application's way to its state, as if it went step by step."""
    history = [(started, "application.start", State.DRAFT, lead)]
    if sent is not None:
        history.append((sent, "application.submit", State.SUBMITTED, lead))
    path = _DEMO_PATHS.get(application.state, [])
    return _entries(application, history, path, lead, manager, sent or started, now)


def _entries(
    application: Application,
    history: list[tuple[dt.datetime, str, State, User | None]],
    path: list[tuple[str, State]],
    lead: User | None,
    manager: User | None,
    after: dt.datetime,
    now: dt.datetime,
    last: dict[str, Any] | None = None,
) -> list[AuditEntry]:
    """Audit entries for ``history`` then the moves of ``path``, a day apart after ``after``;
    the panel's decisions by no one in person; ``last`` adds to the last entry's details."""
    for step, (action, to) in enumerate(path, start=1):
        who = None if action in DECISION_ACTIONS else lead if action == "withdraw" else manager
        when = min(now, after + dt.timedelta(days=step))
        history.append((when, f"application.{action}", to, who))
    entries = []
    previous = None
    for when, action, to, who in history:
        entries.append(
            AuditEntry(
                created_at=when,
                actor_id=who.id if who else None,
                place_id=application.round.place_id,
                action=action,
                object_type="Application",
                object_id=str(application.id),
                summary=f"{application.group.name}: {to.label}",
                details={"to": to.value}
                | ({"from": previous.value} if previous else {})
                | ({"by": "system"} if action.split(".")[-1] in DECISION_ACTIONS else {}),
            )
        )
        previous = to
    if last:
        entries[-1].details = {**entries[-1].details, **last}
    return entries


DEMO_PAST_ROUND_TITLE = "Oakbridge Spring Grants"

# How many people live in each ward, and by age (made up, in the shape of census figures).
DEMO_FIGURES = [
    ("Ward", "Castle Hill", 11_800),
    ("Ward", "Millfield", 12_400),
    ("Ward", "Northgate", 9_900),
    ("Ward", "Riverside", 10_600),
    ("Ward", "St Anne's", 8_700),
    ("Ward", "Westbrook", 9_100),
    ("Age band", "16 to 34", 19_800),
    ("Age band", "35 to 59", 24_600),
    ("Age band", "60 and over", 18_100),
]

# (group, state, project, amount asked, award or reasons, keep reasons private)
DEMO_PAST_DECISIONS: list[tuple[str, State, str, int, int | str, bool]] = [
    ("Riverside Men's Shed", State.AWARDED, "Tools for the shed", 3000, 3000, False),
    ("Westbrook Allotment Society", State.AWARDED, "A shared polytunnel", 2000, 1800, False),
    ("Oakbridge Carers' Café", State.AWARDED, "Monthly café for carers", 1500, 1500, False),
    (
        "Open Doors Arts CIC",
        State.DECLINED,
        "Summer mural trail",
        5000,
        "The panel liked the idea, but two other projects in the same wards reached more "
        "people for the money. Please apply again in the autumn round.",
        False,
    ),
    (
        "Millfield Mosque Food Bank",
        State.DECLINED,
        "A second delivery van",
        5000,
        "The round could only pay for part of a van, and you told us a part would not help. "
        "Talk to us about the autumn round.",
        True,
    ),
]
# A decision the fund's team made in place of the panel: (group, project, amount asked,
# reasons the group reads, the published reason for overriding the panel).
DEMO_OVERRIDE = (
    "Riverside Repair Café",
    "Tools and a van to take the café round the wards",
    2500,
    "Your group told us it had closed, so the money could not go to it this time.",
    "The group closed after it applied, before the panel met. Its place on the shortlist "
    "was given up and the money stayed in the round.",
)
# Anonymous answers: (respect, clarity, time worth it, overall); and what people gained.
DEMO_RATINGS = [(5, 4, 4, 5), (5, 5, 4, 5), (4, 3, 3, 4), (5, 4, 5, 4), (4, 4, 3, 4), (5, 3, 4, 4)]
DEMO_GAINS = [
    (True, True, False),
    (True, False, False),
    (False, True, True),
    (True, True, True),
    (False, True, False),
]


def load_reports(session: Session, place: Place) -> bool:
    """The place's own figures and a past round with its decisions, reasons and survey
    answers, so the public results pages have something to show. False if already there."""
    if find_one(session, Round, title=DEMO_PAST_ROUND_TITLE) is not None:
        return False
    for category, label, people in DEMO_FIGURES:
        session.add(PlaceFigure(place=place, category=category, label=label, people=people))
    now = utcnow()
    closes = now - dt.timedelta(days=120)
    round_ = Round(
        place=place,
        title=DEMO_PAST_ROUND_TITLE,
        description="Grants of £500 to £5,000 for community groups in Oakbridge, last spring.",
        budget_pence=1_000_000,
        min_grant_pence=50_000,
        max_grant_pence=500_000,
        opens_at=closes - dt.timedelta(days=42),
        closes_at=closes,
        decision_date=(closes + dt.timedelta(days=42)).date(),
        decision_method=DecisionMethod.PANEL,
    )
    for position, (text, limit) in enumerate(
        [("What will you do with the money?", 100), ("Who will it help?", 50)], start=1
    ):
        round_.questions.append(
            Question(
                text=text,
                why_asked="It helps the panel decide.",
                word_limit=limit,
                position=position,
            )
        )
    round_.criteria.append(Criterion(name="Helps people who are often left out", weight=1))
    session.add(round_)
    session.flush()
    round_.status = RoundStatus.OPEN
    round_.opened_at = round_.opens_at
    session.flush()
    groups = {g.name: g for g in session.scalars(select(Group).where(Group.place_id == place.id))}
    for number, (name, state, title, pounds, outcome, private) in enumerate(DEMO_PAST_DECISIONS):
        application = Application(
            round=round_,
            group=groups[name],
            state=state,
            title=title,
            amount_requested_pence=pounds * 100,
            submitted_at=closes - dt.timedelta(days=7),
            decided_at=closes + dt.timedelta(days=30 + 2 * number),
            decided_by=DecidedBy.RESIDENTS,
            feedback_private=private,
        )
        if isinstance(outcome, int):  # the award in pounds
            application.award_pence = outcome * 100
        else:
            application.feedback = outcome
        session.add(application)
    session.flush()
    _override(session, round_, groups[DEMO_OVERRIDE[0]], closes)
    round_.closed_at = closes + dt.timedelta(days=40)
    round_.status = RoundStatus.CLOSED
    _survey_answers(session, round_, (closes + dt.timedelta(days=50)).date())
    session.flush()
    return True


def _override(session: Session, round_: Round, group: Group, closes: dt.datetime) -> None:
    """One decision the fund's team made in place of the panel, with its published reason:
    the group closed while its application was on the panel's shortlist."""
    _name, title, pounds, feedback, reason = DEMO_OVERRIDE
    sent = closes - dt.timedelta(days=10)
    decided = closes + dt.timedelta(days=20)
    application = Application(
        round=round_,
        group=group,
        state=State.DECLINED,
        title=title,
        amount_requested_pence=pounds * 100,
        created_at=sent - dt.timedelta(days=2),
        submitted_at=sent,
        feedback=feedback,
        decided_at=decided,
        decided_by=DecidedBy.OVERRIDE,
        override_reason=reason,
    )
    session.add(application)
    session.flush()
    lead = group.members[0].user if group.members else None
    history = [
        (sent - dt.timedelta(days=2), "application.start", State.DRAFT, lead),
        (sent, "application.submit", State.SUBMITTED, lead),
    ]
    path = [
        ("start_review", State.IN_REVIEW),
        ("shortlist", State.SHORTLISTED),
        ("override_decline", State.DECLINED),
    ]
    last = {"residents_had": State.SHORTLISTED.value, "override_reason": reason}
    manager = demo_manager(session)
    session.add_all(_entries(application, history, path, lead, manager, closes, decided, last))


def _survey_answers(session: Session, round_: Round, answered: dt.date) -> None:
    """The groups' ratings of the funder and what taking part gave people, anonymously."""
    for answers in DEMO_RATINGS:
        rating = dict(zip(("respect", "clarity", "time", "overall"), answers, strict=True))
        session.add(FunderRating(round=round_, answered_on=answered, **rating))
    for said in DEMO_GAINS:
        gains = dict(zip(("skills", "confidence", "new_role"), said, strict=True))
        session.add(GainAnswer(round=round_, answered_on=answered, **gains))
