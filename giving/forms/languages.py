"""The form that chooses the language of every page: a button per language in the header,
or the same choice as radio buttons when something was wrong with it."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField
from wtforms.fields.choices import SelectChoice

from giving.forms.fields import button, radio_field
from giving.languages import languages


class LanguageForm(FlaskForm):
    language = radio_field(
        _l("Which language do you want to use?"),
        choices=[],
        required=_l("Choose a language from the list"),
        # A code that is not on the list is refused by the service, with its own message.
        validate_choice=False,
    )
    # The page to go back to; only an address on this site is followed.
    next = HiddenField()
    submit = button(_l("Use this language"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.language.choices = [SelectChoice(code, name) for code, name in languages().items()]
