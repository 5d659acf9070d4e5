"""Which rounds and decisions a report covers, and each round's decisions as the public sees
them: with the group's reasons, unless the group asked us to keep them private; who made each
decision; and any override by the fund's team, with its reason, beside what residents had
decided."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import Select, case, func, select
from sqlalchemy.orm import Session, contains_eager, selectinload

from giving import hooks
from giving.models import (
    Application,
    AuditEntry,
    DecidedBy,
    DecisionMethod,
    Group,
    Place,
    PostcodeArea,
    Round,
    RoundStatus,
)
from giving.postcodes import postcode_prefixes
from giving.services.decisions import who_decides
from giving.timeutil import to_london
from giving.workflow import OVERRIDE_ACTIONS, State

DECIDED_STATES = (State.AWARDED, State.DECLINED, State.INELIGIBLE)
TURNED_DOWN_STATES = (State.DECLINED, State.INELIGIBLE)


def public_rounds_stmt(place: Place) -> Select[Round]:
    """The place's published rounds, newest closing first, with their questions."""
    return (
        select(Round)
        .where(Round.place_id == place.id, Round.status != RoundStatus.DRAFT)
        .options(selectinload(Round.questions))
        .order_by(Round.closes_at.desc(), Round.id.desc())
    )


def public_rounds(session: Session, place: Place) -> list[Round]:
    return list(session.scalars(public_rounds_stmt(place)))


def rounds_in(session: Session, place: Place, round_: Round | None) -> list[Round]:
    if round_ is not None:
        return [] if round_.is_draft else [round_]
    return public_rounds(session, place)


def decided_in(session: Session, rounds: list[Round]) -> list[Application]:
    if not rounds:
        return []
    return list(
        session.scalars(
            select(Application)
            .where(
                Application.round_id.in_([r.id for r in rounds]),
                Application.state.in_(DECIDED_STATES),
            )
            .order_by(Application.id)
        )
    )


def days_to_decision(application: Application) -> int:
    """Whole days from the London day the round closed to the London day of the decision."""
    assert application.decided_at is not None  # only decided applications are counted
    closed = to_london(application.round.closes_at).date()
    decided = to_london(application.decided_at).date()
    return max(0, (decided - closed).days)


def decided_on_time(application: Application) -> bool:
    assert application.decided_at is not None  # only decided applications are counted
    due = application.round.decision_date
    return due is not None and to_london(application.decided_at).date() <= due


@dataclass
class RoundResult:
    """One decision as the public sees it."""

    application_id: int
    group_name: str
    title: str
    state: State
    award_pence: int | None
    amount_requested_pence: int | None
    reasons: str | None  # None: the group asked us to keep them private
    ward: str | None
    decided_at: Any
    decided_by: DecidedBy | None = None
    decided_by_text: str | None = None  # "The panel", "A public vote", "The fund's team"...
    override_reason: str | None = None  # always public
    residents_had: str | None = None  # for an override: what residents had decided so far

    @property
    def overridden(self) -> bool:
        return self.decided_by == DecidedBy.OVERRIDE


def notes_for(session: Session, rounds: list[Round]) -> dict[int, list[str]]:
    """For each round, sentences on how its decisions stand ("Counted on 2 December; ..."),
    from the packages that reach decisions (the app's ``round_notes`` hook), asked once for
    all the rounds."""
    notes: dict[int, list[str]] = {r.id: [] for r in rounds}
    if not rounds:
        return notes
    for source in hooks.current().round_notes:
        for round_id, lines in source(session, rounds).items():
            notes[round_id].extend(lines)
    return notes


def round_notes(session: Session, round_: Round) -> list[str]:
    """How one round's decisions stand, in sentences (see :func:`notes_for`)."""
    return notes_for(session, [round_])[round_.id]


def decided_by_text(application: Application) -> str | None:
    """Who made the decision, in plain words; None when it was not recorded."""
    method = application.round.decision_method
    if application.decided_by == DecidedBy.RESIDENTS:
        return {
            DecisionMethod.PANEL: _("The panel"),
            DecisionMethod.PUBLIC: _("A public vote"),
            DecisionMethod.BOTH: _("The panel and a public vote"),
        }.get(method, _("The people who live here"))
    if application.decided_by == DecidedBy.STAFF:
        return _("The fund's team")
    if application.decided_by == DecidedBy.OVERRIDE:
        return _("The fund's team overrode this decision")
    return None


def residents_had_text(round_: Round, state: str | None) -> str:
    """What residents had decided when the fund's team overrode them."""
    if state == State.SHORTLISTED and round_.decision_method == DecisionMethod.PUBLIC:
        return _("It was on the list for the public vote, which had not decided yet.")
    if state == State.SHORTLISTED:
        return _("The panel had put it on the shortlist.")
    if state == State.AWARDED:
        return _("Residents had chosen it to be given money.")
    if state == State.DECLINED:
        return _("Residents had not chosen it.")
    return _("Residents had not decided yet.")


def _states_before_override(
    session: Session, applications: Sequence[Application]
) -> dict[str, str]:
    """For each overridden application (by id, as text): the state residents had left it in."""
    ids = [str(a.id) for a in applications if a.decided_by == DecidedBy.OVERRIDE]
    if not ids:
        return {}
    entries = session.scalars(
        select(AuditEntry)
        .where(
            AuditEntry.object_type == "Application",
            AuditEntry.object_id.in_(ids),
            AuditEntry.action.in_([f"application.{a}" for a in OVERRIDE_ACTIONS]),
        )
        .order_by(AuditEntry.id)
    )
    return {e.object_id: (e.details or {}).get("residents_had", "") for e in entries}


def wards_of_groups(session: Session, applications: Sequence[Application]) -> dict[int, str]:
    """The ward of each application's group (by application id), where its postcode is in
    one of its place's wards: the most specific postcode area that matches decides, as in
    :func:`giving.postcodes.ward_for_postcode`. One query for them all."""
    wanted: dict[int, tuple[int, str, str]] = {}
    for application in applications:
        postcode = application.group.postcode
        if postcode:
            district, sector = postcode_prefixes(postcode)
            wanted[application.id] = (application.group.place_id, district, sector)
    if not wanted:
        return {}
    prefixes = {p for _place, district, sector in wanted.values() for p in (district, sector)}
    areas = session.scalars(
        select(PostcodeArea)
        .where(
            PostcodeArea.place_id.in_({place_id for place_id, _d, _s in wanted.values()}),
            PostcodeArea.prefix.in_(prefixes),
        )
        .options(selectinload(PostcodeArea.ward))
    ).all()
    by_prefix = {(a.place_id, a.prefix): a for a in areas}
    found: dict[int, str] = {}
    for application_id, (place_id, district, sector) in wanted.items():
        area = by_prefix.get((place_id, sector)) or by_prefix.get((place_id, district))
        if area is not None and area.ward is not None:
            found[application_id] = area.ward.name
    return found


def _as_result(
    application: Application, before: dict[str, str], wards: dict[int, str]
) -> RoundResult:
    round_, group = application.round, application.group
    overridden = application.decided_by == DecidedBy.OVERRIDE
    return RoundResult(
        application_id=application.id,
        group_name=group.name,
        title=application.title,
        state=application.state,
        award_pence=application.award_pence,
        amount_requested_pence=application.amount_requested_pence,
        reasons=None if application.feedback_private else application.feedback,
        ward=wards.get(application.id),
        decided_at=application.decided_at,
        decided_by=application.decided_by,
        decided_by_text=decided_by_text(application),
        override_reason=application.override_reason if overridden else None,
        residents_had=(
            residents_had_text(round_, before.get(str(application.id))) if overridden else None
        ),
    )


def round_results_stmt(round_: Round) -> Select[Application]:
    """The round's decisions in the order they are published: given money, then not, then
    could not be funded; by group name within each."""
    order = case(
        {State.AWARDED: 0, State.DECLINED: 1, State.INELIGIBLE: 2}, value=Application.state
    )
    return (
        select(Application)
        .join(Application.group)
        .where(Application.round_id == round_.id, Application.state.in_(DECIDED_STATES))
        .options(contains_eager(Application.group))
        .order_by(order, func.lower(Group.name), Application.id)
    )


def results_for(session: Session, applications: Sequence[Application]) -> list[RoundResult]:
    """These decisions as the public sees them (see :func:`round_results`), in the same
    order, asked of the database twice however many there are."""
    before = _states_before_override(session, applications)
    wards = wards_of_groups(session, applications)
    return [_as_result(application, before, wards) for application in applications]


def round_results(session: Session, round_: Round) -> list[RoundResult]:
    """Every decision in the round, with its reasons unless the group keeps them private, who
    made it, and for an override its reason beside what residents had decided."""
    return results_for(session, session.scalars(round_results_stmt(round_)).all())


@dataclass
class RoundSummary:
    """How a round's decisions stand, for lists of rounds: who decides, the notes of the
    packages that reach decisions, and every override with its reason."""

    round: Round
    who_decides: str
    notes: list[str]
    overrides: list[RoundResult]


def overrides_in(session: Session, rounds: list[Round]) -> dict[int, list[RoundResult]]:
    """Every override in these rounds, by round, with its reason and what residents had
    decided (in two queries, however many rounds)."""
    found: dict[int, list[RoundResult]] = {r.id: [] for r in rounds}
    if not rounds:
        return found
    overridden = list(
        session.scalars(
            select(Application)
            .where(
                Application.round_id.in_(list(found)),
                Application.decided_by == DecidedBy.OVERRIDE,
                Application.state.in_(DECIDED_STATES),
            )
            .options(selectinload(Application.group))
            .order_by(Application.id)
        )
    )
    before = _states_before_override(session, overridden)
    for application in overridden:
        found[application.round_id].append(_as_result(application, before, {}))
    return found


def round_summaries(session: Session, rounds: list[Round]) -> dict[int, RoundSummary]:
    """How each round's decisions stand, for lists of rounds: asked of the database once for
    all of them, not once a round."""
    notes = notes_for(session, rounds)
    overrides = overrides_in(session, rounds)
    return {
        r.id: RoundSummary(
            round=r,
            who_decides=who_decides(r.decision_method),
            notes=notes[r.id],
            overrides=overrides[r.id],
        )
        for r in rounds
    }


def results_index(session: Session) -> list[tuple[Place, list[RoundSummary]]]:
    """Every place, with how each of its published rounds' decisions stand."""
    places = session.scalars(select(Place).order_by(Place.name, Place.id)).all()
    rounds = list(
        session.scalars(
            select(Round)
            .where(Round.status != RoundStatus.DRAFT)
            .order_by(Round.closes_at.desc(), Round.id.desc())
        )
    )
    summaries = round_summaries(session, rounds)
    by_place: dict[int, list[RoundSummary]] = {p.id: [] for p in places}
    for round_ in rounds:
        by_place[round_.place_id].append(summaries[round_.id])
    return [(place, by_place[place.id]) for place in places]
