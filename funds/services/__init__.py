"""What funds does, by area. Each service takes the session and, where someone acts, the
acting user; it flushes but never commits (the request's end commits once), and raises
DomainError with a message a person can act on. Money is whole pence; every movement of money
is one balanced ledger transaction, written by :func:`funds.services.ledger.post` alone.

The names other code uses are gathered here.
"""

from funds.models import IncomeSource  # noqa: F401  (the kinds of money in, which services take)
from funds.permissions import (  # noqa: F401
    actors_for,
    can_manage_fund,
    can_see_declaration,
    can_see_grant,
    can_see_regular_gift,
)
from funds.services.bank_details import (  # noqa: F401
    bank_details_of,
    can_read_in_full,
    can_see_bank_details,
    change_bank_details,
    confirm_bank_details,
    fund_banking_of,
    is_group_lead,
    rotate_keys,
    set_fund_banking,
    shown,
)
from funds.services.card_payments import (  # noqa: F401
    charge_payment_method,
    checkout,
    subscribe_payment_method,
)
from funds.services.checkins import (  # noqa: F401
    answer_checkin,
    note_conversation,
    questions_for,
    send_checkin_reminders,
)
from funds.services.claim_review import (  # noqa: F401
    ClaimLimits,
    ClaimReview,
    claimable_donations,
    review_claim,
    tax_year,
)
from funds.services.claim_schedule import CLAIM_COLUMNS, claim_ods, schedule_rows  # noqa: F401
from funds.services.claims import (  # noqa: F401
    claim_csv,
    make_gift_aid_claim,
)
from funds.services.commitments import (  # noqa: F401
    YearFigures,
    commitments,
    overcommitment_warning,
    schedule_by_year,
)
from funds.services.donations import (  # noqa: F401
    GIFT_AID_WORDING,
    MAX_GIFT_PENCE,
    MIN_GIFT_PENCE,
    PRESET_AMOUNTS,
    RETENTION_YEARS,
    GiftAidDetails,
    add_years,
    cancel_declaration,
    declarations_for_user,
    donations_for_user_stmt,
    donations_stmt,
    erase_expired_declarations,
    find_gift,
    gift_aid_wording,
    live_declaration,
    live_declarations,
    make_declaration,
    online_giving_ready,
    regular_gifts_for_user,
    start_gift,
    stripe_client,
)
from funds.services.gift_ledger import (  # noqa: F401
    apply_facts,
    gift_aid_applies,
    record_offline_gift,
    refund_donation,
)
from funds.services.grant_moves import (  # noqa: F401
    accept_agreement,
    act_on_instalment,
    end_grant,
    transition,
)
from funds.services.grants import (  # noqa: F401
    MAX_YEARS,
    Change,
    agreement_text,
    award_in_a_grant,
    awards_waiting,
    grants_for_user_stmt,
    grants_stmt,
    make_grant,
    paid_pence,
    public_grants_stmt,
    vary_grant,
    with_schedule,
)
from funds.services.income import (  # noqa: F401
    gift_aid_claimable,
    income_stmt,
    receive_pledge,
    record_income,
    refund_income,
)
from funds.services.ledger import (  # noqa: F401
    FundFigures,
    account,
    balance,
    balances,
    figures,
    income_by_account,
    post,
)
from funds.services.match import (  # noqa: F401
    GivingFigures,
    create_match_pledge,
    giving_figures,
    live_match,
    match_pledges,
)
from funds.services.payment_runs import (  # noqa: F401
    LeftOut,
    Reconciled,
    approve_run,
    discard_run,
    import_statement,
    may_approve,
    one_person_may_pay,
    payment_run,
    payment_run_csv,
    payment_runs_of,
    prepare_run,
    record_payment_run,
    run_file,
    run_reference,
    runnable,
)
from funds.services.reconcile import (  # noqa: F401
    Difference,
    reconcile,
)
from funds.services.setup import (  # noqa: F401
    MAX_QUESTIONS,
    add_question,
    create_fund,
    funds_in,
    link_round,
    remove_question,
    rounds_for,
    update_fund,
)
from funds.services.stripe_events import (  # noqa: F401
    cancel_regular_gift,
    handle_stripe_event,
)
