"""Demo data for panels: a panel for the demo's Oakbridge round, drawn by lottery from twenty
residents who offered, part way through scoring; Oakbridge's census list and its verified
residents; and two rounds decided by a public vote, one open now and one counted. Safe to
run twice."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from giving.demo import demo_manager, demo_place
from giving.models import (
    Answer,
    Application,
    Criterion,
    DecisionMethod,
    Group,
    Place,
    Question,
    Round,
    RoundStatus,
    User,
)
from giving.services import find_one
from giving.services.census import current_census, upload_census
from giving.services.residents import (
    issue_letters,
    verify_by_census,
    verify_by_letter,
    verify_in_person,
)
from giving.timeutil import utcnow
from giving.workflow import State
from voting import services
from voting.models import BallotKind, Panel, PanelMethod, Vote, VoteKind, WhoMayVote
from voting.workflow import PanelStatus

ROUND_TITLE = "Oakbridge Community Chest"
SEED = 20261121
# The demo panel's lottery: its public source, named before offers closed, and the result.
LOTTERY_SOURCE = "Dice rolled at the Oakbridge community meeting on Saturday 21 November 2026"
LOTTERY_RESULT = "3 6 1 4 4 2 5 6"
AGE_BANDS = ["16 to 34", "35 to 59", "60 and over"]
WARDS = ["Castle Hill", "Millfield", "Northgate", "Riverside", "St Anne's", "Westbrook"]


def _demo_residents(session: Session) -> list[User]:
    emails = ["resident@demo.placefund.org"] + [
        f"resident{i}@demo.placefund.org" for i in range(2, 21)
    ]
    by_email = {u.email: u for u in session.scalars(select(User).where(User.email.in_(emails)))}
    return [by_email[e] for e in emails if e in by_email]


def load(session: Session) -> bool:
    """Add the demo panel; False if it is already there (or the demo round is missing)."""
    verified = load_residents(session)  # voters must be verified residents
    votes = load_votes(session) or verified
    round_ = find_one(session, Round, title=ROUND_TITLE)
    if round_ is None or services.panel_for_round(session, round_) is not None:
        return votes
    manager = demo_manager(session)
    if manager is None:
        return votes
    panel = services.set_up_panel(
        session,
        manager,
        round_,
        method=PanelMethod.DRAWN.value,
        size=5,
        reviewers_per_application=None,
    )
    age = services.add_category(session, manager, panel, "Age band", AGE_BANDS)
    ward = services.add_category(session, manager, panel, "Ward", WARDS)
    residents = _demo_residents(session)
    for i, person in enumerate(residents):
        answers: dict[int, int | None] = {
            age.id: age.values[i % 3].id,
            ward.id: ward.values[i % 6].id,
        }
        if i % 7 == 6:
            answers[age.id] = None  # some people would rather not say
        services.offer_to_serve(session, person, panel, answers)
    quotas: dict[int, tuple[int | None, int | None]] = {v.id: (1, 3) for v in age.values}
    quotas |= {v.id: (0, 2) for v in ward.values}
    services.plan_lottery(session, manager, panel, LOTTERY_SOURCE, "maximin", quotas)
    services.close_offers(session, manager, panel)
    services.draw_panel(session, manager, panel, LOTTERY_RESULT)

    # The panel has started reading: the two applications being read are shared out.
    # (Applications already decided in the demo stay as they are.)
    panel.status = PanelStatus.REVIEWING
    session.flush()
    services.share_out(session, manager, panel)
    members = sorted(panel.active_members, key=lambda m: m.id)
    services.make_chair(session, manager, members[0])
    reading = session.scalars(
        select(Application)
        .where(Application.round_id == round_.id, Application.state == State.IN_REVIEW)
        .order_by(Application.id)
    ).all()
    criteria = round_.criteria
    plans = [
        # member index, application index, conflict reason, scores by criterion, comment
        (0, 0, "", [4, 5, 4], "A clear plan, and the training makes it safe."),
        (0, 1, "", [3, 3, 4], "Good value. I would like to know how many people will come."),
        (1, 0, "", [2, 2, 3], "It is a lot of money for a small number of men."),
        (1, 1, "", [4, 4, 5], "Walking groups reach people who are lonely."),
        (2, 0, "My brother is on the Men's Shed committee.", None, ""),
        (2, 1, "", [3, 4, 4], "Cheap, and it keeps people well."),
    ]
    for index, app_index, conflict, values, comment in plans:
        if index >= len(members) or app_index >= len(reading):
            continue
        member, application = members[index], reading[app_index]
        services.declare(session, member.user, panel, {application.id: (bool(conflict), conflict)})
        if values is not None:
            scores: dict[int, int | None] = {
                c.id: values[n % len(values)] for n, c in enumerate(criteria)
            }
            services.save_review(
                session,
                member.user,
                panel,
                application,
                scores=scores,
                comment=comment,
                submit=True,
            )
    session.flush()
    return True


def find_panel(session: Session) -> Panel | None:
    """The demo panel (for tests and the demo's pages)."""
    round_ = find_one(session, Round, title=ROUND_TITLE)
    return services.panel_for_round(session, round_) if round_ is not None else None


# --- Votes -----------------------------------------------------------------------------------
#
# Two more Oakbridge rounds, decided by everyone who lives there: one with a public vote open
# now (resident@demo.placefund.org and residents 2 to 10 have not voted yet), and one whose
# vote is closed and counted, so its results and ballots are public.

OPEN_VOTE_ROUND = "Oakbridge Neighbourhood Vote"
COUNTED_VOTE_ROUND = "Oakbridge Green Spaces Fund"

OPEN_VOTE_PROJECTS = [
    ("Castle Hill Community Larder", "Cooking classes for families", 3000),
    ("Millfield Youth Football", "Floodlights for winter training", 4500),
    ("Northgate Tenants' Association", "Community garden beds", 2000),
    ("St Anne's Parent and Toddler Group", "Sensory play kit", 1500),
    ("Riverside Men's Shed", "Bench repairs by the river", 2500),
]
COUNTED_VOTE_PROJECTS = [
    ("Westbrook Allotment Society", "Water butts and tools", 1800),
    ("Oakbridge Refugee Welcome", "A welcome garden", 2400),
    ("Castle Hill Walking for Health", "Nature trail signs", 900),
    ("Open Doors Arts CIC", "Murals in the underpass", 3500),
    ("Riverside Repair Café", "A tool library shed", 1200),
]


def _vote_round(
    session: Session, place: Place, manager: User, title: str, projects: list, budget: int
) -> Round:
    now = utcnow()
    round_ = Round(
        place=place,
        title=title,
        description=(
            "Everyone who lives in Oakbridge chooses which of these projects get money. "
            "Groups sent their ideas; a shortlist of those that can be funded goes to the vote."
        ),
        budget_pence=budget * 100,
        min_grant_pence=50_000,
        max_grant_pence=500_000,
        opens_at=now - dt.timedelta(days=40),
        closes_at=now - dt.timedelta(days=10),
        decision_date=(now + dt.timedelta(days=30)).date(),
        decision_method=DecisionMethod.PUBLIC,
        created_by_id=manager.id,
    )
    round_.questions.append(
        Question(
            text="What will you do with the money?", why_asked="So voters know.", word_limit=100
        )
    )
    round_.criteria.append(Criterion(name="Good for the neighbourhood", weight=10))
    session.add(round_)
    session.flush()
    round_.status = RoundStatus.OPEN
    round_.opened_at = now - dt.timedelta(days=40)
    groups = {g.name: g for g in session.scalars(select(Group).where(Group.place_id == place.id))}
    for name, title_, pounds in projects:
        group = groups.get(name)
        if group is None:
            continue
        application = Application(
            round=round_,
            group=group,
            state=State.SHORTLISTED,
            title=title_,
            amount_requested_pence=pounds * 100,
            submitted_at=now - dt.timedelta(days=20),
        )
        application.answers.append(
            Answer(question=round_.questions[0], text=f"{title_}, for everyone nearby.")
        )
        session.add(application)
    session.flush()
    return round_


def _residents(session: Session, numbers: range) -> list[User]:
    emails = [f"resident{i}@demo.placefund.org" for i in numbers]
    found = {u.email: u for u in session.scalars(select(User).where(User.email.in_(emails)))}
    return [found[e] for e in emails if e in found]


def _vote_in(session: Session, vote: Vote, people: list[User]) -> None:
    options = vote.options
    for n, person in enumerate(people):
        picks = [options[(n + k) % len(options)] for k in range(1 + n % 3)]
        if n % 4 == 0:
            picks.append(options[0])
        voter = services.voter_for_user(session, person, vote)
        services.cast_ballot(session, vote, voter, {o.id: 1 for o in picks})
    # As the scheduled job would: the order they were cast in is not kept.
    services.mix_ballot_box(session, vote.id)


def _open_vote(
    session: Session,
    manager: User,
    round_: Round,
    opens_at: dt.datetime,
    closes_at: dt.datetime,
    seed: str,
) -> Vote:
    """A public vote on the round's shortlist, set up and opened."""
    vote = services.save_vote(
        session,
        manager,
        round_,
        VoteKind.PUBLIC,
        rule="mes_cost_add1_greedy",
        ballot_kind=BallotKind.APPROVAL,
        opens_at=opens_at,
        closes_at=closes_at,
        tie_break_seed=seed,
        who_may_vote=WhoMayVote.BOTH,
    )
    return services.move_vote(session, manager, vote, "open")


def load_votes(session: Session) -> bool:
    """The demo's public votes; False if they are already there."""
    if find_one(session, Round, title=OPEN_VOTE_ROUND) is not None:
        return False
    manager = demo_manager(session)
    place = demo_place(session)
    if manager is None or place is None:
        return False
    now = utcnow()
    day, hour = dt.timedelta(days=1), dt.timedelta(hours=1)
    plans = [
        # title, projects, budget in pounds, opens, closes, lottery seed, who voted
        (OPEN_VOTE_ROUND, OPEN_VOTE_PROJECTS, 8000, -2 * day, 14 * day, "20261122", range(11, 26)),
        (COUNTED_VOTE_ROUND, COUNTED_VOTE_PROJECTS, 5000, -9 * day, hour, "20261101", range(2, 31)),
    ]
    for title, projects, budget, opens, closes, seed, voters in plans:
        round_ = _vote_round(session, place, manager, title, projects, budget)
        vote = _open_vote(session, manager, round_, now + opens, now + closes, seed)
        _vote_in(session, vote, _residents(session, voters))
    # The second vote is closed and counted.
    services.move_vote(session, manager, vote, "close")
    session.flush()
    return True


# --- Verified residents ----------------------------------------------------------------------
#
# Oakbridge's census list has every demo resident, plus a few people with no account yet, so
# that someone trying the demo can make an account and verify with their details (the README
# lists them). resident@ and residents 2 to 10 verified in each of the three ways; every other
# demo resident who votes in the demo verified with the list. A new account is not verified.

UNCLAIMED_CENSUS = [
    # name, date of birth, postcode: on the list, with no account yet
    ("Sam Taylor", dt.date(1990, 5, 1), "OB2 1AA"),
    ("Priya Shah", dt.date(1985, 11, 23), "OB3 2BB"),
    ("Grace Okafor", dt.date(1972, 3, 14), "OB4 3CD"),
    ("Tomasz Nowak", dt.date(2001, 8, 9), "OB5 4EF"),
]
BY_LETTER = range(5, 8)  # residents 5, 6 and 7 used a code from a letter
IN_PERSON = range(8, 11)  # residents 8, 9 and 10 showed proof to the fund's team
IN_PERSON_NOTE = "Saw a council tax bill with their name and address."


def _demo_birth_date(number: int) -> dt.date:
    """A made-up date of birth for demo resident ``number`` (1 for resident@)."""
    return dt.date(1950 + (number * 7) % 50, 1 + number % 12, 1 + (number * 3) % 28)


def _numbered_residents(session: Session) -> list[tuple[int, User]]:
    """The demo residents with their numbers: 1 for resident@, then 2 to 30."""
    people = _residents(session, range(2, 31))
    first = find_one(session, User, email="resident@demo.placefund.org")
    numbered = [(1, first)] if first is not None else []
    return numbered + [(int(p.email.split("@")[0].removeprefix("resident")), p) for p in people]


def _census_csv(residents: list[tuple[int, User]]) -> bytes:
    lines = ["name,date_of_birth,postcode"]
    for number, person in residents:
        lines.append(f"{person.name},{_demo_birth_date(number).isoformat()},{person.postcode}")
    for name, born, postcode in UNCLAIMED_CENSUS:
        lines.append(f"{name},{born.isoformat()},{postcode}")
    return ("\n".join(lines) + "\n").encode()


def load_residents(session: Session) -> bool:
    """Oakbridge's census list and its verified residents; False if the list is there."""
    manager, place = demo_manager(session), demo_place(session)
    if manager is None or place is None or current_census(session, place) is not None:
        return False
    residents = _numbered_residents(session)
    upload_census(session, manager, place, _census_csv(residents))
    for number, person in residents:
        if number in BY_LETTER:
            address = f"{number} Castle Street, Oakbridge, {person.postcode}"
            (_lines, code), *_rest = issue_letters(session, manager, place, address)
            verify_by_letter(session, person, place, code)
        elif number in IN_PERSON:
            verify_in_person(session, manager, place, person.email, IN_PERSON_NOTE)
        else:
            verify_by_census(
                session,
                person,
                place,
                person.name,
                _demo_birth_date(number),
                person.postcode or "",
            )
    session.flush()
    return True
