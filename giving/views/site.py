"""What every page shares: templates and their filters, security headers, friendly error
pages, and the links other packages add to round pages."""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Any

from flask import Flask, g, render_template, request
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from werkzeug.wrappers import Response

from giving import hooks, timeutil
from giving.errors import error_response
from giving.extensions import db
from giving.money import format_money
from giving.services.attachments import format_file_size


def round_links(round_: Any, page: str) -> list[tuple[str, str]]:
    """Every link other packages add to this round page (``"manage"`` for staff or
    ``"public"``), for the person looking at it."""
    links: list[tuple[str, str]] = []
    for source in hooks.current().round_links:
        links.extend(source(round_, current_user, page))
    return links


def _csp(nonce: str) -> str:
    return "; ".join(
        [
            "default-src 'self'",
            f"script-src 'self' 'nonce-{nonce}'",
            "style-src 'self'",
            "img-src 'self' data:",
            "font-src 'self'",
            "connect-src 'self'",
            "form-action 'self'",
            "frame-ancestors 'none'",
            "base-uri 'self'",
            "object-src 'none'",
        ]
    )


def init_app(app: Flask) -> None:
    """Templates, filters, security headers and friendly error pages."""
    from govuk_frontend_wtf.main import WTFormsHelpers
    from jinja2 import ChoiceLoader, FileSystemLoader, PackageLoader, PrefixLoader

    app.jinja_loader = ChoiceLoader(
        [
            FileSystemLoader(str(Path(app.root_path) / "templates")),
            PrefixLoader(
                {
                    "govuk_frontend_jinja": PackageLoader("govuk_frontend_jinja"),
                    "govuk_frontend_wtf": PackageLoader("govuk_frontend_wtf"),
                }
            ),
        ]
    )
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
    app.jinja_env.add_extension("jinja2.ext.do")
    WTFormsHelpers(app)
    app.add_template_filter(format_money, "money")
    app.add_template_global(round_links)
    app.add_template_filter(timeutil.format_datetime, "datetime")
    app.add_template_filter(timeutil.format_date, "date")
    app.add_template_filter(timeutil.format_time, "time")

    @app.before_request
    def _nonce() -> None:
        g.csp_nonce = secrets.token_urlsafe(16)

    @app.context_processor
    def _template_context() -> dict:
        return {"cspNonce": getattr(g, "csp_nonce", "")}

    @app.after_request
    def _security_headers(response: Response) -> Response:
        headers = response.headers
        headers.setdefault("Content-Security-Policy", _csp(getattr(g, "csp_nonce", "none")))
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("X-Frame-Options", "DENY")
        headers.setdefault("Referrer-Policy", "same-origin")
        headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        if app.config.get("HSTS"):
            headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
        if current_user and getattr(current_user, "is_authenticated", False):
            headers.setdefault("Cache-Control", "no-store")
        return response

    _error_pages(app)
    _trouble_pages(app)


def _error_page(code: int, title: str, message: str) -> tuple[str, int]:
    return render_template("errors.html", code=code, title=title, message=message), code


def _api_error(code: int, message: str) -> Response | None:
    """Under /api, errors are JSON in the API's documented shape."""
    if not request.path.startswith("/api/"):
        return None
    return error_response(code, message)


def _error_pages(app: Flask) -> None:
    """Friendly pages for errors (JSON ones under /api), each saying what to do next."""

    @app.errorhandler(400)
    def _bad_request(error: Exception) -> tuple[str, int]:
        return _error_page(
            400,
            _("Something was wrong with that request"),
            _("Go back, reload the page and try again. Nothing was changed."),
        )

    @app.errorhandler(CSRFError)
    def _csrf_error(error: CSRFError) -> tuple[str, int]:
        return _error_page(
            400,
            _("This form has run out"),
            _("Go back, reload the page and try again. Nothing was changed."),
        )

    @app.errorhandler(403)
    def _forbidden(error: Exception) -> tuple[str, int]:
        return _error_page(
            403,
            _("You cannot see this page"),
            _(
                "Your account does not give you access to this page. "
                "If you think it should, ask the fund's team."
            ),
        )

    @app.errorhandler(404)
    def _not_found(error: Exception) -> tuple[str, int] | Response:
        api = _api_error(404, "Not found")
        if api is not None:
            return api
        return _error_page(
            404,
            _("Page not found"),
            _("Check the web address is right. The page may have moved."),
        )

    @app.errorhandler(405)
    def _not_allowed(error: Exception) -> tuple[str, int] | Response:
        api = _api_error(405, "Only GET is allowed here")
        if api is not None:
            return api
        return _error_page(
            405, _("That did not work"), _("Go back and use the buttons on the page.")
        )


def _trouble_pages(app: Flask) -> None:
    """Pages for a file too big, too many tries, and a fault on our side."""

    @app.errorhandler(413)
    def _too_big(error: Exception) -> tuple[str, int]:
        return _error_page(
            413,
            _("That file is too big"),
            _(
                "Files can be up to %(size)s. Go back and choose a smaller file. "
                "Nothing was changed.",
                size=format_file_size(app.config.get("MAX_UPLOAD_BYTES", 0)),
            ),
        )

    @app.errorhandler(429)
    def _too_many(error: Exception) -> tuple[str, int] | Response:
        page = getattr(error, "response", None)
        if page is not None:  # the limit's own page (its on_breach) says what else to do
            return page
        return _error_page(
            429,
            _("Too many tries"),
            _(
                "You have tried too many times. Wait 15 minutes, then try again, "
                "or reset your password."
            ),
        )

    @app.errorhandler(500)
    def _server_error(error: Exception) -> tuple[str, int] | Response:
        db.session.rollback()
        api = _api_error(500, "Something went wrong on our side")
        if api is not None:
            return api
        return _error_page(
            500,
            _("Sorry, something went wrong on our side"),
            _("Nothing you did caused this. Try again in a few minutes."),
        )
