"""The public "how this works" page: each counting rule and panel draw method in plain words,
and how a panel's scores are worked out."""

from __future__ import annotations

from flask import render_template

from voting import plain_words
from voting.views.common import bp


@bp.get("/how-it-works")
def how_it_works() -> str:
    return render_template(
        "voting/how_it_works.html",
        rules=plain_words.rules(),
        draws=plain_words.draw_methods(),
    )
