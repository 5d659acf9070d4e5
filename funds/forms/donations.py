"""Forms for gifts: a gift online, a gift staff record by hand, match funding, giving a gift
back."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import Field, StringField
from wtforms.fields.choices import SelectChoice

from funds.forms.setup import reason_going_back
from funds.models import DeclarationScope, DonationMethod
from funds.services.donations import GiftAidDetails
from giving.forms.fields import button, date_field, money_field, radio_field, text_field, tick_field


def declaration_fields(
    first_name: str, last_name: str, postcode: str
) -> tuple[StringField, StringField, StringField, StringField]:
    """The four parts of a Gift Aid declaration HMRC needs: first name, last name, house name or
    number, and home postcode (labelled for whoever fills them in). Each is checked when Gift Aid
    is asked for."""
    return (
        text_field(first_name, optional=True, max_length=35),
        text_field(last_name, optional=True, max_length=35),
        text_field(_l("House name or number"), optional=True, max_length=40),
        text_field(postcode, optional=True, max_length=10),
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

    frequency = radio_field(
        _l("How often do you want to give?"),
        choices=[SelectChoice("once", _l("Once")), SelectChoice("monthly", _l("Every month"))],
        default="once",
        required=_l("Choose how often you want to give"),
    )
    preset = radio_field(_l("How much?"), required=_l("Choose how much to give"))
    other_amount = money_field(
        _l("Other amount, in pounds"),
        hint=_l("Only if you chose another amount. For example, 15."),
        optional=True,
    )
    donor_name = text_field(_l("Your name"), required=_l("Enter your name"), max_length=160)
    donor_email = text_field(
        _l("Your email address"),
        hint=_l("We send your receipt here."),
        required=_l("Enter your email address"),
        max_length=254,
    )
    postcode = text_field(
        _l("Your postcode (optional)"),
        hint=_l("It helps us see which parts of the place give."),
        optional=True,
        max_length=10,
    )
    purpose = text_field(
        _l("Only for one thing? Say what (optional)"),
        hint=_l("Leave empty if the fund can use it for anything."),
        optional=True,
        max_length=160,
    )
    gift_aid = radio_field(
        _l("Add Gift Aid?"),
        hint=_l("If you pay UK tax, the fund can claim 25p for every £1 you give."),
        choices=[
            SelectChoice("no", _l("No")),
            SelectChoice("this_gift", _l("Yes, for this gift")),
            SelectChoice("this_and_future", _l("Yes, for this gift and any I give in future")),
        ],
        default="no",
        optional=True,
    )
    taxpayer = tick_field(
        _l(
            "I am a UK taxpayer. I understand that if I pay less Income Tax and/or Capital Gains "
            "Tax than the amount of Gift Aid claimed on all my donations in that tax year it is "
            "my responsibility to pay any difference."
        )
    )
    title = text_field(
        _l("Title (optional)"), hint=_l("For example, Ms, Mr or Dr."), optional=True, max_length=20
    )
    first_name, last_name, house, gift_aid_postcode = declaration_fields(
        _l("First name"), _l("Last name"), _l("Home postcode")
    )
    submit = button(_l("Continue"))

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
    method = radio_field(
        _l("How was it given?"),
        choices=[
            SelectChoice(m.value, _l(m.label)) for m in DonationMethod if m != DonationMethod.CARD
        ],
        required=_l("Choose how it was given"),
    )
    amount_pence = money_field(_l("How much, in pounds"), required=_l("Enter how much money"))
    donor_name = text_field(_l("Who gave it"), required=_l("Enter who gave it"), max_length=160)
    donor_email = text_field(
        _l("Their email address (optional)"),
        hint=_l("We send them a receipt."),
        optional=True,
        max_length=254,
    )
    postcode = text_field(_l("Their postcode (optional)"), optional=True, max_length=10)
    purpose = text_field(
        _l("Only for one thing? Say what (optional)"), optional=True, max_length=160
    )
    received_on = date_field(
        _l("Day it arrived (optional)"),
        hint=_l("Leave empty for today. For example, 27 3 2027."),
        optional=True,
    )
    from_company = tick_field(_l("It is from a company"))
    has_benefit = tick_field(_l("The giver got something back for it (like a ticket or a meal)"))
    gift_aid = tick_field(_l("They signed a Gift Aid declaration for this gift"))
    first_name, last_name, house, gift_aid_postcode = declaration_fields(
        _l("First name, as on the declaration"),
        _l("Last name, as on the declaration"),
        _l("Home postcode, as on the declaration"),
    )
    submit = button(_l("Record the gift"))

    def gift_aid_details(self) -> GiftAidDetails | None:
        """The declaration the giver signed on paper, if they did (they said they pay tax)."""
        return _declaration(self, taxpayer=True) if self.gift_aid.data else None


class MatchForm(FlaskForm):
    funder_name = text_field(
        _l("Who is matching gifts"),
        required=_l("Enter the funder's name"),
        max_length=160,
        too_long=None,
    )
    ratio = money_field(
        _l("How much they add for every £1 given, in pounds"),
        hint=_l("For example, 1 means they double every gift."),
        required=_l("Enter how much they add for every £1"),
    )
    cap_pence = money_field(
        _l("The most they will give, in pounds"), required=_l("Enter the most they will give")
    )
    starts_on = date_field(
        _l("First day"), hint=_l("For example, 1 12 2026."), required=_l("Enter the first day")
    )
    ends_on = date_field(
        _l("Last day"), hint=_l("For example, 31 12 2026."), required=_l("Enter the last day")
    )
    submit = button(_l("Add the match"))


class DonationRefundForm(FlaskForm):
    reason = reason_going_back()
    submit = button(_l("Give the whole gift back"))
