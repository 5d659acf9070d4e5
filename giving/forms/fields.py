"""Field builders for the forms of all three packages, rendered with GOV.UK Frontend widgets.

Each field on a form is one call: the label, hint and messages stand at the call site (they are
the translated words); the widget, and the order of the checks, come from here. Checks run in
one order everywhere: present or optional, then the field's own checks, then its length.

``required`` is the message shown when the field is empty. Text and choices are checked with
``DataRequired``; amounts, numbers, days and times with :class:`Given` (so 0 counts as an
answer, and what was typed gets the field's own message). Pass a validator instead of a
message where a field is checked the other way.

Whatever is sent, a field answers with a message next to it, never an error page: amounts,
numbers and days are kept to what the database can hold, a day must come in three parts, and
a choice must be one of the choices (an answer of only spaces is not "no answer" there).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Sequence
from decimal import Decimal, InvalidOperation
from typing import Any, TypeVar

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from govuk_frontend_wtf.gov_form_base import GovFormBase
from govuk_frontend_wtf.wtforms_widgets import (
    GovCheckboxesInput,
    GovCheckboxInput,
    GovDateInput,
    GovPasswordInput,
    GovRadioInput,
    GovSelect,
    GovSubmitInput,
    GovTextArea,
    GovTextInput,
)
from wtforms import (
    BooleanField,
    DateField,
    EmailField,
    Field,
    IntegerField,
    PasswordField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.fields.choices import SelectFieldBase
from wtforms.fields.core import UnboundField
from wtforms.validators import (
    DataRequired,
    Email,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    StopValidation,
    ValidationError,
)

from giving.money import format_money

TOO_LONG = _l("This is too long. Use %(max)d characters or fewer.")

_TIME = re.compile(r"^([0-9]{1,2})(?:[:.]([0-9]{2}))?\s*(am|pm)?$", re.ASCII)

MAX_NUMBER = 2**31 - 1
"""The biggest whole number a form takes unless it says otherwise: numbers are stored in
32-bit ``Integer`` columns."""

MAX_PENCE = 100_000_000_000
"""The biggest amount a form takes: a thousand million pounds, far beyond any fund, and well
inside the 64-bit column that holds pence."""

FIRST_YEAR, LAST_YEAR = 1900, 2200
"""The years a day can be in: from the oldest date of birth to far beyond any grant."""

_MAX_POUNDS = Decimal(MAX_PENCE).scaleb(-2)

NOT_AN_AMOUNT = _l("Enter an amount in pounds, like 1250 or 1250.50")

F = TypeVar("F", bound=FlaskForm)


class PenceField(StringField):
    """Pounds typed by a person ('£1,250.50'), held as whole pence."""

    widget = GovTextInput()

    def process_formdata(self, valuelist: list[str]) -> None:
        self.data = None
        self.raw = valuelist[0] if valuelist else ""
        text = self.raw.strip().replace("£", "").replace(",", "")
        if not text:
            return
        try:
            pounds = Decimal(text)
        except InvalidOperation:
            raise ValueError(NOT_AN_AMOUNT) from None
        if not pounds.is_finite():  # NaN, sNaN, Infinity
            raise ValueError(NOT_AN_AMOUNT)
        if pounds < -_MAX_POUNDS:
            raise ValueError(NOT_AN_AMOUNT)
        if pounds > _MAX_POUNDS:
            raise ValueError(
                _l("Enter an amount of %(most)s or less", most=format_money(MAX_PENCE))
            )
        if pounds != pounds.quantize(Decimal("0.01")):
            raise ValueError(_l("Enter an amount in pounds and pence, like 1250.50"))
        self.data = int(pounds * 100)

    def _value(self) -> str:
        if self.raw_data:
            return self.raw_data[0]
        if self.data is None:
            return ""
        return f"{self.data // 100}" if self.data % 100 == 0 else f"{self.data / 100:.2f}"


class WholeNumberField(IntegerField):
    """A whole number typed in digits ('12', '-3'), no bigger than ``limit`` either way."""

    def __init__(self, label: Any = None, validators: Any = None, **kwargs: Any) -> None:
        self.limit = kwargs.pop("limit", MAX_NUMBER)
        super().__init__(label, validators, **kwargs)

    def process_formdata(self, valuelist: list[str]) -> None:
        self.data = None
        if not valuelist:
            return
        text = valuelist[0].strip() if isinstance(valuelist[0], str) else ""
        digits = text.removeprefix("-")
        if not digits.isascii() or not digits.isdigit():
            raise ValueError(_l("Enter a whole number, like 5"))
        if len(digits.lstrip("0")) > len(str(self.limit)) or int(digits) > self.limit:
            too = _l("This number is too small") if text.startswith("-") else None
            raise ValueError(too or _l("This number is too big"))
        self.data = int(text)


class LondonDateInput(GovDateInput):
    """GOV.UK's day, month and year boxes, showing what was typed even when it was not three
    parts (a part missing, or sent twice)."""

    def map_gov_params(self, field: Field, **kwargs: Any) -> dict[str, Any]:
        params = GovFormBase.map_gov_params(self, field, **kwargs)
        day, month, year = date_parts(field)
        params.setdefault("fieldset", {"legend": {"text": field.label.text}})
        error = " govuk-input--error" if field.errors else ""
        params.setdefault(
            "items",
            [
                {
                    "label": label,
                    "id": f"{field.name}-{part}",
                    "name": field.name,
                    "classes": f"govuk-input--width-{width}{error}",
                    "value": value,
                }
                for part, label, width, value in (
                    ("day", _l("Day"), 2, day),
                    ("month", _l("Month"), 2, month),
                    ("year", _l("Year"), 4, year),
                )
            ],
        )
        return params


def date_parts(field: Field) -> tuple[str, str, str]:
    """The day, month and year to show in the boxes: as typed (the first three parts sent,
    padded with empty ones), or the field's date."""
    if field.raw_data is not None:
        parts = [v if isinstance(v, str) else "" for v in field.raw_data][:3]
        parts += [""] * (3 - len(parts))
        return parts[0], parts[1], parts[2]
    if isinstance(field.data, dt.date):
        day, month, year = field.data.strftime("%d %m %Y").split(" ")
        return day, month, year
    return "", "", ""


class LondonDateField(DateField):
    """Day, month and year in three boxes; a clear message when they are not a real date."""

    widget = LondonDateInput()

    def __init__(self, label: Any = None, validators: Any = None, **kwargs: Any) -> None:
        super().__init__(label, validators, format="%d %m %Y", **kwargs)

    def process_formdata(self, valuelist: list[str]) -> None:
        self.data = None
        parts = [v.strip() if isinstance(v, str) else "" for v in valuelist]
        if not any(parts):
            return
        if len(parts) != 3 or not all(parts):
            raise ValueError(_l("Enter a day, month and year, like 27 3 2027"))
        if not all(p.isascii() and p.isdigit() for p in parts):
            raise ValueError(_l("Enter the date in numbers, like 27 3 2027"))
        day, month, year = (p.lstrip("0") or "0" for p in parts)
        if len(year) != 4 or not FIRST_YEAR <= int(year) <= LAST_YEAR:
            raise ValueError(
                _l("Enter a year from %(first)d to %(last)d", first=FIRST_YEAR, last=LAST_YEAR)
            )
        try:
            self.data = dt.date(int(year), int(month[:3]), int(day[:3]))
        except ValueError:
            raise ValueError(_l("Enter a real date, like 27 3 2027")) from None

    def _value(self) -> str:
        return " ".join(date_parts(self))


class TimeOfDayField(StringField):
    """A time typed as a person says it: '9am', '5:30pm', '17:30'."""

    widget = GovTextInput()

    def process_formdata(self, valuelist: list[str]) -> None:
        self.data = None
        raw = (valuelist[0] if valuelist else "").strip().lower().replace(" ", "")
        if len(valuelist) > 1:
            raise ValueError(_l("Enter one time, like 9am, 5:30pm or 17:30"))
        if not raw:
            return
        if raw in ("midday", "noon"):
            self.data = dt.time(12, 0)
            return
        match = _TIME.match(raw)
        if match:
            hour, minute = int(match.group(1)), int(match.group(2) or 0)
            suffix = match.group(3)
            if suffix and 1 <= hour <= 12:
                hour = hour % 12 + (12 if suffix == "pm" else 0)
            elif suffix:
                hour = 99
            if hour < 24 and minute < 60:
                self.data = dt.time(hour, minute)
                return
        raise ValueError(_l("Enter a time like 9am, 5:30pm or 17:30"))

    def _value(self) -> str:
        if self.raw_data:
            return self.raw_data[0]
        if self.data is None:
            return ""
        hour = self.data.hour % 12 or 12
        return f"{hour}:{self.data.minute:02d}{'am' if self.data.hour < 12 else 'pm'}"


class Given(InputRequired):
    """Something other than spaces was typed (in any of a day's three boxes). When something
    was, the field's own message about it stands (like "Enter a real date")."""

    def __call__(self, form: FlaskForm, field: Field) -> None:
        if any(isinstance(v, str) and v.strip() for v in field.raw_data or []):
            return
        field.errors[:] = []
        raise StopValidation(self.message or field.gettext("This field is required."))


class TicksField(SelectMultipleField):
    """Any number of choices, as checkboxes: each one must be a box on the page, ticked once
    (a browser never sends anything else)."""

    def process_formdata(self, valuelist: list[str]) -> None:
        try:
            super().process_formdata(valuelist)
        except ValueError:
            raise ValueError(_l("Tick only the boxes shown")) from None

    def pre_validate(self, form: FlaskForm) -> None:
        try:
            super().pre_validate(form)
        except ValidationError:
            raise ValidationError(_l("Tick only the boxes shown")) from None
        if self.data and len(set(self.data)) < len(self.data):
            raise ValidationError(_l("Tick each box only once"))


class LeftEmpty(Optional):
    """WTForms' ``Optional``, made safe: the field counts as left empty only when every part
    sent is empty (a day has three), and for a choice only when nothing at all was chosen, so
    an answer of spaces is checked against the choices rather than passed on unchecked."""

    def __call__(self, form: FlaskForm, field: Field) -> None:
        raw = field.raw_data or []
        if isinstance(field, SelectFieldBase):
            empty = all(value == "" for value in raw)
        else:
            empty = all(isinstance(v, str) and not self.string_check(v) for v in raw)
        if empty:
            field.errors[:] = []
            raise StopValidation()


def not_blank(form: FlaskForm, field: Field) -> None:
    """Refuses an answer that is only spaces."""
    if isinstance(field.data, str) and field.data and not field.data.strip():
        raise ValidationError(_l("This cannot be only spaces"))


def _build(
    kind: type[Field],
    label: Any,
    *,
    widget: Any = None,
    required: Any = None,
    present: type = DataRequired,
    optional: bool = False,
    checks: Sequence[Any] = (),
    max_length: int | None = None,
    too_long: Any = TOO_LONG,
    blank: bool = True,
    hint: Any = "",
    **kwargs: Any,
) -> Any:
    """A field of ``kind``. ``hint`` is the text under the label; ``required`` as the module's
    note says; ``optional`` lets an empty answer skip the other checks; ``checks`` are the
    field's own validators; ``max_length`` is checked with the ``too_long`` message (``None``
    for WTForms' own); ``blank=False`` refuses only spaces. The rest (``choices``, ``coerce``,
    ``default``) goes to the field as it is."""
    validators: list[Any] = [LeftEmpty()] if optional else []
    if required is not None:
        is_check = isinstance(required, DataRequired | InputRequired)
        validators.append(required if is_check else present(required))
    validators += checks
    if max_length is not None:
        validators.append(Length(max=max_length, message=too_long))
    if not blank:
        validators.append(not_blank)
    if widget is not None:
        kwargs["widget"] = widget
    return kind(label, description=hint, validators=validators, **kwargs)


def text_field(label: Any, **options: Any) -> StringField:
    """A line of text. ``blank=False`` also refuses an answer of only spaces."""
    return _build(StringField, label, widget=GovTextInput(), **options)


def area_field(label: Any, **options: Any) -> TextAreaField:
    """A box for a few lines of text."""
    return _build(TextAreaField, label, widget=GovTextArea(), **options)


def email_field(label: Any, *, invalid: Any = None, **options: Any) -> EmailField:
    """An email address; ``invalid`` is the message when it does not look like one."""
    checks = [Email(invalid)] if invalid is not None else []
    return _build(EmailField, label, widget=GovTextInput(), checks=checks, **options)


class _PasswordInput(GovPasswordInput):
    """GOV.UK's password box, its show and hide button in the page's language."""

    def map_gov_params(self, field: Field, **kwargs: Any) -> dict[str, Any]:
        params: dict[str, Any] = super().map_gov_params(field, **kwargs)
        params.update(
            showPasswordText=_l("Show"),
            hidePasswordText=_l("Hide"),
            showPasswordAriaLabelText=_l("Show password"),
            hidePasswordAriaLabelText=_l("Hide password"),
            passwordShownAnnouncementText=_l("Your password is visible"),
            passwordHiddenAnnouncementText=_l("Your password is hidden"),
        )
        return params


def password_field(label: Any, **options: Any) -> PasswordField:
    """A password, typed where no one can read it over a shoulder."""
    return _build(PasswordField, label, widget=_PasswordInput(), **options)


def number_field(
    label: Any,
    *,
    least: int | None = None,
    most: int | None = None,
    outside: Any = None,
    **options: Any,
) -> IntegerField:
    """A whole number; ``outside`` is the message when it is not from ``least`` to ``most``.
    Without ``most`` it is no bigger than :data:`MAX_NUMBER`, what a column can hold."""
    bounded = least is not None or most is not None
    checks = [NumberRange(min=least, max=most, message=outside)] if bounded else []
    return _build(
        WholeNumberField,
        label,
        widget=GovTextInput(),
        present=Given,
        checks=checks,
        limit=max(most or 0, MAX_NUMBER),
        **options,
    )


def money_field(label: Any, **options: Any) -> PenceField:
    """An amount typed in pounds, held as whole pence."""
    return _build(PenceField, label, present=Given, **options)


def date_field(label: Any, **options: Any) -> LondonDateField:
    """A day, month and year in London."""
    return _build(LondonDateField, label, present=Given, **options)


def time_field(label: Any, **options: Any) -> TimeOfDayField:
    """A time of day in London, typed as a person says it."""
    return _build(TimeOfDayField, label, present=Given, **options)


def radio_field(label: Any, **options: Any) -> RadioField:
    """One choice from a few, as radio buttons."""
    return _build(RadioField, label, widget=GovRadioInput(), **options)


def select_field(label: Any, **options: Any) -> SelectField:
    """One choice from a longer list, as a drop-down."""
    return _build(SelectField, label, widget=GovSelect(), **options)


def checkboxes_field(label: Any, **options: Any) -> SelectMultipleField:
    """Any number of choices, as checkboxes."""
    return _build(TicksField, label, widget=GovCheckboxesInput(), **options)


def tick_field(label: Any) -> BooleanField:
    """A single checkbox: ticked or not."""
    return BooleanField(label, widget=GovCheckboxInput())


def button(label: Any) -> SubmitField:
    """A button that sends the form."""
    return SubmitField(label, widget=GovSubmitInput())


def form_with(base: type[F], fields: Iterable[tuple[str, UnboundField]], **kwargs: Any) -> F:
    """A form of ``base`` with more fields made for one page: one for each of a round's
    questions, its criteria, a panel's questions, the projects on a ballot or the payments of a
    grant. The fields come after ``base``'s own, in the order given."""
    return type(base.__name__, (base,), dict(fields))(**kwargs)
