"""Files attached to draft applications: checked by their content, kept on disk under a
random name, and deleted once the request that removed them has committed."""

from __future__ import annotations

import io
import secrets
import zipfile
from pathlib import Path

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy.orm import Session
from werkzeug.datastructures import FileStorage

from giving.errors import DomainError, NotAllowed
from giving.jobs import enqueue
from giving.models import Application, Attachment, User
from giving.permissions import can_edit_application
from giving.services.core import audit

ALLOWED_FILES = {
    ".pdf": "application/pdf",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".odt": "application/vnd.oasis.opendocument.text",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".png": "image/png",
}


def sniff_type(data: bytes) -> str | None:
    """The file's real type, from its first bytes (and, for zip-based documents, the names
    inside), whatever its name says. None for anything we do not accept."""
    if data.startswith(b"%PDF-"):
        return ALLOWED_FILES[".pdf"]
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return ALLOWED_FILES[".png"]
    if data.startswith(b"\xff\xd8\xff"):
        return ALLOWED_FILES[".jpg"]
    if data.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                names = set(archive.namelist())
                if "mimetype" in names:
                    mimetype = archive.read("mimetype")[:100].decode("ascii", "replace").strip()
                    if mimetype == ALLOWED_FILES[".odt"]:
                        return mimetype
                if "[Content_Types].xml" in names and "word/document.xml" in names:
                    return ALLOWED_FILES[".docx"]
                if "[Content_Types].xml" in names and "xl/workbook.xml" in names:
                    return ALLOWED_FILES[".xlsx"]
        except (zipfile.BadZipFile, KeyError, OSError):
            return None
    return None


def format_file_size(size: int) -> str:
    """'5 MB', '200 KB': a size limit as a person reads it."""
    if size >= 1024 * 1024:
        return f"{size / (1024 * 1024):.3g} MB"
    return f"{max(1, size // 1024)} KB"


def upload_folder() -> Path:
    folder = current_app.config.get("UPLOAD_FOLDER") or str(
        Path(current_app.instance_path) / "uploads"
    )
    return Path(folder)


def attachment_path(attachment: Attachment) -> Path:
    return upload_folder() / attachment.stored_name


def _remove_file(path: str) -> None:
    """Delete a stored file (run after the request commits)."""
    Path(path).unlink(missing_ok=True)


def _tidy_filename(name: str) -> str:
    name = name.replace("\\", "/").rsplit("/", 1)[-1].strip()
    name = "".join(ch for ch in name if ch.isprintable())
    return name[:255] or "file"


def add_attachment(
    session: Session, actor: User, application: Application, upload: FileStorage | None
) -> Attachment:
    """Keep a file with a draft application: PDF, Word (.docx), Excel (.xlsx), OpenDocument
    text (.odt), JPEG or PNG, no bigger than MAX_UPLOAD_BYTES, checked by its content."""
    if not can_edit_application(session, actor, application):
        raise NotAllowed(_("Only the group's members can add files to a draft application."))
    config = current_app.config
    if upload is None or not upload.filename:
        raise DomainError(_("Choose a file"), field="file")
    if len(application.attachments) >= config["MAX_ATTACHMENTS"]:
        raise DomainError(
            _("You can add up to %(n)d files. Remove one first.", n=config["MAX_ATTACHMENTS"]),
            field="file",
        )
    name = _tidy_filename(upload.filename)
    extension = Path(name).suffix.lower()
    if extension not in ALLOWED_FILES:
        raise DomainError(
            _("The file must be a PDF, Word (.docx), Excel (.xlsx), .odt, JPEG or PNG"),
            field="file",
        )
    data = upload.stream.read(config["MAX_UPLOAD_BYTES"] + 1)
    if len(data) > config["MAX_UPLOAD_BYTES"]:
        raise DomainError(
            _(
                "The file must be smaller than %(size)s",
                size=format_file_size(config["MAX_UPLOAD_BYTES"]),
            ),
            field="file",
        )
    if not data:
        raise DomainError(_("The file is empty"), field="file")
    sniffed = sniff_type(data)
    if sniffed is None or sniffed != ALLOWED_FILES[extension]:
        raise DomainError(
            _(
                "The file is not really a %(kind)s. Save it again as one and try again.",
                kind=extension.lstrip(".").upper(),
            ),
            field="file",
        )
    folder = upload_folder()
    folder.mkdir(parents=True, exist_ok=True)
    stored_name = secrets.token_hex(20)
    with open(folder / stored_name, "xb") as out:
        out.write(data)
    attachment = Attachment(
        original_name=name,
        stored_name=stored_name,
        content_type=sniffed,
        size_bytes=len(data),
        uploaded_by_id=actor.id,
    )
    application.attachments.append(attachment)
    session.flush()
    audit(
        session,
        actor,
        "application.attach",
        application,
        f"Added the file {name} to the application from {application.group.name}",
        place=application.round.place,
        attachment_id=attachment.id,
    )
    return attachment


def remove_attachment(session: Session, actor: User, attachment: Attachment) -> None:
    application = attachment.application
    if not can_edit_application(session, actor, application):
        raise NotAllowed(_("Only the group's members can remove files from a draft."))
    audit(
        session,
        actor,
        "application.detach",
        application,
        f"Removed the file {attachment.original_name} from the application "
        f"from {application.group.name}",
        place=application.round.place,
        attachment_id=attachment.id,
    )
    enqueue(_remove_file, str(attachment_path(attachment)))
    application.attachments.remove(attachment)
    session.flush()
