"""Stylesheets, scripts and images that a browser keeps for a year and never asks for again.

Every address the app makes for a file in ``static/`` carries a short digest of the file's
content (``/static/css/placefund.css?v=3f2a9c1e0b7d``). A file asked for with its current
digest is sent with ``Cache-Control: public, max-age=31536000, immutable``, so a browser
opening the next page uses its own copy without a request. When a file changes, so does its
digest, and pages ask for the new copy by its new address. A request without the digest, or
with an old one, is answered as before: the browser checks back each time (``no-cache``).

Pages name their files with :func:`static_url`. Outside debug mode the files only change with
a new release, which starts new workers, so each worker makes a file's address once and
keeps it; in debug mode it is made afresh on every page, so an edited file gets its new
digest at once.
"""

from __future__ import annotations

import hashlib
import os
import stat
from typing import Any

from flask import Flask, current_app, request, url_for
from werkzeug.security import safe_join

VERSION_ARG = "v"
# A year: the longest time HTTP caches are asked to keep anything.
KEEP_SECONDS = 365 * 24 * 60 * 60
DIGEST_LENGTH = 12


class Versions:
    """The digest of each file in one folder, read again only when the file changes."""

    def __init__(self, folder: str) -> None:
        self.folder = folder
        self._known: dict[str, tuple[int, int, str]] = {}

    def of(self, filename: str) -> str | None:
        """The digest of ``filename``'s content, or None when there is no such file in the
        folder (a name that leads out of it included)."""
        path = safe_join(self.folder, filename)
        if path is None:
            return None
        try:
            found = os.stat(path)
        except (OSError, ValueError):
            return None
        if not stat.S_ISREG(found.st_mode):
            return None
        known = self._known.get(filename)
        if known is not None and known[:2] == (found.st_mtime_ns, found.st_size):
            return known[2]
        try:
            with open(path, "rb") as file:
                digest = hashlib.file_digest(file, "sha256").hexdigest()[:DIGEST_LENGTH]
        except OSError:
            return None
        self._known[filename] = (found.st_mtime_ns, found.st_size, digest)
        return digest


def init_app(app: Flask) -> None:
    """Give static addresses their digest, and let a browser keep what it asks for by one."""
    if app.static_folder is None:
        return
    versions = Versions(app.static_folder)
    send_max_age = app.get_send_file_max_age

    def add_version(endpoint: str, values: dict[str, Any]) -> None:
        if endpoint == "static" and VERSION_ARG not in values and "filename" in values:
            digest = versions.of(values["filename"])
            if digest is not None:
                values[VERSION_ARG] = digest

    def max_age(filename: str | None) -> int | None:
        asked = request.args.get(VERSION_ARG)
        if filename is not None and asked and asked == versions.of(filename):
            return KEEP_SECONDS
        return send_max_age(filename)

    app.url_defaults(add_version)
    app.get_send_file_max_age = max_age  # type: ignore[method-assign]
    app.after_request(_immutable)
    app.extensions["static_urls"] = {}
    app.add_template_global(static_url)


def static_url(filename: str) -> str:
    """The address of ``filename`` in ``static/``, with its digest: kept once made, outside
    debug mode (see the module's note)."""
    kept: dict[tuple[str, str], str] = current_app.extensions["static_urls"]
    key = (request.script_root, filename)
    address = kept.get(key)
    if address is None:
        address = url_for("static", filename=filename)
        if not current_app.debug:
            kept[key] = address
    return address


def _immutable(response: Any) -> Any:
    """A file kept for a year by its digest is not checked again when a page is reloaded."""
    if request.endpoint == "static" and response.cache_control.max_age == KEEP_SECONDS:
        response.cache_control.immutable = True
    return response
