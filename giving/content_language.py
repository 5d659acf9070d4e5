"""Which language a place's own words are shown in: the titles and descriptions of its rounds,
their questions and criteria, and its funds.

A place offers its content in one or more languages (``Place.languages``); the first is the one
its staff write in, kept in the rows' own columns. A row's ``translations`` holds the same
texts in the place's other languages: ``{"cy": {"title": "..."}}``. A visitor sees the text in
the language of the page when it has been written, else in the place's first language; text in
another language than the page is marked with its own ``lang`` (WCAG 3.1.2), and the page says
once, near its top, that some of it is in that language.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from flask import Flask, g, has_request_context, render_template_string
from flask_babel import gettext as _
from markupsafe import Markup, escape
from werkzeug.wrappers import Response

from giving.errors import DomainError
from giving.languages import ENGLISH, current_language, languages

# Where base.html wants the note; the note (or nothing) replaces it once the page is made.
NOTE_MARK = Markup("<!--pf-content-language-note-->")
# The texts each kind of row has in other languages, and how long each may be (as long as
# the row's own column allows).
ROUND_TEXTS = {"title": 160, "description": 5000}
QUESTION_TEXTS = {"text": 500, "why_asked": 1000}
CRITERION_TEXTS = {"name": 120, "description": 1000}
FUND_TEXTS = {"name": 160, "description": 5000}
# What staff typed for one row: {"cy": {"title": "..."}}.
Given = Mapping[str, Mapping[str, str | None]]
_NOTE = (
    '<div class="govuk-inset-text pf-content-language-note" id="content-language-note">'
    "{{ note }}</div>"
)


class Translated(Protocol):
    """A row with texts in a place's languages: a round, question, criterion or fund."""

    translations: dict[str, dict[str, str]]


@dataclass(frozen=True)
class Shown:
    """A text as a visitor sees it, and the language it is in. In a template it becomes the
    escaped text, wrapped in an element with its own ``lang`` when it is not in the page's."""

    text: str
    language: str
    page_language: str

    @property
    def foreign(self) -> bool:
        return self.language != self.page_language

    def __str__(self) -> str:
        return self.text

    def __bool__(self) -> bool:
        return bool(self.text)

    def __html__(self) -> str:
        if not self.foreign or not self.text:
            return str(escape(self.text))
        return str(Markup('<span lang="{}">{}</span>').format(self.language, self.text))

    def paragraphs(self) -> Markup:
        """The text as GOV.UK paragraphs, one a line, each with the text's ``lang``."""
        attribute = Markup(' lang="{}"').format(self.language) if self.foreign else Markup("")
        return Markup("").join(
            Markup('<p class="govuk-body"{}>{}</p>\n').format(attribute, line.strip())
            for line in self.text.split("\n")
            if line.strip()
        )


def place_of(obj: Any) -> Any:
    """The place a translated row belongs to (a question or criterion: its round's)."""
    place = getattr(obj, "place", None)
    if place is None and getattr(obj, "round", None) is not None:
        place = obj.round.place
    return place


def first_language(place: Any) -> str:
    return place.language_codes[0] if place is not None else ENGLISH


def localised(obj: Translated, field: str, language: str | None = None) -> Shown:
    """``obj``'s ``field`` in ``language`` (the page's unless given) when the place offers it
    and it has been written; else in the place's first language. Showing text in another
    language than the page's asks for the page's note."""
    page = language or current_language()
    place = place_of(obj)
    first = first_language(place)
    text = getattr(obj, field) or ""
    shown = Shown(text, first, page)
    if page != first and place is not None and page in place.language_codes:
        written = ((obj.translations or {}).get(page) or {}).get(field, "")
        if written.strip():
            shown = Shown(written, page, page)
    if shown.foreign and shown.text and has_request_context():
        g.content_languages = {*getattr(g, "content_languages", set()), shown.language}
    return shown


def note() -> str | None:
    """The page's note, when some of it was shown in another language than the page's."""
    shown_in = sorted(getattr(g, "content_languages", set()))
    if not shown_in:
        return None
    names = languages()
    page = names.get(current_language(), current_language())
    written = ", ".join(names.get(code, code) for code in shown_in)
    return _(
        "Some of this page is in %(written)s because it has not been written in %(page)s yet.",
        written=written,
        page=page,
    )


def note_mark() -> Markup:
    """Where base.html wants the note (see :func:`_add_note`)."""
    return NOTE_MARK


def _add_note(response: Response) -> Response:
    """Put the note where base.html marks it (or take the mark away)."""
    if response.direct_passthrough or response.is_streamed or response.mimetype != "text/html":
        return response
    body = response.get_data(as_text=True)
    if NOTE_MARK not in body:
        return response
    said = note()
    html = render_template_string(_NOTE, note=said) if said else ""
    response.set_data(body.replace(NOTE_MARK, html, 1))
    return response


def check_codes(codes: Iterable[str]) -> list[str]:
    """A place's languages, checked: at least one, each on offer, none twice."""
    chosen = list(codes)
    if not chosen:
        raise DomainError(_("Choose at least one language"), field="languages")
    offered = languages()
    if any(code not in offered for code in chosen) or len(set(chosen)) != len(chosen):
        raise DomainError(_("Choose languages from the list"), field="languages")
    return chosen


def clean_translations(
    place: Any,
    given: Given,
    limits: Mapping[str, int],
    prefix: str = "",
) -> dict[str, dict[str, str]]:
    """Texts in the place's other languages, tidied: blanks left out (not written yet), only
    the fields in ``limits``, each no longer than its limit (else a message by the field
    ``<prefix><field>_<code>``, as the forms name them)."""
    clean: dict[str, dict[str, str]] = {}
    for code in place.language_codes[1:]:
        texts = {}
        for field, limit in limits.items():
            text = ((given.get(code) or {}).get(field) or "").strip()
            if len(text) > limit:
                raise DomainError(
                    _("Use %(n)d characters or fewer", n=limit), field=f"{prefix}{field}_{code}"
                )
            if text:
                texts[field] = text
        if texts:
            clean[code] = texts
    return clean


def init_app(app: Flask) -> None:
    """Let templates show localised text, ``{{ round|localised("title") }}``, and the note."""
    app.add_template_filter(localised)
    app.add_template_global(note_mark, "content_language_note_mark")
    app.after_request(_add_note)
