"""Domain operations for panels, review and votes, by area. Each takes the session and the
acting user, flushes but never commits, and raises :class:`DomainError` with a message a
person can act on. Applications move only through giving's single
:func:`giving.services.rounds.transition`; panels and votes through giving's one checked
step (:func:`giving.services.workflow.step`).

- :mod:`.panels`: setting up the panel; :mod:`.offers`: offering to sit on it;
  :mod:`.members`: who is on it; :mod:`.lottery`: drawing it;
  :mod:`.stages`: moving it on and sharing the applications out;
- :mod:`.conflicts`, :mod:`.scoring`, :mod:`.stats` (the panel's view of its scores),
  :mod:`.shortlist` (discussion and the shortlist);
- :mod:`.votes`: setting votes up and moving them on; :mod:`.ballots` and :mod:`.codes`:
  voting; :mod:`.results`: counting, results and awards;
- :mod:`.links`: what voting adds to a round's pages.

Who may do what is in :mod:`voting.permissions`; its answers are named here too.
"""

from giving.errors import DomainError, NotAllowed  # noqa: F401
from voting.permissions import (  # noqa: F401
    PANEL_APPLICATION_STATES,
    Access,
    access_to,
    can_chair,
    can_see_panel,
    can_see_vote,
    declaration_for,
    is_public,
    member_for,
    panel_access_policy,
    panel_for_round,
    require_reader,
    why_cannot_read,
    why_cannot_vote,
)
from voting.services.ballot_box import (  # noqa: F401
    mix_ballot_box,
    mix_ballot_boxes,
    send_receipt,
)
from voting.services.ballots import (  # noqa: F401
    Cast,
    Voter,
    ballot_count,
    ballot_options,
    cast_ballot,
    check_ballot,
    check_voter,
    conflicted_options,
    has_voted,
    is_frozen,
    is_taking_ballots,
    load_options,
    send_ballot,
    status_now,
    voter_for_user,
    voters_count,
)
from voting.services.codes import (  # noqa: F401
    MAX_CODES_AT_ONCE,
    codes_issued,
    find_code,
    issue_codes,
)
from voting.services.conflicts import RegisterRow, conflicts_register, declare  # noqa: F401
from voting.services.links import round_links, vote_round_links  # noqa: F401
from voting.services.lottery import (  # noqa: F401
    bundle_for,
    check_draw,
    close_offers,
    draw_panel,
    draw_replacements,
    lottery_for,
    own_chance,
    plan_lottery,
    set_quotas,
)
from voting.services.members import appoint, make_chair, remove_member  # noqa: F401
from voting.services.offers import offer_for, offer_to_serve, withdraw_offer  # noqa: F401
from voting.services.panels import (  # noqa: F401
    add_category,
    offers_count,
    panels_for_user,
    remove_category,
    set_up_panel,
)
from voting.services.results import (  # noqa: F401
    ResultRow,
    ballot_by_receipt,
    ballot_file,
    ballots_by_way,
    confirm_by,
    count_and_keep_file,
    count_into,
    count_vote,
    election_for,
    election_of,
    keep_ballot_file,
    outcome_json,
    result_rows,
    round_notes,
    vote_note,
    write_ballot_file,
)
from voting.services.scoring import is_assigned, my_scores, review_for, save_review  # noqa: F401
from voting.services.shortlist import (  # noqa: F401
    add_note,
    decide_shortlist,
    notes_for,
    save_meeting_notes,
)
from voting.services.stages import move_panel, panel_applications, share_out  # noqa: F401
from voting.services.stats import (  # noqa: F401
    DISAGREEMENT_SPREAD,
    ApplicationStats,
    ReviewerScore,
    panel_stats,
    stats_for,
    weighted_score,
)
from voting.services.votes import (  # noqa: F401
    DEFAULT_RULES,
    close_due_votes,
    close_if_due,
    deciding_kind,
    move_vote,
    new_seed,
    save_vote,
    vote_kinds_for,
    vote_of_kind,
    votes_for_round,
)
