"""A gift's receipt number, and the signed link in its receipt email that opens its receipt
for whoever holds it (donors who gave without an account too)."""

from __future__ import annotations

from flask import url_for

from funds.models import Donation
from giving.services.accounts import make_link_token

RECEIPT_LINK = "gift-receipt"
# Gift Aid records are kept for six years: a receipt link works for a year more than that.
RECEIPT_LINK_MAX_AGE = 7 * 366 * 24 * 60 * 60


def receipt_number(donation: Donation) -> str:
    """The number a donor quotes about their gift: the same on the page and in the email."""
    return f"PF-{donation.id:06d}"


def receipt_token(donation: Donation) -> str:
    return make_link_token(RECEIPT_LINK, {"gift": donation.id, "ref": donation.reference})


def receipt_link(donation: Donation) -> str:
    """The address in the receipt email: anyone holding it sees the receipt."""
    return url_for("funds.receipt_by_link", token=receipt_token(donation), _external=True)
