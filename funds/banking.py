"""Bank account numbers: checking what people type, keeping it encrypted, and showing it masked.

Numbers are encrypted with Fernet (the ``cryptography`` library) through a MultiFernet built
from the ``BANK_DETAILS_KEYS`` setting: the first key encrypts, every key decrypts. To change
keys, put the new key first, keep the old ones after it, and run ``flask bank rotate-key``,
which re-encrypts every row with the new key; then the old keys can go.

UK numbers are checked as UK banks write them: a sort code is 6 digits (``12-34-56`` and
``12 34 56`` are read too) and an account number is 8 digits. An IBAN is optional; it is checked
with ``schwifty`` (its length, check digits and the country's layout), and a UK IBAN must hold
the same sort code and account number.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from flask import current_app
from flask_babel import gettext as _

from giving.errors import DomainError

# cryptography and schwifty are imported where numbers are encrypted or an IBAN is checked,
# so that starting the app (and every command) does not load them.
if TYPE_CHECKING:
    from cryptography.fernet import MultiFernet

_SEPARATORS = re.compile(r"[\s-]+")


def cipher(keys: list[str] | None = None) -> MultiFernet:
    """The MultiFernet for ``keys`` (default: the app's ``BANK_DETAILS_KEYS``)."""
    from cryptography.fernet import Fernet, MultiFernet

    chosen = keys if keys is not None else current_app.config.get("BANK_DETAILS_KEYS") or []
    if not chosen:
        raise RuntimeError("Set BANK_DETAILS_KEYS: bank details cannot be kept without a key.")
    return MultiFernet([Fernet(key.encode()) for key in chosen])


def encrypt(value: str) -> str:
    return cipher().encrypt(value.encode()).decode()


def decrypt(token: str) -> str:
    from cryptography.fernet import InvalidToken

    try:
        return cipher().decrypt(token.encode()).decode()
    except InvalidToken as error:
        raise RuntimeError("A bank detail cannot be read with the keys set.") from error


def rotate(token: str) -> str:
    """The same value, encrypted again with the first key."""
    return cipher().rotate(token.encode()).decode()


def keys_problem(config: dict, default_key: str) -> str | None:
    """Why production must not start with these key settings (None when they will do)."""
    keys = config.get("BANK_DETAILS_KEYS") or []
    if not keys:
        return "Set BANK_DETAILS_KEYS before running Placefund in production."
    if default_key in keys:
        return "BANK_DETAILS_KEYS holds the development key: set your own."
    try:
        cipher(list(keys))
    except (ValueError, TypeError):
        return "BANK_DETAILS_KEYS must be Fernet keys (32 bytes, URL-safe base64)."
    return None


@dataclass(frozen=True)
class AccountNumbers:
    """A UK bank account as checked: digits only."""

    sort_code: str
    account_number: str
    iban: str | None = None


def clean_sort_code(text: str | None) -> str:
    digits = _SEPARATORS.sub("", text or "")
    if not re.fullmatch(r"[0-9]{6}", digits):
        raise DomainError(_("Enter a sort code of 6 numbers, like 12-34-56"), field="sort_code")
    return digits


def clean_account_number(text: str | None) -> str:
    digits = _SEPARATORS.sub("", text or "")
    if not re.fullmatch(r"[0-9]{8}", digits):
        raise DomainError(
            _("Enter an account number of 8 numbers, like 12345678"), field="account_number"
        )
    return digits


def clean_iban(text: str | None, sort_code: str, account_number: str) -> str | None:
    """The IBAN in its compact form, or None when none was given."""
    compact = _SEPARATORS.sub("", text or "").upper()
    if not compact:
        return None
    from schwifty import IBAN
    from schwifty.exceptions import SchwiftyException

    try:
        iban = IBAN(compact)
    except SchwiftyException:
        raise DomainError(
            _("Enter a real IBAN, like GB33 BUKB 2020 1555 5555 55, or leave it empty"),
            field="iban",
        ) from None
    if iban.country_code == "GB" and (
        iban.branch_code != sort_code or iban.account_code != account_number
    ):
        raise DomainError(
            _("This IBAN is for a different sort code or account number"), field="iban"
        )
    return iban.compact


def clean_numbers(
    sort_code: str | None, account_number: str | None, iban: str | None = None
) -> AccountNumbers:
    """Check what someone typed; a DomainError names the field that is wrong."""
    code = clean_sort_code(sort_code)
    number = clean_account_number(account_number)
    return AccountNumbers(code, number, clean_iban(iban, code, number))


def masked_sort_code(sort_code: str) -> str:
    return f"**-**-{sort_code[-2:]}"


def masked_account_number(account_number: str) -> str:
    return f"****{account_number[-4:]}"


def shown_sort_code(sort_code: str) -> str:
    return f"{sort_code[0:2]}-{sort_code[2:4]}-{sort_code[4:6]}"
