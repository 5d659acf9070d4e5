"""Forms for work on many grants at once: a list of boxes to tick, then a check step."""

from __future__ import annotations

from collections.abc import Iterable

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm

from giving.forms.fields import button, checkboxes_field


class BulkForm(FlaskForm):
    """Boxes to tick, one for each row. The service checks every id sent (it may have changed
    since the page was shown), so the boxes are not held to the choices shown here."""

    items = checkboxes_field(_l("Choose"), choices=[], coerce=int, validate_choice=False)
    submit = button(_l("Check what will happen"))

    def set_rows(self, label: str, rows: Iterable[tuple[int, str]]) -> None:
        self.items.label.text = label
        self.items.description = _l("The earliest due come first.")
        self.items.choices = list(rows)
