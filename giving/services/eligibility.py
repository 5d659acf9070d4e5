"""Who can apply to a round: the rules in plain words, and every reason a group cannot.

The same reasons serve a group starting an application, the application being sent, and the
public eligibility checker (which needs no account and stores nothing).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from giving.models import Application, Group, GroupKind, Place, Round, RoundStatus, RuleKind
from giving.money import format_money
from giving.postcodes import normalise_postcode, ward_for_postcode
from giving.timeutil import format_date, format_datetime, to_london, utcnow
from giving.workflow import State


@dataclass
class EligibilityFacts:
    """What we know about a group, from its profile or from the eligibility checker."""

    group_kind: GroupKind | None = None
    income_pence: int | None = None
    postcode: str | None = None
    last_award_on: dt.date | None = None
    recently_awarded: bool | None = None
    place_id: int | None = None
    place_name: str = ""


def _months_ago(day: dt.date, months: int) -> dt.date:
    year, month = divmod(day.year * 12 + day.month - 1 - months, 12)
    month += 1
    last_day = 31
    while True:
        try:
            return dt.date(year, month, min(day.day, last_day))
        except ValueError:
            last_day -= 1


def last_award_date(session: Session, group: Group, place: Place) -> dt.date | None:
    """When the group was last given money by a round in ``place`` (London date)."""
    decided = session.scalar(
        select(func.max(Application.decided_at))
        .join(Round, Round.id == Application.round_id)
        .where(
            Application.group_id == group.id,
            Application.state == State.AWARDED,
            Round.place_id == place.id,
        )
    )
    if decided is None:
        return None
    if decided.tzinfo is None:
        decided = decided.replace(tzinfo=dt.UTC)
    return to_london(decided).date()


def facts_for_group(session: Session, round_: Round, group: Group) -> EligibilityFacts:
    return EligibilityFacts(
        group_kind=group.kind,
        income_pence=group.annual_income_pence,
        postcode=group.postcode,
        last_award_on=last_award_date(session, group, round_.place),
        place_id=group.place_id,
        place_name=group.place.name,
    )


def _or_list(items: list[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return _("%(first)s or %(last)s", first=", ".join(items[:-1]), last=items[-1])


def eligibility_reasons(session: Session, round_: Round, facts: EligibilityFacts) -> list[str]:
    """Every reason a group cannot apply, in plain words; an empty list means it can."""
    reasons: list[str] = []
    if facts.place_id is not None and facts.place_id != round_.place_id:
        reasons.append(
            _(
                "This round is for groups in %(place)s. Your group is in %(theirs)s.",
                place=round_.place.name,
                theirs=facts.place_name,
            )
        )
    reasons += _kind_reasons(round_, facts)
    reasons += _ward_reasons(session, round_, facts)
    reasons += _income_reasons(round_, facts)
    reasons += _recent_award_reasons(round_, facts)
    return reasons


def _kind_reasons(round_: Round, facts: EligibilityFacts) -> list[str]:
    kinds = [r.group_kind for r in round_.rules_of(RuleKind.GROUP_KIND) if r.group_kind]
    if not kinds or facts.group_kind in kinds:
        return []
    if facts.group_kind is None:
        return [_("Tell us what kind of group you are.")]
    return [
        _(
            "This round is only for these kinds of group: %(allowed)s. Your group is: %(kind)s.",
            allowed=_or_list([k.label.lower() for k in kinds]),
            kind=facts.group_kind.label.lower(),
        )
    ]


def _ward_reasons(session: Session, round_: Round, facts: EligibilityFacts) -> list[str]:
    wards = [r.ward for r in round_.rules_of(RuleKind.WARD) if r.ward is not None]
    if not wards:
        return []
    names = _or_list([w.name for w in wards])
    if not facts.postcode:
        return [
            _(
                "This round is only for groups based in %(wards)s. "
                "Add your group's postcode so we can check where it is.",
                wards=names,
            )
        ]
    ward = ward_for_postcode(session, round_.place, facts.postcode)
    if ward is not None and ward.id in {w.id for w in wards}:
        return []
    return [
        _(
            "This round is only for groups based in %(wards)s. "
            "Your postcode %(postcode)s is in %(where)s.",
            wards=names,
            postcode=facts.postcode,
            where=ward.name if ward is not None else _("none of these wards"),
        )
    ]


def _income_reasons(round_: Round, facts: EligibilityFacts) -> list[str]:
    reasons = []
    ceilings = [r.amount_pence for r in round_.rules_of(RuleKind.INCOME_CEILING) if r.amount_pence]
    for ceiling in ceilings:
        if facts.income_pence is None:
            reasons.append(
                _(
                    "This round is for groups with less than %(limit)s coming in each year. "
                    "Tell us how much money comes into your group each year.",
                    limit=format_money(ceiling),
                )
            )
        elif facts.income_pence >= ceiling:
            reasons.append(
                _(
                    "This round is for groups with less than %(limit)s coming in each year. "
                    "Your group has %(income)s.",
                    limit=format_money(ceiling),
                    income=format_money(facts.income_pence),
                )
            )
    return reasons


def _recent_award_reasons(round_: Round, facts: EligibilityFacts) -> list[str]:
    reasons = []
    for months in [r.months for r in round_.rules_of(RuleKind.NO_RECENT_AWARD) if r.months]:
        since = _months_ago(to_london(utcnow()).date(), months)
        recent = facts.recently_awarded
        if facts.last_award_on is not None:
            recent = facts.last_award_on >= since
        if recent:
            text = ngettext(
                "Groups given money in %(place)s in the last month cannot apply to this round.",
                "Groups given money in %(place)s in the last %(num)d months cannot apply "
                "to this round.",
                months,
                place=round_.place.name,
            )
            if facts.last_award_on is not None:
                text += " " + _(
                    "Your group was given money on %(day)s.", day=format_date(facts.last_award_on)
                )
            reasons.append(text)
    return reasons


def describe_rules(round_: Round) -> list[str]:
    """Who can apply, as a list a person can read."""
    lines = [_("Groups that work in %(place)s", place=round_.place.name)]
    kinds = [r.group_kind for r in round_.rules_of(RuleKind.GROUP_KIND) if r.group_kind]
    if kinds:
        lines.append(_("That are: %(kinds)s", kinds=_or_list([k.label.lower() for k in kinds])))
    wards = [r.ward.name for r in round_.rules_of(RuleKind.WARD) if r.ward is not None]
    if wards:
        lines.append(_("Based in %(wards)s", wards=_or_list(wards)))
    for rule in round_.rules_of(RuleKind.INCOME_CEILING):
        lines.append(
            _("With less than %(limit)s coming in each year", limit=format_money(rule.amount_pence))
        )
    for rule in round_.rules_of(RuleKind.NO_RECENT_AWARD):
        lines.append(
            ngettext(
                "Not given money in %(place)s in the last month",
                "Not given money in %(place)s in the last %(num)d months",
                rule.months,
                place=round_.place.name,
            )
        )
    return lines


def round_not_taking_reason(round_: Round) -> str | None:
    now = utcnow()
    if round_.status == RoundStatus.DRAFT:
        return _("This round is not open yet.")
    if round_.has_closed_for_applications(now):
        return _("This round closed on %(when)s.", when=format_datetime(round_.closes_at))
    if now < round_.opens_at:
        return _("This round opens on %(when)s.", when=format_datetime(round_.opens_at))
    return None


def check_public_eligibility(
    session: Session,
    round_: Round,
    *,
    group_kind: str | None = None,
    income_pence: int | None = None,
    postcode: str | None = None,
    recently_awarded: bool | None = None,
) -> list[str]:
    """The eligibility checker anyone can use: the reasons a group like this cannot apply."""
    tidy = normalise_postcode(postcode) if postcode else None
    facts = EligibilityFacts(
        group_kind=GroupKind(group_kind) if group_kind else None,
        income_pence=income_pence,
        postcode=tidy,
        recently_awarded=recently_awarded,
    )
    return eligibility_reasons(session, round_, facts)
