"""Forms for the panel's work: declarations, scores, discussion and the shortlist."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms.fields.choices import SelectChoice

from giving.content_language import localised
from giving.forms.fields import area_field, button, form_with, radio_field
from voting.models import SCORE_MAX, SCORE_MIN


class DeclarationsForm(FlaskForm):
    submit = button(_l("Save declarations"))


def declarations_form(applications: list, **kwargs: Any) -> DeclarationsForm:
    """For each application: a conflict or none, and the reason."""
    fields = []
    for application in applications:
        group = application.group.name
        conflict = radio_field(
            _l("Do you have a conflict with %(group)s?", group=group),
            choices=[
                SelectChoice("no", _l("No conflict")),
                SelectChoice("yes", _l("Yes, I have a conflict")),
            ],
            optional=True,
        )
        reason = area_field(
            _l("Why (%(group)s)", group=group),
            hint=_l("For example: I help run this group, or it is run by my sister."),
            max_length=500,
        )
        fields += [(f"conflict_{application.id}", conflict), (f"reason_{application.id}", reason)]
    form = form_with(DeclarationsForm, fields, **kwargs)
    form.rows = [(a, form[f"conflict_{a.id}"], form[f"reason_{a.id}"]) for a in applications]
    return form


class ReviewForm(FlaskForm):
    comment = area_field(
        _l("Your comment"),
        hint=_l("What is good about it, and what worries you. The panel reads this."),
        max_length=5000,
    )
    save = button(_l("Save and come back later"))
    submit = button(_l("Send your scores"))


def review_form(criteria: list, **kwargs: Any) -> ReviewForm:
    """The review, with a score from the scale for each of the round's criteria."""
    fields = [
        (
            f"criterion_{criterion.id}",
            radio_field(
                # In the reader's language where written (the page marks the language).
                _l(
                    "%(name)s (counts %(weight)d)",
                    name=localised(criterion, "name").text,
                    weight=criterion.weight,
                ),
                hint=localised(criterion, "description").text or None,
                choices=[SelectChoice(str(n), str(n)) for n in range(SCORE_MIN, SCORE_MAX + 1)],
                optional=True,
            ),
        )
        for criterion in criteria
    ]
    form = form_with(ReviewForm, fields, **kwargs)
    form.criterion_fields = [(c, form[f"criterion_{c.id}"]) for c in criteria]
    return form


class NoteForm(FlaskForm):
    text = area_field(
        _l("Add to the discussion"), required=_l("Write something first"), max_length=5000
    )
    submit = button(_l("Add"))


class MeetingNotesForm(FlaskForm):
    text = area_field(
        _l("Notes of the meeting"),
        hint=_l("Who came, what was said, and what was agreed."),
        max_length=20000,
    )
    submit = button(_l("Save notes"))


class ShortlistForm(FlaskForm):
    action = radio_field(
        _l("What did the panel decide?"),
        choices=[
            SelectChoice("shortlist", _l("Put it on the shortlist")),
            SelectChoice("decline", _l("Do not put it on the shortlist")),
        ],
        required=_l("Choose whether it goes on the shortlist"),
    )
    reason = area_field(
        _l("The reason"),
        hint=_l(
            "If it is not on the shortlist, the group reads this. Be kind and clear: "
            "say what would have made the difference."
        ),
        max_length=5000,
    )
    submit = button(_l("Save decision"))
