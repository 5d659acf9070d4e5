"""Offering to sit on a panel. A resident's answers to the panel's questions are kept under
an opaque volunteer reference, apart from their account, and deleted if they withdraw."""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from giving.errors import DomainError, NotAllowed
from giving.models import RoundStatus, User
from giving.services import audit, find_one, is_resident
from giving.timeutil import utcnow
from voting.models import (
    JoinedBy,
    Panel,
    PanelLottery,
    PanelMethod,
    PanelOffer,
    ProfileAnswer,
    new_volunteer_ref,
)
from voting.permissions import member_for, signed_in
from voting.services.members import join, leave
from voting.workflow import PanelStatus


def live_offers(session: Session, panel: Panel) -> list[PanelOffer]:
    return list(
        session.scalars(
            select(PanelOffer)
            .where(PanelOffer.panel_id == panel.id, PanelOffer.withdrawn_at.is_(None))
            .order_by(PanelOffer.id)
        )
    )


def offer_for(session: Session, user: User | None, panel: Panel) -> PanelOffer | None:
    if not signed_in(user):
        return None
    return session.scalar(
        select(PanelOffer).where(
            PanelOffer.panel_id == panel.id,
            PanelOffer.user_id == user.id,
            PanelOffer.withdrawn_at.is_(None),
        )
    )


def offers_closed(session: Session, panel: Panel) -> bool:
    """Whether offers have closed for the panel's lottery (its pool is frozen and published)."""
    return (
        session.scalar(
            select(PanelLottery.id).where(
                PanelLottery.panel_id == panel.id, PanelLottery.closed_at.is_not(None)
            )
        )
        is not None
    )


def _check_offer(panel: Panel, answers: dict[int, int | None]) -> None:
    round_ = panel.round
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
    _check_offer(panel, answers)
    if offers_closed(session, panel):
        raise DomainError(_("Offers have closed. The lottery for this panel is about to happen."))
    offer = find_one(session, PanelOffer, panel_id=panel.id, user_id=actor.id)
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
        join(session, actor, panel, actor, JoinedBy.OFFER)
    return offer


def withdraw_offer(session: Session, actor: User, panel: Panel) -> None:
    """Take back an offer. Someone already on the panel leaves it."""
    offer = offer_for(session, actor, panel)
    if offer is None:
        raise DomainError(_("You have not offered to sit on this panel."))
    if offers_closed(session, panel) and not panel.draws:
        raise DomainError(
            _(
                "Offers have closed and the lottery is about to happen. "
                "You can withdraw once it has happened."
            )
        )
    offer.withdrawn_at = utcnow()
    session.execute(delete(ProfileAnswer).where(ProfileAnswer.volunteer_ref == offer.volunteer_ref))
    member = member_for(session, actor, panel)
    if member is not None:
        leave(session, actor, member)
    else:
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
