"""The panel lottery: a seeded draw from everyone who offered that meets every quota, kept
with all its inputs so that anyone can run it again and get the same people; and draws of
replacements for empty seats."""

from __future__ import annotations

from collections import defaultdict

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from giving.errors import DomainError
from giving.models import User
from giving.services import audit
from voting import sortition
from voting.models import DrawKind, JoinedBy, Panel, PanelDraw, PanelMethod, ProfileAnswer
from voting.permissions import require_staff
from voting.services.members import join, on_panel
from voting.services.offers import live_offers
from voting.services.panels import require_forming
from voting.workflow import PanelStatus


def _pool(session: Session, panel: Panel, leave_out: set[int]) -> tuple[list[dict], dict]:
    """Live offers not already on the panel, with their answers, keyed by volunteer ref."""
    offers = [o for o in live_offers(session, panel) if o.user_id not in leave_out]
    refs = [o.volunteer_ref for o in offers]
    answers: dict[str, dict[int, int | None]] = defaultdict(dict)
    if refs:
        for row in session.scalars(
            select(ProfileAnswer).where(ProfileAnswer.volunteer_ref.in_(refs))
        ):
            answers[row.volunteer_ref][row.category_id] = row.value_id
    labels: dict[int | None, str] = {v.id: v.label for c in panel.categories for v in c.values}
    pool = []
    for offer in offers:
        person = {sortition.ID_COLUMN: offer.volunteer_ref}
        for category in panel.categories:
            value_id = answers[offer.volunteer_ref].get(category.id)
            person[category.name] = labels.get(value_id, sortition.NOT_SAID)
        pool.append(person)
    return pool, {o.volunteer_ref: o for o in offers}


def _quotas(
    panel: Panel, seats: int, have: dict[tuple[str, str], int] | None = None
) -> list[sortition.Quota]:
    """The panel's quotas for ``seats`` more people, less what members already cover."""
    have = have or {}
    quotas = []
    for category in panel.categories:
        for value in category.values:
            taken = have.get((category.name, value.label), 0)
            high = value.max_seats if value.max_seats is not None else seats + taken
            quotas.append(
                sortition.Quota(
                    category.name,
                    value.label,
                    max(0, value.min_seats - taken),
                    max(0, min(seats, high - taken)),
                )
            )
        quotas.append(sortition.Quota(category.name, sortition.NOT_SAID, 0, seats))
    return quotas


def set_quotas(
    session: Session, actor: User, panel: Panel, quotas: dict[int, tuple[int | None, int | None]]
) -> None:
    """The smallest and largest number of seats for each answer (by value id)."""
    require_staff(session, actor, panel.round.place)
    require_forming(panel)
    for category in panel.categories:
        for value in category.values:
            low, high = quotas.get(value.id, (None, None))
            low = low or 0
            if low < 0 or (high is not None and high < low):
                raise DomainError(
                    _("The largest number must be at least the smallest, and neither below 0"),
                    field=f"max_{value.id}",
                )
            value.min_seats, value.max_seats = low, high
    session.flush()
    audit(session, actor, "panel.quotas", panel, "Set the panel's quotas", place=panel.round.place)


def _record_draw(
    session: Session,
    actor: User,
    panel: Panel,
    kind: DrawKind,
    seats: int,
    seed: int | None,
    have: dict[tuple[str, str], int] | None,
    leave_out: set[int],
) -> PanelDraw:
    pool, offers = _pool(session, panel, leave_out)
    quotas = _quotas(panel, seats, have)
    seed = seed or sortition.new_seed()
    try:
        result = sortition.draw(pool, quotas, seats, seed)
    except sortition.QuotaProblem as problem:
        raise DomainError(" ".join(problem.lines), field="seats") from None
    record = PanelDraw(
        panel=panel,
        kind=kind,
        seed=seed,
        seats=seats,
        pool_size=len(pool),
        algorithm=sortition.ALGORITHM,
        pool=[[p[sortition.ID_COLUMN], *(p[c.name] for c in panel.categories)] for p in pool],
        quotas=[[q.category, q.value, q.min, q.max] for q in quotas],
        selected=result.selected,
        summary=result.summary,
        created_by_id=actor.id,
    )
    session.add(record)
    session.flush()
    for ref in result.selected:
        joined = JoinedBy.DRAWN if kind == DrawKind.PANEL else JoinedBy.REPLACEMENT
        join(session, actor, panel, offers[ref].user, joined, draw=record)
    audit(
        session,
        actor,
        f"panel.draw_{kind.value}",
        record,
        f"Drew {seats} for the panel for {panel.round.title} from {len(pool)} (seed {seed})",
        **on_panel(panel),
        seed=seed,
    )
    return record


def draw_panel(
    session: Session,
    actor: User,
    panel: Panel,
    seed: int | None = None,
    quotas: dict[int, tuple[int | None, int | None]] | None = None,
) -> PanelDraw:
    """Choose the panel by lottery from everyone who offered, meeting every quota (set first
    from ``quotas`` when they are given, as :func:`set_quotas` takes them)."""
    if quotas is not None:
        set_quotas(session, actor, panel, quotas)
    require_staff(session, actor, panel.round.place)
    require_forming(panel)
    if panel.method != PanelMethod.DRAWN or panel.size is None:
        raise DomainError(_("This panel is not chosen by lottery."))
    if panel.active_members:
        raise DomainError(
            _("The panel has already been drawn. Draw replacements if someone leaves.")
        )
    return _record_draw(session, actor, panel, DrawKind.PANEL, panel.size, seed, None, set())


def draw_replacements(
    session: Session, actor: User, panel: Panel, seed: int | None = None
) -> PanelDraw:
    """Fill empty seats the same way: a lottery among those who offered and were not chosen,
    with the quotas less what the people still on the panel already cover."""
    require_staff(session, actor, panel.round.place)
    if panel.method != PanelMethod.DRAWN or panel.size is None or not panel.draws:
        raise DomainError(_("Replacements are drawn only for a panel chosen by lottery."))
    if panel.status == PanelStatus.FINISHED:
        raise DomainError(_("This panel has finished its work."))
    members = panel.active_members
    seats = panel.size - len(members)
    if seats < 1:
        raise DomainError(_("Every seat is filled."))
    member_ids = {m.user_id for m in members}
    everyone = {m.user_id for m in panel.members}
    # What the people still on the panel said, from their offers.
    have: dict[tuple[str, str], int] = defaultdict(int)
    pool_all, offers = _pool(session, panel, set())
    for person in pool_all:
        if offers[person[sortition.ID_COLUMN]].user_id in member_ids:
            for category in panel.categories:
                have[(category.name, person[category.name])] += 1
    return _record_draw(
        session, actor, panel, DrawKind.REPLACEMENT, seats, seed, dict(have), everyone
    )


def check_draw(draw: PanelDraw) -> bool:
    """Run a recorded draw again from its recorded inputs: True when it picks the same people."""
    names = [q[0] for q in draw.quotas]
    categories = list(dict.fromkeys(names))
    pool = [
        {sortition.ID_COLUMN: row[0], **dict(zip(categories, row[1:], strict=True))}
        for row in draw.pool
    ]
    quotas = [sortition.Quota(*q) for q in draw.quotas]
    return sortition.draw(pool, quotas, draw.seats, draw.seed).selected == sorted(draw.selected)
