"""Money for people to read. Money is whole pence (an int) everywhere; this only shows it.

Imports nothing else of Placefund, so any module may use it."""

from __future__ import annotations


def format_money(pence: int | None) -> str:
    """Whole pence as pounds: 125050 -> '£1,250.50', 500000 -> '£5,000'."""
    if pence is None:
        return ""
    sign = "-" if pence < 0 else ""
    pounds, rest = divmod(abs(pence), 100)
    return f"{sign}£{pounds:,}" if rest == 0 else f"{sign}£{pounds:,}.{rest:02d}"
