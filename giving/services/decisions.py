"""Moving an application along its workflow: sending, withdrawing, and the decisions.

:func:`transition` is the only way an application's state changes. It hands the table in
:mod:`giving.workflow` to the one checked step (:func:`giving.services.workflow.step`),
with what each move needs, and tells the group by email when it is sent or decided.
"""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from giving import hooks
from giving.errors import DomainError
from giving.models import Application, Channel, DecidedBy, DecisionMethod, Round, RoundStatus, User
from giving.money import format_money
from giving.moves import Move
from giving.permissions import actors_for, require_staff
from giving.services.applying import missing_parts, tell_the_group
from giving.services.core import total_of
from giving.services.eligibility import (
    eligibility_reasons,
    facts_for_group,
    round_not_taking_reason,
)
from giving.services.workflow import step
from giving.timeutil import format_datetime, utcnow
from giving.workflow import (
    APPLICATIONS,
    DECISION_ACTIONS,
    OVERRIDE_ACTIONS,
    Actor,
    Needs,
    State,
)

DECIDED_STATES = (State.INELIGIBLE, State.DECLINED, State.AWARDED)


def who_decides(method: DecisionMethod) -> str:
    """One plain sentence saying who decides who gets money in a round."""
    if method == DecisionMethod.PANEL:
        return _("In this round, a panel of people who live here decides who gets money.")
    if method == DecisionMethod.PUBLIC:
        return _("In this round, the people who live here decide who gets money by a public vote.")
    if method == DecisionMethod.BOTH:
        return _(
            "In this round, a panel of people who live here makes a shortlist, then the people "
            "who live here decide who gets money by a public vote."
        )
    return _("In this round, the fund's team decides who gets money.")


def residents_decide_refusal(round_: Round) -> str:
    """Why staff cannot give money or turn it down where residents decide, and what to do in
    an emergency."""
    return " ".join(
        (
            who_decides(round_.decision_method),
            _(
                "The fund's team cannot give money, turn it down or make the shortlist. "
                "In an emergency (the group closed, fraud, a conflict found late), override "
                "the decision and write why: the reason is published."
            ),
        )
    )


def _decided_by(move: Move, actors: set[Actor]) -> DecidedBy | None:
    """Who made a final decision: residents (a panel or a count, as the SYSTEM actor), the
    fund's team in a round it decides or checking eligibility, or an override."""
    if move.target not in DECIDED_STATES:
        return None
    if move.action in OVERRIDE_ACTIONS:
        return DecidedBy.OVERRIDE
    if Actor.SYSTEM in actors:
        return DecidedBy.RESIDENTS
    return DecidedBy.STAFF


def _award_total(session: Session, round_: Round, leaving_out: Application) -> int:
    return total_of(
        session,
        Application.award_pence,
        Application.round_id == round_.id,
        Application.state == State.AWARDED,
        Application.id != leaving_out.id,
    )


def _check_needs(
    session: Session,
    move: Move,
    application: Application,
    feedback: str | None,
    award_pence: int | None,
    override_reason: str | None = None,
) -> None:
    round_ = application.round
    if Needs.OPEN_ROUND in move.needs:
        if utcnow() >= round_.closes_at or round_.status == RoundStatus.CLOSED:
            raise DomainError(
                _(
                    "The deadline was %(when)s, so this application can no longer be sent.",
                    when=format_datetime(round_.closes_at),
                )
            )
        reason = round_not_taking_reason(round_)
        if reason:
            raise DomainError(reason)
    if Needs.COMPLETE in move.needs:
        problems = missing_parts(application)
        if problems:
            field, message = problems[0]
            raise DomainError(message, field=field)
        reasons = eligibility_reasons(
            session, round_, facts_for_group(session, round_, application.group)
        )
        if reasons:
            raise DomainError(" ".join(reasons))
    if Needs.OVERRIDE_REASON in move.needs and not (override_reason or "").strip():
        raise DomainError(
            _(
                "Write why the fund's team is overriding the residents' decision. "
                "The reason is published on the round's results and shown to the group."
            ),
            field="override_reason",
        )
    if Needs.FEEDBACK in move.needs and not (feedback or "").strip():
        raise DomainError(
            _("Write the reasons. The group will read them, so use plain words."),
            field="feedback",
        )
    if Needs.AWARD in move.needs:
        if award_pence is None or award_pence <= 0:
            raise DomainError(_("Enter how much money to give"), field="award_pence")
        if award_pence > round_.max_grant_pence:
            raise DomainError(
                _(
                    "The largest grant in this round is %(high)s",
                    high=format_money(round_.max_grant_pence),
                ),
                field="award_pence",
            )
        left = round_.budget_pence - _award_total(session, round_, application)
        if award_pence > left:
            raise DomainError(
                _("Only %(left)s of the round's budget is left", left=format_money(left)),
                field="award_pence",
            )


def transition(
    session: Session,
    actor: User | None,
    application: Application,
    action: str,
    *,
    feedback: str | None = None,
    award_pence: int | None = None,
    channel: Channel | None = None,
    as_system: bool = False,
    override_reason: str | None = None,
) -> Application:
    """Move an application along the workflow: the only way its state ever changes.

    The step looks ``action`` up in :data:`giving.workflow.APPLICATIONS` for the
    application's state and checks the actor may make it (``as_system`` for decisions
    reached elsewhere on Placefund, such as a vote count); here we check what the move needs,
    record what it carries (reasons, an amount, how the group reached staff, who decided and
    why an override was needed), and tell the group by email when it is sent or decided.

    Where residents decide, staff asking to give money or turn it down are refused with the
    reason; they may override instead (``override_award``, ``override_decline``), with
    ``override_reason``, which is published.
    """
    actors = {Actor.SYSTEM} if as_system else actors_for(session, actor, application)
    helping = Actor.STAFF in actors and Actor.GROUP not in actors
    if (
        action in DECISION_ACTIONS
        and Actor.OVERRIDING_STAFF in actors
        and (
            APPLICATIONS.find(application.state, action) is not None
            or application.state in (State.AWARDED, State.DECLINED)
        )
    ):
        raise DomainError(residents_decide_refusal(application.round), field="action")

    def check(move: Move) -> None:
        _check_needs(session, move, application, feedback, award_pence, override_reason)
        for guard in hooks.current().decision_guards:
            refusal = guard(session, application, move)
            if refusal:
                raise DomainError(refusal, field="action")
        if move.action == "submit" and helping and (channel is None or channel == Channel.ONLINE):
            raise DomainError(_("Say how the group reached you"), field="channel")

    def apply(move: Move) -> dict[str, Any]:
        now = utcnow()
        if move.action == "submit" and helping and channel is not None:
            application.channel = channel
            application.entered_by_staff = True
        if feedback is not None and feedback.strip():
            application.feedback = feedback.strip()
        application.award_pence = award_pence if move.target == State.AWARDED else None
        if move.target == State.SUBMITTED and application.submitted_at is None:
            application.submitted_at = now
        if move.target in DECIDED_STATES:
            application.decided_at = now
            application.decided_by = _decided_by(move, actors)
        elif move.target == State.SUBMITTED:
            application.decided_at = None
            application.decided_by = None
        application.override_reason = (
            override_reason.strip() if move.action in OVERRIDE_ACTIONS and override_reason else None
        )
        application.updated_at = now
        extra: dict[str, Any] = {}
        if move.action in OVERRIDE_ACTIONS:
            extra["residents_had"] = move.source.value
            extra["override_reason"] = application.override_reason
        if move.action == "submit":
            extra["channel"] = application.channel.value
        if move.target == State.AWARDED:
            extra["award_pence"] = application.award_pence
        return extra

    done = step(
        session,
        actor,
        application,
        APPLICATIONS,
        action,
        actors,
        place=application.round.place,
        summary=lambda move: f"{application.group.name}: {move.source.label} → {move.target.label}",
        check=check,
        apply=apply,
        details={"by": "system"} if as_system else None,
    )
    _tell_the_group(application, done)
    return application


def _tell_the_group(application: Application, move: Move) -> None:
    title = application.round.title
    if move.target == State.SUBMITTED and move.source == State.DRAFT:
        subject = _l("We have your application to %(round)s", round=title)
        tell_the_group(application, subject, "application_submitted")
    elif move.target in (State.INELIGIBLE, State.DECLINED, State.AWARDED):
        subject = _l("A decision on your application to %(round)s", round=title)
        tell_the_group(application, subject, "application_decided")


def submit_application(
    session: Session, actor: User, application: Application, channel: Channel | None = None
) -> Application:
    return transition(session, actor, application, "submit", channel=channel)


def withdraw_application(session: Session, actor: User, application: Application) -> Application:
    return transition(session, actor, application, "withdraw")


def decide_application(
    session: Session,
    actor: User,
    application: Application,
    action: str,
    *,
    feedback: str | None = None,
    award_pence: int | None = None,
) -> Application:
    """Staff move an application on (start reading, mark it as not able to be funded and, in
    a round the fund's team decides, shortlist, decline or award)."""
    require_staff(session, actor, application.round.place)
    if action in OVERRIDE_ACTIONS:
        raise DomainError(_("Use the page for overriding the residents' decision."), field="action")
    return transition(
        session, actor, application, action, feedback=feedback, award_pence=award_pence
    )


def override_decision(
    session: Session,
    actor: User,
    application: Application,
    action: str,
    *,
    override_reason: str | None,
    feedback: str | None = None,
    award_pence: int | None = None,
) -> Application:
    """The fund's team overrides the residents' decision in an emergency: it gives money or
    turns the application down, with a reason that is published on the round's results and
    shown to the group."""
    require_staff(session, actor, application.round.place)
    if action not in OVERRIDE_ACTIONS:
        raise DomainError(_("Choose whether to give money or not"), field="action")
    return transition(
        session,
        actor,
        application,
        action,
        feedback=feedback,
        award_pence=award_pence if action == "override_award" else None,
        override_reason=override_reason,
    )
