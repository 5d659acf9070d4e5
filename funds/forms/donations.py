"""Forms for gifts: a gift online, a gift staff record by hand, match funding, giving a gift
back."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import (
    GovCheckboxInput,
    GovRadioInput,
    GovSubmitInput,
    GovTextInput,
)
from wtforms import (
    BooleanField,
    Field,
    RadioField,
    StringField,
    SubmitField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from funds.forms.setup import reason_going_back
from funds.models import DeclarationScope, DonationMethod
from funds.services.donations import GiftAidDetails
from giving.forms import TOO_LONG, LondonDateField, PenceField


def _declaration_field(label: str, longest: int) -> StringField:
    """A part of a Gift Aid declaration (name, house, postcode), checked when Gift Aid is."""
    return StringField(
        label,
        widget=GovTextInput(),
        validators=[Optional(), Length(max=longest, message=TOO_LONG)],
    )


def declaration_fields(
    first_name: str, last_name: str, postcode: str
) -> tuple[StringField, StringField, StringField, StringField]:
    """The four parts of a Gift Aid declaration HMRC needs: first name, last name, house name or
    number, and home postcode (labelled for whoever fills them in)."""
    return (
        _declaration_field(first_name, 35),
        _declaration_field(last_name, 35),
        _declaration_field(_l("House name or number"), 40),
        _declaration_field(postcode, 10),
    )


def _declaration(form: FlaskForm, **more: Any) -> GiftAidDetails:
    return GiftAidDetails(
        first_name=form.first_name.data or "",
        last_name=form.last_name.data or "",
        house=form.house.data or "",
        postcode=form.gift_aid_postcode.data or "",
        **more,
    )


class GiveForm(FlaskForm):
    """A gift online: how often, how much, who, and Gift Aid if the holder can claim it."""

    frequency = RadioField(
        _l("How often do you want to give?"),
        widget=GovRadioInput(),
        choices=[
            SelectChoice("once", _l("Once")),
            SelectChoice("monthly", _l("Every month")),
        ],
        default="once",
        validators=[DataRequired(_l("Choose how often you want to give"))],
    )
    preset = RadioField(
        _l("How much?"),
        widget=GovRadioInput(),
        validators=[DataRequired(_l("Choose how much to give"))],
    )
    other_amount = PenceField(
        _l("Other amount, in pounds"),
        description=_l("Only if you chose another amount. For example, 15."),
        validators=[Optional()],
    )
    donor_name = StringField(
        _l("Your name"),
        widget=GovTextInput(),
        validators=[DataRequired(_l("Enter your name")), Length(max=160, message=TOO_LONG)],
    )
    donor_email = StringField(
        _l("Your email address"),
        widget=GovTextInput(),
        description=_l("We send your receipt here."),
        validators=[
            DataRequired(_l("Enter your email address")),
            Length(max=254, message=TOO_LONG),
        ],
    )
    postcode = StringField(
        _l("Your postcode (optional)"),
        widget=GovTextInput(),
        description=_l("It helps us see which parts of the place give."),
        validators=[Optional(), Length(max=10, message=TOO_LONG)],
    )
    purpose = StringField(
        _l("Only for one thing? Say what (optional)"),
        widget=GovTextInput(),
        description=_l("Leave empty if the fund can use it for anything."),
        validators=[Optional(), Length(max=160, message=TOO_LONG)],
    )
    gift_aid = RadioField(
        _l("Add Gift Aid?"),
        widget=GovRadioInput(),
        description=_l("If you pay UK tax, the fund can claim 25p for every £1 you give."),
        choices=[
            SelectChoice("no", _l("No")),
            SelectChoice("this_gift", _l("Yes, for this gift")),
            SelectChoice("this_and_future", _l("Yes, for this gift and any I give in future")),
        ],
        default="no",
        validators=[Optional()],
    )
    taxpayer = BooleanField(
        _l(
            "I am a UK taxpayer. I understand that if I pay less Income Tax and/or Capital Gains "
            "Tax than the amount of Gift Aid claimed on all my donations in that tax year it is "
            "my responsibility to pay any difference."
        ),
        widget=GovCheckboxInput(),
    )
    title = StringField(
        _l("Title (optional)"),
        widget=GovTextInput(),
        description=_l("For example, Ms, Mr or Dr."),
        validators=[Optional(), Length(max=20, message=TOO_LONG)],
    )
    first_name, last_name, house, gift_aid_postcode = declaration_fields(
        _l("First name"), _l("Last name"), _l("Home postcode")
    )
    submit = SubmitField(_l("Continue"), widget=GovSubmitInput())

    def set_presets(self, presets: tuple[int, ...]) -> None:
        def label(pence: int) -> str:
            return f"£{pence // 100}" if pence % 100 == 0 else f"£{pence / 100:.2f}"

        self.preset.choices = [SelectChoice(str(p), label(p)) for p in presets] + [
            SelectChoice("other", _l("Another amount"))
        ]

    def amount(self) -> int | None:
        if self.preset.data == "other":
            return self.other_amount.data
        try:
            return int(self.preset.data)
        except (TypeError, ValueError):
            return None

    @property
    def amount_pence(self) -> Field:
        """Where a refusal of the amount is shown: the other amount, or the choice of amounts."""
        return self.other_amount if self.preset.data == "other" else self.preset

    def validate(self, extra_validators: Any = None) -> bool:
        """As the fields say; and another amount needs the amount."""
        if not super().validate(extra_validators):
            return False
        if self.preset.data == "other" and self.other_amount.data is None:
            self.other_amount.errors.append(_l("Enter how much you want to give"))
            return False
        return True

    def gift_aid_details(self, holder_can_claim: bool) -> GiftAidDetails | None:
        """The donor's declaration, when they asked for Gift Aid and the holder can claim it."""
        if not holder_can_claim or self.gift_aid.data not in {s.value for s in DeclarationScope}:
            return None
        return _declaration(
            self,
            title=self.title.data or "",
            scope=DeclarationScope(self.gift_aid.data),
            taxpayer=bool(self.taxpayer.data),
        )


class OfflineGiftForm(FlaskForm):
    method = RadioField(
        _l("How was it given?"),
        widget=GovRadioInput(),
        choices=[
            SelectChoice(m.value, _l(m.label)) for m in DonationMethod if m != DonationMethod.CARD
        ],
        validators=[DataRequired(_l("Choose how it was given"))],
    )
    amount_pence = PenceField(
        _l("How much, in pounds"), validators=[InputRequired(_l("Enter how much money"))]
    )
    donor_name = StringField(
        _l("Who gave it"),
        widget=GovTextInput(),
        validators=[DataRequired(_l("Enter who gave it")), Length(max=160, message=TOO_LONG)],
    )
    donor_email = StringField(
        _l("Their email address (optional)"),
        widget=GovTextInput(),
        description=_l("We send them a receipt."),
        validators=[Optional(), Length(max=254, message=TOO_LONG)],
    )
    postcode = StringField(
        _l("Their postcode (optional)"),
        widget=GovTextInput(),
        validators=[Optional(), Length(max=10, message=TOO_LONG)],
    )
    purpose = StringField(
        _l("Only for one thing? Say what (optional)"),
        widget=GovTextInput(),
        validators=[Optional(), Length(max=160, message=TOO_LONG)],
    )
    received_on = LondonDateField(
        _l("Day it arrived (optional)"),
        description=_l("Leave empty for today. For example, 27 3 2027."),
        validators=[Optional()],
    )
    from_company = BooleanField(_l("It is from a company"), widget=GovCheckboxInput())
    has_benefit = BooleanField(
        _l("The giver got something back for it (like a ticket or a meal)"),
        widget=GovCheckboxInput(),
    )
    gift_aid = BooleanField(
        _l("They signed a Gift Aid declaration for this gift"), widget=GovCheckboxInput()
    )
    first_name, last_name, house, gift_aid_postcode = declaration_fields(
        _l("First name, as on the declaration"),
        _l("Last name, as on the declaration"),
        _l("Home postcode, as on the declaration"),
    )
    submit = SubmitField(_l("Record the gift"), widget=GovSubmitInput())

    def gift_aid_details(self) -> GiftAidDetails | None:
        """The declaration the giver signed on paper, if they did (they said they pay tax)."""
        return _declaration(self, taxpayer=True) if self.gift_aid.data else None


class MatchForm(FlaskForm):
    funder_name = StringField(
        _l("Who is matching gifts"),
        widget=GovTextInput(),
        validators=[DataRequired(_l("Enter the funder's name")), Length(max=160)],
    )
    ratio = PenceField(
        _l("How much they add for every £1 given, in pounds"),
        description=_l("For example, 1 means they double every gift."),
        validators=[InputRequired(_l("Enter how much they add for every £1"))],
    )
    cap_pence = PenceField(
        _l("The most they will give, in pounds"),
        validators=[InputRequired(_l("Enter the most they will give"))],
    )
    starts_on = LondonDateField(
        _l("First day"),
        description=_l("For example, 1 12 2026."),
        validators=[InputRequired(_l("Enter the first day"))],
    )
    ends_on = LondonDateField(
        _l("Last day"),
        description=_l("For example, 31 12 2026."),
        validators=[InputRequired(_l("Enter the last day"))],
    )
    submit = SubmitField(_l("Add the match"), widget=GovSubmitInput())


class DonationRefundForm(FlaskForm):
    reason = reason_going_back()
    submit = SubmitField(_l("Give the whole gift back"), widget=GovSubmitInput())
