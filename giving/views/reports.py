"""Public reports: each place's results, decisions with reasons, the Open and Trusting
scorecard, the participation report, and the two anonymous surveys. Anyone can read the
reports without an account; only the people they concern can answer the surveys."""

from __future__ import annotations

from flask import abort, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from giving import services
from giving.extensions import db
from giving.forms.reports import FeedbackPrivacyForm, GainsForm, PlaceFiguresForm, RatingForm
from giving.guards import id_arg
from giving.models import MIN_ANSWERS_SHOWN, Application, Place
from giving.pagination import paginate
from giving.permissions import STAFF_ROLES
from giving.services import reports as report_services
from giving.transaction import form_action
from giving.views.access import place_role_required
from giving.views.home import bp
from giving.views.lookups import place_or_404, public_round, viewable_application
from giving.views.pages import fields_of
from giving.workflow import State


def _group_members_application(application_id: int) -> Application:
    """An application whose group the signed-in person belongs to."""
    application = viewable_application(application_id)
    if not services.is_group_member(current_user, application.group):
        abort(403)
    return application


@bp.get("/results")
def results_index() -> str:
    return render_template(
        "giving/reports/index.html", places=report_services.results_index(db.session)
    )


@bp.get("/places/<place_slug>/results")
def place_results(place_slug: str) -> str:
    place = place_or_404(place_slug)
    rounds = report_services.public_rounds(db.session, place)
    counts = services.state_counts_in(db.session, rounds)
    return render_template(
        "giving/reports/place.html",
        place=place,
        rounds=rounds,
        counts=counts,
        summaries=report_services.round_summaries(db.session, rounds),
        State=State,
        sections=report_services.place_sections(db.session, place),
    )


@bp.get("/places/<place_slug>/results/rounds/<int:round_id>")
def round_results(place_slug: str, round_id: int) -> str:
    place = place_or_404(place_slug)
    round_ = public_round(place, round_id)
    page = paginate(report_services.round_results_stmt(round_))
    return render_template(
        "giving/reports/round.html",
        place=place,
        round=round_,
        page=page,
        results=report_services.results_for(db.session, page.items),
        notes=report_services.round_notes(db.session, round_),
        who_decides=services.who_decides(round_.decision_method),
        figures=report_services.scorecard(db.session, place, round_),
        may_tell_gains=report_services.may_tell_gains(db.session, current_user, round_),
    )


@bp.get("/places/<place_slug>/scorecard")
def scorecard(place_slug: str) -> str:
    place = place_or_404(place_slug)
    return render_template(
        "giving/reports/scorecard.html",
        place=place,
        figures=report_services.scorecard(db.session, place),
        rounds=report_services.public_rounds(db.session, place),
    )


@bp.get("/scorecard/how-we-work-it-out")
def how_we_count() -> str:
    return render_template(
        "giving/reports/how.html",
        definitions=report_services.definitions(),
        min_answers=MIN_ANSWERS_SHOWN,
    )


@bp.get("/places/<place_slug>/participation")
def participation(place_slug: str) -> str:
    place = place_or_404(place_slug)
    round_ = None
    round_id = id_arg("round")
    if round_id is not None:
        round_ = public_round(place, round_id)
    return render_template(
        "giving/reports/participation.html",
        place=place,
        round=round_,
        rounds=report_services.public_rounds(db.session, place),
        report=report_services.participation(db.session, place, round_),
    )


@bp.route("/applications/<int:application_id>/rate", methods=["GET", "POST"])
@login_required
def rate_funder(application_id: int) -> str | Response:
    application = _group_members_application(application_id)
    done = report_services.has_rated(db.session, application.round, application.group)
    form = RatingForm()
    if not done and form_action(
        form,
        lambda: report_services.rate_funder(db.session, current_user, application, form.answers()),
        _("Thank you. Your answers are kept without your group's name."),
    ):
        return redirect(url_for("giving.application", application_id=application.id))
    return render_template(
        "giving/reports/rate.html",
        form=form,
        application=application,
        decided=application.state in report_services.DECIDED_STATES,
        done=done,
    )


@bp.route("/applications/<int:application_id>/feedback-privacy", methods=["GET", "POST"])
@login_required
def feedback_privacy(application_id: int) -> str | Response:
    application = _group_members_application(application_id)
    form = FeedbackPrivacyForm()
    if request.method == "GET":
        form.choice.data = "private" if application.feedback_private else "public"
    if form_action(
        form,
        lambda: report_services.set_feedback_private(
            db.session, current_user, application, form.choice.data == "private"
        ),
        lambda saved: (
            _("Saved. We will keep the reasons private.")
            if saved.feedback_private
            else _("Saved. We will publish the reasons.")
        ),
    ):
        return redirect(url_for("giving.application", application_id=application.id))
    return render_template("giving/reports/privacy.html", form=form, application=application)


@bp.route(
    "/places/<place_slug>/results/rounds/<int:round_id>/what-you-gained", methods=["GET", "POST"]
)
@login_required
def tell_gains(place_slug: str, round_id: int) -> str | Response:
    place = place_or_404(place_slug)
    round_ = public_round(place, round_id)
    if not report_services.took_part(db.session, current_user, round_):
        abort(403)
    done = report_services.has_told_gains(db.session, current_user, round_)
    form = GainsForm()
    if not done and form_action(
        form,
        lambda: report_services.record_gains(
            db.session, current_user, round_, **fields_of(form, "skills", "confidence", "new_role")
        ),
        _("Thank you. Your answer is kept without your name."),
    ):
        return redirect(url_for("giving.round_results", place_slug=place.slug, round_id=round_.id))
    return render_template("giving/reports/gains.html", form=form, round=round_, done=done)


@bp.route("/places/<place_slug>/figures", methods=["GET", "POST"])
@login_required
@place_role_required(*STAFF_ROLES)
def place_figures(place: Place) -> str | Response:
    form = PlaceFiguresForm()
    if request.method == "GET":
        form.figures.data = "\n".join(
            f"{f.category}, {f.label}, {f.people}"
            for f in report_services.place_figures(db.session, place)
        )
    if form_action(
        form,
        lambda: report_services.set_place_figures(
            db.session, current_user, place, form.figures.data
        ),
        _("The place's figures are saved."),
    ):
        return redirect(url_for("giving.place_figures", place_slug=place.slug))
    return render_template("giving/reports/figures.html", form=form, place=place)
