"""Limits on repeated tries, designed so that nobody can lock other people out.

Counts live in Redis when ``REDIS_URL`` is set, so every worker shares them and a restart
keeps them (``RATELIMIT_STORAGE_URI`` may name another store); without Redis they live in
the one process of the embedded default.

Each limit counts only failed tries, keyed on the real client address: the connecting
address, or the one the load balancer reports when ``TRUSTED_PROXIES`` says how many proxies
stand in front of the app (Werkzeug's ProxyFix, set up in ``wsgi.create_app``). So:

- log-in: a few wrong passwords for one account from one client, and more wrong passwords
  for any accounts from one client. Someone guessing a person's password slows only
  themselves: the account's owner, on their own connection, logs in as normal.
- voting codes: wrong codes from one client. A library kiosk where many people type their
  printed codes one after another is never stopped, however many people use it; a few typing
  mistakes among them are allowed too.
- verifying where one lives: wrong answers by one logged-in person (their own account only).
- forms that send an email to whatever address is typed: every try, per client.
"""

from __future__ import annotations

from flask import Response, current_app, make_response, render_template, request
from flask_babel import gettext as _


def client_address() -> str:
    """The address of the person's own device, as far as the trusted proxies say."""
    return request.remote_addr or "unknown"


def failed_post(response: Response) -> bool:
    """A try that did not work: a POST answered with anything but a move on to the next page."""
    return request.method == "POST" and response.status_code != 302


def login_account_key() -> str:
    """One account, tried from one client."""
    from giving.services import normalise_email

    email = normalise_email(request.form.get("email", ""))
    return f"login:{client_address()}:{email}"


def login_client_key() -> str:
    return f"login-client:{client_address()}"


def vote_code_key() -> str:
    return f"vote-code:{client_address()}"


def login_account_limit() -> str:
    return current_app.config["LOGIN_FAILURE_LIMIT"]


def login_client_limit() -> str:
    return current_app.config["LOGIN_CLIENT_FAILURE_LIMIT"]


def vote_code_limit() -> str:
    return current_app.config["VOTE_CODE_FAILURE_LIMIT"]


def email_request_limit() -> str:
    return current_app.config["EMAIL_REQUEST_LIMIT"]


def too_many_emails(limit: object) -> Response:
    """Forms that send an email to any address typed (register, send the link again, reset a
    password) are limited per client, so nobody can fill a stranger's inbox from here."""
    page = render_template(
        "errors.html",
        code=429,
        title=_("Too many emails asked for"),
        message=_(
            "We have sent a lot of emails for this connection in the last hour. "
            "Check your inbox and spam folder, or wait an hour and try again."
        ),
    )
    return make_response(page, 429)
