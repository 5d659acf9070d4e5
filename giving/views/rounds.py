"""Public pages for rounds: a place's rounds, each round's page, and the eligibility
checker. Rounds live under their place (``/places/<slug>/rounds/...``); drafts are shown to
the place's staff only."""

from __future__ import annotations

from flask import render_template
from flask_login import current_user

from giving import services
from giving.extensions import db
from giving.forms import checker_form
from giving.models import Round, RuleKind
from giving.pagination import paginate
from giving.transaction import attempt
from giving.views.home import bp
from giving.views.lookups import place_or_404, visible_round
from giving.views.pages import fields_of


@bp.get("/places/<place_slug>/rounds")
def rounds(place_slug: str) -> str:
    place = place_or_404(place_slug)
    staff = services.is_staff(db.session, current_user, place)
    page = paginate(services.rounds_stmt(place, include_drafts=staff))
    return render_template("giving/rounds/list.html", place=place, page=page, is_staff=staff)


@bp.get("/places/<place_slug>/rounds/<int:round_id>")
def round_page(place_slug: str, round_id: int) -> str:
    round_ = visible_round(place_slug, round_id)
    return render_template(
        "giving/rounds/round.html",
        round=round_,
        rules=services.describe_rules(round_),
        minutes=services.format_minutes(services.estimate_minutes(round_.questions)),
        not_taking=services.round_not_taking_reason(round_),
        is_staff=services.is_staff(db.session, current_user, round_.place),
        who_decides=services.who_decides(round_.decision_method),
    )


def _checker_needs(round_: Round) -> tuple[set[str], int | None]:
    needs = set()
    if round_.rules_of(RuleKind.GROUP_KIND):
        needs.add("group_kind")
    if round_.rules_of(RuleKind.INCOME_CEILING):
        needs.add("income_pence")
    if round_.rules_of(RuleKind.WARD):
        needs.add("postcode")
    recent = round_.rules_of(RuleKind.NO_RECENT_AWARD)
    if recent:
        needs.add("recently_awarded")
    return needs, recent[0].months if recent else None


@bp.route("/places/<place_slug>/rounds/<int:round_id>/check", methods=["GET", "POST"])
def check_eligibility(place_slug: str, round_id: int) -> str:
    """The eligibility checker: no account needed, and nothing is stored."""
    round_ = visible_round(place_slug, round_id)
    needs, months = _checker_needs(round_)
    form = checker_form(needs, months)
    reasons: list[str] | None = None
    if needs and form.validate_on_submit():
        answers = fields_of(form, *needs)
        if "recently_awarded" in answers:
            answers["recently_awarded"] = answers["recently_awarded"] == "yes"
        done = attempt(form, services.check_public_eligibility, db.session, round_, **answers)
        if done:
            reasons = done.value
    return render_template(
        "giving/rounds/check.html",
        round=round_,
        form=form,
        needs=needs,
        reasons=reasons,
        not_taking=services.round_not_taking_reason(round_),
        rules=services.describe_rules(round_),
    )
