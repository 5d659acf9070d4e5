"""What Placefund publishes, by part: each round's decisions with reasons
(:mod:`~giving.services.results`), the Open and Trusting scorecard
(:mod:`~giving.services.scorecard`), the participation report
(:mod:`~giving.services.participation`) and the anonymous surveys that feed them
(:mod:`~giving.services.surveys`); the shapes of the figures are in :mod:`giving.reports`.

``voting``, ``funds`` and the views read them all from here.
"""

from giving.reports import (  # noqa: F401
    DEFINITIONS,
    WAYS,
    Chart,
    ChartRow,
    Definition,
    Figure,
    Participation,
    Section,
    definitions,
    median_figure,
    percent,
    place_sections,
    share_figure,
    tidy_number,
)
from giving.services.participation import (  # noqa: F401
    ParticipationReport,
    gain_figures,
    participation,
    place_figures,
    set_place_figures,
)
from giving.services.results import (  # noqa: F401
    DECIDED_STATES,
    TURNED_DOWN_STATES,
    RoundResult,
    RoundSummary,
    days_to_decision,
    decided_on_time,
    public_rounds,
    public_rounds_stmt,
    results_for,
    results_index,
    round_notes,
    round_results,
    round_results_stmt,
    round_summaries,
)
from giving.services.scorecard import (  # noqa: F401
    RatingSummary,
    giving_scorecard,
    rating_summary,
    rounds_scorecard,
    scorecard,
)
from giving.services.surveys import (  # noqa: F401
    has_rated,
    has_told_gains,
    may_rate,
    may_tell_gains,
    rate_funder,
    record_gains,
    set_feedback_private,
    took_part,
)
