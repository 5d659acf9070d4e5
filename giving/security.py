"""Keyed hashes: a value that can be checked again later but not read back, made with the
app's secret key. Giving keeps only these for what people type to show where they live."""

from __future__ import annotations

import hashlib
import hmac

from flask import current_app


def keyed_hash(purpose: str, text: str) -> str:
    """HMAC-SHA256 of ``text`` with the app's secret key, kept apart by ``purpose`` so that
    the same text hashed for two purposes gives two different values."""
    secret = str(current_app.config["SECRET_KEY"]).encode()
    return hmac.new(secret, f"{purpose}:{text}".encode(), hashlib.sha256).hexdigest()
