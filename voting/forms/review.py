"""Forms for the panel's work: declarations, scores, discussion and the shortlist."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovRadioInput, GovSubmitInput, GovTextArea
from wtforms import RadioField, SubmitField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional

from giving.forms import TOO_LONG
from voting.forms.common import form_with
from voting.models import SCORE_MAX, SCORE_MIN


class DeclarationsForm(FlaskForm):
    submit = SubmitField(_l("Save declarations"), widget=GovSubmitInput())


def declarations_form(applications: list, **kwargs: Any) -> DeclarationsForm:
    """For each application: a conflict or none, and the reason."""
    fields = []
    for application in applications:
        group = application.group.name
        conflict = RadioField(
            _l("Do you have a conflict with %(group)s?", group=group),
            widget=GovRadioInput(),
            choices=[
                SelectChoice("no", _l("No conflict")),
                SelectChoice("yes", _l("Yes, I have a conflict")),
            ],
            validators=[Optional()],
        )
        reason = TextAreaField(
            _l("Why (%(group)s)", group=group),
            widget=GovTextArea(),
            description=_l("For example: I help run this group, or it is run by my sister."),
            validators=[Length(max=500, message=TOO_LONG)],
        )
        fields += [(f"conflict_{application.id}", conflict), (f"reason_{application.id}", reason)]
    form = form_with(DeclarationsForm, fields, **kwargs)
    form.rows = [(a, form[f"conflict_{a.id}"], form[f"reason_{a.id}"]) for a in applications]
    return form


class ReviewForm(FlaskForm):
    comment = TextAreaField(
        _l("Your comment"),
        widget=GovTextArea(),
        description=_l("What is good about it, and what worries you. The panel reads this."),
        validators=[Length(max=5000, message=TOO_LONG)],
    )
    save = SubmitField(_l("Save and come back later"), widget=GovSubmitInput())
    submit = SubmitField(_l("Send your scores"), widget=GovSubmitInput())


def review_form(criteria: list, **kwargs: Any) -> ReviewForm:
    """The review, with a score from the scale for each of the round's criteria."""
    fields = [
        (
            f"criterion_{criterion.id}",
            RadioField(
                _l("%(name)s (counts %(weight)d)", name=criterion.name, weight=criterion.weight),
                widget=GovRadioInput(),
                description=criterion.description or None,
                choices=[SelectChoice(str(n), str(n)) for n in range(SCORE_MIN, SCORE_MAX + 1)],
                validators=[Optional()],
            ),
        )
        for criterion in criteria
    ]
    form = form_with(ReviewForm, fields, **kwargs)
    form.criterion_fields = [(c, form[f"criterion_{c.id}"]) for c in criteria]
    return form


class NoteForm(FlaskForm):
    text = TextAreaField(
        _l("Add to the discussion"),
        widget=GovTextArea(),
        validators=[DataRequired(_l("Write something first")), Length(max=5000, message=TOO_LONG)],
    )
    submit = SubmitField(_l("Add"), widget=GovSubmitInput())


class MeetingNotesForm(FlaskForm):
    text = TextAreaField(
        _l("Notes of the meeting"),
        widget=GovTextArea(),
        description=_l("Who came, what was said, and what was agreed."),
        validators=[Length(max=20000, message=TOO_LONG)],
    )
    submit = SubmitField(_l("Save notes"), widget=GovSubmitInput())


class ShortlistForm(FlaskForm):
    action = RadioField(
        _l("What did the panel decide?"),
        widget=GovRadioInput(),
        choices=[
            SelectChoice("shortlist", _l("Put it on the shortlist")),
            SelectChoice("decline", _l("Do not put it on the shortlist")),
        ],
        validators=[DataRequired(_l("Choose whether it goes on the shortlist"))],
    )
    reason = TextAreaField(
        _l("The reason"),
        widget=GovTextArea(),
        description=_l(
            "If it is not on the shortlist, the group reads this. Be kind and clear: "
            "say what would have made the difference."
        ),
        validators=[Length(max=5000, message=TOO_LONG)],
    )
    submit = SubmitField(_l("Save decision"), widget=GovSubmitInput())
