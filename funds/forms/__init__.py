"""Forms for funds, by area, rendered with GOV.UK Frontend widgets. Amounts are typed in pounds
and held as whole pence."""

from funds.forms.banking import (  # noqa: F401
    BankDetailsForm,
    FundBankingForm,
    StatementForm,
)
from funds.forms.donations import (  # noqa: F401
    DonationRefundForm,
    GiveForm,
    MatchForm,
    OfflineGiftForm,
)
from funds.forms.grants import (  # noqa: F401
    AgreeForm,
    CloseForm,
    ConfirmForm,
    GrantForm,
    NoteForm,
    PayForm,
    ReasonForm,
    RunDateForm,
    RunForm,
    checkin_form,
    vary_form,
)
from funds.forms.setup import (  # noqa: F401
    FundForm,
    IncomeForm,
    QuestionForm,
    RefundForm,
    RoundLinkForm,
)
