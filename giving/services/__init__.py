"""Domain operations, by area. Each takes the session and the acting user, flushes but never
commits, and raises DomainError with a message a person can act on.

The names other code uses are gathered here: accounts, roles, places and groups; rounds,
eligibility, applying, decisions, where an application stands and attached files; and who
may do what (:mod:`giving.permissions`). The published figures are in
:mod:`giving.services.reports`."""

from giving.errors import (  # noqa: F401
    DomainError,
    NotAllowed,
)
from giving.permissions import (  # noqa: F401
    actors_for,
    can_edit_application,
    can_edit_group,
    can_manage_members,
    can_see_group_private,
    can_see_round,
    can_view_application,
    has_role,
    is_group_member,
    is_staff,
    roles_for,
)
from giving.postcodes import (  # noqa: F401
    is_resident,
    normalise_postcode,
    normalise_prefix,
    places_for_postcode,
    postcode_prefixes,
    ward_for_postcode,
)
from giving.services.accounts import (  # noqa: F401
    MIN_PASSWORD_LENGTH,
    BadLink,
    authenticate,
    change_password,
    check_confirm_token,
    check_email_change_token,
    check_new_password,
    check_reset_token,
    confirm_email,
    confirm_email_change,
    end_sessions,
    find_user_by_email,
    hash_password,
    normalise_email,
    record_login,
    register,
    request_email_change,
    request_password_reset,
    require_known_postcode,
    reset_password,
    send_confirmation,
    set_postcode,
)
from giving.services.applying import (  # noqa: F401
    applications_for_user_stmt,
    count_words,
    missing_parts,
    round_applications_stmt,
    save_application,
    start_application,
    state_counts,
    state_counts_in,
)
from giving.services.attachments import (  # noqa: F401
    ALLOWED_FILES,
    add_attachment,
    attachment_path,
    format_file_size,
    remove_attachment,
    sniff_type,
    upload_folder,
)
from giving.services.census import (  # noqa: F401
    census_hash,
    current_census,
    normalise_birth_date,
    normalise_name,
    upload_census,
)
from giving.services.core import (  # noqa: F401
    add_audited,
    audit,
    count_rows,
    find_one,
    flush_or_refuse,
    locked,
    newest_first,
    row_exists,
    total_of,
    update_audited,
)
from giving.services.decisions import (  # noqa: F401
    decide_application,
    override_decision,
    residents_decide_refusal,
    submit_application,
    transition,
    who_decides,
    withdraw_application,
)
from giving.services.eligibility import (  # noqa: F401
    EligibilityFacts,
    check_public_eligibility,
    describe_rules,
    eligibility_reasons,
    facts_for_group,
    last_award_date,
    round_not_taking_reason,
)
from giving.services.estimates import (  # noqa: F401
    estimate_minutes,
    format_minutes,
    guide_minutes,
    proportion_warning,
)
from giving.services.groups import (  # noqa: F401
    GROUP_FIELDS,
    add_group_member,
    create_group,
    group_emails,
    groups_for,
    remove_group_member,
    update_group,
)
from giving.services.places import (  # noqa: F401
    add_postcode_area,
    add_ward,
    clean_contact,
    create_place,
    remove_postcode_area,
    set_place_contact,
    slugify,
)
from giving.services.residents import (  # noqa: F401
    count_verified,
    issue_letter,
    issue_letters,
    names_of,
    remove_verification,
    residence_of,
    set_verification_days,
    verified_resident,
    verified_residents_stmt,
    verify_by_census,
    verify_by_letter,
    verify_in_person,
)
from giving.services.results import (  # noqa: F401
    round_notes,
)
from giving.services.roles import (  # noqa: F401
    ensure_panel_role,
    grant_role,
    release_panel_role,
    revoke_role,
    staff_places,
)
from giving.services.rounds import (  # noqa: F401
    ROUND_FIELDS,
    add_criterion,
    add_question,
    close_round,
    create_round,
    extend_deadline,
    move_criterion,
    move_question,
    open_round,
    remove_criterion,
    remove_question,
    rounds_stmt,
    set_eligibility,
    update_round,
)
from giving.services.standing import (  # noqa: F401
    Step,
    next_promise,
    timeline,
)
from giving.services.translations import (  # noqa: F401
    set_place_languages,
    set_round_translations,
)
