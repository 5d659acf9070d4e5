"""Demo data for panels: a panel for the demo's Oakbridge round, drawn by lottery from twenty
residents who offered, part way through scoring. Safe to run twice."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from giving.models import Application, Round, User
from giving.workflow import State
from voting import services
from voting.models import Panel, PanelMethod
from voting.workflow import PanelStatus

ROUND_TITLE = "Oakbridge Community Chest"
SEED = 20261121
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
    round_ = session.scalar(select(Round).where(Round.title == ROUND_TITLE))
    if round_ is None or services.panel_for_round(session, round_) is not None:
        return False
    manager = session.scalar(select(User).where(User.email == "manager@demo.placefund.org"))
    if manager is None:
        return False
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
        answers = {age.id: age.values[i % 3].id, ward.id: ward.values[i % 6].id}
        if i % 7 == 6:
            answers[age.id] = None  # some people would rather not say
        services.offer_to_serve(session, person, panel, answers)
    quotas = {v.id: (1, 3) for v in age.values} | {v.id: (0, 2) for v in ward.values}
    services.set_quotas(session, manager, panel, quotas)
    services.draw_panel(session, manager, panel, seed=SEED)

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
            scores = {c.id: values[n % len(values)] for n, c in enumerate(criteria)}
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
    round_ = session.scalar(select(Round).where(Round.title == ROUND_TITLE))
    return services.panel_for_round(session, round_) if round_ is not None else None
