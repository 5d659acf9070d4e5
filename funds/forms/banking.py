"""Forms for bank details, a fund's own account, and payment runs. The numbers are checked by
the services (see :mod:`funds.banking`), which name the field that is wrong."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from govuk_frontend_wtf.wtforms_widgets import GovFileInput

from giving.forms.fields import button, text_field, tick_field


class BankDetailsForm(FlaskForm):
    account_name = text_field(
        _l("Name on the account"),
        hint=_l("Exactly as the bank writes it, for example Oakbridge Food Bank."),
        required=_l("Enter the name on the account"),
        max_length=60,
    )
    sort_code = text_field(
        _l("Sort code"),
        hint=_l("6 numbers, for example 12-34-56."),
        required=_l("Enter the sort code"),
        max_length=20,
    )
    account_number = text_field(
        _l("Account number"),
        hint=_l("8 numbers, for example 12345678."),
        required=_l("Enter the account number"),
        max_length=20,
    )
    iban = text_field(
        _l("IBAN (optional)"),
        hint=_l("Only if your bank gave you one. It starts with 2 letters, like GB."),
        optional=True,
        max_length=50,
    )
    submit = button(_l("Save bank details"))


class FundBankingForm(FlaskForm):
    account_name = text_field(
        _l("Name on the fund's account"),
        hint=_l("18 letters or fewer: the bank shows it to the groups you pay."),
        required=_l("Enter the name on the account"),
        max_length=18,
    )
    sort_code = text_field(
        _l("Sort code"),
        hint=_l("6 numbers, for example 12-34-56."),
        required=_l("Enter the sort code"),
        max_length=20,
    )
    account_number = text_field(
        _l("Account number"),
        hint=_l("8 numbers, for example 12345678."),
        required=_l("Enter the account number"),
        max_length=20,
    )
    allow_one_person = tick_field(
        _l("Let one person both prepare and approve a payment run (only for a very small team)")
    )
    submit = button(_l("Save the fund's bank account"))


class StatementForm(FlaskForm):
    file = FileField(
        _l("The bank's statement, as a CSV file"),
        description=_l(
            "Its first row names the columns. It needs Date, Description and Amount columns."
        ),
        widget=GovFileInput(),
    )
    submit = button(_l("Match the statement"))
