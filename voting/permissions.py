"""Who may do what in voting: staff of the round's place, the panel's members and chair,
readers of an application (declared, and with no conflict), and voters.

Questions come in two forms: ``can_...`` and ``access_to`` answer; ``require_...`` raise
:class:`NotAllowed` (or :class:`DomainError` when the person can put it right).
"""

from __future__ import annotations

import enum
from typing import TYPE_CHECKING

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from giving import workflow as giving_workflow
from giving.errors import DomainError, NotAllowed
from giving.models import Application, Place, ResidentVerification, Role, Round, User
from giving.services import is_staff, roles_for, verified_resident
from giving.timeutil import utcnow
from giving.workflow import State
from voting.models import Declaration, Panel, PanelMember, Vote, VoteKind, WhoMayVote
from voting.workflow import STAFF, VoteStatus

if TYPE_CHECKING:
    from typing_extensions import TypeIs

# Applications a panel works on: being read, and what it has done with them since.
PANEL_APPLICATION_STATES = (State.IN_REVIEW, State.SHORTLISTED, State.DECLINED, State.AWARDED)


def signed_in(user: User | None) -> TypeIs[User]:
    return user is not None and bool(getattr(user, "is_authenticated", False))


def require_staff(session: Session, actor: User | None, place: Place) -> set[str]:
    """Refuse anyone but the place's fund managers and admins; the kinds of actor they count
    as in a workflow move."""
    if actor is None or not is_staff(session, actor, place):
        raise NotAllowed(_("Only fund managers and admins of this place can do this."))
    return {STAFF}


def panel_for_round(session: Session, round_: Round) -> Panel | None:
    return session.scalar(select(Panel).where(Panel.round_id == round_.id))


def member_for(session: Session, user: User | None, panel: Panel) -> PanelMember | None:
    """The user's place on the panel, if they are on it now."""
    if not signed_in(user):
        return None
    return session.scalar(
        select(PanelMember).where(
            PanelMember.panel_id == panel.id,
            PanelMember.user_id == user.id,
            PanelMember.left_at.is_(None),
        )
    )


def require_member(session: Session, actor: User, panel: Panel) -> PanelMember:
    member = member_for(session, actor, panel)
    if member is None:
        raise NotAllowed(_("Only the panel's members can do this."))
    return member


def can_see_panel(session: Session, user: User | None, panel: Panel) -> bool:
    """The panel's pages are for its members and the place's staff."""
    if not signed_in(user):
        return False
    return member_for(session, user, panel) is not None or is_staff(
        session, user, panel.round.place
    )


def can_chair(session: Session, user: User | None, panel: Panel) -> bool:
    member = member_for(session, user, panel)
    if member is not None:
        return member.is_chair
    return user is not None and is_staff(session, user, panel.round.place)


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


def why_cannot_read(
    session: Session, user: User | None, panel: Panel, application: Application
) -> DomainError | None:
    """Why the person may not read this application on the panel (a :class:`NotAllowed` for
    a conflict or for anyone not on the panel; a :class:`DomainError` for a member who has
    not declared yet), or None when they may."""
    access = access_to(session, user, panel, application)
    if access == Access.CONFLICTED:
        return NotAllowed(_("You declared a conflict with this application, so you cannot see it."))
    if access == Access.NONE:
        return NotAllowed(_("Only the panel can see this."))
    if access == Access.UNDECLARED:
        return DomainError(
            _("Say whether you have a conflict with each application before you read any of them.")
        )
    if application.state not in PANEL_APPLICATION_STATES:
        return NotAllowed(_("This application is not with the panel."))
    return None


def require_reader(
    session: Session, user: User | None, panel: Panel, application: Application
) -> Access:
    """Refuse anyone with a conflict, anyone not on the panel, and anyone who has not yet
    declared; return the access of everyone else."""
    refusal = why_cannot_read(session, user, panel, application)
    if refusal is not None:
        raise refusal
    return access_to(session, user, panel, application)


def panel_access_policy(session: Session, user: User, application: Application) -> bool:
    """Giving's rule for which panel members may read an application (the app's
    ``panel_access`` hook): on the round's panel now, declared on it, and not conflicted.
    Rounds without a panel here keep giving's rule (every panel member of the place)."""
    if application.state not in giving_workflow.PANEL_STATES:
        return False
    panel = session.scalar(select(Panel).where(Panel.round_id == application.round_id))
    if panel is None:
        return Role.PANEL_MEMBER in roles_for(session, user, application.round.place)
    return access_to(session, user, panel, application) == Access.READ


# --- Votes -----------------------------------------------------------------------------------


def is_public(vote: Vote) -> bool:
    return vote.kind == VoteKind.PUBLIC


def can_see_vote(session: Session, user: User | None, vote: Vote) -> bool:
    """Public votes are for everyone once set up; panel votes for the panel and staff. Every
    result is public once counted."""
    if vote.status != VoteStatus.DRAFT and (
        is_public(vote) or vote.status in (VoteStatus.COUNTED, VoteStatus.AWARDED)
    ):
        return True
    if signed_in(user) and is_staff(session, user, vote.round.place):
        return True
    if vote.status == VoteStatus.DRAFT:
        return False
    panel = panel_for_round(session, vote.round)
    return panel is not None and member_for(session, user, panel) is not None


def who_may_vote(vote: Vote) -> WhoMayVote:
    """Who may vote in a public vote (verified residents until it is saved)."""
    return vote.who_may_vote or WhoMayVote.VERIFIED


def verification_ran_out(session: Session, user: User, place: Place) -> bool:
    """True when the person verified where they live in the place, but it has run out."""
    return (
        session.scalar(
            select(ResidentVerification.id).where(
                ResidentVerification.user_id == user.id,
                ResidentVerification.place_id == place.id,
                ResidentVerification.expires_at <= utcnow(),
            )
        )
        is not None
    )


def must_verify(session: Session, user: User | None, vote: Vote) -> bool:
    """True when the only thing between a signed-in person and a public vote is showing
    where they live (their account is confirmed, but they are not a verified resident)."""
    return (
        signed_in(user)
        and is_public(vote)
        and who_may_vote(vote).takes_accounts
        and user.is_confirmed
        and verified_resident(session, user, vote.round.place) is None
    )


def _why_not_in_public_vote(session: Session, user: User, vote: Vote) -> str | None:
    """A postcode on an account is only a claim: a public vote takes verified residents (or
    only voting codes)."""
    place = vote.round.place
    if not who_may_vote(vote).takes_accounts:
        return _("This vote is by voting code only. Use the code on your letter.")
    if not user.is_confirmed:
        return _("Confirm your email address first: follow the link we sent you.")
    if verified_resident(session, user, place) is not None:
        return None
    if verification_ran_out(session, user, place):
        return _(
            "You showed us that you live in %(place)s, but that has run out. "
            "Show us where you live again, then you can vote.",
            place=place.name,
        )
    return _(
        "Only people who have shown they live in %(place)s can vote. "
        "Show us where you live first, then you can vote.",
        place=place.name,
    )


def why_code_refused(vote: Vote) -> str | None:
    """Why a voting code cannot be used in this vote, or None when it can."""
    if not is_public(vote):
        return _("Voting codes are only for public votes.")
    if not who_may_vote(vote).takes_codes:
        return _(
            "This vote does not take voting codes. Only people who have shown where they "
            "live can vote: log in to vote."
        )
    return None


def why_cannot_vote(session: Session, user: User | None, vote: Vote) -> str | None:
    """Why a signed-in person cannot vote in this vote, or None when they can."""
    if not signed_in(user):
        if is_public(vote) and not who_may_vote(vote).takes_accounts:
            return _("This vote is by voting code only. Use the code on your letter.")
        return _("Log in to vote, or use a voting code.")
    if is_public(vote):
        return _why_not_in_public_vote(session, user, vote)
    panel = panel_for_round(session, vote.round)
    if panel is None or member_for(session, user, panel) is None:
        return _("Only the panel votes in this vote.")
    return None
