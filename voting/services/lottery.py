"""The panel lottery. Staff name a public source of chance and the method while people
offer; closing offers freezes the anonymised pool and quotas and publishes their fingerprint
and everyone's chances; the source's result then makes the seed and the draw runs, choosing
the panel and ordering everyone else as alternates. Everything is kept, so that anyone can
run it again and get the same people. Empty seats are filled from the alternates in order."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from giving.errors import DomainError
from giving.models import User
from giving.services import audit
from giving.timeutil import utcnow
from voting import draw_bundle, sortition
from voting.models import (
    DrawKind,
    JoinedBy,
    Panel,
    PanelDraw,
    PanelLottery,
    PanelMethod,
    ProfileAnswer,
)
from voting.permissions import require_staff
from voting.services.members import join, on_panel
from voting.services.offers import live_offers, offer_for
from voting.services.panels import require_forming
from voting.workflow import PanelStatus

ALTERNATES = "alternates"


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


def _rows(pool: list[dict], categories: list[str]) -> list[list[str]]:
    return [[p[sortition.ID_COLUMN], *(p[c] for c in categories)] for p in pool]


def _people(rows: list[list[str]], quotas: list[list[Any]]) -> list[dict[str, str]]:
    categories = list(dict.fromkeys(q[0] for q in quotas))
    return [
        {sortition.ID_COLUMN: row[0], **dict(zip(categories, row[1:], strict=True))} for row in rows
    ]


def lottery_for(session: Session, panel: Panel) -> PanelLottery | None:
    return session.scalar(select(PanelLottery).where(PanelLottery.panel_id == panel.id))


def set_quotas(
    session: Session, actor: User, panel: Panel, quotas: dict[int, tuple[int | None, int | None]]
) -> None:
    """The smallest and largest number of seats for each answer (by value id)."""
    require_staff(session, actor, panel.round.place)
    require_forming(panel)
    lottery = lottery_for(session, panel)
    if lottery is not None and lottery.closed_at is not None:
        raise DomainError(_("Offers have closed: the numbers are published and cannot change."))
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


def _require_lottery_panel(panel: Panel) -> int:
    if panel.method != PanelMethod.DRAWN or panel.size is None:
        raise DomainError(_("This panel is not chosen by lottery."))
    if panel.active_members:
        raise DomainError(
            _("The panel has already been drawn. Draw replacements if someone leaves.")
        )
    return panel.size


def plan_lottery(
    session: Session,
    actor: User,
    panel: Panel,
    source: str,
    algorithm: str,
    quotas: dict[int, tuple[int | None, int | None]] | None = None,
) -> PanelLottery:
    """Name the public source of chance and the method (and set the quotas) before offers
    close. They can change until then."""
    if quotas is not None:
        set_quotas(session, actor, panel, quotas)
    require_staff(session, actor, panel.round.place)
    require_forming(panel)
    _require_lottery_panel(panel)
    source = " ".join((source or "").split())
    if not source:
        raise DomainError(_("Say where the lottery's numbers will come from"), field="source")
    if algorithm not in sortition.ALGORITHMS:
        raise DomainError(_("Choose how the lottery works"), field="algorithm")
    lottery = lottery_for(session, panel)
    if lottery is None:
        lottery = PanelLottery(panel=panel, source=source, algorithm=algorithm)
        session.add(lottery)
    elif lottery.closed_at is not None:
        raise DomainError(_("Offers have closed: the plan is published and cannot change."))
    lottery.source, lottery.algorithm = source, algorithm
    lottery.stated_by_id, lottery.stated_at = actor.id, utcnow()
    session.flush()
    audit(
        session,
        actor,
        "panel.lottery_plan",
        lottery,
        f"Named the lottery's public source: {source}",
        **on_panel(panel),
        algorithm=algorithm,
    )
    return lottery


def close_offers(session: Session, actor: User, panel: Panel) -> PanelLottery:
    """Close offers: freeze the anonymised pool and quotas, publish their fingerprint and
    everyone's chance of being chosen."""
    require_staff(session, actor, panel.round.place)
    require_forming(panel)
    seats = _require_lottery_panel(panel)
    lottery = lottery_for(session, panel)
    if lottery is None:
        raise DomainError(
            _("First say where the lottery's numbers will come from."), field="source"
        )
    if lottery.closed_at is not None:
        raise DomainError(_("Offers have already closed."))
    pool, _offers = _pool(session, panel, set())
    quotas = _quotas(panel, seats)
    try:
        table = sortition.chances(pool, quotas, seats)
    except sortition.QuotaProblem as problem:
        raise DomainError(" ".join(problem.lines), field="seats") from None
    categories = [c.name for c in panel.categories]
    lottery.seats = seats
    lottery.pool = _rows(pool, categories)
    lottery.quotas = [[q.category, q.value, q.min, q.max] for q in quotas]
    lottery.chances = table | {"software": sortition.software()}
    lottery.pool_hash = sortition.fingerprint(
        draw_bundle.fixed_part(
            categories, lottery.pool, lottery.quotas, seats, lottery.algorithm, lottery.source
        )
    )
    lottery.closed_at = utcnow()
    session.flush()
    audit(
        session,
        actor,
        "panel.offers_close",
        lottery,
        f"Closed offers for the panel for {panel.round.title} ({len(pool)} offered)",
        **on_panel(panel),
        fingerprint=lottery.pool_hash,
    )
    return lottery


def _record(
    session: Session,
    actor: User,
    panel: Panel,
    kind: DrawKind,
    fields: dict[str, Any],
    offers: dict,
) -> PanelDraw:
    record = PanelDraw(panel=panel, kind=kind, created_by_id=actor.id, **fields)
    session.add(record)
    session.flush()
    for ref in record.selected:
        joined = JoinedBy.DRAWN if kind == DrawKind.PANEL else JoinedBy.REPLACEMENT
        join(session, actor, panel, offers[ref].user, joined, draw=record)
    audit(
        session,
        actor,
        f"panel.draw_{kind.value}",
        record,
        f"Drew {record.seats} for the panel for {panel.round.title} from {record.pool_size} "
        f"(seed {record.seed})",
        **on_panel(panel),
        seed=record.seed,
    )
    return record


def draw_panel(session: Session, actor: User, panel: Panel, result: str) -> PanelDraw:
    """Run the lottery on the seed made from the public source's ``result``: choose the panel
    from the pool frozen when offers closed, and order everyone else as alternates."""
    require_staff(session, actor, panel.round.place)
    require_forming(panel)
    seats = _require_lottery_panel(panel)
    lottery = lottery_for(session, panel)
    if lottery is None or lottery.closed_at is None:
        raise DomainError(_("Close offers first, so that the fingerprint is published."))
    result = " ".join((result or "").split())
    if not result:
        raise DomainError(_("Enter the numbers the public source gave"), field="result")
    assert lottery.pool is not None
    assert lottery.quotas is not None
    assert lottery.chances
    seed = sortition.seed_from_result(result)
    pool = _people(lottery.pool, lottery.quotas)
    quotas = [sortition.Quota(*q) for q in lottery.quotas]
    try:
        outcome = sortition.draw(
            pool, quotas, seats, seed, lottery.algorithm, lottery.chances.get("distribution")
        )
    except sortition.QuotaProblem as problem:
        raise DomainError(" ".join(problem.lines), field="result") from None
    _pool_now, offers = _pool(session, panel, set())
    missing = [ref for ref in outcome.selected if ref not in offers]
    if missing:
        raise DomainError(_("Someone in the frozen pool has withdrawn; the draw cannot run."))
    record = _record(
        session,
        actor,
        panel,
        DrawKind.PANEL,
        {
            "seed": seed,
            "seats": seats,
            "pool_size": len(pool),
            "algorithm": lottery.algorithm,
            "pool": lottery.pool,
            "quotas": lottery.quotas,
            "selected": outcome.selected,
            "summary": outcome.summary,
            "alternates": outcome.alternates,
        },
        offers,
    )
    lottery.result, lottery.draw = result, record
    session.flush()
    return record


def _have(panel: Panel, pool: list[dict], offers: dict, member_ids: set[int]) -> dict:
    """What the people still on the panel said, from their offers."""
    have: dict[tuple[str, str], int] = defaultdict(int)
    for person in pool:
        if offers[person[sortition.ID_COLUMN]].user_id in member_ids:
            for category in panel.categories:
                have[(category.name, person[category.name])] += 1
    return dict(have)


def draw_replacements(
    session: Session, actor: User, panel: Panel, seed: int | None = None
) -> PanelDraw:
    """Fill empty seats. After a lottery with alternates, from the alternates in their
    published order (see :func:`voting.sortition.next_alternates`); after an older draw,
    by a lottery among those who offered and were not chosen. Either way with the quotas
    less what the people still on the panel already cover."""
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
    pool_all, offers = _pool(session, panel, set())
    have = _have(panel, pool_all, offers, member_ids)
    quotas = _quotas(panel, seats, have)
    first = panel.draws[0]
    waiting = {
        p[sortition.ID_COLUMN]: p
        for p in pool_all
        if offers[p[sortition.ID_COLUMN]].user_id not in everyone
    }
    if first.alternates is not None:
        ordered = [waiting[ref] for ref in first.alternates if ref in waiting]
        if not ordered:
            raise DomainError(_("No one who offered is left to take the empty seats."))
        chosen = sortition.next_alternates(ordered, quotas, {}, seats)
        fields: dict[str, Any] = {"seed": first.seed, "algorithm": ALTERNATES, "selected": chosen}
        pool = ordered
    else:
        pool = list(waiting.values())
        seed = seed or sortition.new_seed()
        try:
            outcome = sortition.draw(pool, quotas, seats, seed, sortition.LEGACY)
        except sortition.QuotaProblem as problem:
            raise DomainError(" ".join(problem.lines), field="seats") from None
        fields = {"seed": seed, "algorithm": sortition.LEGACY, "selected": outcome.selected}
    categories = [c.name for c in panel.categories]
    fields |= {
        "seats": len(fields["selected"]),
        "pool_size": len(pool),
        "pool": _rows(pool, categories),
        "quotas": [[q.category, q.value, q.min, q.max] for q in quotas],
        "summary": sortition.summarise(pool, quotas, fields["selected"]),
    }
    return _record(session, actor, panel, DrawKind.REPLACEMENT, fields, offers)


def check_draw(draw: PanelDraw) -> bool:
    """Run a recorded draw again from its recorded inputs: True when it picks the same people
    (and, where alternates are kept, puts the others in the same order)."""
    pool = _people(draw.pool, draw.quotas)
    quotas = [sortition.Quota(*q) for q in draw.quotas]
    if draw.algorithm == ALTERNATES:
        return sortition.next_alternates(pool, quotas, {}, draw.seats) == list(draw.selected)
    again = sortition.draw(pool, quotas, draw.seats, draw.seed, draw.algorithm)
    if draw.alternates is not None and again.alternates != draw.alternates:
        return False
    return again.selected == sorted(draw.selected)


def bundle_for(session: Session, draw: PanelDraw) -> dict[str, Any]:
    """The published bundle of a draw (see :mod:`voting.draw_bundle`)."""
    lottery = lottery_for(session, draw.panel)
    if lottery is None or lottery.draw_id != draw.id:
        lottery = None
    categories = list(dict.fromkeys(q[0] for q in draw.quotas))
    return {
        "format": draw_bundle.FORMAT,
        "place": draw.panel.round.place.name,
        "round": draw.panel.round.title,
        "kind": draw.kind.value,
        "categories": categories,
        "pool": draw.pool,
        "quotas": draw.quotas,
        "seats": draw.seats,
        "method": draw.algorithm,
        "software": ((lottery.chances or {}).get("software") if lottery else None)
        or sortition.software(),
        "public_source": lottery.source if lottery else None,
        "public_result": lottery.result if lottery else None,
        "fingerprint": lottery.pool_hash if lottery else None,
        "seed_rule": sortition.SEED_RULE if lottery else "The fund's team chose the seed.",
        "seed": draw.seed,
        "distribution": (lottery.chances or {}).get("distribution") if lottery else None,
        "selected": sorted(draw.selected),
        "alternates": draw.alternates,
    }


def own_chance(session: Session, user: User, panel: Panel) -> dict[str, Any] | None:
    """A volunteer's own published chance of being chosen, once offers have closed."""
    lottery = lottery_for(session, panel)
    if lottery is None or lottery.chances is None or lottery.pool is None:
        return None
    offer = offer_for(session, user, panel)
    if offer is None:
        return None
    for row in lottery.pool:
        if row[0] == offer.volunteer_ref:
            found = sortition.profile_chance(lottery.chances, row[1:])
            if found is not None:
                return {**found, "algorithm": lottery.algorithm, "drawn": lottery.draw_id}
    return None
