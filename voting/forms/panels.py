"""Forms for setting up a panel, drawing it, and offering to sit on it."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import IntegerField
from wtforms.fields.choices import SelectChoice

from giving.forms.fields import (
    area_field,
    button,
    email_field,
    form_with,
    number_field,
    radio_field,
    text_field,
)
from voting.models import Panel, PanelMethod

METHOD_LABELS = {
    PanelMethod.OPEN: _l("Open: everyone who lives here and offers is on the panel"),
    PanelMethod.APPOINTED: _l("Appointed: the fund's team chooses the people"),
    PanelMethod.DRAWN: _l(
        "Drawn by lottery: chosen at random from those who offer, so the panel looks like the place"
    ),
}


class PanelForm(FlaskForm):
    method = radio_field(
        _l("How is the panel formed?"),
        choices=[SelectChoice(m.value, METHOD_LABELS[m]) for m in PanelMethod],
        required=_l("Choose how the panel is formed"),
    )
    size = number_field(
        _l("Number of seats (needed for a lottery)"),
        optional=True,
        least=1,
        most=500,
        outside=_l("Enter a number from 1 to 500"),
    )
    reviewers_per_application = number_field(
        _l("How many people score each application? (optional)"),
        hint=_l("Leave it empty and everyone on the panel scores every application."),
        optional=True,
        least=1,
        outside=_l("Enter 1 or more"),
    )
    submit = button(_l("Save panel"))


class CategoryForm(FlaskForm):
    name = text_field(
        _l("What you ask"),
        hint=_l("For example: Age band, Ward, Gender, Disability."),
        required=_l("Enter what you ask, like Age band"),
        max_length=80,
    )
    values = area_field(
        _l("The answers people can choose, one on each line"),
        hint=_l("Everyone can also choose not to say."),
        required=_l("Enter at least 2 answers, one on each line"),
    )
    submit = button(_l("Add question"))


class AppointForm(FlaskForm):
    email = email_field(
        _l("Email address of the person to add"),
        required=_l("Enter their email address"),
        invalid=_l("Enter an email address like name@example.org"),
    )
    submit = button(_l("Add to the panel"))


ALGORITHM_LABELS = {
    "maximin": _l("Fair lottery (everyone gets the best chance the quotas allow)"),
    "legacy": _l("Older lottery (fills the hardest quotas first; some people get a lower chance)"),
}


class DrawForm(FlaskForm):
    """The lottery's plan: the quotas (added by :func:`quota_form`), the method and the public
    source of chance, all fixed before offers close."""

    algorithm = radio_field(
        _l("How should the lottery work?"),
        choices=[SelectChoice(k, v) for k, v in ALGORITHM_LABELS.items()],
        required=_l("Choose how the lottery works"),
    )
    source = area_field(
        _l("Where will the lottery's numbers come from?"),
        hint=_l(
            "Name something public that will happen after offers close, that no one can "
            "know in advance. For example: the numbers of the National Lottery Lotto draw "
            "on Saturday 5 December 2026, or dice rolled at the public meeting on 8 December."
        ),
        required=_l("Say where the lottery's numbers will come from"),
        max_length=500,
    )
    submit = button(_l("Save the plan"))


class ResultForm(FlaskForm):
    result = text_field(
        _l("The numbers from the public source"),
        hint=_l(
            "Type them as they were published, for example 4 11 23 30 41 52. "
            "We turn them into the lottery's starting number, so anyone can check it."
        ),
        required=_l("Enter the numbers the public source gave"),
        max_length=500,
    )
    submit = button(_l("Run the lottery"))


def _seats(label: Any, default: int | None) -> IntegerField:
    return number_field(
        label, default=default, optional=True, least=0, outside=_l("Enter 0 or more")
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
    submit = button(_l("Offer to sit on the panel"))


def offer_form(panel: Panel, **kwargs: Any) -> OfferForm:
    """The offer, with one optional question per category."""
    fields = [
        (
            f"category_{category.id}",
            radio_field(
                _l("%(name)s (optional)", name=category.name),
                choices=[SelectChoice(str(v.id), v.label) for v in category.values]
                + [SelectChoice("", _l("I would rather not say"))],
                optional=True,
            ),
        )
        for category in panel.categories
    ]
    form = form_with(OfferForm, fields, **kwargs)
    form.category_fields = [(c, form[f"category_{c.id}"]) for c in panel.categories]
    return form
