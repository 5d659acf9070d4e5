"""Fields for a place's words in its other languages: "Title in Cymraeg" and so on, one for each
text of a round, question, criterion or fund, for each of the place's languages but its first
(whose words are in the form's own fields). Empty means "not written yet"."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import Field
from wtforms.fields.choices import SelectChoice

from giving import content_language
from giving.forms.fields import (
    area_field,
    button,
    checkboxes_field,
    form_with,
    select_field,
    text_field,
)
from giving.languages import languages

F = TypeVar("F", bound=FlaskForm)


@dataclass(frozen=True)
class Text:
    """One text of a row that can be given in other languages."""

    field: str
    label: Any
    max_length: int
    lines: bool = False


_ROUND, _QUESTION = content_language.ROUND_TEXTS, content_language.QUESTION_TEXTS
_CRITERION, _FUND = content_language.CRITERION_TEXTS, content_language.FUND_TEXTS
ROUND_TEXTS = (
    Text("title", _l("Title"), _ROUND["title"]),
    Text("description", _l("What the round is for"), _ROUND["description"], lines=True),
)
QUESTION_TEXTS = (
    Text("text", _l("Question"), _QUESTION["text"]),
    Text("why_asked", _l("Why you ask it"), _QUESTION["why_asked"], lines=True),
)
CRITERION_TEXTS = (
    Text("name", _l("What the panel looks for"), _CRITERION["name"]),
    Text("description", _l("More about it"), _CRITERION["description"], lines=True),
)
FUND_TEXTS = (
    Text("name", _l("Name"), _FUND["name"]),
    Text("description", _l("What the fund is for"), _FUND["description"], lines=True),
)


def other_languages(place: Any) -> list[tuple[str, str]]:
    """The place's languages but its first, as (code, name)."""
    names = languages()
    return [(code, names.get(code, code)) for code in place.language_codes[1:]]


def _fields(place: Any, texts: tuple[Text, ...], prefix: str = "") -> list[tuple[str, Any]]:
    fields = []
    for code, name in other_languages(place):
        for text in texts:
            build = area_field if text.lines else text_field
            label = _l("%(what)s in %(language)s", what=text.label, language=name)
            hint = _l(
                "Leave it empty if it has not been written in %(language)s yet.", language=name
            )
            field = build(label, hint=hint, optional=True, max_length=text.max_length)
            fields.append((f"{prefix}{text.field}_{code}", field))
    return fields


def with_translations(
    base: type[F], place: Any, texts: tuple[Text, ...], obj: Any = None, **kwargs: Any
) -> F:
    """A form of ``base`` with a field for each text in each of the place's other languages,
    filled from ``obj``'s saved texts when given (on GET)."""
    form = form_with(base, _fields(place, texts), **kwargs)
    setattr(form, "translation_fields", translation_fields(form, place, texts))  # noqa: B010
    if obj is not None and not form.is_submitted():
        fill(form, place, texts, obj.translations or {})
    return form


def translation_fields(
    form: FlaskForm, place: Any, texts: tuple[Text, ...], prefix: str = ""
) -> list[Field]:
    """The form's fields for the other languages, in order (for the template)."""
    return [
        form[f"{prefix}{t.field}_{code}"] for code, _name in other_languages(place) for t in texts
    ]


def fill(
    form: FlaskForm,
    place: Any,
    texts: tuple[Text, ...],
    saved: Mapping[str, Mapping[str, str]],
    prefix: str = "",
) -> None:
    for code, _name in other_languages(place):
        for text in texts:
            form[f"{prefix}{text.field}_{code}"].data = (saved.get(code) or {}).get(text.field, "")


def given(
    form: FlaskForm, place: Any, texts: tuple[Text, ...], prefix: str = ""
) -> dict[str, dict[str, str]]:
    """What was typed in the other languages: ``{"cy": {"title": "..."}}``."""
    return {
        code: {t.field: form[f"{prefix}{t.field}_{code}"].data or "" for t in texts}
        for code, _name in other_languages(place)
    }


class PlaceLanguagesForm(FlaskForm):
    """The languages a place offers its rounds and funds in, and the one its team writes in."""

    languages = checkboxes_field(
        _l("Languages this place offers"),
        hint=_l("Visitors see your rounds and funds in their language where it has been written."),
        choices=[],
        required=_l("Choose at least one language"),
    )
    first = select_field(
        _l("The language your team writes in first"),
        hint=_l("Visitors see this language when a text has not been written in theirs."),
        choices=[],
        required=_l("Choose the language your team writes in first"),
    )
    submit = button(_l("Save languages"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = [SelectChoice(code, name) for code, name in languages().items()]
        self.languages.choices = choices
        self.first.choices = choices

    def fill_from(self, place: Any) -> None:
        self.languages.data = place.language_codes
        self.first.data = place.language_codes[0]

    def choice(self) -> tuple[list[str], str]:
        """The languages ticked, and the one written in first."""
        return list(self.languages.data or []), self.first.data or ""


class RoundWordsForm(FlaskForm):
    """A round's words in the place's other languages, with its questions' and criteria's;
    the fields are added by :func:`round_words_form`."""

    submit = button(_l("Save the words"))


def _part_prefix(kind: str, part: Any) -> str:
    return f"{kind}{part.id}_"


def round_words_form(round_: Any, **kwargs: Any) -> RoundWordsForm:
    """The form for a round's words: ``sections`` pairs each row (the round, each question,
    each criterion) with its fields, filled from what is saved (on GET)."""
    place = round_.place
    rows: list[tuple[Any, tuple[Text, ...], str]] = [(round_, ROUND_TEXTS, "")]
    rows += [(q, QUESTION_TEXTS, _part_prefix("q", q)) for q in round_.questions]
    rows += [(c, CRITERION_TEXTS, _part_prefix("c", c)) for c in round_.criteria]
    fields = [field for row, texts, prefix in rows for field in _fields(place, texts, prefix)]
    form = form_with(RoundWordsForm, fields, **kwargs)
    if not form.is_submitted():
        for row, texts, prefix in rows:
            fill(form, place, texts, row.translations or {}, prefix)
    sections = [
        (row, translation_fields(form, place, texts, prefix)) for row, texts, prefix in rows
    ]
    setattr(form, "sections", sections)  # noqa: B010
    return form


def round_words_given(
    form: FlaskForm, round_: Any
) -> tuple[dict[str, dict[str, str]], dict[int, Any], dict[int, Any]]:
    """What was typed for the round, and for each question and criterion by id."""
    place = round_.place
    questions = {
        q.id: given(form, place, QUESTION_TEXTS, _part_prefix("q", q)) for q in round_.questions
    }
    criteria = {
        c.id: given(form, place, CRITERION_TEXTS, _part_prefix("c", c)) for c in round_.criteria
    }
    return given(form, place, ROUND_TEXTS), questions, criteria
