"""What voting publishes: who sat on panels and who voted, the panels' make-up against the
place's own figures, and turnout by ward in public votes.

Read-only queries over voting's tables, added to giving's participation report and survey
checks through the app's hooks (:mod:`giving.hooks`), which ``voting.init_app`` fills in,
so they appear on giving's participation page and API.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from fractions import Fraction

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from giving.models import Place, PlaceFigure, Round, User, Ward
from giving.services.core import ward_for_postcode
from giving.services.reports import (
    Chart,
    ChartRow,
    Definition,
    Figure,
    Participation,
    percent,
    tidy_number,
)
from voting.models import (
    Panel,
    PanelMember,
    PanelOffer,
    ProfileAnswer,
    ProfileCategory,
    ProfileValue,
    Vote,
    VoteKind,
    VoterRecord,
)

# Keys the app itself stores and counts by; shown in the reader's language by :func:`_shown`.
WARD = "Ward"
NOT_KNOWN = "Not known"

DEFINITIONS = (
    Definition(
        "panel-make-up",
        _l("The panel against the place"),
        _l(
            "For each question we ask people who offer to sit on a panel (and for the ward "
            "they live in, from their postcode), the share of panel members in each group, "
            "next to the share of the people who live in the place, from the figures the "
            "fund's team entered from the census or the council. Shares are whole percents. "
            "Members who did not say are counted as 'Not known'."
        ),
    ),
    Definition(
        "turnout",
        _l("Turnout by ward"),
        _l(
            "For each ward: the number of people who voted in public votes, divided by the "
            "number of people who live in the ward (from the place's figures), as a percent "
            "to 1 decimal place. People who voted with a paper voting code are counted in the "
            "ward the code was given out for."
        ),
    ),
    Definition(
        "code-votes",
        _l("Votes with a voting code"),
        _l(
            "People without an account can vote with a voting code given out on paper or at "
            "an event. They are counted here, not among the people with accounts."
        ),
    ),
)


def _panels(session: Session, place: Place, round_: Round | None) -> list[Panel]:
    stmt = select(Panel).join(Round, Round.id == Panel.round_id).where(Round.place_id == place.id)
    if round_ is not None:
        stmt = stmt.where(Panel.round_id == round_.id)
    return list(session.scalars(stmt.order_by(Panel.id)))


def _votes(session: Session, place: Place, round_: Round | None) -> list[Vote]:
    stmt = (
        select(Vote)
        .join(Round, Round.id == Vote.round_id)
        .where(Round.place_id == place.id, Vote.kind == VoteKind.PUBLIC)
    )
    if round_ is not None:
        stmt = stmt.where(Vote.round_id == round_.id)
    return list(session.scalars(stmt.order_by(Vote.id)))


def _place_shares(session: Session, place: Place, category: str) -> dict[str, int]:
    rows = session.scalars(
        select(PlaceFigure).where(
            PlaceFigure.place_id == place.id, PlaceFigure.category == category
        )
    ).all()
    return {row.label: row.people for row in rows}


def _member_answers(session: Session, panel: Panel) -> dict[str, Counter]:
    """For each profile question of the panel: how many members gave each answer."""
    members = list(session.scalars(select(PanelMember).where(PanelMember.panel_id == panel.id)))
    refs = dict(
        session.execute(
            select(PanelOffer.user_id, PanelOffer.volunteer_ref).where(
                PanelOffer.panel_id == panel.id
            )
        ).all()
    )
    categories = list(
        session.scalars(select(ProfileCategory).where(ProfileCategory.panel_id == panel.id))
    )
    out: dict[str, Counter] = {}
    for category in categories:
        labels = dict(
            session.execute(
                select(ProfileAnswer.volunteer_ref, ProfileValue.label)
                .join(ProfileValue, ProfileValue.id == ProfileAnswer.value_id)
                .where(ProfileAnswer.category_id == category.id)
            ).all()
        )
        counts: Counter = Counter()
        for member in members:
            counts[labels.get(refs.get(member.user_id, ""), NOT_KNOWN)] += 1
        out[category.name] = counts
    wards: Counter = Counter()
    for member in members:
        user = member.user
        ward = (
            ward_for_postcode(session, panel.round.place, user.postcode) if user.postcode else None
        )
        wards[ward.name if ward else NOT_KNOWN] += 1
    out.setdefault(WARD, wards)
    return out


def panel_make_up(session: Session, place: Place, round_: Round | None) -> list[Chart]:
    """One chart per category the place has figures for: panel share against place share."""
    totals: dict[str, Counter] = defaultdict(Counter)
    for panel in _panels(session, place, round_):
        for category, counts in _member_answers(session, panel).items():
            totals[category].update(counts)
    charts = []
    categories = sorted({f.category for f in place_figures_of(session, place)})
    for category in categories:
        shares = _place_shares(session, place, category)
        counts = totals.get(category, Counter())
        panel_total = sum(counts.values())
        place_total = sum(shares.values())
        labels = list(shares) + [label for label in counts if label not in shares]
        rows = [
            ChartRow(
                _shown(label),
                [
                    percent(counts.get(label, 0), panel_total),
                    percent(shares.get(label, 0), place_total),
                ],
            )
            for label in labels
        ]
        charts.append(
            Chart(
                f"panel-make-up-{_slug(category)}",
                _("The panel against the place: %(category)s", category=_shown(category)),
                [_("Panel"), _("Place")],
                rows,
                "percent",
                _shown(category),
            )
        )
    return charts


def _shown(key: str) -> str:
    """A category or group as people read it: the app's own keys ("Ward", "Not known") in
    the reader's language, the ones the fund's team typed as they typed them."""
    if key == WARD:
        return _("Ward")
    if key == NOT_KNOWN:
        return _("Not known")
    return key


def place_figures_of(session: Session, place: Place) -> list[PlaceFigure]:
    return list(session.scalars(select(PlaceFigure).where(PlaceFigure.place_id == place.id)))


def _slug(text: str) -> str:
    return "".join(ch if ch.isalnum() else "-" for ch in text.lower()).strip("-") or "x"


def turnout(session: Session, place: Place, round_: Round | None) -> tuple[Chart, Chart, int]:
    """People who voted by ward, turnout by ward, and how many voted with a code.

    Each person with an account counts once, however many of the votes they voted in (in the
    ward of their vote; the last ward, by number, if they voted from more than one): the same
    people as "Voted in a public vote". A voting code is good for one vote, and whoever used
    it has no account, so each code used is one more person, in the code's ward."""
    vote_ids = [v.id for v in _votes(session, place, round_)]
    counts: Counter = Counter()
    by_code: Counter = Counter()
    if vote_ids:
        # Counted by the database, one row a ward.
        voters = (
            select(VoterRecord.user_id, func.max(VoterRecord.ward_id).label("ward_id"))
            .where(VoterRecord.vote_id.in_(vote_ids), VoterRecord.user_id.is_not(None))
            .group_by(VoterRecord.user_id)
            .subquery()
        )
        counts.update(
            dict(
                session.execute(
                    select(voters.c.ward_id, func.count()).group_by(voters.c.ward_id)
                ).all()
            )
        )
        by_code.update(
            dict(
                session.execute(
                    select(VoterRecord.ward_id, func.count(VoterRecord.id))
                    .where(
                        VoterRecord.vote_id.in_(vote_ids), VoterRecord.voting_code_id.is_not(None)
                    )
                    .group_by(VoterRecord.ward_id)
                ).all()
            )
        )
    code_votes = sum(by_code.values())
    wards = list(session.scalars(select(Ward).where(Ward.place_id == place.id).order_by(Ward.name)))
    people = _place_shares(session, place, WARD)
    voters_rows = [ChartRow(w.name, [counts.get(w.id, 0), by_code.get(w.id, 0)]) for w in wards]
    if counts.get(None) or by_code.get(None):
        voters_rows.append(
            ChartRow(_("Ward not known"), [counts.get(None, 0), by_code.get(None, 0)])
        )
    turnout_rows = [
        ChartRow(
            w.name,
            [
                tidy_number(
                    Fraction(100 * (counts.get(w.id, 0) + by_code.get(w.id, 0)), people[w.name])
                )
            ],
        )
        for w in wards
        if people.get(w.name)
    ]
    return (
        Chart(
            "voters-by-ward",
            _("People who voted, by ward"),
            [_("With an account"), _("With a voting code")],
            voters_rows,
            "count",
            _("Ward"),
        ),
        Chart(
            "turnout-by-ward",
            _("Turnout by ward"),
            [_("Turnout")],
            turnout_rows,
            "percent",
            _("Ward"),
        ),
        code_votes,
    )


def participation_part(session: Session, place: Place, round_: Round | None) -> Participation:
    records: list[tuple[str, str, int]] = []
    for panel in _panels(session, place, round_):
        for member in panel.members:
            records.append(("panel", f"round:{panel.round_id}", member.user_id))
    votes = _votes(session, place, round_)
    if votes:
        round_of = {v.id: v.round_id for v in votes}
        rows = session.execute(
            select(VoterRecord.vote_id, VoterRecord.user_id).where(
                VoterRecord.vote_id.in_(list(round_of)), VoterRecord.user_id.is_not(None)
            )
        ).all()
        records.extend(
            ("vote", f"round:{round_of[vote_id]}", user_id)
            for vote_id, user_id in rows
            if user_id is not None
        )
    voters, turnout_chart, code_votes = turnout(session, place, round_)
    return Participation(
        records=records,
        charts=[voters, turnout_chart, *panel_make_up(session, place, round_)],
        figures=[
            Figure(
                "code_votes",
                _("Votes with a voting code (people without an account)"),
                code_votes,
                str(code_votes),
                "code-votes",
            )
        ],
    )


def took_part(session: Session, user: User, round_: Round) -> bool:
    member = session.scalar(
        select(PanelMember.id)
        .join(Panel, Panel.id == PanelMember.panel_id)
        .where(Panel.round_id == round_.id, PanelMember.user_id == user.id)
    )
    if member is not None:
        return True
    voted = session.scalar(
        select(VoterRecord.id)
        .join(Vote, Vote.id == VoterRecord.vote_id)
        .where(Vote.round_id == round_.id, VoterRecord.user_id == user.id)
    )
    return voted is not None
