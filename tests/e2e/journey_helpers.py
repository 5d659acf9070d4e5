"""Steps the browser journeys share beyond the visitor's own."""

from __future__ import annotations

import re

from playwright.sync_api import Page


def click(visitor, role: str, name: str) -> Page:
    """Click a link or button whose accessible name starts with ``name``, then scan the page
    it leads to."""
    with visitor.page.expect_navigation():
        visitor.page.get_by_role(role, name=re.compile("^" + re.escape(name))).first.click()
    visitor.check()
    return visitor.page
