"""Files attached to applications: size and type limited (by name and by content), stored
under random names outside the web root, served only to those allowed to see them."""

from __future__ import annotations

import io
import zipfile

import pytest
from sqlalchemy import func, select

from giving.models import Attachment
from giving.timeutil import utcnow
from giving.workflow import State
from tests.conftest import csrf_token
from tests.giving.round_helpers import as_user

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << >>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def docx_bytes() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<document/>")
    return buffer.getvalue()


@pytest.fixture
def uploads(app, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "UPLOAD_FOLDER", str(tmp_path / "uploads"))
    # Small limits keep test uploads in memory (big ones are spooled to temporary files).
    monkeypatch.setitem(app.config, "MAX_UPLOAD_BYTES", 100 * 1024)
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 200 * 1024)
    return tmp_path / "uploads"


def upload(client, application, name: str, data: bytes):
    url = f"/applications/{application.id}/files"
    token = csrf_token(client, url)
    return client.post(
        url,
        data={"csrf_token": token, "file": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
    )


def count(session) -> int:
    return session.scalar(select(func.count(Attachment.id)))


def test_a_member_adds_a_pdf_and_downloads_it(client, world, session, uploads):
    as_user(client, world.member)
    response = upload(client, world.application, "budget plan.pdf", PDF)
    assert response.status_code == 302
    attachment = session.scalar(select(Attachment))
    assert attachment.original_name == "budget plan.pdf"
    assert attachment.content_type == "application/pdf"
    assert attachment.size_bytes == len(PDF)
    stored = uploads / attachment.stored_name
    assert stored.read_bytes() == PDF
    assert "budget" not in attachment.stored_name
    assert "static" not in str(stored)

    response = client.get(f"/applications/{world.application.id}/files/{attachment.id}")
    assert response.status_code == 200
    assert response.data == PDF
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.mimetype == "application/pdf"
    response.close()


def test_word_and_png_files_are_accepted(client, world, session, uploads):
    as_user(client, world.member)
    assert upload(client, world.application, "plan.docx", docx_bytes()).status_code == 302
    assert upload(client, world.application, "photo.PNG", PNG).status_code == 302
    assert count(session) == 2


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("virus.exe", b"MZ\x90\x00", "The file must be a PDF"),
        ("notes.pdf", b"MZ\x90\x00 not really a pdf", "The file is not really a PDF"),
        ("plan.pdf", docx_bytes(), "The file is not really a PDF"),
        ("photo.png", PDF, "The file is not really a PNG"),
        ("sheet.xlsx", docx_bytes(), "The file is not really a XLSX"),
        ("big.pdf", b"%PDF-" + b"0" * (100 * 1024), "The file must be smaller than 100 KB"),
        ("empty.pdf", b"", "The file is empty"),
    ],
)
def test_bad_files_change_nothing_and_say_why(client, world, session, uploads, name, data, message):
    as_user(client, world.member)
    response = upload(client, world.application, name, data)
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert message in page
    assert 'href="#file"' in page
    assert count(session) == 0
    assert not uploads.exists() or not any(uploads.iterdir())


def test_a_request_far_too_big_gets_a_friendly_page(client, world, session, uploads):
    as_user(client, world.member)
    response = upload(client, world.application, "huge.pdf", b"%PDF-" + b"0" * (300 * 1024))
    assert response.status_code == 413
    page = response.get_data(as_text=True)
    assert "That file is too big" in page
    assert "Files can be up to 100 KB" in page
    assert count(session) == 0


def test_files_are_served_only_to_those_allowed(client, world, session, uploads):
    as_user(client, world.member)
    upload(client, world.application, "plan.pdf", PDF)
    attachment = session.scalar(select(Attachment))
    url = f"/applications/{world.application.id}/files/{attachment.id}"
    for who in (world.other_member, world.resident, world.panel, world.elsewhere_manager):
        as_user(client, who)
        assert client.get(url).status_code == 403
    as_user(client, None)
    assert client.get(url).status_code == 302
    as_user(client, world.manager)
    response = client.get(url)
    assert response.status_code == 200
    response.close()
    # A file cannot be fetched through another application's address.
    from tests.factories import ApplicationFactory

    other = ApplicationFactory(round=world.round, group=world.other_group)
    as_user(client, world.other_member)
    assert client.get(f"/applications/{other.id}/files/{attachment.id}").status_code == 404


def test_removing_a_file_deletes_it(client, world, session, uploads):
    as_user(client, world.member)
    upload(client, world.application, "plan.pdf", PDF)
    attachment = session.scalar(select(Attachment))
    stored = uploads / attachment.stored_name
    url = f"/applications/{world.application.id}/files/{attachment.id}/remove"
    token = csrf_token(client, f"/applications/{world.application.id}/files")
    response = client.post(url, data={"csrf_token": token})
    assert response.status_code == 302
    assert count(session) == 0
    assert not stored.exists()


def test_files_cannot_be_added_once_sent(client, world, session, uploads):
    world.application.state = State.SUBMITTED
    world.application.submitted_at = utcnow()
    session.commit()
    as_user(client, world.member)
    assert client.get(f"/applications/{world.application.id}/files").status_code == 302
    token = csrf_token(client, "/account")
    response = client.post(
        f"/applications/{world.application.id}/files",
        data={"csrf_token": token, "file": (io.BytesIO(PDF), "late.pdf")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    assert count(session) == 0


def test_there_is_a_limit_on_how_many_files(client, world, session, uploads, app, monkeypatch):
    monkeypatch.setitem(app.config, "MAX_ATTACHMENTS", 1)
    as_user(client, world.member)
    upload(client, world.application, "one.pdf", PDF)
    response = upload(client, world.application, "two.pdf", PDF)
    assert "You can add up to 1 files" in response.get_data(as_text=True)
    assert count(session) == 1
