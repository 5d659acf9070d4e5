"""The data: panels and the draws that chose them (:mod:`.panels`), the panel's work on
each application (:mod:`.review`), and votes with their ballots (:mod:`.votes`)."""

from voting.models.panels import (  # noqa: F401
    DrawKind,
    JoinedBy,
    Panel,
    PanelDraw,
    PanelLottery,
    PanelMember,
    PanelMethod,
    PanelOffer,
    ProfileAnswer,
    ProfileCategory,
    ProfileValue,
    new_volunteer_ref,
)
from voting.models.review import (  # noqa: F401
    SCORE_MAX,
    SCORE_MIN,
    Assignment,
    Declaration,
    MemberOnApplication,
    PanelNote,
    Review,
    Score,
    ShortlistDecision,
)
from voting.models.votes import (  # noqa: F401
    MOST_RANKED,
    RECEIPT_ALPHABET,
    Ballot,
    BallotChoice,
    BallotFile,
    BallotKind,
    Vote,
    VoteKind,
    VoteOption,
    VoterRecord,
    VotingCode,
    WhoMayVote,
    clean_receipt,
    new_ballot_id,
    new_receipt,
    receipt_hash,
    receipt_label,
)
from voting.workflow import PanelStatus, VoteStatus  # noqa: F401
