"""Forms for funds, money in, grants, payments, variations and check-ins, rendered with GOV.UK
Frontend widgets. Amounts are typed in pounds and held as whole pence."""

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
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from funds.models import CheckIn, DonationMethod, IncomeSource, Instalment
from funds.schedule import Frequency
from giving.forms import TOO_LONG, LondonDateField, PenceField
from giving.models import Group, Round


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


class RefundForm(FlaskForm):
    amount_pence = PenceField(
        _l("How much to give back, in pounds"), validators=[InputRequired(_l("Enter how much"))]
    )
    reason = TextAreaField(
        _l("Why it is going back"),
        widget=GovTextArea(),
        validators=[DataRequired(_l("Say why the money is going back")), Length(max=1000)],
    )
    submit = SubmitField(_l("Give the money back"), widget=GovSubmitInput())


class GrantForm(FlaskForm):
    group = SelectField(_l("Group"), widget=GovSelect(), validators=[Optional()])
    title = StringField(
        _l("What the grant is for, in a few words"),
        widget=GovTextInput(),
        validators=[
            DataRequired(_l("Say what the grant is for")),
            Length(max=160, message=TOO_LONG),
        ],
    )
    description = TextAreaField(
        _l("More about it (optional)"),
        widget=GovTextArea(),
        validators=[Length(max=5000, message=TOO_LONG)],
    )
    total_pence = PenceField(
        _l("Total amount, in pounds"), validators=[InputRequired(_l("Enter how much money"))]
    )
    start_date = LondonDateField(
        _l("Day the grant starts"),
        description=_l("The first payment is due on this day. For example, 1 9 2026."),
        validators=[InputRequired(_l("Enter the day the grant starts"))],
    )
    years = IntegerField(
        _l("How many years it lasts"),
        widget=GovTextInput(),
        description=_l("Longer grants help groups plan. From 1 to 25."),
        validators=[
            InputRequired(_l("Enter how many years")),
            NumberRange(min=1, max=25, message=_l("Enter a number from 1 to 25")),
        ],
    )
    frequency = RadioField(
        _l("How often we pay"),
        widget=GovRadioInput(),
        choices=[SelectChoice(f.value, _l(f.label)) for f in Frequency],
        default=Frequency.QUARTERLY.value,
        validators=[DataRequired(_l("Choose how often we pay"))],
    )
    restricted = RadioField(
        _l("What can the money be spent on?"),
        widget=GovRadioInput(),
        choices=[
            SelectChoice("no", _l("Anything that helps the group do its work (best)")),
            SelectChoice("yes", _l("Only one thing")),
        ],
        default="no",
        validators=[DataRequired(_l("Choose what the money can be spent on"))],
    )
    purpose = StringField(
        _l("If only one thing, what?"),
        widget=GovTextInput(),
        validators=[Optional(), Length(max=1000, message=TOO_LONG)],
    )
    submit = SubmitField(_l("Offer the grant"), widget=GovSubmitInput())

    def set_groups(self, groups: list[Group]) -> None:
        self.group.choices = [SelectChoice("", _l("Choose a group"))] + [
            SelectChoice(str(g.id), g.name) for g in groups
        ]


class AgreeForm(FlaskForm):
    agree = BooleanField(
        _l("I have read this and my group agrees to it"), widget=GovCheckboxInput()
    )
    submit = SubmitField(_l("Agree to the grant"), widget=GovSubmitInput())


class ReasonForm(FlaskForm):
    reason = TextAreaField(
        _l("Why is this payment on hold?"),
        widget=GovTextArea(),
        description=_l("The group will read this. Say what needs to happen next."),
        validators=[DataRequired(_l("Say why")), Length(max=2000, message=TOO_LONG)],
    )
    submit = SubmitField(_l("Put on hold"), widget=GovSubmitInput())


class PayForm(FlaskForm):
    paid_on = LondonDateField(
        _l("Day it was paid"),
        description=_l("For example, 27 3 2027."),
        validators=[InputRequired(_l("Enter the day it was paid"))],
    )
    reference = StringField(
        _l("Bank reference"),
        widget=GovTextInput(),
        validators=[
            DataRequired(_l("Enter the bank's reference for the payment")),
            Length(max=60, message=TOO_LONG),
        ],
    )
    submit = SubmitField(_l("Record the payment"), widget=GovSubmitInput())


class ConfirmForm(FlaskForm):
    submit = SubmitField(_l("Confirm"), widget=GovSubmitInput())


class CloseForm(FlaskForm):
    note = TextAreaField(
        _l("Final note"),
        widget=GovTextArea(),
        description=_l("What happened with the grant, in a few plain words. It is kept."),
        validators=[DataRequired(_l("Write a short final note")), Length(max=5000)],
    )
    submit = SubmitField(_l("End the grant"), widget=GovSubmitInput())


class RunForm(FlaskForm):
    paid_on = LondonDateField(
        _l("Day the bank paid them"),
        description=_l("For example, 27 3 2027."),
        validators=[InputRequired(_l("Enter the day the bank paid them"))],
    )
    submit = SubmitField(_l("Record these as paid"), widget=GovSubmitInput())


class NoteForm(FlaskForm):
    note = TextAreaField(
        _l("What you talked about"),
        widget=GovTextArea(),
        validators=[DataRequired(_l("Write a few words about the conversation"))],
    )
    submit = SubmitField(_l("Save note"), widget=GovSubmitInput())


def vary_form(instalments: list[Instalment], formdata: Any = None) -> FlaskForm:
    """A form with an amount and a date for each payment that can still change."""

    class VaryForm(FlaskForm):
        pass

    for inst in instalments:
        setattr(
            VaryForm,
            f"amount_{inst.id}",
            PenceField(
                _l("Payment %(n)s amount, in pounds", n=inst.number),
                default=inst.amount_pence,
                validators=[InputRequired(_l("Enter an amount"))],
            ),
        )
        setattr(
            VaryForm,
            f"due_{inst.id}",
            LondonDateField(
                _l("Payment %(n)s date", n=inst.number),
                default=inst.due_date,
                validators=[InputRequired(_l("Enter a date"))],
            ),
        )
    VaryForm.reason = TextAreaField(
        _l("Why is the grant changing?"),
        widget=GovTextArea(),
        description=_l("The group can read this."),
        validators=[DataRequired(_l("Say why the grant is changing"))],
    )
    VaryForm.submit = SubmitField(_l("Save the change"), widget=GovSubmitInput())
    return VaryForm(formdata=formdata) if formdata is not None else VaryForm()


def checkin_form(checkin: CheckIn, questions: list[tuple[int, str]]) -> FlaskForm:
    """One box for each of the fund's questions, and nothing else."""

    class CheckInForm(FlaskForm):
        pass

    for position, text in questions:
        setattr(
            CheckInForm,
            f"answer_{position}",
            TextAreaField(
                text,
                widget=GovTextArea(),
                validators=[DataRequired(_l("Answer this question")), Length(max=3000)],
            ),
        )
    CheckInForm.submit = SubmitField(_l("Send answers"), widget=GovSubmitInput())
    return CheckInForm()


# --- Giving ----------------------------------------------------------------------------------


def _declaration_field(label: str, longest: int) -> StringField:
    """A part of a Gift Aid declaration (name, house, postcode), checked when Gift Aid is."""
    return StringField(
        label,
        widget=GovTextInput(),
        validators=[Optional(), Length(max=longest, message=TOO_LONG)],
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
    first_name = _declaration_field(_l("First name"), 35)
    last_name = _declaration_field(_l("Last name"), 35)
    house = _declaration_field(_l("House name or number"), 40)
    gift_aid_postcode = _declaration_field(_l("Home postcode"), 10)
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
    first_name = _declaration_field(_l("First name, as on the declaration"), 35)
    last_name = _declaration_field(_l("Last name, as on the declaration"), 35)
    house = _declaration_field(_l("House name or number"), 40)
    gift_aid_postcode = _declaration_field(_l("Home postcode, as on the declaration"), 10)
    submit = SubmitField(_l("Record the gift"), widget=GovSubmitInput())


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
    reason = TextAreaField(
        _l("Why it is going back"),
        widget=GovTextArea(),
        validators=[DataRequired(_l("Say why the money is going back")), Length(max=1000)],
    )
    submit = SubmitField(_l("Give the whole gift back"), widget=GovSubmitInput())
