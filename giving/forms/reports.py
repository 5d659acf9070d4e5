"""Forms for the public reports: the two anonymous surveys, the group's choice about its
feedback, and the place's own figures."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import RadioField
from wtforms.fields.choices import SelectChoice

from giving.forms.fields import area_field, button, radio_field, tick_field
from giving.models import RATING_QUESTIONS

SCALE = [
    SelectChoice("5", _l("5 (very much)")),
    SelectChoice("4", _l("4")),
    SelectChoice("3", _l("3")),
    SelectChoice("2", _l("2")),
    SelectChoice("1", _l("1 (not at all)")),
]


def _rating(question: str) -> RadioField:
    return radio_field(
        _l(question), choices=SCALE, coerce=int, required=_l("Choose an answer from 1 to 5")
    )


class RatingForm(FlaskForm):
    """How the funder treated the group: four questions from 1 to 5."""

    respect = _rating(RATING_QUESTIONS[0][1])
    clarity = _rating(RATING_QUESTIONS[1][1])
    time = _rating(RATING_QUESTIONS[2][1])
    overall = _rating(RATING_QUESTIONS[3][1])
    submit = button(_l("Send your answers"))

    def answers(self) -> dict[str, int | None]:
        return {key: getattr(self, key).data for key, _text in RATING_QUESTIONS}


class GainsForm(FlaskForm):
    """What taking part gave a resident. Every box may be left empty."""

    skills = tick_field(_l("I learned new skills"))
    confidence = tick_field(_l("I feel more confident"))
    new_role = tick_field(_l("I have taken on a new role in my community"))
    submit = button(_l("Send your answer"))


class FeedbackPrivacyForm(FlaskForm):
    """Whether the group's reasons appear on the public pages."""

    choice = radio_field(
        _l("Should we publish the reasons for our decision?"),
        hint=_l(
            "Everyone can always see the decision and any amount given. You choose whether "
            "they can read the reasons too."
        ),
        choices=[
            SelectChoice("public", _l("Yes, publish the reasons")),
            SelectChoice("private", _l("No, keep the reasons private")),
        ],
        required=_l("Choose whether to publish the reasons"),
    )
    submit = button(_l("Save your choice"))


class PlaceFiguresForm(FlaskForm):
    figures = area_field(
        _l("The place's figures"),
        hint=_l(
            "One line for each group of people: the category, the group, and how many people "
            "live here in it, with commas between. For example: Ward, Millfield, 9200. Use the "
            "same words as the panel's questions so the panel can be compared with the place."
        ),
        max_length=20_000,
        too_long=_l("Use 20,000 characters or fewer"),
    )
    submit = button(_l("Save figures"))
