"""Forms for panels (:mod:`.panels`), the panel's work (:mod:`.review`) and votes
(:mod:`.votes`), rendered with GOV.UK Frontend widgets."""

from voting.forms.panels import (  # noqa: F401
    METHOD_LABELS,
    AppointForm,
    CategoryForm,
    DrawForm,
    OfferForm,
    PanelForm,
    ResultForm,
    offer_form,
    quota_form,
)
from voting.forms.receipts import ReceiptEmailForm, receipt_email_form  # noqa: F401
from voting.forms.review import (  # noqa: F401
    DeclarationsForm,
    MeetingNotesForm,
    NoteForm,
    ReviewForm,
    ShortlistForm,
    declarations_form,
    review_form,
)
from voting.forms.votes import (  # noqa: F401
    BALLOT_LABELS,
    RULE_LABELS,
    WHO_MAY_VOTE_LABELS,
    BallotForm,
    CodeForm,
    CodesForm,
    VoteForm,
    ballot_choices,
    ballot_form,
    codes_form,
    vote_form,
)
