"""The ranked ballot: one drop-down per place in the order (first choice, second choice...),
each listing the projects with "No choice". It works without JavaScript.

The form only reads what was chosen; whether the order makes sense (the same project twice,
a gap, an unknown project) is checked by the ballot service, which names the drop-down to
put the message next to.
"""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms.fields.choices import SelectChoice

from giving.forms.fields import form_with, select_field
from voting.models import MOST_RANKED, Vote

PLACE_LABELS = (
    _l("First choice"),
    _l("Second choice"),
    _l("Third choice"),
    _l("Fourth choice"),
    _l("Fifth choice"),
    _l("Sixth choice"),
    _l("Seventh choice"),
    _l("Eighth choice"),
    _l("Ninth choice"),
    _l("Tenth choice"),
)

MOST_PLACES = MOST_RANKED
assert len(PLACE_LABELS) == MOST_PLACES

NO_CHOICE = ""
# Sent for a place whose answer is not a project id at all: the ballot service refuses it.
NOT_AN_OPTION = -1


def place_label(place: int) -> Any:
    """``First choice``, ``Second choice``... for a place in the order (1 = first)."""
    if 1 <= place <= MOST_PLACES:
        return PLACE_LABELS[place - 1]
    return _l("Choice %(n)d", n=place)


def place_field_name(place: int) -> str:
    """The drop-down for a place in the order: ``rank_1`` for the first choice."""
    return f"rank_{place}"


def places_on_ballot(vote: Vote, options: list) -> int:
    """How many drop-downs the ballot shows: the vote's limit, or fewer if there are fewer
    projects."""
    return max(min(vote.max_choices or 1, len(options), MOST_PLACES), 1)


def ranked_ballot_form(base: type, vote: Vote, options: list, label: Any, **kwargs: Any) -> Any:
    """A ranked ballot form built on ``base`` (the ballot form with its button), with one
    drop-down per place; ``label(option)`` names each project."""
    choices = [SelectChoice(NO_CHOICE, _l("No choice"))] + [
        SelectChoice(str(o.id), label(o)) for o in options
    ]
    places = places_on_ballot(vote, options)
    fields = [
        (
            place_field_name(place),
            # The ballot service checks the answer, so that a project that is not on the
            # ballot gets the same clear message as any other mistake in the order.
            select_field(place_label(place), choices=choices, validate_choice=False),
        )
        for place in range(1, places + 1)
    ]
    form: Any = form_with(base, fields, **kwargs)
    form.rank_fields = [form[place_field_name(p)] for p in range(1, places + 1)]
    return form


def ranked_choices(form: Any) -> dict[int, int]:
    """The ranked ballot's answers as place -> option id (1 = first choice), leaving out
    places with no choice. A ranked ballot's choices go to the ballot service in this shape,
    so that the same project chosen twice can be told apart; the service stores them as
    option id -> place."""
    chosen: dict[int, int] = {}
    for place, field in enumerate(form.rank_fields, start=1):
        value = (field.data or "").strip() if isinstance(field.data, str) else ""
        if value == NO_CHOICE:
            continue
        chosen[place] = int(value) if value.isdigit() and len(value) < 12 else NOT_AN_OPTION
    return chosen


def fill_ranked(form: Any, places: dict[int, int]) -> None:
    """Show a ranked ballot as it was cast: ``places`` maps option id -> place."""
    by_place = {place: option_id for option_id, place in places.items()}
    for place, field in enumerate(form.rank_fields, start=1):
        option_id = by_place.get(place)
        field.data = str(option_id) if option_id is not None else NO_CHOICE
