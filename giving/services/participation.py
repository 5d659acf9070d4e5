"""The participation report: who took part in a place (or one round), how, where they
live, whether they came back and what they said they gained; and the place's own figures
about who lives there, to set them against."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from giving import hooks
from giving.errors import DomainError
from giving.models import (
    MIN_ANSWERS_SHOWN,
    GainAnswer,
    Place,
    PlaceFigure,
    PostcodeArea,
    ResidentVerification,
    Round,
    User,
    Ward,
)
from giving.permissions import require_staff
from giving.postcodes import postcode_prefixes
from giving.reports import Chart, ChartRow, Figure, percent, share_figure
from giving.services.core import audit
from giving.services.results import rounds_in
from giving.timeutil import utcnow

# The place's own figures about how many people live in each ward have this category.
WARD_CATEGORY = "Ward"


@dataclass
class ParticipationReport:
    people: Figure
    returning: Figure
    by_way: list[tuple[str, int]]
    by_ward: Chart
    gains: list[Figure]
    charts: list[Chart]
    figures: list[Figure]


def gain_figures(session: Session, rounds: list[Round]) -> list[Figure]:
    answers = (
        list(
            session.scalars(
                select(GainAnswer).where(GainAnswer.round_id.in_([r.id for r in rounds]))
            )
        )
        if rounds
        else []
    )
    count = len(answers)
    hidden = ngettext(
        "Not shown until 5 people have answered (%(num)d has so far)",
        "Not shown until 5 people have answered (%(num)d have so far)",
        count,
    )
    figures = []
    for key, label in (
        ("skills", _("Learned new skills")),
        ("confidence", _("Feel more confident")),
        ("new_role", _("Took on a new role in their community")),
    ):
        yes = sum(1 for a in answers if getattr(a, key))
        if count < MIN_ANSWERS_SHOWN:
            figures.append(
                Figure(
                    f"gained_{key}",
                    label,
                    None,
                    hidden,
                    "what-people-gained",
                    "percent",
                    None,
                    count,
                )
            )
        else:
            figures.append(
                share_figure(f"gained_{key}", label, yes, count, "what-people-gained", hidden)
            )
    return figures


def verified_residents(session: Session, place: Place) -> tuple[Figure, Chart]:
    """How many people are verified residents of the place now, and their wards as shares
    set against the place's own figures for its wards (counted in the database, once)."""
    by_ward = (
        select(ResidentVerification.ward_id, func.count(ResidentVerification.id))
        .where(
            ResidentVerification.place_id == place.id,
            ResidentVerification.expires_at > utcnow(),
        )
        .group_by(ResidentVerification.ward_id)
    )
    counts: dict[int | None, int] = dict(session.execute(by_ward).all())
    people = {f.label: f.people for f in place_figures(session, place, WARD_CATEGORY)}
    verified, living = sum(counts.values()), sum(people.values())
    rows = [
        ChartRow(
            ward.name,
            [percent(counts.get(ward.id, 0), verified), percent(people.get(ward.name, 0), living)],
        )
        for ward in place.wards
    ]
    if counts.get(None):
        rows.append(ChartRow(_("Ward not known"), [percent(counts[None], verified), 0]))
    chart = Chart(
        "verified-by-ward",
        _("Verified residents by ward, against all who live here"),
        [_("Verified"), _("All")],
        rows,
        "percent",
        _("Ward"),
    )
    figure = Figure(
        "verified_residents",
        _("Verified residents (people who have shown they live here)"),
        verified,
        str(verified),
        "verified-residents",
    )
    return figure, chart


def people_by_ward(session: Session, place: Place, people: set[int]) -> tuple[dict[str, int], int]:
    """How many of these people live in each of the place's wards, and how many in none we
    know, from their postcodes: the most specific postcode area that matches decides, as in
    :func:`giving.postcodes.ward_for_postcode`. Two queries however many people."""
    wards = {w.name: 0 for w in place.wards}
    outside = 0
    if not people:
        return wards, outside
    postcodes = list(session.scalars(select(User.postcode).where(User.id.in_(people))))
    prefixes = {
        prefix for postcode in postcodes if postcode for prefix in postcode_prefixes(postcode)
    }
    ward_of: dict[str, str | None] = {}
    if prefixes:
        ward_of = dict(
            session.execute(
                select(PostcodeArea.prefix, Ward.name)
                .outerjoin(Ward, Ward.id == PostcodeArea.ward_id)
                .where(PostcodeArea.place_id == place.id, PostcodeArea.prefix.in_(prefixes))
            ).all()
        )
    for postcode in postcodes:
        name = None
        if postcode:
            district, sector = postcode_prefixes(postcode)
            name = ward_of[sector] if sector in ward_of else ward_of.get(district)
        if name is None:
            outside += 1
        else:
            wards[name] = wards.get(name, 0) + 1
    return wards, outside


def participation(
    session: Session, place: Place, round_: Round | None = None
) -> ParticipationReport:
    """Who took part in the place (or one round), how, where they live, whether they came
    back, and what they said they gained."""
    records: list[tuple[str, str, int]] = []
    charts: list[Chart] = []
    extra: list[Figure] = []
    for source in hooks.current().participation_sources:
        part = source(session, place, round_)
        records.extend(part.records)
        charts.extend(part.charts)
        extra.extend(part.figures)
    people: set[int] = {user_id for _way, _when, user_id in records}
    occasions: dict[int, set[str]] = defaultdict(set)
    ways: dict[str, set[int]] = defaultdict(set)
    for way, when, user_id in records:
        occasions[user_id].add(when)
        ways[way].add(user_id)
    came_back = sum(1 for user_id in people if len(occasions[user_id]) > 1)
    labels = hooks.current().ways
    by_way = [(labels.get(way, way), len(ways.get(way, set()))) for way in labels]
    by_way += [(way, len(ids)) for way, ids in ways.items() if way not in labels]
    wards, outside = people_by_ward(session, place, people)
    rows = [ChartRow(name, [count]) for name, count in wards.items()]
    if outside:
        rows.append(ChartRow(_("Ward not known"), [outside]))
    by_ward = Chart(
        "people-by-ward",
        _("People who took part, by the ward they live in"),
        [_("People")],
        rows,
        "count",
        _("Ward"),
    )
    total = len(people)
    verified, verified_chart = verified_residents(session, place)
    return ParticipationReport(
        people=Figure("people", _("People who took part"), total, str(total), "people-taking-part"),
        returning=share_figure(
            "returning",
            _("People who came back"),
            came_back,
            total,
            "returning",
            _("No one has taken part yet"),
        ),
        by_way=by_way,
        by_ward=by_ward,
        gains=gain_figures(session, rounds_in(session, place, round_)),
        charts=[verified_chart, *charts],
        figures=[verified, *extra],
    )


def place_figures(session: Session, place: Place, category: str | None = None) -> list[PlaceFigure]:
    stmt = select(PlaceFigure).where(PlaceFigure.place_id == place.id)
    if category is not None:
        stmt = stmt.where(PlaceFigure.category == category)
    return list(session.scalars(stmt.order_by(PlaceFigure.category, PlaceFigure.label)))


def set_place_figures(session: Session, actor: User, place: Place, text: str) -> list[PlaceFigure]:
    """Replace the place's own figures from lines of 'category, group, number of people'."""
    require_staff(session, actor, place)
    rows: dict[tuple[str, str], int] = {}
    for number, line in enumerate((text or "").splitlines(), start=1):
        if not line.strip():
            continue
        parts = [p.strip() for p in line.split(",")]
        if len(parts) != 3 or not parts[0] or not parts[1]:
            raise DomainError(
                _(
                    "Line %(n)d: write the category, the group and the number of people, "
                    "with commas between them.",
                    n=number,
                ),
                field="figures",
            )
        people = parts[2].replace("_", "")
        if not people.isdigit():
            raise DomainError(
                _("Line %(n)d: the number of people must be a whole number.", n=number),
                field="figures",
            )
        if len(parts[0]) > 80 or len(parts[1]) > 80:
            raise DomainError(_("Line %(n)d is too long.", n=number), field="figures")
        rows[(parts[0], parts[1])] = int(people)
    for old in place_figures(session, place):
        session.delete(old)
    session.flush()
    made = [
        PlaceFigure(place=place, category=category, label=label, people=people)
        for (category, label), people in rows.items()
    ]
    session.add_all(made)
    session.flush()
    audit(
        session,
        actor,
        "place.figures",
        place,
        f"Changed the figures for {place.name}",
        place=place,
        rows=len(made),
    )
    return made
