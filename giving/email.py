"""Email: every message goes into the outbox table, then out over SMTP or to the console."""

from __future__ import annotations

import smtplib
import sys
from email.message import EmailMessage
from email.utils import make_msgid

from flask import current_app, render_template
from flask_babel import LazyString, force_locale
from sqlalchemy import select

from giving.extensions import db
from giving.jobs import enqueue
from giving.languages import babel_locale
from giving.models import OutboxMessage, OutboxStatus, User
from giving.timeutil import utcnow

# What the outbox keeps for a message whose words must not be kept (a voting receipt).
BODY_NOT_KEPT = "(Not kept: this message held something only its reader should have.)"


def _written_for(
    to: str, subject: str | LazyString, template: str, context: dict, reader: User | None = None
) -> tuple[str, str]:
    """The subject and words of a message in the language its recipient chose on their
    account (English when they chose none or have no account), or in ``reader``'s language
    when the address is not yet theirs (a new email being confirmed). A subject given with
    ``_l`` is put into that language too."""
    if reader is not None:
        locale = reader.locale
    else:
        locale = db.session.scalar(select(User.locale).where(User.email == to.lower()))
    with force_locale(babel_locale(locale)):
        return str(subject), render_template(f"email/{template}.txt", **context)


def send_email(
    to: str, subject: str | LazyString, template: str, **context: object
) -> OutboxMessage:
    """Keep the message in the outbox and send it once the request has committed."""
    return _keep(to, *_written_for(to, subject, template, context))


def send_email_for(
    reader: User, to: str, subject: str | LazyString, template: str, **context: object
) -> OutboxMessage:
    """As :func:`send_email`, written in ``reader``'s language: for an address that is not
    yet theirs (a new email they asked to use)."""
    return _keep(to, *_written_for(to, subject, template, context, reader))


def _keep(to: str, subject: str, body: str) -> OutboxMessage:
    message = OutboxMessage(recipient=to, subject=subject, body=body)
    db.session.add(message)
    db.session.flush()
    enqueue(deliver_email, message.id)
    return message


def send_private_email(
    to: str, subject: str | LazyString, template: str, **context: object
) -> OutboxMessage:
    """As :func:`send_email`, but the outbox keeps only who it went to and its subject: the
    words go straight to the sending job (for a voting receipt, which must not be kept next
    to an address)."""
    subject, body = _written_for(to, subject, template, context)
    message = OutboxMessage(recipient=to, subject=subject, body=BODY_NOT_KEPT)
    db.session.add(message)
    db.session.flush()
    enqueue(deliver_email, message.id, body)
    return message


def deliver_email(message_id: int, body: str | None = None) -> None:
    """Send one outbox message (a background job), with ``body`` when the outbox does not
    keep its words."""
    message = db.session.get(OutboxMessage, message_id)
    if message is None or message.status in (OutboxStatus.SENT, OutboxStatus.CONSOLE):
        return
    config = current_app.config
    message.attempts += 1
    if not config.get("MAIL_SERVER"):
        print(
            f"--- email to {message.recipient}: {message.subject}\n{body or message.body}\n---",
            file=sys.stderr,
        )
        message.status = OutboxStatus.CONSOLE
        message.sent_at = utcnow()
        db.session.commit()
        return
    email = EmailMessage()
    email["From"] = config["MAIL_DEFAULT_SENDER"]
    email["To"] = message.recipient
    email["Subject"] = message.subject
    email["Message-ID"] = make_msgid(domain="placefund.local")
    email.set_content(body or message.body)
    try:
        with smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=10) as smtp:
            if config.get("MAIL_USE_TLS"):
                smtp.starttls()
            if config.get("MAIL_USERNAME"):
                smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"])
            smtp.send_message(email)
    except (OSError, smtplib.SMTPException) as error:
        message.status = OutboxStatus.FAILED
        message.error = str(error)[:500]
        db.session.commit()
        current_app.logger.warning("Email %s could not be sent: %s", message.id, error)
        return
    message.status = OutboxStatus.SENT
    message.sent_at = utcnow()
    message.error = None
    db.session.commit()
