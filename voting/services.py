"""Domain operations for panels and review.

A fund manager sets up a round's panel (open to everyone who offers, appointed, or drawn by
lottery with quotas); residents offer to serve; members declare conflicts before they read
anything, score the applications they are given, discuss them, and the chair (or a fund
manager) records the shortlist. Then the round's panel vote or public vote: ballots kept
apart from who cast them, voting codes for people who are not online, the count by the vote's
rule with every project's explanation, the anonymised ballot file, and the awards.
Applications move only through giving's single :func:`giving.services.rounds.transition`.

Like every service, these take the session and the acting user, flush but never commit, and
raise :class:`DomainError` with a message a person can act on.
"""

from __future__ import annotations

import datetime as dt
import enum
import hashlib
import hmac
import secrets
import statistics
from collections import defaultdict
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from giving import workflow as giving_workflow
from giving.extensions import db
from giving.models import Application, DecisionMethod, Role, Round, RoundStatus, User, Ward
from giving.services import (
    DomainError,
    NotAllowed,
    audit,
    find_user_by_email,
    is_resident,
    is_staff,
    roles_for,
    transition,
    ward_for_postcode,
)
from giving.services.rounds import ensure_panel_role, release_panel_role
from giving.timeutil import format_datetime, utcnow
from giving.workflow import State
from voting import sortition
from voting.models import (
    RECEIPT_ALPHABET,
    SCORE_MAX,
    SCORE_MIN,
    Assignment,
    Ballot,
    BallotChoice,
    BallotKind,
    Declaration,
    DrawKind,
    JoinedBy,
    Panel,
    PanelDraw,
    PanelMember,
    PanelMethod,
    PanelNote,
    PanelOffer,
    ProfileAnswer,
    ProfileCategory,
    ProfileValue,
    Review,
    Score,
    ShortlistDecision,
    Vote,
    VoteKind,
    VoteOption,
    VoterRecord,
    VotingCode,
    new_volunteer_ref,
)
from voting.rules import (
    POINTS_RULES,
    RULES,
    Election,
    Lottery,
    Outcome,
    Project,
    amount_for_json,
    count,
    pounds_from_pence,
    write_pabulib,
)
from voting.rules import Ballot as RuleBallot
from voting.workflow import PanelStatus, VoteStatus, find_panel_move, find_vote_move

# Weighted scores further apart than this (on the 1 to 5 scale) are flagged for discussion.
DISAGREEMENT_SPREAD = Fraction(2)

# Applications a panel works on: being read, and what it has done with them since.
PANEL_APPLICATION_STATES = (State.IN_REVIEW, State.SHORTLISTED, State.DECLINED, State.AWARDED)


# --- Who may do what -------------------------------------------------------------------------


def _require_staff(session: Session, actor: User, place: object) -> None:
    if not is_staff(session, actor, place):
        raise NotAllowed(_("Only fund managers and admins of this place can do this."))


def panel_for_round(session: Session, round_: Round) -> Panel | None:
    return session.scalar(select(Panel).where(Panel.round_id == round_.id))


def member_for(session: Session, user: User | None, panel: Panel) -> PanelMember | None:
    """The user's place on the panel, if they are on it now."""
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    return session.scalar(
        select(PanelMember).where(
            PanelMember.panel_id == panel.id,
            PanelMember.user_id == user.id,
            PanelMember.left_at.is_(None),
        )
    )


def can_see_panel(session: Session, user: User | None, panel: Panel) -> bool:
    """The panel's pages are for its members and the place's staff."""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    return member_for(session, user, panel) is not None or is_staff(
        session, user, panel.round.place
    )


def declaration_for(
    session: Session, member: PanelMember, application: Application
) -> Declaration | None:
    return session.scalar(
        select(Declaration).where(
            Declaration.member_id == member.id, Declaration.application_id == application.id
        )
    )


class Access(enum.StrEnum):
    """What a person may do with one application on a panel."""

    STAFF = "staff"  # fund managers see everything, including the conflicts register
    READ = "read"  # a member who declared no conflict
    UNDECLARED = "undeclared"  # a member who has not declared yet
    CONFLICTED = "conflicted"  # a member with a conflict: nothing about it, ever
    NONE = "none"


def access_to(
    session: Session, user: User | None, panel: Panel, application: Application
) -> Access:
    if application.round_id != panel.round_id:
        return Access.NONE
    member = member_for(session, user, panel)
    if member is not None:
        declaration = declaration_for(session, member, application)
        if declaration is None:
            return Access.UNDECLARED
        return Access.CONFLICTED if declaration.conflicted else Access.READ
    if user is not None and is_staff(session, user, panel.round.place):
        return Access.STAFF
    return Access.NONE


def require_reader(
    session: Session, user: User | None, panel: Panel, application: Application
) -> Access:
    """Refuse anyone with a conflict, anyone not on the panel, and anyone who has not yet
    declared; return the access of everyone else."""
    access = access_to(session, user, panel, application)
    if access == Access.CONFLICTED:
        raise NotAllowed(_("You declared a conflict with this application, so you cannot see it."))
    if access == Access.NONE:
        raise NotAllowed(_("Only the panel can see this."))
    if access == Access.UNDECLARED:
        raise DomainError(
            _("Say whether you have a conflict with each application before you read any of them.")
        )
    if application.state not in PANEL_APPLICATION_STATES:
        raise NotAllowed(_("This application is not with the panel."))
    return access


def panel_access_policy(session: Session, user: User, application: Application) -> bool:
    """Giving's rule for which panel members may read an application (installed with
    :func:`install`): on the round's panel now, declared on it, and not conflicted.
    Rounds without a panel here keep giving's rule (every panel member of the place)."""
    if application.state not in giving_workflow.PANEL_STATES:
        return False
    panel = session.scalar(select(Panel).where(Panel.round_id == application.round_id))
    if panel is None:
        return Role.PANEL_MEMBER in roles_for(session, user, application.round.place)
    return access_to(session, user, panel, application) == Access.READ


def round_links(round_: Round, user: User | None, page: str) -> list[tuple[str, str]]:
    """Links to the round's panel: for staff, to set it up; for the public, to offer to sit
    on it while it is forming, or to see the published draw."""
    from flask import url_for

    session = db.session
    panel = panel_for_round(session, round_)
    place_slug = round_.place.slug
    if page == "manage":
        return [
            (
                _("The panel") if panel else _("Set up the panel"),
                url_for("voting.manage_panel", place_slug=place_slug, round_id=round_.id),
            )
        ]
    links: list[tuple[str, str]] = []
    if panel is not None and panel.status == PanelStatus.FORMING:
        links.append(
            (
                _("Offer to sit on the panel that decides"),
                url_for("voting.offer", place_slug=place_slug, round_id=round_.id),
            )
        )
    if panel is not None and member_for(session, user, panel) is not None:
        links.append((_("Go to your panel"), url_for("voting.panel_view", panel_id=panel.id)))
    return links


# --- Setting up the panel --------------------------------------------------------------------


def set_up_panel(
    session: Session,
    actor: User,
    round_: Round,
    *,
    method: str,
    size: int | None,
    reviewers_per_application: int | None,
) -> Panel:
    """Create the round's panel, or change how it is formed while it is still forming."""
    _require_staff(session, actor, round_.place)
    if round_.status == RoundStatus.CLOSED:
        raise DomainError(_("This round is closed, so its panel cannot change."))
    try:
        chosen = PanelMethod(method)
    except ValueError:
        raise DomainError(_("Choose how the panel is formed"), field="method") from None
    if size is not None and not 1 <= size <= 500:
        raise DomainError(_("Enter a number of seats from 1 to 500"), field="size")
    if chosen == PanelMethod.DRAWN and size is None:
        raise DomainError(_("Enter how many seats the panel has"), field="size")
    if reviewers_per_application is not None and reviewers_per_application < 1:
        raise DomainError(
            _("Enter 1 or more people to score each application"),
            field="reviewers_per_application",
        )
    panel = panel_for_round(session, round_)
    if panel is None:
        panel = Panel(round=round_, method=chosen, created_by_id=actor.id)
        session.add(panel)
        action = "panel.create"
    else:
        if panel.status != PanelStatus.FORMING:
            raise DomainError(
                _("The panel has started reading, so how it is formed cannot change.")
            )
        if panel.method != chosen and panel.active_members:
            raise DomainError(
                _(
                    "People are already on the panel. "
                    "Take them off before you change how it is formed."
                ),
                field="method",
            )
        action = "panel.update"
    panel.method = chosen
    panel.size = size
    panel.reviewers_per_application = reviewers_per_application
    session.flush()
    audit(
        session,
        actor,
        action,
        panel,
        f"Set up the panel for {round_.title}: {chosen.value}",
        place=round_.place,
        size=size,
        reviewers_per_application=reviewers_per_application,
    )
    return panel


def _require_forming(panel: Panel) -> None:
    if panel.status != PanelStatus.FORMING:
        raise DomainError(_("The panel has started reading, so this cannot change now."))


def add_category(
    session: Session, actor: User, panel: Panel, name: str, values: list[str]
) -> ProfileCategory:
    """A question for people who offer (for example 'Age band'), with its answers."""
    _require_staff(session, actor, panel.round.place)
    _require_forming(panel)
    name = (name or "").strip()
    labels = list(dict.fromkeys(v.strip() for v in values if v and v.strip()))
    if not name:
        raise DomainError(_("Enter what you ask, like Age band"), field="name")
    if len(name) > 80:
        raise DomainError(_("Use 80 characters or fewer"), field="name")
    if any(c.name.lower() == name.lower() for c in panel.categories):
        raise DomainError(_("You already ask about %(name)s", name=name), field="name")
    if len(labels) < 2:
        raise DomainError(_("Enter at least 2 answers, one on each line"), field="values")
    if any(len(label) > 80 for label in labels):
        raise DomainError(_("Keep each answer to 80 characters or fewer"), field="values")
    if any(label.lower() == sortition.NOT_SAID for label in labels):
        raise DomainError(
            _("Everyone can choose not to say already, so leave that answer out"), field="values"
        )
    if any(o for o in _live_offers(session, panel)):
        raise DomainError(
            _("People have already offered. Asking a new question now would not be fair to them.")
        )
    position = max((c.position for c in panel.categories), default=0) + 1
    category = ProfileCategory(name=name, position=position)
    for number, label in enumerate(labels, start=1):
        category.values.append(ProfileValue(label=label, position=number))
    panel.categories.append(category)
    session.flush()
    audit(
        session,
        actor,
        "panel.category_add",
        panel,
        f"Asked people who offer about {name}",
        place=panel.round.place,
        category_id=category.id,
        values=labels,
    )
    return category


def remove_category(session: Session, actor: User, category: ProfileCategory) -> None:
    panel = category.panel
    _require_staff(session, actor, panel.round.place)
    _require_forming(panel)
    if any(o for o in _live_offers(session, panel)):
        raise DomainError(_("People have already answered this, so it cannot be removed."))
    audit(
        session,
        actor,
        "panel.category_remove",
        panel,
        f"Stopped asking about {category.name}",
        place=panel.round.place,
        category_id=category.id,
    )
    panel.categories.remove(category)
    session.flush()


# --- Offering to serve -----------------------------------------------------------------------


def _live_offers(session: Session, panel: Panel) -> list[PanelOffer]:
    return list(
        session.scalars(
            select(PanelOffer)
            .where(PanelOffer.panel_id == panel.id, PanelOffer.withdrawn_at.is_(None))
            .order_by(PanelOffer.id)
        )
    )


def offer_for(session: Session, user: User | None, panel: Panel) -> PanelOffer | None:
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    return session.scalar(
        select(PanelOffer).where(
            PanelOffer.panel_id == panel.id,
            PanelOffer.user_id == user.id,
            PanelOffer.withdrawn_at.is_(None),
        )
    )


def offer_to_serve(
    session: Session, actor: User, panel: Panel, answers: dict[int, int | None]
) -> PanelOffer:
    """A resident offers to sit on the panel, answering the profile questions they choose
    to. On an open panel they join at once."""
    round_ = panel.round
    if not is_resident(session, actor, round_.place):
        raise NotAllowed(
            _("Only people who live in %(place)s can sit on its panels.", place=round_.place.name)
        )
    if panel.method == PanelMethod.APPOINTED:
        raise DomainError(_("The fund's team chooses the people on this panel."))
    if panel.status == PanelStatus.FINISHED or round_.status == RoundStatus.CLOSED:
        raise DomainError(_("This panel has finished its work."))
    if panel.method == PanelMethod.DRAWN and panel.status != PanelStatus.FORMING:
        raise DomainError(_("The lottery for this panel has already happened."))
    for category in panel.categories:
        value_id = answers.get(category.id)
        if value_id is not None and value_id not in {v.id for v in category.values}:
            raise DomainError(_("Choose one of the answers"), field=f"category_{category.id}")
    offer = session.scalar(
        select(PanelOffer).where(PanelOffer.panel_id == panel.id, PanelOffer.user_id == actor.id)
    )
    if offer is not None and offer.withdrawn_at is None:
        raise DomainError(_("You have already offered to sit on this panel."))
    if offer is None:
        offer = PanelOffer(panel=panel, user=actor)
        session.add(offer)
    else:
        # A fresh reference: the old answers stay with the old one, unlinked.
        offer.volunteer_ref = new_volunteer_ref()
        offer.withdrawn_at = None
        offer.created_at = utcnow()
    session.flush()
    for category in panel.categories:
        session.add(
            ProfileAnswer(
                volunteer_ref=offer.volunteer_ref,
                category_id=category.id,
                value_id=answers.get(category.id),
            )
        )
    session.flush()
    audit(
        session,
        actor,
        "panel.offer",
        panel,
        f"Offered to sit on the panel for {round_.title}",
        place=round_.place,
    )
    if panel.method == PanelMethod.OPEN:
        _join(session, actor, panel, actor, JoinedBy.OFFER)
    return offer


def withdraw_offer(session: Session, actor: User, panel: Panel) -> None:
    """Take back an offer. Someone already on the panel leaves it."""
    offer = offer_for(session, actor, panel)
    if offer is None:
        raise DomainError(_("You have not offered to sit on this panel."))
    offer.withdrawn_at = utcnow()
    session.execute(
        ProfileAnswer.__table__.delete().where(ProfileAnswer.volunteer_ref == offer.volunteer_ref)
    )
    member = member_for(session, actor, panel)
    if member is not None:
        member.left_at = utcnow()
        member.is_chair = False
    session.flush()
    if member is not None:
        _release_if_off_every_panel(session, actor, panel, actor)
    audit(
        session,
        actor,
        "panel.offer_withdraw",
        panel,
        f"Withdrew an offer to sit on the panel for {panel.round.title}",
        place=panel.round.place,
        left_panel=member is not None,
    )


# --- Members ---------------------------------------------------------------------------------


def _join(
    session: Session,
    actor: User,
    panel: Panel,
    user: User,
    joined_by: JoinedBy,
    draw: PanelDraw | None = None,
) -> PanelMember:
    member = session.scalar(
        select(PanelMember).where(PanelMember.panel_id == panel.id, PanelMember.user_id == user.id)
    )
    if member is not None and member.left_at is None:
        raise DomainError(_("%(name)s is already on the panel.", name=user.name), field="email")
    if member is None:
        member = PanelMember(panel=panel, user=user, joined_by=joined_by)
        session.add(member)
    member.joined_by = joined_by
    member.draw_id = draw.id if draw is not None else None
    member.left_at = None
    member.joined_at = utcnow()
    session.flush()
    ensure_panel_role(session, actor, panel.round.place, user)
    audit(
        session,
        actor,
        "panel.join",
        member,
        f"{user.name} joined the panel for {panel.round.title} ({joined_by.value})",
        place=panel.round.place,
        panel_id=panel.id,
    )
    return member


def appoint(session: Session, actor: User, panel: Panel, email: str) -> PanelMember:
    """Put someone with an account on the panel."""
    _require_staff(session, actor, panel.round.place)
    if panel.status == PanelStatus.FINISHED:
        raise DomainError(_("This panel has finished its work."))
    if panel.method == PanelMethod.DRAWN:
        raise DomainError(
            _("This panel is chosen by lottery. Draw a replacement instead."), field="email"
        )
    user = find_user_by_email(session, email or "")
    if user is None:
        raise DomainError(
            _("No one has an account with that email. Ask them to register first."),
            field="email",
        )
    return _join(session, actor, panel, user, JoinedBy.APPOINTED)


def _release_if_off_every_panel(session: Session, actor: User, panel: Panel, user: User) -> None:
    """Someone who has left their last panel in the place stops being a panel member there."""
    place = panel.round.place
    still_on = session.scalar(
        select(PanelMember.id)
        .join(Panel, PanelMember.panel_id == Panel.id)
        .join(Round, Panel.round_id == Round.id)
        .where(
            PanelMember.user_id == user.id,
            PanelMember.left_at.is_(None),
            Round.place_id == place.id,
        )
        .limit(1)
    )
    if still_on is None:
        release_panel_role(session, actor, place, user)


def remove_member(session: Session, actor: User, member: PanelMember) -> None:
    """Someone drops out (or is taken off). Their place can be filled by a replacement."""
    panel = member.panel
    _require_staff(session, actor, panel.round.place)
    if member.left_at is not None:
        raise DomainError(_("%(name)s has already left the panel.", name=member.user.name))
    member.left_at = utcnow()
    member.is_chair = False
    session.flush()
    _release_if_off_every_panel(session, actor, panel, member.user)
    audit(
        session,
        actor,
        "panel.leave",
        member,
        f"{member.user.name} left the panel for {panel.round.title}",
        place=panel.round.place,
        panel_id=panel.id,
    )


def make_chair(session: Session, actor: User, member: PanelMember) -> None:
    panel = member.panel
    _require_staff(session, actor, panel.round.place)
    if member.left_at is not None:
        raise DomainError(_("%(name)s has left the panel.", name=member.user.name))
    for other in panel.members:
        other.is_chair = other.id == member.id
    session.flush()
    audit(
        session,
        actor,
        "panel.chair",
        member,
        f"{member.user.name} chairs the panel for {panel.round.title}",
        place=panel.round.place,
        panel_id=panel.id,
    )


# --- The lottery -----------------------------------------------------------------------------


def _pool(session: Session, panel: Panel, leave_out: set[int]) -> tuple[list[dict], dict]:
    """Live offers not already on the panel, with their answers, keyed by volunteer ref."""
    offers = [o for o in _live_offers(session, panel) if o.user_id not in leave_out]
    refs = [o.volunteer_ref for o in offers]
    answers: dict[str, dict[int, int | None]] = defaultdict(dict)
    if refs:
        for row in session.scalars(
            select(ProfileAnswer).where(ProfileAnswer.volunteer_ref.in_(refs))
        ):
            answers[row.volunteer_ref][row.category_id] = row.value_id
    labels = {v.id: v.label for c in panel.categories for v in c.values}
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
    _require_staff(session, actor, panel.round.place)
    _require_forming(panel)
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
        _join(session, actor, panel, offers[ref].user, joined, draw=record)
    audit(
        session,
        actor,
        f"panel.draw_{kind.value}",
        record,
        f"Drew {seats} for the panel for {panel.round.title} from {len(pool)} (seed {seed})",
        place=panel.round.place,
        panel_id=panel.id,
        seed=seed,
    )
    return record


def draw_panel(session: Session, actor: User, panel: Panel, seed: int | None = None) -> PanelDraw:
    """Choose the panel by lottery from everyone who offered, meeting every quota."""
    _require_staff(session, actor, panel.round.place)
    _require_forming(panel)
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
    _require_staff(session, actor, panel.round.place)
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


# --- Moving the panel on ---------------------------------------------------------------------


def panel_applications(session: Session, panel: Panel) -> list[Application]:
    return list(
        session.scalars(
            select(Application)
            .where(
                Application.round_id == panel.round_id,
                Application.state.in_(PANEL_APPLICATION_STATES),
            )
            .order_by(Application.submitted_at, Application.id)
        )
    )


def move_panel(session: Session, actor: User, panel: Panel, action: str) -> Panel:
    """Move the panel on. Starting to read moves every sent application to 'being read'
    (through giving's transition) and shares them out."""
    _require_staff(session, actor, panel.round.place)
    move = find_panel_move(panel.status, action)
    if move is None:
        raise DomainError(_("The panel cannot do that now."))
    if action == "start_review":
        if not panel.active_members:
            raise DomainError(_("There is no one on the panel yet."))
        if not panel.round.criteria:
            raise DomainError(_("The round has nothing for the panel to score against."))
        sent = session.scalars(
            select(Application).where(
                Application.round_id == panel.round_id, Application.state == State.SUBMITTED
            )
        ).all()
        for application in sent:
            transition(session, actor, application, "start_review")
    if action == "finish":
        waiting = [a for a in panel_applications(session, panel) if a.state == State.IN_REVIEW]
        if waiting:
            raise DomainError(
                _(
                    "Record the shortlist decision for every application first (%(n)d left).",
                    n=len(waiting),
                )
            )
    source = panel.status
    panel.status = move.target
    session.flush()
    audit(
        session,
        actor,
        f"panel.{action}",
        panel,
        f"Panel for {panel.round.title}: {source.label} → {move.target.label}",
        place=panel.round.place,
        to=move.target.value,
    )
    if action == "start_review":
        share_out(session, actor, panel)
    return panel


def _conflicted_pairs(session: Session, panel: Panel) -> set[tuple[int, int]]:
    rows = session.execute(
        select(Declaration.member_id, Declaration.application_id)
        .join(PanelMember, PanelMember.id == Declaration.member_id)
        .where(PanelMember.panel_id == panel.id, Declaration.conflicted.is_(True))
    ).all()
    return {(m, a) for m, a in rows}


def share_out(session: Session, actor: User, panel: Panel) -> int:
    """Give applications to members: everyone gets every one, or each application gets the
    panel's number of reviewers, spread so that no one has many more than anyone else.
    Running it again only tops up (after someone joins, leaves or declares a conflict)."""
    _require_staff(session, actor, panel.round.place)
    if panel.status != PanelStatus.REVIEWING:
        raise DomainError(_("Start reading and scoring first."))
    members = sorted(panel.active_members, key=lambda m: m.id)
    applications = [a for a in panel_applications(session, panel) if a.state == State.IN_REVIEW]
    conflicts = _conflicted_pairs(session, panel)
    existing = {
        (m, a)
        for m, a in session.execute(
            select(Assignment.member_id, Assignment.application_id)
            .join(PanelMember, PanelMember.id == Assignment.member_id)
            .where(PanelMember.panel_id == panel.id)
        )
    }
    active_ids = {m.id for m in members}
    load = {m.id: sum(1 for mid, _a in existing if mid == m.id) for m in members}
    added = 0
    for application in applications:
        free = [m for m in members if (m.id, application.id) not in conflicts]
        have = [m for m in free if (m.id, application.id) in existing]
        wanted = (
            len(free)
            if panel.reviewers_per_application is None
            else min(panel.reviewers_per_application, len(free))
        )
        candidates = sorted(
            (m for m in free if (m.id, application.id) not in existing),
            key=lambda m: (load[m.id], m.id),
        )
        for member in candidates[: max(0, wanted - len(have))]:
            session.add(Assignment(member_id=member.id, application_id=application.id))
            load[member.id] += 1
            added += 1
    session.flush()
    audit(
        session,
        actor,
        "panel.share_out",
        panel,
        f"Shared out applications to the panel for {panel.round.title}",
        place=panel.round.place,
        added=added,
        members=len(active_ids),
    )
    return added


def is_assigned(session: Session, member: PanelMember, application: Application) -> bool:
    return (
        session.scalar(
            select(Assignment.id).where(
                Assignment.member_id == member.id, Assignment.application_id == application.id
            )
        )
        is not None
    )


# --- Conflicts -------------------------------------------------------------------------------


def _require_member(session: Session, actor: User, panel: Panel) -> PanelMember:
    member = member_for(session, actor, panel)
    if member is None:
        raise NotAllowed(_("Only the panel's members can do this."))
    return member


def _has_submitted(session: Session, member: PanelMember, application: Application) -> bool:
    return (
        session.scalar(
            select(Review.id).where(
                Review.member_id == member.id,
                Review.application_id == application.id,
                Review.submitted_at.is_not(None),
            )
        )
        is not None
    )


def declare(
    session: Session,
    actor: User,
    panel: Panel,
    answers: dict[int, tuple[bool | None, str]],
) -> list[Declaration]:
    """Record the member's conflicts (or none) for the applications given, by id. A conflict
    can be declared at any time; 'no conflict' can be changed until they send their scores."""
    member = _require_member(session, actor, panel)
    if panel.status == PanelStatus.FINISHED:
        raise DomainError(_("This panel has finished its work."))
    applications = {a.id: a for a in panel_applications(session, panel)}
    saved = []
    for application_id, (conflicted, reason) in answers.items():
        application = applications.get(application_id)
        if application is None:
            continue
        reason = (reason or "").strip()
        if conflicted is None and not reason:
            continue  # not answered yet: they can come back to it
        if conflicted is None:
            raise DomainError(
                _("Say whether you have a conflict with %(group)s", group=application.group.name),
                field=f"conflict_{application_id}",
            )
        if conflicted and not reason:
            raise DomainError(
                _(
                    "Say in a few words why you have a conflict with %(group)s",
                    group=application.group.name,
                ),
                field=f"reason_{application_id}",
            )
        if len(reason) > 500:
            raise DomainError(_("Use 500 characters or fewer"), field=f"reason_{application_id}")
        declaration = declaration_for(session, member, application)
        if (
            declaration is not None
            and declaration.conflicted == conflicted
            and declaration.reason == reason
        ):
            saved.append(declaration)
            continue
        if (
            declaration is not None
            and declaration.conflicted
            and not conflicted
            and _has_submitted(session, member, application)
        ):
            raise DomainError(
                _(
                    "You cannot take back a conflict with %(group)s now.",
                    group=application.group.name,
                ),
                field=f"conflict_{application_id}",
            )
        if (
            declaration is not None
            and not declaration.conflicted
            and not conflicted
            and _has_submitted(session, member, application)
        ):
            saved.append(declaration)
            continue
        if declaration is None:
            declaration = Declaration(
                member_id=member.id, application_id=application.id, conflicted=conflicted
            )
            session.add(declaration)
        declaration.conflicted = bool(conflicted)
        declaration.reason = reason
        declaration.declared_at = utcnow()
        session.flush()
        audit(
            session,
            actor,
            "panel.declare",
            declaration,
            f"{member.user.name}: {'a conflict' if conflicted else 'no conflict'} "
            f"with {application.group.name}",
            place=panel.round.place,
            panel_id=panel.id,
            application_id=application.id,
            conflicted=bool(conflicted),
        )
        saved.append(declaration)
    return saved


@dataclass
class RegisterRow:
    member: PanelMember
    application: Application
    declaration: Declaration | None


def conflicts_register(session: Session, actor: User, panel: Panel) -> list[RegisterRow]:
    """Every member against every application: declared conflicts, none, or not yet."""
    _require_staff(session, actor, panel.round.place)
    declarations = {
        (d.member_id, d.application_id): d
        for d in session.scalars(
            select(Declaration)
            .join(PanelMember, PanelMember.id == Declaration.member_id)
            .where(PanelMember.panel_id == panel.id)
        )
    }
    return [
        RegisterRow(member, application, declarations.get((member.id, application.id)))
        for member in panel.active_members
        for application in panel_applications(session, panel)
    ]


# --- Scoring ---------------------------------------------------------------------------------


def review_for(session: Session, member: PanelMember, application: Application) -> Review | None:
    return session.scalar(
        select(Review).where(Review.member_id == member.id, Review.application_id == application.id)
    )


def my_scores(session: Session, member: PanelMember, application: Application) -> dict[int, int]:
    return {
        s.criterion_id: s.value
        for s in session.scalars(
            select(Score).where(
                Score.member_id == member.id, Score.application_id == application.id
            )
        )
    }


def save_review(
    session: Session,
    actor: User,
    panel: Panel,
    application: Application,
    *,
    scores: dict[int, int | None],
    comment: str,
    submit: bool,
) -> Review:
    """Save a member's scores and comment; they can change them until they send them."""
    access = require_reader(session, actor, panel, application)
    if access != Access.READ:
        raise NotAllowed(_("Only the panel's members can score."))
    member = _require_member(session, actor, panel)
    if panel.status != PanelStatus.REVIEWING:
        raise DomainError(_("The panel is not scoring at the moment."))
    if application.state != State.IN_REVIEW:
        raise DomainError(_("The panel has already decided about this application."))
    if not is_assigned(session, member, application):
        raise NotAllowed(_("This application was not given to you to score."))
    review = review_for(session, member, application)
    if review is not None and review.submitted_at is not None:
        raise DomainError(
            _("You have sent your scores for this application, so they cannot change.")
        )
    comment = (comment or "").strip()
    if len(comment) > 5000:
        raise DomainError(_("Use 5000 characters or fewer"), field="comment")
    criteria = application.round.criteria
    for criterion in criteria:
        value = scores.get(criterion.id)
        if value is not None and not SCORE_MIN <= value <= SCORE_MAX:
            raise DomainError(
                _("Choose a score from %(low)d to %(high)d", low=SCORE_MIN, high=SCORE_MAX),
                field=f"criterion_{criterion.id}",
            )
        if submit and value is None:
            raise DomainError(
                _("Give a score for %(name)s", name=criterion.name),
                field=f"criterion_{criterion.id}",
            )
    if review is None:
        review = Review(member_id=member.id, application_id=application.id)
        session.add(review)
    review.comment = comment
    review.updated_at = utcnow()
    if submit:
        review.submitted_at = utcnow()
    existing = {
        s.criterion_id: s
        for s in session.scalars(
            select(Score).where(
                Score.member_id == member.id, Score.application_id == application.id
            )
        )
    }
    for criterion in criteria:
        value = scores.get(criterion.id)
        score = existing.get(criterion.id)
        if value is None:
            if score is not None:
                session.delete(score)
        elif score is None:
            session.add(
                Score(
                    member_id=member.id,
                    application_id=application.id,
                    criterion_id=criterion.id,
                    value=value,
                )
            )
        else:
            score.value = value
    session.flush()
    audit(
        session,
        actor,
        "review.submit" if submit else "review.save",
        review,
        f"{member.user.name} {'sent' if submit else 'saved'} scores for {application.group.name}",
        place=panel.round.place,
        panel_id=panel.id,
        application_id=application.id,
    )
    return review


# --- The panel's view ------------------------------------------------------------------------


@dataclass
class ReviewerScore:
    member: PanelMember
    weighted: Fraction
    normalised: float
    comment: str
    by_criterion: dict[int, int]


@dataclass
class ApplicationStats:
    application: Application
    reviews: list[ReviewerScore] = field(default_factory=list)
    mean: float | None = None
    median: float | None = None
    normalised: float | None = None
    spread: float | None = None
    disagree: bool = False
    decision: ShortlistDecision | None = None


def weighted_score(values: dict[int, int], criteria: list) -> Fraction | None:
    """Each criterion's score times its weight, added up, divided by the weights' total:
    still on the 1 to 5 scale. None until every criterion has a score."""
    if not criteria or any(c.id not in values for c in criteria):
        return None
    total = sum(c.weight for c in criteria)
    return Fraction(sum(values[c.id] * c.weight for c in criteria), total)


def panel_stats(session: Session, panel: Panel) -> list[ApplicationStats]:
    """For each application: weighted mean and median, the score normalised per reviewer,
    and whether reviewers disagree strongly.

    Counted: sent scores from people on the panel now, with no conflict on the application
    (scores made before someone declared a conflict stop counting).

    Normalised: for each reviewer, each of their weighted scores minus their own average,
    divided by how spread out their own scores are (a z-score; 0 when they gave only one
    score or all the same). An application's normalised score is the average of these.
    """
    criteria = panel.round.criteria
    applications = panel_applications(session, panel)
    members = {m.id: m for m in panel.active_members}
    conflicts = _conflicted_pairs(session, panel)
    reviews = (
        session.scalars(
            select(Review).where(Review.member_id.in_(members), Review.submitted_at.is_not(None))
        ).all()
        if members
        else []
    )
    scores: dict[tuple[int, int], dict[int, int]] = defaultdict(dict)
    if members:
        for s in session.scalars(select(Score).where(Score.member_id.in_(members))):
            scores[(s.member_id, s.application_id)][s.criterion_id] = s.value
    counted: list[tuple[Review, Fraction]] = []
    for review in reviews:
        if (review.member_id, review.application_id) in conflicts:
            continue
        weighted = weighted_score(scores[(review.member_id, review.application_id)], criteria)
        if weighted is not None:
            counted.append((review, weighted))
    by_member: dict[int, list[Fraction]] = defaultdict(list)
    for review, weighted in counted:
        by_member[review.member_id].append(weighted)
    centre = {m: statistics.fmean(float(v) for v in vals) for m, vals in by_member.items()}
    spread = {
        m: statistics.pstdev([float(v) for v in vals]) if len(vals) > 1 else 0.0
        for m, vals in by_member.items()
    }
    decisions = {
        d.application_id: d
        for d in session.scalars(
            select(ShortlistDecision).where(ShortlistDecision.panel_id == panel.id)
        )
    }
    rows = []
    for application in applications:
        row = ApplicationStats(application=application, decision=decisions.get(application.id))
        for review, weighted in counted:
            if review.application_id != application.id:
                continue
            m = review.member_id
            z = (float(weighted) - centre[m]) / spread[m] if spread[m] > 0 else 0.0
            row.reviews.append(
                ReviewerScore(
                    member=members[m],
                    weighted=weighted,
                    normalised=z,
                    comment=review.comment,
                    by_criterion=scores[(m, application.id)],
                )
            )
        if row.reviews:
            values = [r.weighted for r in row.reviews]
            row.mean = float(sum(values) / len(values))
            row.median = float(statistics.median(values))
            row.normalised = statistics.fmean(r.normalised for r in row.reviews)
            row.spread = float(max(values) - min(values))
            row.disagree = len(values) > 1 and max(values) - min(values) >= DISAGREEMENT_SPREAD
        rows.append(row)
    return rows


def stats_for(session: Session, panel: Panel, application: Application) -> ApplicationStats:
    return next(r for r in panel_stats(session, panel) if r.application.id == application.id)


# --- Discussion and the shortlist ------------------------------------------------------------


def notes_for(session: Session, panel: Panel, application: Application) -> list[PanelNote]:
    return list(
        session.scalars(
            select(PanelNote)
            .where(PanelNote.panel_id == panel.id, PanelNote.application_id == application.id)
            .order_by(PanelNote.created_at, PanelNote.id)
        )
    )


def add_note(
    session: Session, actor: User, panel: Panel, application: Application, text: str
) -> PanelNote:
    """A point in the panel's discussion of an application."""
    require_reader(session, actor, panel, application)
    text = (text or "").strip()
    if not text:
        raise DomainError(_("Write something first"), field="text")
    if len(text) > 5000:
        raise DomainError(_("Use 5000 characters or fewer"), field="text")
    if panel.status == PanelStatus.FINISHED:
        raise DomainError(_("This panel has finished its work."))
    note = PanelNote(
        panel_id=panel.id, application_id=application.id, author_id=actor.id, text=text
    )
    session.add(note)
    session.flush()
    audit(
        session,
        actor,
        "panel.note",
        note,
        f"Added to the panel's discussion of {application.group.name}",
        place=panel.round.place,
        panel_id=panel.id,
        application_id=application.id,
    )
    return note


def can_chair(session: Session, user: User | None, panel: Panel) -> bool:
    member = member_for(session, user, panel)
    if member is not None:
        return member.is_chair
    return user is not None and is_staff(session, user, panel.round.place)


def save_meeting_notes(session: Session, actor: User, panel: Panel, text: str) -> Panel:
    """The notes of the panel's meeting, kept by the chair or a fund manager."""
    if not can_chair(session, actor, panel):
        raise NotAllowed(_("Only the panel's chair or a fund manager can keep the meeting notes."))
    text = (text or "").strip()
    if len(text) > 20000:
        raise DomainError(_("Use 20000 characters or fewer"), field="text")
    panel.meeting_notes = text
    session.flush()
    audit(
        session,
        actor,
        "panel.meeting_notes",
        panel,
        f"Changed the meeting notes of the panel for {panel.round.title}",
        place=panel.round.place,
    )
    return panel


def decide_shortlist(
    session: Session,
    actor: User,
    panel: Panel,
    application: Application,
    action: str,
    reason: str,
) -> ShortlistDecision:
    """The panel's decision at the shortlist, with a reason. 'decline' sends the reason to
    the group as feedback. The application moves through giving's transition, as a decision
    reached by the panel."""
    if not can_chair(session, actor, panel):
        raise NotAllowed(_("Only the panel's chair or a fund manager can record the shortlist."))
    if access_to(session, actor, panel, application) in (Access.CONFLICTED, Access.NONE):
        raise NotAllowed(_("You declared a conflict with this application, so you cannot see it."))
    if panel.status != PanelStatus.REVIEWING:
        raise DomainError(_("The panel is not deciding at the moment."))
    if action not in ("shortlist", "decline"):
        raise DomainError(_("Choose whether it goes on the shortlist"), field="action")
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(
            _(
                "Write the reason. If it is not on the shortlist, the group will read it, "
                "so use plain words."
            ),
            field="reason",
        )
    existing = session.scalar(
        select(ShortlistDecision).where(
            ShortlistDecision.panel_id == panel.id,
            ShortlistDecision.application_id == application.id,
        )
    )
    if existing is not None:
        raise DomainError(_("The panel has already decided about this application."))
    transition(
        session,
        actor,
        application,
        action,
        feedback=reason if action == "decline" else None,
        as_system=True,
    )
    decision = ShortlistDecision(
        panel_id=panel.id,
        application_id=application.id,
        action=action,
        reason=reason,
        decided_by_id=actor.id,
    )
    session.add(decision)
    session.flush()
    audit(
        session,
        actor,
        f"panel.{action}",
        decision,
        f"The panel for {panel.round.title}: {action} {application.group.name}",
        place=panel.round.place,
        panel_id=panel.id,
        application_id=application.id,
    )
    return decision


def panels_for_user(session: Session, user: User) -> list[Panel]:
    return list(
        session.scalars(
            select(Panel)
            .join(PanelMember, PanelMember.panel_id == Panel.id)
            .where(PanelMember.user_id == user.id, PanelMember.left_at.is_(None))
            .order_by(Panel.id.desc())
        )
    )


def offers_count(session: Session, panel: Panel) -> int:
    return (
        session.scalar(
            select(func.count(PanelOffer.id)).where(
                PanelOffer.panel_id == panel.id, PanelOffer.withdrawn_at.is_(None)
            )
        )
        or 0
    )


# --- Votes: setting one up -------------------------------------------------------------------
#
# A round's panel votes on its shortlist, or everyone who lives in the place does (a public
# vote), or both. A vote's options are the round's shortlisted applications, fixed when it
# opens. Its settings freeze once the first ballot is in.

DEFAULT_RULES = {VoteKind.PANEL: "greedy_votes", VoteKind.PUBLIC: "mes_cost_add1_greedy"}
MAX_CODES_AT_ONCE = 500
CODE_LENGTH = 12


def vote_kinds_for(round_: Round) -> list[VoteKind]:
    """The votes a round's decision method allows."""
    return {
        DecisionMethod.PANEL: [VoteKind.PANEL],
        DecisionMethod.PUBLIC: [VoteKind.PUBLIC],
        DecisionMethod.BOTH: [VoteKind.PANEL, VoteKind.PUBLIC],
    }[round_.decision_method]


def votes_for_round(session: Session, round_: Round) -> list[Vote]:
    return list(session.scalars(select(Vote).where(Vote.round_id == round_.id).order_by(Vote.id)))


def vote_of_kind(session: Session, round_: Round, kind: VoteKind) -> Vote | None:
    return session.scalar(select(Vote).where(Vote.round_id == round_.id, Vote.kind == kind))


def ballot_count(session: Session, vote: Vote) -> int:
    return session.scalar(select(func.count(Ballot.id)).where(Ballot.vote_id == vote.id)) or 0


def is_frozen(session: Session, vote: Vote) -> bool:
    """True once the first ballot is in: the settings can no longer change."""
    return (
        vote.id is not None
        and session.scalar(select(Ballot.id).where(Ballot.vote_id == vote.id).limit(1)) is not None
    )


def _awarded_elsewhere(session: Session, round_: Round, vote: Vote | None) -> int:
    """Money the round has already given, other than through this vote's options."""
    stmt = select(func.coalesce(func.sum(Application.award_pence), 0)).where(
        Application.round_id == round_.id, Application.state == State.AWARDED
    )
    return session.scalar(stmt) or 0


def new_seed() -> str:
    return str(secrets.randbelow(10**9) + 1)


def save_vote(
    session: Session,
    actor: User,
    round_: Round,
    kind: VoteKind | str,
    *,
    rule: str,
    ballot_kind: BallotKind | str,
    opens_at: dt.datetime,
    closes_at: dt.datetime,
    max_choices: int | None = None,
    points_total: int | None = None,
    tie_break_seed: str | None = None,
    budget_pence: int | None = None,
) -> Vote:
    """Set up a round's vote, or change it until the first ballot is in."""
    _require_staff(session, actor, round_.place)
    kind = VoteKind(kind)
    ballot_kind = BallotKind(ballot_kind)
    if round_.is_draft:
        raise DomainError(_("Open the round before you set up a vote."))
    if kind not in vote_kinds_for(round_):
        raise DomainError(_("This round is not decided by this kind of vote."))
    if rule not in RULES:
        raise DomainError(_("Choose how the votes are counted."), field="rule")
    if rule in POINTS_RULES and ballot_kind != BallotKind.CUMULATIVE:
        raise DomainError(
            _("This way of counting needs points: choose the points ballot."), field="rule"
        )
    if closes_at <= opens_at:
        raise DomainError(_("The vote must close after it opens."), field="closes_on")
    if closes_at <= utcnow():
        raise DomainError(_("The closing time must be in the future."), field="closes_on")
    if ballot_kind == BallotKind.CUMULATIVE:
        if not points_total or not 1 <= points_total <= 1000:
            raise DomainError(
                _("Say how many points each voter shares out (1 to 1,000)."),
                field="points_total",
            )
    else:
        points_total = None
    if ballot_kind != BallotKind.APPROVAL:
        max_choices = None
    seed = (tie_break_seed or "").strip() or None
    vote = vote_of_kind(session, round_, kind)
    if vote is not None:
        if vote.status not in (VoteStatus.DRAFT, VoteStatus.OPEN):
            raise DomainError(_("This vote has closed, so it cannot be changed."))
        if is_frozen(session, vote):
            raise DomainError(_("People have voted already, so the vote's settings cannot change."))
    left = round_.budget_pence - _awarded_elsewhere(session, round_, vote)
    budget = budget_pence if budget_pence is not None else left
    if budget <= 0:
        raise DomainError(_("There is no money left in this round to vote on."))
    if budget > left:
        raise DomainError(
            _("Only %(left)s of the round's money is left.", left=pounds_from_pence(left)),
            field="budget_pence",
        )
    if vote is None:
        vote = Vote(round=round_, kind=kind, created_by_id=actor.id)
        session.add(vote)
    vote.rule = rule
    vote.ballot_kind = ballot_kind
    vote.max_choices = max_choices
    vote.points_total = points_total
    vote.opens_at = opens_at
    vote.closes_at = closes_at
    vote.budget_pence = budget
    vote.tie_break_seed = seed or vote.tie_break_seed or new_seed()
    session.flush()
    if vote.status == VoteStatus.OPEN:
        _fix_options(session, vote)
    audit(
        session,
        actor,
        "vote.save",
        vote,
        f"Set up the {kind.value} vote for {round_.title}",
        place=round_.place,
        rule=rule,
        ballot_kind=ballot_kind.value,
        seed=vote.tie_break_seed,
    )
    return vote


def _fix_options(session: Session, vote: Vote) -> None:
    """Put the round's shortlist on the ballot, with the cost used to count each one."""
    round_ = vote.round
    shortlisted = session.scalars(
        select(Application)
        .where(Application.round_id == round_.id, Application.state == State.SHORTLISTED)
        .order_by(Application.id)
    ).all()
    if not shortlisted:
        raise DomainError(_("Put at least one application on the shortlist first."))
    vote.options.clear()
    session.flush()
    for position, application in enumerate(shortlisted, start=1):
        cost = min(
            application.amount_requested_pence or round_.max_grant_pence, round_.max_grant_pence
        )
        vote.options.append(VoteOption(application=application, position=position, cost_pence=cost))
    session.flush()


def move_vote(
    session: Session, actor: User | None, vote: Vote, action: str, *, as_system: bool = False
) -> Vote:
    """Move a vote on (open, close and count, award): the one function that does it."""
    if not as_system:
        if actor is None:
            raise NotAllowed(_("Only fund managers and admins of this place can do this."))
        _require_staff(session, actor, vote.round.place)
    if action == "close":
        # Wait for ballots being cast now, and stop new ones, before closing.
        session.execute(select(Vote.id).where(Vote.id == vote.id).with_for_update())
        session.refresh(vote)
    move = find_vote_move(vote.status, action)
    if move is None:
        raise DomainError(
            _("This cannot be done to a vote that is: %(status)s.", status=vote.status.label)
        )
    now = utcnow()
    if action == "open":
        if vote.closes_at <= now:
            raise DomainError(_("The closing time has passed. Change it first."))
        _fix_options(session, vote)
    elif action == "award":
        _award(session, actor, vote)
    vote.status = move.target
    if action == "close":
        vote.closed_at = now
    session.flush()
    audit(
        session,
        actor,
        f"vote.{action}",
        vote,
        f"The {vote.kind.value} vote for {vote.round.title}: {vote.status.label}",
        place=vote.round.place,
        **({"by": "system"} if as_system else {}),
    )
    if action == "close":
        _count(session, vote)
        vote.status = VoteStatus.COUNTED
        session.flush()
        audit(
            session,
            actor,
            "vote.count",
            vote,
            f"Counted the {vote.kind.value} vote for {vote.round.title}",
            place=vote.round.place,
            ballots=vote.outcome["ballots"] if vote.outcome else 0,
        )
    return vote


def refresh_vote(session: Session, vote: Vote) -> bool:
    """Close and count a vote whose closing time has passed; True when it did."""
    if vote.status == VoteStatus.OPEN and utcnow() >= vote.closes_at:
        # Two people looking at once: the second waits, then finds it closed already.
        session.execute(select(Vote.id).where(Vote.id == vote.id).with_for_update())
        session.refresh(vote)
        if vote.status != VoteStatus.OPEN:
            return False
        move_vote(session, None, vote, "close", as_system=True)
        return True
    return False


# --- Votes: who may vote, and their ballots --------------------------------------------------


@dataclass
class Voter:
    """Someone casting a ballot: a signed-in person, or the holder of a voting code."""

    user: User | None = None
    code: VotingCode | None = None

    @property
    def key(self) -> str:
        return f"user:{self.user.id}" if self.user is not None else f"code:{self.code.id}"


def _keyed_hash(text: str) -> str:
    secret = str(current_app.config["SECRET_KEY"]).encode()
    return hmac.new(secret, text.encode(), hashlib.sha256).hexdigest()


def voter_token(vote: Vote, voter: Voter) -> str:
    """Finds a voter's ballot without storing who they are next to it."""
    return _keyed_hash(f"ballot:{vote.id}:{voter.key}")


def is_public(vote: Vote) -> bool:
    return vote.kind == VoteKind.PUBLIC


def can_see_vote(session: Session, user: User | None, vote: Vote) -> bool:
    """Public votes are for everyone once set up; panel votes for the panel and staff. Every
    result is public once counted."""
    signed_in = user is not None and getattr(user, "is_authenticated", False)
    if signed_in and is_staff(session, user, vote.round.place):
        return True
    if vote.status == VoteStatus.DRAFT:
        return False
    if is_public(vote) or vote.status in (VoteStatus.COUNTED, VoteStatus.AWARDED):
        return True
    panel = panel_for_round(session, vote.round)
    return panel is not None and member_for(session, user, panel) is not None


def why_cannot_vote(session: Session, user: User | None, vote: Vote) -> str | None:
    """Why a signed-in person cannot vote in this vote, or None when they can."""
    if user is None or not getattr(user, "is_authenticated", False):
        return _("Log in to vote, or use a voting code.")
    if is_public(vote):
        if not user.is_confirmed:
            return _("Confirm your email address first: follow the link we sent you.")
        if not is_resident(session, user, vote.round.place):
            return _(
                "Only people who live in %(place)s can vote. Add your postcode to your account.",
                place=vote.round.place.name,
            )
        return None
    panel = panel_for_round(session, vote.round)
    if panel is None or member_for(session, user, panel) is None:
        return _("Only the panel votes in this vote.")
    return None


def voter_for_user(session: Session, user: User | None, vote: Vote) -> Voter:
    reason = why_cannot_vote(session, user, vote)
    if reason:
        raise NotAllowed(reason)
    return Voter(user=user)


def _code_hash(code: str) -> str:
    return _keyed_hash("voting-code:" + "".join(ch for ch in code.upper() if ch.isalnum()))


def find_code(session: Session, vote: Vote, raw: str) -> VotingCode:
    """The voting code someone typed in, for this vote."""
    if not is_public(vote):
        raise DomainError(_("Voting codes are only for public votes."), field="code")
    found = session.scalar(
        select(VotingCode).where(
            VotingCode.vote_id == vote.id, VotingCode.code_hash == _code_hash(raw)
        )
    )
    if found is None:
        raise DomainError(
            _("We do not know that code. Check it against your letter and try again."),
            field="code",
        )
    return found


def _format_code(raw: str) -> str:
    return "-".join(raw[i : i + 4] for i in range(0, len(raw), 4))


def issue_codes(
    session: Session, actor: User, vote: Vote, how_many: int, ward: Ward | None = None
) -> list[str]:
    """Make one-time voting codes for people who are not online. The codes are returned to
    be printed once; only a keyed hash of each is kept."""
    _require_staff(session, actor, vote.round.place)
    if not is_public(vote):
        raise DomainError(_("Voting codes are only for public votes."))
    if vote.status not in (VoteStatus.DRAFT, VoteStatus.OPEN):
        raise DomainError(_("This vote has closed, so no more codes can be made."))
    if not 1 <= how_many <= MAX_CODES_AT_ONCE:
        raise DomainError(
            _("Make from 1 to %(most)d codes at a time.", most=MAX_CODES_AT_ONCE), field="count"
        )
    if ward is not None and ward.place_id != vote.round.place_id:
        raise DomainError(_("Choose a ward in this place."), field="ward")
    codes: list[str] = []
    for _n in range(how_many):
        raw = "".join(secrets.choice(RECEIPT_ALPHABET) for _ in range(CODE_LENGTH))
        session.add(
            VotingCode(
                vote_id=vote.id,
                code_hash=_code_hash(raw),
                ward_id=ward.id if ward else None,
                issued_by_id=actor.id,
            )
        )
        codes.append(_format_code(raw))
    session.flush()
    audit(
        session,
        actor,
        "vote.codes",
        vote,
        f"Made {how_many} voting codes for {vote.round.title}",
        place=vote.round.place,
        count=how_many,
        ward=ward.name if ward else None,
    )
    return codes


def codes_issued(session: Session, vote: Vote) -> tuple[int, int]:
    """How many codes were made for this vote, and how many have been used."""
    made = session.scalar(select(func.count(VotingCode.id)).where(VotingCode.vote_id == vote.id))
    used = session.scalar(
        select(func.count(VotingCode.id)).where(
            VotingCode.vote_id == vote.id, VotingCode.used_at.is_not(None)
        )
    )
    return made or 0, used or 0


def conflicted_options(session: Session, vote: Vote, voter: Voter) -> set[int]:
    """Option ids a panel member declared a conflict with: never on their ballot."""
    if is_public(vote) or voter.user is None:
        return set()
    panel = panel_for_round(session, vote.round)
    member = member_for(session, voter.user, panel) if panel else None
    if member is None:
        return set()
    conflicted = set(
        session.scalars(
            select(Declaration.application_id).where(
                Declaration.member_id == member.id, Declaration.conflicted.is_(True)
            )
        )
    )
    return {o.id for o in vote.options if o.application_id in conflicted}


def ballot_options(session: Session, vote: Vote, voter: Voter) -> list[VoteOption]:
    """The options on this voter's ballot."""
    leave_out = conflicted_options(session, vote, voter)
    return [o for o in vote.options if o.id not in leave_out]


def ballot_for(session: Session, vote: Vote, voter: Voter) -> Ballot | None:
    return session.scalar(
        select(Ballot).where(
            Ballot.vote_id == vote.id, Ballot.voter_token == voter_token(vote, voter)
        )
    )


def is_taking_ballots(vote: Vote, now: dt.datetime | None = None) -> bool:
    now = now or utcnow()
    return vote.status == VoteStatus.OPEN and vote.opens_at <= now < vote.closes_at


def _check_choices(
    session: Session, vote: Vote, voter: Voter, choices: dict[int, int]
) -> dict[int, int]:
    options = {o.id: o for o in vote.options}
    chosen = {oid: pts for oid, pts in choices.items() if pts}
    unknown = [oid for oid in chosen if oid not in options]
    if unknown:
        raise DomainError(_("Choose from the projects on the ballot."))
    conflicted = conflicted_options(session, vote, voter) & set(chosen)
    if conflicted:
        raise NotAllowed(
            _("You declared a conflict with one of these applications, so you cannot vote on it.")
        )
    if any(pts < 0 for pts in chosen.values()):
        raise DomainError(_("Points cannot be less than 0."))
    if not chosen:
        raise DomainError(
            _("Give points to at least one project.")
            if vote.ballot_kind == BallotKind.CUMULATIVE
            else _("Choose at least one project.")
        )
    if vote.ballot_kind == BallotKind.CUMULATIVE:
        total = sum(chosen.values())
        if total > (vote.points_total or 0):
            raise DomainError(
                _(
                    "You gave %(given)d points, but you have %(most)d to share out.",
                    given=total,
                    most=vote.points_total,
                )
            )
        return chosen
    chosen = dict.fromkeys(chosen, 1)
    if (
        vote.ballot_kind == BallotKind.APPROVAL
        and vote.max_choices
        and len(chosen) > vote.max_choices
    ):
        raise DomainError(_("Choose no more than %(most)d projects.", most=vote.max_choices))
    if vote.ballot_kind == BallotKind.KNAPSACK:
        cost = sum(options[oid].cost_pence for oid in chosen)
        if cost > vote.budget_pence:
            raise DomainError(
                _(
                    "Your choices cost %(cost)s, but there is %(budget)s to share out. "
                    "Take some off.",
                    cost=pounds_from_pence(cost),
                    budget=pounds_from_pence(vote.budget_pence),
                )
            )
    return chosen


def _ward_id_for(session: Session, vote: Vote, voter: Voter) -> int | None:
    if voter.code is not None:
        return voter.code.ward_id
    if voter.user is not None and voter.user.postcode:
        ward = ward_for_postcode(session, vote.round.place, voter.user.postcode)
        return ward.id if ward else None
    return None


def cast_ballot(session: Session, vote: Vote, voter: Voter, choices: dict[int, int]) -> Ballot:
    """Cast or change a voter's ballot: ``choices`` maps option ids to points (1 for a tick).

    The database keeps one ballot per voter and vote (the voter token is unique per vote) and
    one record that they voted. Two submissions at once from the same voter end as one
    ballot: the later one changes it."""
    if voter.user is not None:
        voter_for_user(session, voter.user, vote)
    elif voter.code is None or voter.code.vote_id != vote.id:
        raise NotAllowed(_("Use a voting code for this vote."))
    # Closing waits for ballots being cast; ballots cast after closing are refused.
    session.execute(select(Vote.id).where(Vote.id == vote.id).with_for_update(read=True))
    session.refresh(vote)
    now = utcnow()
    if not is_taking_ballots(vote, now):
        if vote.status == VoteStatus.OPEN and now < vote.opens_at:
            raise DomainError(_("Voting opens at %(when)s.", when=format_datetime(vote.opens_at)))
        raise DomainError(_("This vote is closed."))
    chosen = _check_choices(session, vote, voter, choices)

    try:
        with session.begin_nested():
            session.add(
                VoterRecord(
                    vote_id=vote.id,
                    user_id=voter.user.id if voter.user else None,
                    voting_code_id=voter.code.id if voter.code else None,
                    ward_id=_ward_id_for(session, vote, voter),
                )
            )
        voted_before = False
    except IntegrityError:
        voted_before = True  # they have voted before: this changes their ballot
    if voter.code is not None and voter.code.used_at is None:
        voter.code.used_at = now

    token = voter_token(vote, voter)
    ballot = _locked_ballot(session, vote, token)
    if ballot is None and voted_before:
        # Their ballot was made under another secret key: it cannot be found to change, and
        # a second one must never be made.
        raise DomainError(_("Your vote is in, but it cannot be changed now."))
    if ballot is None:
        try:
            with session.begin_nested():
                ballot = Ballot(vote_id=vote.id, voter_token=token)
                session.add(ballot)
        except IntegrityError:
            ballot = _locked_ballot(session, vote, token)  # another tab got there first
            if ballot is None:
                raise
    session.execute(delete(BallotChoice).where(BallotChoice.ballot_id == ballot.id))
    session.expire(ballot, ["choices"])
    for oid, points in chosen.items():
        session.add(BallotChoice(ballot_id=ballot.id, option_id=oid, points=points))
    session.flush()
    return ballot


def _locked_ballot(session: Session, vote: Vote, token: str) -> Ballot | None:
    return session.scalar(
        select(Ballot)
        .where(Ballot.vote_id == vote.id, Ballot.voter_token == token)
        .with_for_update()
        .execution_options(populate_existing=True)
    )


def voters_count(session: Session, vote: Vote) -> int:
    return (
        session.scalar(select(func.count(VoterRecord.id)).where(VoterRecord.vote_id == vote.id))
        or 0
    )


# --- Votes: counting, results and awards -----------------------------------------------------


def _project(option: VoteOption) -> Project:
    application = option.application
    name = application.group.name + (f": {application.title}" if application.title else "")
    return Project(option.project_id, option.cost_pence, name=name)


def election_for(session: Session, vote: Vote) -> Election:
    """The vote as plain data: projects, budget and the anonymised ballots (voter id = the
    ballot's receipt code), in receipt order."""
    by_option = {o.id: o.project_id for o in vote.options}
    ballots = session.scalars(
        select(Ballot).where(Ballot.vote_id == vote.id).order_by(Ballot.receipt)
    ).all()
    choices: dict[str, list[BallotChoice]] = defaultdict(list)
    for choice in session.scalars(
        select(BallotChoice)
        .join(Ballot, Ballot.id == BallotChoice.ballot_id)
        .where(Ballot.vote_id == vote.id)
    ):
        choices[choice.ballot_id].append(choice)
    rule_ballots = []
    cumulative = vote.ballot_kind == BallotKind.CUMULATIVE
    for ballot in ballots:
        mine = sorted(choices[ballot.id], key=lambda c: c.option_id)
        ids = tuple(by_option[c.option_id] for c in mine)
        points = tuple(c.points for c in mine) if cumulative else None
        rule_ballots.append(RuleBallot(ids, points, voter_id=ballot.receipt))
    round_ = vote.round
    return Election(
        projects=[_project(o) for o in vote.options],
        budget=vote.budget_pence,
        ballots=rule_ballots,
        vote_type=vote.ballot_kind.vote_type,
        meta={
            "description": f"{round_.title}: {vote.kind.value} vote",
            "country": "United Kingdom",
            "unit": round_.place.name,
            "instance": f"placefund-vote-{vote.id}",
            "currency": "GBP (pence)",
            "ballot": vote.ballot_kind.value,
        },
    )


def count_vote(session: Session, vote: Vote, rule: str | None = None) -> Outcome:
    """Count the vote's ballots with its rule (or another) and its published lottery seed."""
    return count(
        election_for(session, vote),
        rule or vote.rule,
        tie_break=Lottery(vote.tie_break_seed),
        money=pounds_from_pence,
    )


def outcome_json(outcome: Outcome, ballots: int) -> dict[str, Any]:
    return {
        "rule": outcome.rule,
        "selected": list(outcome.selected),
        "total_cost": amount_for_json(outcome.total_cost),
        "budget": amount_for_json(outcome.budget),
        "tie_break": outcome.tie_break,
        "ballots": ballots,
        "explanations": {
            e.project_id: {
                "selected": e.selected,
                "reason": e.reason,
                "votes": e.votes,
                "points": amount_for_json(e.points) if e.points is not None else None,
                "round": e.round,
            }
            for e in outcome.explanations
        },
    }


def _count(session: Session, vote: Vote) -> None:
    outcome = count_vote(session, vote)
    vote.outcome = outcome_json(outcome, ballot_count(session, vote))
    vote.counted_at = utcnow()
    session.flush()


def ballot_file(session: Session, vote: Vote) -> str:
    """The anonymised ballots as a Pabulib ``.pb`` file, with the rule and the seed, so anyone
    can count them again."""
    if vote.status not in (VoteStatus.COUNTED, VoteStatus.AWARDED):
        raise DomainError(_("The ballots are published once the vote is counted."))
    return write_pabulib(
        election_for(session, vote), rule=vote.rule, tie_break=Lottery(vote.tie_break_seed)
    )


@dataclass
class ResultRow:
    option: VoteOption
    selected: bool
    votes: int
    points: Any
    reason: str
    order: int | None

    @property
    def amount(self) -> int | None:
        return self.option.cost_pence if self.selected else None


def result_rows(vote: Vote) -> list[ResultRow]:
    """Every project with what happened to it and why: the funded ones first, in the order
    they were chosen, then the rest by votes."""
    if not vote.outcome:
        return []
    explanations = vote.outcome["explanations"]
    rows = []
    for option in vote.options:
        item = explanations.get(option.project_id, {})
        rows.append(
            ResultRow(
                option=option,
                selected=bool(item.get("selected")),
                votes=int(item.get("votes") or 0),
                points=item.get("points"),
                reason=item.get("reason", ""),
                order=item.get("round"),
            )
        )
    return sorted(rows, key=lambda r: (not r.selected, r.order or 0, -r.votes, r.option.position))


def _award(session: Session, actor: User | None, vote: Vote) -> None:
    """Write the result back to the applications through giving's workflow: money for those
    chosen, and the reason for the others."""
    who = _("the panel's vote") if vote.kind == VoteKind.PANEL else _("the public vote")
    for row in result_rows(vote):
        application = row.option.application
        if application.state not in (State.SHORTLISTED, State.IN_REVIEW):
            continue
        if row.selected:
            transition(session, actor, application, "award", award_pence=row.amount, as_system=True)
        else:
            feedback = _(
                "Your application was not chosen in %(who)s. %(reason)s", who=who, reason=row.reason
            )
            transition(session, actor, application, "decline", feedback=feedback, as_system=True)
    vote.awarded_at = utcnow()


def vote_round_links(round_: Round, user: User | None, page: str) -> list[tuple[str, str]]:
    """Links to a round's votes: for staff, to set them up; for everyone, to vote or to see
    the results."""
    from flask import url_for

    session = db.session
    slug = round_.place.slug
    if page == "manage":
        if round_.is_draft:
            return []
        return [(_("Votes"), url_for("voting.manage_votes", place_slug=slug, round_id=round_.id))]
    links: list[tuple[str, str]] = []
    for vote in votes_for_round(session, round_):
        if vote.status in (VoteStatus.COUNTED, VoteStatus.AWARDED):
            text = (
                _("Results of the public vote")
                if is_public(vote)
                else _("Results of the panel vote")
            )
            links.append((text, url_for("voting.results", vote_id=vote.id)))
        elif vote.status == VoteStatus.OPEN and can_see_vote(session, user, vote):
            text = _("Vote on which projects get money") if is_public(vote) else _("The panel vote")
            links.append((text, url_for("voting.vote_page", vote_id=vote.id)))
    return links


def ballot_by_receipt(session: Session, vote: Vote, receipt: str) -> list[tuple[VoteOption, int]]:
    """What a published ballot chose (the same as its line in the ballot file), found by the
    receipt code its voter was given. Empty when there is no such ballot in this vote."""
    code = "".join(ch for ch in receipt.upper() if ch.isalnum())
    ballot = session.scalar(select(Ballot).where(Ballot.vote_id == vote.id, Ballot.receipt == code))
    if ballot is None:
        return []
    return [(choice.option, choice.points) for choice in ballot.choices]
