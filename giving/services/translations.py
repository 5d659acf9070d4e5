"""A place's languages, and the words of its rounds, questions and criteria in each of them
(see :mod:`giving.content_language`). Staff of the place may change them at any time: the
words are the round's own, told in another language, so an open round's rules stay as they
were."""

from __future__ import annotations

from collections.abc import Mapping

from flask_babel import gettext as _
from sqlalchemy.orm import Session

from giving.content_language import (
    CRITERION_TEXTS,
    QUESTION_TEXTS,
    ROUND_TEXTS,
    Given,
    check_codes,
    clean_translations,
)
from giving.errors import DomainError
from giving.models import Place, Round, User
from giving.permissions import require_staff
from giving.services.core import audit, update_audited


def set_place_languages(
    session: Session, actor: User, place: Place, chosen: list[str], first: str
) -> Place:
    """Offer the place's content in ``chosen``, written first in ``first`` (one of them)."""
    require_staff(session, actor, place)
    codes = check_codes(chosen)
    if first not in codes:
        raise DomainError(_("Tick the language your team writes in first"), field="first")
    codes = [first, *(code for code in codes if code != first)]
    summary = f"Offered {place.name} in {', '.join(codes)}"
    return update_audited(
        session,
        actor,
        "place.languages",
        place,
        {"languages": ",".join(codes)},
        summary,
        place=place,
    )


def set_round_translations(
    session: Session,
    actor: User,
    round_: Round,
    round_texts: Given,
    questions: Mapping[int, Given],
    criteria: Mapping[int, Given],
) -> Round:
    """The words of a round, its questions and its criteria in the place's other languages.
    Nothing changes unless every text is fine."""
    place = round_.place
    require_staff(session, actor, place)
    clean_round = clean_translations(place, round_texts, ROUND_TEXTS)
    clean_questions = {
        q.id: clean_translations(place, questions.get(q.id) or {}, QUESTION_TEXTS, f"q{q.id}_")
        for q in round_.questions
    }
    clean_criteria = {
        c.id: clean_translations(place, criteria.get(c.id) or {}, CRITERION_TEXTS, f"c{c.id}_")
        for c in round_.criteria
    }
    round_.translations = clean_round
    for question in round_.questions:
        question.translations = clean_questions[question.id]
    for criterion in round_.criteria:
        criterion.translations = clean_criteria[criterion.id]
    session.flush()
    summary = f"Changed the words of {round_.title} in other languages"
    audit(session, actor, "round.translations", round_, summary, place=place)
    return round_
