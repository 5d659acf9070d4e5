"""The page of a background job (how far it has got, then its file or what went wrong) and
the download of the file it made: for the person who started it and the place's staff."""

from __future__ import annotations

import io

from flask import abort, make_response, render_template, send_file
from flask_babel import format_decimal
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from giving.extensions import db
from giving.models import Job, JobState
from giving.services.jobs import can_see_job
from giving.views.home import bp


def _job_or_404(job_id: int) -> Job:
    job = db.get_or_404(Job, job_id)
    if not can_see_job(db.session, current_user, job):
        abort(403)
    return job


@bp.get("/jobs/<int:job_id>")
@login_required
def job(job_id: int) -> Response:
    job = _job_or_404(job_id)
    page = render_template(
        "giving/jobs/job.html", job=job, JobState=JobState, number=format_decimal
    )
    response = make_response(page)
    # Each look must ask again: the page changes while the work goes on.
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.get("/jobs/<int:job_id>/download")
@login_required
def job_download(job_id: int) -> Response:
    job = _job_or_404(job_id)
    if job.state != JobState.DONE or job.result_data is None or job.result_name is None:
        abort(404)
    response = send_file(
        io.BytesIO(job.result_data),
        mimetype=job.result_type or "application/octet-stream",
        as_attachment=True,
        download_name=job.result_name,
        max_age=0,
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    return response
