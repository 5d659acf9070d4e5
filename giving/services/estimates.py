"""How long applying takes: our estimate for a round, and the guide it should keep within."""

from __future__ import annotations

import math

from flask import current_app
from flask_babel import gettext as _
from flask_babel import ngettext

from giving.models import Question, Round
from giving.money import format_money


def estimate_minutes(questions: list[Question], config: dict | None = None) -> int:
    """About how long a group needs to apply, in minutes, rounded up to the next 5.

    estimate = APPLY_BASE_MINUTES (read the round, check you can apply)
             + for each question: APPLY_MINUTES_PER_QUESTION (think, find facts)
                                  + word limit / APPLY_WORDS_PER_MINUTE (write)

    For example 3 questions of up to 150 words: 10 + 3 x (5 + 15) = 70 minutes.
    """
    return minutes_for_limits([q.word_limit for q in questions], config)


def minutes_for_limits(word_limits: list[int], config: dict | None = None) -> int:
    """:func:`estimate_minutes` for a form whose questions allow these many words each."""
    config = config or current_app.config
    minutes = config["APPLY_BASE_MINUTES"] + sum(
        config["APPLY_MINUTES_PER_QUESTION"] + math.ceil(limit / config["APPLY_WORDS_PER_MINUTE"])
        for limit in word_limits
    )
    return 5 * math.ceil(minutes / 5)


def guide_minutes(max_grant_pence: int, config: dict | None = None) -> int:
    """The most time a round should ask of a group for grants up to ``max_grant_pence``:
    APPLY_GUIDE_MINUTES_PER_1000_POUNDS for each £1,000, between the floor and ceiling."""
    config = config or current_app.config
    minutes = math.ceil(max_grant_pence * config["APPLY_GUIDE_MINUTES_PER_1000_POUNDS"] / 100_000)
    return max(
        config["APPLY_GUIDE_FLOOR_MINUTES"], min(config["APPLY_GUIDE_CEILING_MINUTES"], minutes)
    )


def format_minutes(minutes: int, about: bool = True) -> str:
    """'about 40 minutes', 'about 1 hour 40 minutes', 'about 2 hours'; without ``about``,
    '40 minutes' and so on. Each language words "about" its own way, so it is part of each
    message rather than a word put in front."""
    hours, rest = divmod(minutes, 60)
    if not hours:
        if not about:
            return ngettext("%(num)d minute", "%(num)d minutes", rest)
        return ngettext("about %(num)d minute", "about %(num)d minutes", rest)
    if about:
        text = ngettext("about %(num)d hour", "about %(num)d hours", hours)
    else:
        text = ngettext("%(num)d hour", "%(num)d hours", hours)
    if rest:
        text += " " + ngettext("%(num)d minute", "%(num)d minutes", rest)
    return text


def proportion_warning(round_: Round) -> str | None:
    """A warning for the fund manager when applying takes longer than the guide allows."""
    estimate = estimate_minutes(round_.questions)
    guide = guide_minutes(round_.max_grant_pence)
    if estimate <= guide:
        return None
    return _(
        "Applying will take %(estimate)s. For grants up to %(max)s, our guide is no more than "
        "%(guide)s. Ask fewer questions, or allow fewer words.",
        estimate=format_minutes(estimate),
        max=format_money(round_.max_grant_pence),
        guide=format_minutes(guide, about=False),
    )
