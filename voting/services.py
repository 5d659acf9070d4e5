"""Domain operations for panels and review.

A fund manager sets up a round's panel (open to everyone who offers, appointed, or drawn by
lottery with quotas); residents offer to serve; members declare conflicts before they read
anything, score the applications they are given, discuss them, and the chair (or a fund
manager) records the shortlist. Applications move only through giving's single
:func:`giving.services.rounds.transition`.

Like every service, these take the session and the acting user, flush but never commit, and
raise :class:`DomainError` with a message a person can act on.
"""

from __future__ import annotations

import enum
import statistics
from collections import defaultdict
from dataclasses import dataclass, field
from fractions import Fraction

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from giving import workflow as giving_workflow
from giving.extensions import db
from giving.models import Application, Role, Round, RoundStatus, User
from giving.services import (
    DomainError,
    NotAllowed,
    audit,
    find_user_by_email,
    is_resident,
    is_staff,
    roles_for,
    set_panel_access_policy,
    transition,
)
from giving.services.rounds import ensure_panel_role
from giving.timeutil import utcnow
from giving.web import add_round_links
from giving.workflow import State
from voting import sortition
from voting.models import (
    SCORE_MAX,
    SCORE_MIN,
    Assignment,
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
    new_volunteer_ref,
)
from voting.workflow import PanelStatus, find_panel_move

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


def install() -> None:
    """Narrow who on a panel may read applications on giving's pages, and put the panel's
    links on giving's round pages."""
    set_panel_access_policy(panel_access_policy)
    add_round_links(round_links)


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


def remove_member(session: Session, actor: User, member: PanelMember) -> None:
    """Someone drops out (or is taken off). Their place can be filled by a replacement."""
    panel = member.panel
    _require_staff(session, actor, panel.round.place)
    if member.left_at is not None:
        raise DomainError(_("%(name)s has already left the panel.", name=member.user.name))
    member.left_at = utcnow()
    member.is_chair = False
    session.flush()
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
