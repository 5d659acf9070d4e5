"""Setting up a round's panel (fund managers): how it is formed, the questions for people who
offer, appointing or drawing its members, moving it on; and its published draws (anyone)."""

from __future__ import annotations

import json

from flask import abort, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from giving.extensions import db
from giving.forms import ButtonForm
from giving.models import Place
from giving.transaction import attempt, form_action, say
from giving.views.access import place_role_required
from giving.views.lookups import child_or_404
from giving.views.pages import button_then, confirm_page, fields_of
from voting import services, sortition
from voting.forms import AppointForm, CategoryForm, DrawForm, PanelForm, ResultForm, quota_form
from voting.models import Panel, PanelDraw, PanelMember, ProfileCategory
from voting.services.members import with_people
from voting.services.panels import with_questions
from voting.views.common import (
    PANEL,
    STAFF,
    bp,
    manage_url,
    public_panel,
    round_in,
    round_panel,
)
from voting.workflow import ACTION_LABELS
from voting.workflow import PANEL as PANEL_MOVES
from voting.workflow import STAFF as STAFF_ACTOR


def _draw_url(panel: Panel, draw: PanelDraw) -> str:
    return url_for(
        "voting.draw_result",
        place_slug=panel.round.place.slug,
        round_id=panel.round_id,
        draw_id=draw.id,
    )


def _quotas(form: DrawForm) -> dict[int, tuple[int | None, int | None]]:
    """The fewest and most seats for each value of the panel's questions, by value."""
    return {
        value.id: (low.data, high.data)
        for _category, rows in form.quota_rows
        for value, low, high in rows
    }


@bp.get(PANEL)
@login_required
@place_role_required(*STAFF)
def manage_panel(place: Place, round_id: int) -> str | Response:
    round_ = round_in(place, round_id)
    panel = services.panel_for_round(db.session, round_)
    if panel is None:
        return redirect(url_for("voting.set_up_panel", place_slug=place.slug, round_id=round_id))
    with_people(db.session, panel)
    moves = [
        (move.action, ACTION_LABELS[move.action])
        for move in PANEL_MOVES.moves_from(panel.status, {STAFF_ACTOR})
    ]
    return render_template(
        "voting/manage.html",
        panel=panel,
        round=round_,
        offers=services.offers_count(db.session, panel),
        moves=moves,
        button=ButtonForm(),
        seats_empty=(panel.size or 0) - len(panel.active_members),
    )


@bp.route(PANEL + "/setup", methods=["GET", "POST"])
@login_required
@place_role_required(*STAFF)
def set_up_panel(place: Place, round_id: int) -> str | Response:
    round_ = round_in(place, round_id)
    panel = services.panel_for_round(db.session, round_)
    form = PanelForm(obj=panel)
    if panel is not None and not form.is_submitted():
        form.method.data = panel.method.value
    if form_action(
        form,
        lambda: services.set_up_panel(
            db.session,
            current_user,
            round_,
            **fields_of(form, "method", "size", "reviewers_per_application"),
        ),
        _("The panel is saved."),
    ):
        return redirect(url_for("voting.manage_panel", place_slug=place.slug, round_id=round_id))
    return render_template("voting/setup.html", form=form, round=round_, panel=panel)


@bp.route(PANEL + "/questions", methods=["GET", "POST"])
@login_required
@place_role_required(*STAFF)
def panel_questions(place: Place, round_id: int) -> str | Response:
    panel = with_questions(db.session, round_panel(place, round_id))
    form = CategoryForm()
    if form_action(
        form,
        lambda: services.add_category(
            db.session, current_user, panel, form.name.data, form.values.data.splitlines()
        ),
        _("Question added."),
    ):
        return redirect(url_for("voting.panel_questions", place_slug=place.slug, round_id=round_id))
    return render_template("voting/questions.html", form=form, panel=panel, button=ButtonForm())


@bp.post(PANEL + "/questions/<int:category_id>/remove")
@login_required
@place_role_required(*STAFF)
def remove_panel_question(place: Place, round_id: int, category_id: int) -> Response:
    panel = round_panel(place, round_id)
    category = child_or_404(ProfileCategory, category_id, panel_id=panel.id)
    return button_then(
        lambda: services.remove_category(db.session, current_user, category),
        _("Question removed."),
        url_for("voting.panel_questions", place_slug=place.slug, round_id=round_id),
    )


@bp.route(PANEL + "/appoint", methods=["GET", "POST"])
@login_required
@place_role_required(*STAFF)
def appoint(place: Place, round_id: int) -> str | Response:
    panel = round_panel(place, round_id)
    form = AppointForm()
    if form_action(
        form,
        lambda: services.appoint(db.session, current_user, panel, form.email.data),
        lambda member: _("%(name)s is on the panel.", name=member.user.name),
    ):
        return redirect(manage_url(panel))
    return render_template("voting/appoint.html", form=form, panel=panel)


@bp.route(PANEL + "/draw", methods=["GET", "POST"])
@login_required
@place_role_required(*STAFF)
def draw(place: Place, round_id: int) -> str | Response:
    """The lottery in three steps: plan it (quotas, method, public source); close offers
    (a button, below); enter the public result and run it."""
    panel = with_questions(db.session, round_panel(place, round_id))
    lottery = services.lottery_for(db.session, panel)
    closed = lottery is not None and lottery.closed_at is not None
    plan = quota_form(panel)
    result = ResultForm()
    if not closed:
        if lottery is not None and not plan.is_submitted():
            plan.algorithm.data, plan.source.data = lottery.algorithm, lottery.source
        elif not plan.is_submitted():
            plan.algorithm.data = sortition.DEFAULT_ALGORITHM
        if form_action(
            plan,
            lambda: services.plan_lottery(
                db.session,
                current_user,
                panel,
                plan.source.data,
                plan.algorithm.data,
                quotas=_quotas(plan),
            ),
            _("The plan is saved. Close offers when everyone has had the chance to offer."),
        ):
            return redirect(url_for("voting.draw", place_slug=place.slug, round_id=round_id))
    else:
        done = form_action(
            result,
            lambda: services.draw_panel(db.session, current_user, panel, result.result.data),
            _("The lottery has chosen the panel."),
        )
        if done:
            return redirect(_draw_url(panel, done.value))
    return render_template(
        "voting/draw.html",
        form=plan,
        result_form=result,
        button=ButtonForm(),
        lottery=lottery,
        panel=panel,
        offers=services.offers_count(db.session, panel),
    )


@bp.post(PANEL + "/draw/close")
@login_required
@place_role_required(*STAFF)
def close_offers(place: Place, round_id: int) -> Response:
    panel = round_panel(place, round_id)
    return button_then(
        lambda: services.close_offers(db.session, current_user, panel),
        _("Offers have closed. The fingerprint and everyone's chances are published."),
        url_for("voting.draw", place_slug=place.slug, round_id=round_id),
    )


@bp.post(PANEL + "/replace")
@login_required
@place_role_required(*STAFF)
def replace(place: Place, round_id: int) -> Response:
    panel = round_panel(place, round_id)
    if ButtonForm().validate_on_submit():
        done = attempt(None, services.draw_replacements, db.session, current_user, panel)
        if done:
            say(_("The lottery has filled the empty seats."))
            return redirect(_draw_url(panel, done.value))
    return redirect(manage_url(panel))


@bp.route(PANEL + "/members/<int:member_id>/remove", methods=["GET", "POST"])
@login_required
@place_role_required(*STAFF)
def remove_member(place: Place, round_id: int, member_id: int) -> str | Response:
    panel = round_panel(place, round_id)
    member = child_or_404(PanelMember, member_id, panel_id=panel.id)
    return confirm_page(
        lambda: services.remove_member(db.session, current_user, member),
        _("%(name)s has left the panel.", name=member.user.name),
        manage_url(panel),
        "voting/remove_member.html",
        panel=panel,
        member=member,
    )


@bp.post(PANEL + "/members/<int:member_id>/chair")
@login_required
@place_role_required(*STAFF)
def make_chair(place: Place, round_id: int, member_id: int) -> Response:
    panel = round_panel(place, round_id)
    member = child_or_404(PanelMember, member_id, panel_id=panel.id)
    return button_then(
        lambda: services.make_chair(db.session, current_user, member),
        _("%(name)s chairs the panel.", name=member.user.name),
        manage_url(panel),
    )


@bp.route(PANEL + "/move/<action>", methods=["GET", "POST"])
@login_required
@place_role_required(*STAFF)
def move_panel(place: Place, round_id: int, action: str) -> str | Response:
    panel = round_panel(place, round_id)
    if action not in ACTION_LABELS:
        abort(404)
    return confirm_page(
        lambda: services.move_panel(db.session, current_user, panel, action),
        lambda moved: _("The panel is now: %(status)s.", status=moved.status.label),
        manage_url(panel),
        "voting/move.html",
        panel=panel,
        action=action,
        label=ACTION_LABELS[action],
    )


@bp.post(PANEL + "/share-out")
@login_required
@place_role_required(*STAFF)
def share_out(place: Place, round_id: int) -> Response:
    panel = round_panel(place, round_id)
    if ButtonForm().validate_on_submit():
        done = attempt(None, services.share_out, db.session, current_user, panel)
        if done:
            say(_("Applications shared out (%(n)d new).", n=done.value))
    return redirect(manage_url(panel))


@bp.get(PANEL + "/conflicts")
@login_required
@place_role_required(*STAFF)
def conflicts(place: Place, round_id: int) -> str:
    panel = round_panel(place, round_id)
    rows = services.conflicts_register(db.session, current_user, panel)
    return render_template("voting/conflicts.html", panel=panel, rows=rows)


@bp.get(PANEL + "/draws/<int:draw_id>")
def draw_result(place_slug: str, round_id: int, draw_id: int) -> str:
    panel = public_panel(place_slug, round_id)
    record = child_or_404(PanelDraw, draw_id, panel_id=panel.id)
    lottery = services.lottery_for(db.session, panel)
    if lottery is not None and lottery.draw_id != record.id:
        lottery = None
    software = (lottery.chances or {}).get("software") if lottery else None
    return render_template(
        "voting/draw_result.html",
        panel=panel,
        draw=record,
        lottery=lottery,
        software=software or sortition.software(),
    )


@bp.get(PANEL + "/draws/<int:draw_id>/bundle.json")
def draw_bundle(place_slug: str, round_id: int, draw_id: int) -> Response:
    """Everything needed to run the draw again, for ``flask panel verify``."""
    panel = public_panel(place_slug, round_id)
    record = child_or_404(PanelDraw, draw_id, panel_id=panel.id)
    body = json.dumps(services.bundle_for(db.session, record), indent=1, ensure_ascii=False)
    name = f"panel-lottery-{panel.round_id}-{record.id}.json"
    return Response(
        body,
        mimetype="application/json",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
