"""Pages for the files attached to a draft application: adding, downloading and removing
them. Downloads are only ever sent as attachments, never shown in the browser."""

from __future__ import annotations

from flask import abort, current_app, redirect, render_template, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from giving import services
from giving.extensions import db
from giving.forms import AttachmentForm, ButtonForm
from giving.models import Attachment
from giving.transaction import form_action
from giving.views.home import bp
from giving.views.lookups import child_or_404, editable_application, viewable_application
from giving.views.pages import button_then

FILES = "/applications/<int:application_id>/files"


@bp.route(FILES, methods=["GET", "POST"])
@login_required
def application_files(application_id: int) -> str | Response:
    application = editable_application(application_id)
    form = AttachmentForm()
    if form_action(
        form,
        lambda: services.add_attachment(db.session, current_user, application, form.file.data),
        lambda added: _("%(name)s is added.", name=added.original_name),
    ):
        return redirect(url_for("giving.application_files", application_id=application.id))
    return render_template(
        "giving/applications/files.html",
        form=form,
        application=application,
        button=ButtonForm(),
        max_size=services.format_file_size(current_app.config["MAX_UPLOAD_BYTES"]),
        max_files=current_app.config["MAX_ATTACHMENTS"],
    )


@bp.get(f"{FILES}/<int:attachment_id>")
@login_required
def download_attachment(application_id: int, attachment_id: int) -> Response:
    application = viewable_application(application_id)
    attachment = child_or_404(Attachment, attachment_id, application_id=application.id)
    path = services.attachment_path(attachment)
    if not path.is_file():
        abort(404)
    response = send_file(
        path,
        mimetype=attachment.content_type,
        as_attachment=True,
        download_name=attachment.original_name,
        max_age=0,
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.post(f"{FILES}/<int:attachment_id>/remove")
@login_required
def remove_attachment(application_id: int, attachment_id: int) -> Response:
    application = editable_application(application_id)
    attachment = child_or_404(Attachment, attachment_id, application_id=application.id)
    return button_then(
        lambda: services.remove_attachment(db.session, current_user, attachment),
        _("%(name)s is removed.", name=attachment.original_name),
        url_for("giving.application_files", application_id=application.id),
    )
