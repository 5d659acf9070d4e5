"""The data funds keeps, by area: funds and the ledger, grants and their schedules, and gifts.

Money is whole pence everywhere. The database backs the rules that must never break (balanced
ledger transactions, no payment beyond its instalment, no gift claimed for Gift Aid twice).
"""

from funds.models.banking import (  # noqa: F401
    BankDetailsState,
    FundBanking,
    GroupBankDetails,
    PaymentRun,
    PaymentRunItem,
    RunState,
)
from funds.models.core import (  # noqa: F401
    Account,
    AccountKind,
    CheckInQuestion,
    Entry,
    Fund,
    FundRound,
    Income,
    IncomeSource,
    Transaction,
)
from funds.models.donations import (  # noqa: F401
    DeclarationScope,
    Donation,
    DonationKind,
    DonationMethod,
    GiftAidClaim,
    GiftAidClaimItem,
    GiftAidDeclaration,
    GiftAidSmallDonation,
    MatchDraw,
    MatchPledge,
    RegularGift,
    StripeEvent,
)
from funds.models.grants import (  # noqa: F401
    CheckIn,
    CheckInAnswer,
    CheckInKind,
    CheckInState,
    Grant,
    GrantTally,
    Instalment,
    InstalmentYear,
    Payment,
    Variation,
)
