"""The books' filters: which days and account the journal shows, and the day of a trial
balance, read from the page's address."""

from __future__ import annotations

from collections.abc import Sequence

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm

from funds.models import Account
from giving.forms.fields import date_field, select_field


class JournalFilterForm(FlaskForm):
    """From and to a day (both included), and one account; each may be left out."""

    class Meta:
        csrf = False

    date_from = date_field(_l("From"), hint=_l("For example, 1 4 2026"))
    date_to = date_field(_l("To"), hint=_l("For example, 31 3 2027"))
    account = select_field(_l("Account"), coerce=str, optional=True)

    def set_accounts(self, accounts: Sequence[Account]) -> None:
        self.account.choices = [("", _l("All accounts"))] + [
            (str(a.id), f"{a.name} ({a.code})") for a in accounts
        ]

    def validate(self, extra_validators: object = None) -> bool:
        fine = super().validate()
        start, end = self.date_from.data, self.date_to.data
        if fine and start is not None and end is not None and start > end:
            self.date_to.errors = [
                *self.date_to.errors,
                _l("The last day must be the same as the first day or after it"),
            ]
            return False
        return fine


class TrialBalanceForm(FlaskForm):
    """The day the trial balance is for."""

    class Meta:
        csrf = False

    at = date_field(_l("Balances at the end of"), hint=_l("For example, 31 3 2027"))
