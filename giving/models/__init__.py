"""The data: every table Placefund keeps, by area."""

from giving.models.columns import LabelledEnum, enum_column  # noqa: F401
from giving.models.core import (  # noqa: F401
    GRANTED_ROLES,
    AuditEntry,
    Group,
    GroupKind,
    GroupMember,
    OutboxMessage,
    OutboxStatus,
    Place,
    PostcodeArea,
    Role,
    RoleGrant,
    User,
    Ward,
    new_session_token,
)
from giving.models.jobs import JOB_MOVES, Job, JobState  # noqa: F401
from giving.models.reminders import SentReminder  # noqa: F401
from giving.models.reports import (  # noqa: F401
    MIN_ANSWERS_SHOWN,
    RATING_MAX,
    RATING_MIN,
    RATING_QUESTIONS,
    FunderRating,
    FunderRatingReceipt,
    GainAnswer,
    GainReceipt,
    PlaceFigure,
)
from giving.models.residents import (  # noqa: F401
    CensusEntry,
    CensusList,
    ResidentVerification,
    VerificationLetter,
    VerificationMethod,
)
from giving.models.rounds import (  # noqa: F401
    Answer,
    Application,
    Attachment,
    Channel,
    Criterion,
    DecidedBy,
    DecisionMethod,
    EligibilityRule,
    Question,
    Round,
    RoundStatus,
    RuleKind,
)
