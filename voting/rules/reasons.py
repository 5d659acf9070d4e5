"""Why a project was or was not selected, as sentences that can be translated.

A rule gives each project a tuple of :class:`Reason` sentences: a message id with named
placeholders, and the values that fill them (counts as ints, names as strings, amounts
exactly, in the data's smallest unit). It never writes a finished sentence for the app to
show: :func:`render` fills the sentences in with the gettext, ngettext and formatting it is
given, so the same reason reads in English, Welsh or Polish. :func:`in_english` is the plain
English that ``Explanation.reason`` gives when read (and that ``flask count`` prints).

``N_`` and ``Nn_`` only mark message ids for the catalogue (``pybabel extract -k N_ -k
Nn_:1,2``); nothing here imports Flask.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from functools import lru_cache
from typing import Any

from voting.rules.model import MoneyFormat, Number


def N_(text: str) -> str:
    """Mark a message id for the catalogue; translated later, when shown."""
    return text


def Nn_(singular: str, plural: str) -> tuple[str, str]:
    """Mark a pair of message ids (one thing, many things) for the catalogue."""
    return singular, plural


Value = int | str | Fraction | tuple["Reason", ...]
"""A count (an int, or a Fraction of points), a name, or a list of sentences joined as a list."""


@dataclass(frozen=True, slots=True)
class Reason:
    """One whole sentence: ``text`` is its message id with ``%(name)s`` placeholders.

    ``values`` fill the placeholders (a tuple of reasons becomes a list: "a, b and c");
    ``money`` fills the placeholders that are amounts, formatted when shown. A sentence that
    says a number of things has ``plural``, the message id for many, and its count in
    ``values["num"]``.
    """

    text: str
    values: Mapping[str, Value] = field(default_factory=dict)
    money: Mapping[str, Number] = field(default_factory=dict)
    plural: str | None = None

    def __hash__(self) -> int:
        # Outcomes and explanations stay hashable, as they were before reasons had values.
        return hash(
            (self.text, self.plural, frozenset(self.values.items()), frozenset(self.money.items()))
        )


def reason(
    ids: str | tuple[str, str], money: Mapping[str, Number] | None = None, **values: Value
) -> Reason:
    """A :class:`Reason` from a message id (``N_``) or a pair (``Nn_``, counted by ``num``)."""
    if isinstance(ids, tuple):
        return Reason(ids[0], values, money or {}, ids[1])
    return Reason(ids, values, money or {})


@dataclass(frozen=True, slots=True)
class Language:
    """How to write reasons in one language: translations and the way numbers, amounts and
    lists are written."""

    gettext: Callable[[str], str]
    ngettext: Callable[[str, str, int], str]
    money: Callable[[Any], str]
    number: Callable[[Any], str]
    join: Callable[[list[str]], str]


def english_number(value: Number) -> str:
    """``1,234``; points with parts as a fraction (``5/2``)."""
    return f"{value:,}" if isinstance(value, int) else str(value)


def english_join(parts: list[str]) -> str:
    """``a``, ``a and b``, ``a, b and c``."""
    if len(parts) == 1:
        return parts[0]
    return ", ".join(parts[:-1]) + " and " + parts[-1]


@lru_cache(maxsize=8)  # a few ways of writing money: made once for each
def english(money: MoneyFormat) -> Language:
    """Plain English, with amounts written by ``money``."""
    return Language(
        gettext=lambda text: text,
        ngettext=lambda one, many, n: one if n == 1 else many,
        money=money,
        number=english_number,
        join=english_join,
    )


def _plural_count(value: Value) -> int:
    if isinstance(value, int):
        return value
    return 1 if value == 1 else 2


def render_one(item: Reason, language: Language) -> str:
    """One sentence in ``language``."""
    if item.plural is None:
        template = language.gettext(item.text)
    else:
        count = _plural_count(item.values["num"])
        template = language.ngettext(item.text, item.plural, count)
    filled: dict[str, str] = {}
    for key, value in item.values.items():
        if isinstance(value, tuple):
            filled[key] = language.join([render_one(part, language) for part in value])
        elif isinstance(value, str):
            filled[key] = value
        else:
            filled[key] = language.number(value)
    for key, amount in item.money.items():
        filled[key] = language.money(amount)
    return template % filled


def render(reasons: Sequence[Reason], language: Language) -> str:
    """The sentences in ``language``, one after another."""
    return " ".join(render_one(item, language) for item in reasons)


def in_english(reasons: Sequence[Reason], money: MoneyFormat) -> str:
    """The sentences in plain English, amounts written by ``money``."""
    return render(reasons, english(money))


# --- kept as JSON with a counted vote -------------------------------------------------------


def _pence(amount: Number) -> int:
    return amount if isinstance(amount, int) else Fraction(amount).__floor__()


def _value_json(value: Value) -> Any:
    if isinstance(value, tuple):
        return [reason_json(part) for part in value]
    if isinstance(value, Fraction):
        return str(value)
    return value


def reason_json(item: Reason) -> dict[str, Any]:
    """A sentence as JSON: amounts as whole pence (parts of a penny rounded down, as they
    are shown)."""
    data: dict[str, Any] = {"text": item.text}
    if item.values:
        data["values"] = {key: _value_json(value) for key, value in item.values.items()}
    if item.money:
        data["money"] = {key: _pence(amount) for key, amount in item.money.items()}
    if item.plural is not None:
        data["plural"] = item.plural
    return data


def reasons_json(reasons: Sequence[Reason]) -> list[dict[str, Any]]:
    """The sentences as JSON (see :func:`reason_json`)."""
    return [reason_json(item) for item in reasons]


def _value_from_json(value: Any) -> Value:
    if isinstance(value, list):
        return tuple(reason_from_json(part) for part in value)
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise ValueError(f"not a reason's value: {value!r}")
    return value


def reason_from_json(data: Mapping[str, Any]) -> Reason:
    """A sentence kept by :func:`reason_json`; ValueError when it is not one."""
    text = data.get("text")
    plural = data.get("plural")
    if not isinstance(text, str) or not (plural is None or isinstance(plural, str)):
        raise ValueError("a reason needs its message id")
    values = {str(k): _value_from_json(v) for k, v in dict(data.get("values") or {}).items()}
    money: dict[str, Number] = {}
    for key, amount in dict(data.get("money") or {}).items():
        if isinstance(amount, bool) or not isinstance(amount, int):
            raise ValueError(f"not an amount of pence: {amount!r}")
        money[str(key)] = amount
    return Reason(text, values, money, plural)


def reasons_from_json(data: Any) -> tuple[Reason, ...]:
    """The sentences kept by :func:`reasons_json`; ValueError when they are not."""
    if not isinstance(data, list) or not data:
        raise ValueError("no reasons kept")
    return tuple(reason_from_json(item) for item in data)
