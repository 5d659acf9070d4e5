"""Setting up a round's panel: how it is formed, and the questions asked of people who offer
to sit on it (used for the lottery's quotas)."""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import inspect, select
from sqlalchemy.orm import Session, selectinload
from sqlalchemy.orm.attributes import set_committed_value

from giving.errors import DomainError
from giving.models import Round, RoundStatus, User
from giving.services import audit, count_rows
from voting import sortition
from voting.models import Panel, PanelMember, PanelMethod, PanelOffer, ProfileCategory, ProfileValue
from voting.permissions import panel_for_round, require_staff
from voting.services.offers import live_offers
from voting.workflow import PanelStatus


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
    require_staff(session, actor, round_.place)
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


def require_forming(panel: Panel) -> None:
    if panel.status != PanelStatus.FORMING:
        raise DomainError(_("The panel has started reading, so this cannot change now."))


def add_category(
    session: Session, actor: User, panel: Panel, name: str, values: list[str]
) -> ProfileCategory:
    """A question for people who offer (for example 'Age band'), with its answers."""
    require_staff(session, actor, panel.round.place)
    require_forming(panel)
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
    if live_offers(session, panel):
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
    require_staff(session, actor, panel.round.place)
    require_forming(panel)
    if live_offers(session, panel):
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


def panels_for_user(session: Session, user: User) -> list[Panel]:
    return list(
        session.scalars(
            select(Panel)
            .join(PanelMember, PanelMember.panel_id == Panel.id)
            .where(PanelMember.user_id == user.id, PanelMember.left_at.is_(None))
            .options(selectinload(Panel.round).selectinload(Round.place), selectinload(Panel.draws))
            .order_by(Panel.id.desc())
        )
    )


def offers_count(session: Session, panel: Panel) -> int:
    return count_rows(session, PanelOffer, PanelOffer.withdrawn_at.is_(None), panel_id=panel.id)


def with_questions(session: Session, panel: Panel) -> Panel:
    """The panel with its questions and their answers loaded in one go, for a page that lists
    them (unless its questions are loaded already)."""
    if "categories" in inspect(panel).unloaded:
        categories = session.scalars(
            select(ProfileCategory)
            .where(ProfileCategory.panel_id == panel.id)
            .options(selectinload(ProfileCategory.values))
            .order_by(ProfileCategory.position, ProfileCategory.id)
        ).all()
        set_committed_value(panel, "categories", list(categories))
    return panel
