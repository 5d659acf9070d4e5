"""The form where a person turns their reminders by email on or off."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms.fields.choices import SelectChoice

from giving.forms.fields import button, radio_field

ON = "on"
OFF = "off"


class RemindersForm(FlaskForm):
    reminders = radio_field(
        _l("Do you want reminders by email?"),
        choices=[
            SelectChoice(ON, _l("Yes, remind me")),
            SelectChoice(OFF, _l("No, do not send me reminders")),
        ],
        required=_l("Choose yes or no"),
        hint=_l(
            "We remind you once when something is due: a check-in, a payment, scoring for "
            "your panel, a vote that closes soon or a grant to agree to."
        ),
    )
    submit = button(_l("Save"))

    @property
    def turned_on(self) -> bool:
        return self.reminders.data == ON
