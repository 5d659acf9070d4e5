"""The form for a Gift Aid claim: the first and last days the gifts came in. It is sent twice:
first to see which gifts it would claim, then, with ``confirmed``, to claim them."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField

from giving.forms.fields import button, date_field


class ClaimForm(FlaskForm):
    from_on = date_field(
        _l("First day"),
        hint=_l("Gifts that came in on or after this day. For example, 6 4 2026."),
        required=_l("Enter the first day"),
    )
    to_on = date_field(
        _l("Last day"),
        hint=_l("Gifts that came in on or before this day. For example, 5 4 2027."),
        required=_l("Enter the last day"),
    )
    confirmed = HiddenField()
    submit = button(_l("Check the gifts"))
