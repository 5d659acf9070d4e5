"""Field builders for the forms of all three packages, rendered with GOV.UK Frontend widgets.

Each field on a form is one call: the label, hint and messages stand at the call site (they are
the translated words); the widget, and the order of the checks, come from here. Checks run in
one order everywhere: present or optional, then the field's own checks, then its length.

``required`` is the message shown when the field is empty. Text and choices are checked with
``DataRequired``; amounts, numbers, days and times with ``InputRequired`` (so 0 counts as an
answer). Pass a validator instead of a message where a field is checked the other way.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Sequence
from decimal import Decimal, InvalidOperation
from typing import Any, TypeVar

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
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
from wtforms.fields.core import UnboundField
from wtforms.validators import (
    DataRequired,
    Email,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)

TOO_LONG = _l("This is too long. Use %(max)d characters or fewer.")

_TIME = re.compile(r"^(\d{1,2})(?:[:.](\d{2}))?\s*(am|pm)?$")

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
            self.data = None
            raise ValueError(_l("Enter an amount in pounds, like 1250 or 1250.50")) from None
        if pounds != pounds.quantize(Decimal("0.01")):
            raise ValueError(_l("Enter an amount in pounds and pence, like 1250.50"))
        self.data = int(pounds * 100)

    def _value(self) -> str:
        if self.raw_data:
            return self.raw_data[0]
        if self.data is None:
            return ""
        return f"{self.data // 100}" if self.data % 100 == 0 else f"{self.data / 100:.2f}"


class LondonDateField(DateField):
    """Day, month and year in three boxes; a clear message when they are not a real date."""

    widget = GovDateInput()

    def __init__(self, label: Any = None, validators: Any = None, **kwargs: Any) -> None:
        super().__init__(label, validators, format="%d %m %Y", **kwargs)

    def process_formdata(self, valuelist: list[str]) -> None:
        if not valuelist or not "".join(valuelist).strip():
            self.data = None
            return
        try:
            self.data = dt.datetime.strptime(" ".join(v.strip() for v in valuelist), "%d %m %Y")
            self.data = self.data.date()
        except ValueError:
            self.data = None
            raise ValueError(_l("Enter a real date, like 27 3 2027")) from None


class TimeOfDayField(StringField):
    """A time typed as a person says it: '9am', '5:30pm', '17:30'."""

    widget = GovTextInput()

    def process_formdata(self, valuelist: list[str]) -> None:
        self.data = None
        raw = (valuelist[0] if valuelist else "").strip().lower().replace(" ", "")
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
    validators: list[Any] = [Optional()] if optional else []
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


def password_field(label: Any, **options: Any) -> PasswordField:
    """A password, typed where no one can read it over a shoulder."""
    return _build(PasswordField, label, widget=GovPasswordInput(), **options)


def number_field(
    label: Any,
    *,
    least: int | None = None,
    most: int | None = None,
    outside: Any = None,
    **options: Any,
) -> IntegerField:
    """A whole number; ``outside`` is the message when it is not from ``least`` to ``most``."""
    bounded = least is not None or most is not None
    checks = [NumberRange(min=least, max=most, message=outside)] if bounded else []
    return _build(
        IntegerField, label, widget=GovTextInput(), present=InputRequired, checks=checks, **options
    )


def money_field(label: Any, **options: Any) -> PenceField:
    """An amount typed in pounds, held as whole pence."""
    return _build(PenceField, label, present=InputRequired, **options)


def date_field(label: Any, **options: Any) -> LondonDateField:
    """A day, month and year in London."""
    return _build(LondonDateField, label, present=InputRequired, **options)


def time_field(label: Any, **options: Any) -> TimeOfDayField:
    """A time of day in London, typed as a person says it."""
    return _build(TimeOfDayField, label, present=InputRequired, **options)


def radio_field(label: Any, **options: Any) -> RadioField:
    """One choice from a few, as radio buttons."""
    return _build(RadioField, label, widget=GovRadioInput(), **options)


def select_field(label: Any, **options: Any) -> SelectField:
    """One choice from a longer list, as a drop-down."""
    return _build(SelectField, label, widget=GovSelect(), **options)


def checkboxes_field(label: Any, **options: Any) -> SelectMultipleField:
    """Any number of choices, as checkboxes."""
    return _build(SelectMultipleField, label, widget=GovCheckboxesInput(), **options)


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
