"""Forms for setting up a fund and for money in. Amounts are typed in pounds and held as whole
pence."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import (
    GovCheckboxInput,
    GovRadioInput,
    GovSelect,
    GovSubmitInput,
    GovTextArea,
    GovTextInput,
)
from wtforms import (
    BooleanField,
    RadioField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from funds.models import IncomeSource
from giving.forms import TOO_LONG, LondonDateField, PenceField
from giving.models import Round


class FundForm(FlaskForm):
    name = StringField(
        _l("Name of the fund"),
        widget=GovTextInput(),
        validators=[DataRequired(_l("Enter the fund's name")), Length(max=160, message=TOO_LONG)],
    )
    description = TextAreaField(
        _l("What the fund is for (optional)"),
        widget=GovTextArea(),
        validators=[Length(max=5000, message=TOO_LONG)],
    )
    holder_name = StringField(
        _l("Who holds the money"),
        widget=GovTextInput(),
        description=_l("The organisation whose bank account the money is in."),
        validators=[
            DataRequired(_l("Enter who holds the money")),
            Length(max=160, message=TOO_LONG),
        ],
    )
    holder_charity_number = StringField(
        _l("Their charity number (optional)"),
        widget=GovTextInput(),
        validators=[Optional(), Length(max=20, message=TOO_LONG)],
    )
    holder_company_number = StringField(
        _l("Their company number (optional)"),
        widget=GovTextInput(),
        validators=[Optional(), Length(max=20, message=TOO_LONG)],
    )
    holder_can_claim_gift_aid = BooleanField(
        _l("They can claim Gift Aid on donations"), widget=GovCheckboxInput()
    )
    checkin_threshold_pence = PenceField(
        _l("Size of grant that gets a written check-in, in pounds"),
        description=_l(
            "Smaller grants get a yearly chat instead, noted by your team. For example: 10000."
        ),
        validators=[InputRequired(_l("Enter an amount, like 10000"))],
    )
    submit = SubmitField(_l("Save fund"), widget=GovSubmitInput())

    def fund_fields(self) -> dict[str, Any]:
        return {
            "name": self.name.data,
            "description": self.description.data or "",
            "holder_name": self.holder_name.data,
            "holder_charity_number": self.holder_charity_number.data,
            "holder_company_number": self.holder_company_number.data,
            "holder_can_claim_gift_aid": bool(self.holder_can_claim_gift_aid.data),
            "checkin_threshold_pence": self.checkin_threshold_pence.data,
        }


class QuestionForm(FlaskForm):
    text = StringField(
        _l("Question"),
        widget=GovTextInput(),
        description=_l("Keep it short and easy to answer, like: What went well this year?"),
        validators=[DataRequired(_l("Write the question")), Length(max=300, message=TOO_LONG)],
    )
    submit = SubmitField(_l("Add question"), widget=GovSubmitInput())


class RoundLinkForm(FlaskForm):
    round = SelectField(
        _l("Round"), widget=GovSelect(), validators=[DataRequired(_l("Choose a round"))]
    )
    submit = SubmitField(_l("Use this fund for the round"), widget=GovSubmitInput())

    def set_rounds(self, rounds: list[Round]) -> None:
        self.round.choices = [SelectChoice("", _l("Choose a round"))] + [
            SelectChoice(str(r.id), r.title) for r in rounds
        ]


class IncomeForm(FlaskForm):
    source = RadioField(
        _l("Where is the money from?"),
        widget=GovRadioInput(),
        choices=[SelectChoice(s.value, _l(s.label)) for s in IncomeSource],
        validators=[DataRequired(_l("Choose where the money is from"))],
    )
    amount_pence = PenceField(
        _l("How much, in pounds"), validators=[InputRequired(_l("Enter how much money"))]
    )
    from_name = StringField(
        _l("Who gave it (optional)"),
        widget=GovTextInput(),
        validators=[Optional(), Length(max=160, message=TOO_LONG)],
    )
    purpose = StringField(
        _l("Only for one thing? Say what (optional)"),
        widget=GovTextInput(),
        description=_l("Leave empty if the fund can use it for anything."),
        validators=[Optional(), Length(max=160, message=TOO_LONG)],
    )
    gift_aid = BooleanField(_l("The donor asked for Gift Aid"), widget=GovCheckboxInput())
    pledged = RadioField(
        _l("Has the money arrived?"),
        widget=GovRadioInput(),
        choices=[
            SelectChoice("received", _l("Yes, it is in the bank")),
            SelectChoice("pledged", _l("Not yet, it has been promised")),
        ],
        validators=[DataRequired(_l("Say if the money has arrived"))],
    )
    received_on = LondonDateField(
        _l("Day it arrived (optional)"),
        description=_l("Leave empty for today. For example, 27 3 2027."),
        validators=[Optional()],
    )
    expected_on = LondonDateField(
        _l("Day it should arrive, if promised"),
        description=_l("For example, 27 3 2027."),
        validators=[Optional()],
    )
    submit = SubmitField(_l("Add money"), widget=GovSubmitInput())


def reason_going_back() -> TextAreaField:
    """Why money is being given back (kept with the refund)."""
    return TextAreaField(
        _l("Why it is going back"),
        widget=GovTextArea(),
        validators=[DataRequired(_l("Say why the money is going back")), Length(max=1000)],
    )


class RefundForm(FlaskForm):
    amount_pence = PenceField(
        _l("How much to give back, in pounds"), validators=[InputRequired(_l("Enter how much"))]
    )
    reason = reason_going_back()
    submit = SubmitField(_l("Give the money back"), widget=GovSubmitInput())
