"""Forms for setting up a fund and for money in. Amounts are typed in pounds and held as whole
pence."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import TextAreaField
from wtforms.fields.choices import SelectChoice

from funds.models import IncomeSource
from giving.forms.fields import (
    area_field,
    button,
    date_field,
    email_field,
    money_field,
    radio_field,
    select_field,
    text_field,
    tick_field,
)
from giving.models import Round


class FundForm(FlaskForm):
    name = text_field(_l("Name of the fund"), required=_l("Enter the fund's name"), max_length=160)
    description = area_field(_l("What the fund is for (optional)"), max_length=5000)
    holder_name = text_field(
        _l("Who holds the money"),
        hint=_l("The organisation whose bank account the money is in."),
        required=_l("Enter who holds the money"),
        max_length=160,
    )
    holder_charity_number = text_field(
        _l("Their charity number (optional)"), optional=True, max_length=20
    )
    holder_company_number = text_field(
        _l("Their company number (optional)"), optional=True, max_length=20
    )
    holder_can_claim_gift_aid = tick_field(_l("They can claim Gift Aid on donations"))
    checkin_threshold_pence = money_field(
        _l("Size of grant that gets a written check-in, in pounds"),
        hint=_l(
            "Smaller grants get a yearly chat instead, noted by your team. For example: 10000."
        ),
        required=_l("Enter an amount, like 10000"),
    )
    contact_name = text_field(
        _l("Name to ask for about this fund (optional)"),
        hint=_l("Leave these empty to show the place's contact."),
        optional=True,
        max_length=120,
    )
    contact_email = email_field(
        _l("Email to write to (optional)"),
        invalid=_l("Enter a real email address, like name@example.com"),
        optional=True,
        max_length=254,
    )
    contact_phone = text_field(_l("Phone number (optional)"), optional=True, max_length=30)
    submit = button(_l("Save fund"))

    def fund_fields(self) -> dict[str, Any]:
        return {
            "name": self.name.data,
            "description": self.description.data or "",
            "holder_name": self.holder_name.data,
            "holder_charity_number": self.holder_charity_number.data,
            "holder_company_number": self.holder_company_number.data,
            "holder_can_claim_gift_aid": bool(self.holder_can_claim_gift_aid.data),
            "checkin_threshold_pence": self.checkin_threshold_pence.data,
            "contact_name": self.contact_name.data,
            "contact_email": self.contact_email.data,
            "contact_phone": self.contact_phone.data,
        }


class QuestionForm(FlaskForm):
    text = text_field(
        _l("Question"),
        hint=_l("Keep it short and easy to answer, like: What went well this year?"),
        required=_l("Write the question"),
        max_length=300,
    )
    submit = button(_l("Add question"))


class RoundLinkForm(FlaskForm):
    round = select_field(_l("Round"), required=_l("Choose a round"))
    submit = button(_l("Use this fund for the round"))

    def set_rounds(self, rounds: list[Round]) -> None:
        self.round.choices = [SelectChoice("", _l("Choose a round"))] + [
            SelectChoice(str(r.id), r.title) for r in rounds
        ]


class IncomeForm(FlaskForm):
    source = radio_field(
        _l("Where is the money from?"),
        choices=[SelectChoice(s.value, _l(s.label)) for s in IncomeSource],
        required=_l("Choose where the money is from"),
    )
    amount_pence = money_field(_l("How much, in pounds"), required=_l("Enter how much money"))
    from_name = text_field(_l("Who gave it (optional)"), optional=True, max_length=160)
    purpose = text_field(
        _l("Only for one thing? Say what (optional)"),
        hint=_l("Leave empty if the fund can use it for anything."),
        optional=True,
        max_length=160,
    )
    gift_aid = tick_field(_l("The donor asked for Gift Aid"))
    pledged = radio_field(
        _l("Has the money arrived?"),
        choices=[
            SelectChoice("received", _l("Yes, it is in the bank")),
            SelectChoice("pledged", _l("Not yet, it has been promised")),
        ],
        required=_l("Say if the money has arrived"),
    )
    received_on = date_field(
        _l("Day it arrived (optional)"),
        hint=_l("Leave empty for today. For example, 27 3 2027."),
        optional=True,
    )
    expected_on = date_field(
        _l("Day it should arrive, if promised"), hint=_l("For example, 27 3 2027."), optional=True
    )
    submit = button(_l("Add money"))


def reason_going_back() -> TextAreaField:
    """Why money is being given back (kept with the refund)."""
    return area_field(
        _l("Why it is going back"),
        required=_l("Say why the money is going back"),
        max_length=1000,
        too_long=None,
    )


class RefundForm(FlaskForm):
    amount_pence = money_field(
        _l("How much to give back, in pounds"), required=_l("Enter how much")
    )
    reason = reason_going_back()
    submit = button(_l("Give the money back"))
