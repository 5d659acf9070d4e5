"""Forms for setting up a panel, drawing it, and offering to sit on it."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import (
    GovRadioInput,
    GovSubmitInput,
    GovTextArea,
    GovTextInput,
)
from wtforms import EmailField, IntegerField, RadioField, StringField, SubmitField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, Length, NumberRange, Optional

from giving.forms import TOO_LONG
from voting.forms.common import form_with
from voting.models import Panel, PanelMethod

METHOD_LABELS = {
    PanelMethod.OPEN: _l("Open: everyone who lives here and offers is on the panel"),
    PanelMethod.APPOINTED: _l("Appointed: the fund's team chooses the people"),
    PanelMethod.DRAWN: _l(
        "Drawn by lottery: chosen at random from those who offer, so the panel looks like the place"
    ),
}


class PanelForm(FlaskForm):
    method = RadioField(
        _l("How is the panel formed?"),
        widget=GovRadioInput(),
        choices=[SelectChoice(m.value, METHOD_LABELS[m]) for m in PanelMethod],
        validators=[DataRequired(_l("Choose how the panel is formed"))],
    )
    size = IntegerField(
        _l("Number of seats (needed for a lottery)"),
        widget=GovTextInput(),
        validators=[
            Optional(),
            NumberRange(min=1, max=500, message=_l("Enter a number from 1 to 500")),
        ],
    )
    reviewers_per_application = IntegerField(
        _l("How many people score each application? (optional)"),
        widget=GovTextInput(),
        description=_l("Leave it empty and everyone on the panel scores every application."),
        validators=[Optional(), NumberRange(min=1, message=_l("Enter 1 or more"))],
    )
    submit = SubmitField(_l("Save panel"), widget=GovSubmitInput())


class CategoryForm(FlaskForm):
    name = StringField(
        _l("What you ask"),
        widget=GovTextInput(),
        description=_l("For example: Age band, Ward, Gender, Disability."),
        validators=[
            DataRequired(_l("Enter what you ask, like Age band")),
            Length(max=80, message=TOO_LONG),
        ],
    )
    values = TextAreaField(
        _l("The answers people can choose, one on each line"),
        widget=GovTextArea(),
        description=_l("Everyone can also choose not to say."),
        validators=[DataRequired(_l("Enter at least 2 answers, one on each line"))],
    )
    submit = SubmitField(_l("Add question"), widget=GovSubmitInput())


class AppointForm(FlaskForm):
    email = EmailField(
        _l("Email address of the person to add"),
        widget=GovTextInput(),
        validators=[
            DataRequired(_l("Enter their email address")),
            Email(_l("Enter an email address like name@example.org")),
        ],
    )
    submit = SubmitField(_l("Add to the panel"), widget=GovSubmitInput())


class DrawForm(FlaskForm):
    seed = IntegerField(
        _l("Seed (optional)"),
        widget=GovTextInput(),
        description=_l(
            "A number that starts the lottery. Leave it empty and we pick one at random. "
            "We publish it, so anyone can run the same draw and check it."
        ),
        validators=[
            Optional(),
            NumberRange(min=1, max=2**62, message=_l("Enter a whole number of 1 or more")),
        ],
    )
    submit = SubmitField(_l("Run the lottery"), widget=GovSubmitInput())


def _seats(label: Any, default: int | None) -> IntegerField:
    return IntegerField(
        label,
        widget=GovTextInput(),
        default=default,
        validators=[Optional(), NumberRange(min=0, message=_l("Enter 0 or more"))],
    )


def quota_form(panel: Panel, **kwargs: Any) -> DrawForm:
    """The lottery form: the smallest and largest number of seats for each answer."""
    fields = []
    for category in panel.categories:
        for value in category.values:
            least = _l("At least (%(what)s)", what=value.label)
            most = _l("At most (%(what)s)", what=value.label)
            fields.append((f"min_{value.id}", _seats(least, value.min_seats)))
            fields.append((f"max_{value.id}", _seats(most, value.max_seats)))
    form = form_with(DrawForm, fields, **kwargs)
    form.quota_rows = [
        (category, [(v, form[f"min_{v.id}"], form[f"max_{v.id}"]) for v in category.values])
        for category in panel.categories
    ]
    return form


class OfferForm(FlaskForm):
    submit = SubmitField(_l("Offer to sit on the panel"), widget=GovSubmitInput())


def offer_form(panel: Panel, **kwargs: Any) -> OfferForm:
    """The offer, with one optional question per category."""
    fields = [
        (
            f"category_{category.id}",
            RadioField(
                _l("%(name)s (optional)", name=category.name),
                widget=GovRadioInput(),
                choices=[SelectChoice(str(v.id), v.label) for v in category.values]
                + [SelectChoice("", _l("I would rather not say"))],
                validators=[Optional()],
            ),
        )
        for category in panel.categories
    ]
    form = form_with(OfferForm, fields, **kwargs)
    form.category_fields = [(c, form[f"category_{c.id}"]) for c in panel.categories]
    return form
