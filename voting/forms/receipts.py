"""The form that emails a voter their receipt code."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm

from giving.forms.fields import button, email_field


class ReceiptEmailForm(FlaskForm):
    """Someone signed in gets it at their own address; someone who voted with a voting code
    types the address to send it to."""

    email = email_field(
        _l("Email address"),
        hint=_l("We send your receipt code here. We do not keep it with your address."),
        required=_l("Enter an email address"),
        invalid=_l("Enter an email address, like name@example.com"),
        max_length=254,
    )
    submit = button(_l("Email my receipt"))


def receipt_email_form(typed: bool, **kwargs: Any) -> ReceiptEmailForm:
    """The form, asking for an address only when ``typed`` (a voting code's holder)."""
    form = ReceiptEmailForm(**kwargs)
    if not typed:
        del form.email
    return form
