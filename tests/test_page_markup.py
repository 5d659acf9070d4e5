"""Pages on a phone and with a keyboard: wide tables scroll inside their own box, and every
button is drawn as a GOV.UK button or as a link, never as the browser's own grey button.

The browser crawl (tests/e2e/test_crawl.py) checks the pages it can reach; these check the
templates and shared macros themselves, so a page the crawl cannot reach is held to the same
rules."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from flask import render_template_string
from flask_wtf import FlaskForm

from wsgi import create_app

ROOT = Path(__file__).resolve().parent.parent
BUTTON = re.compile(r"<button\b[^>]*>|<input\b[^>]*\btype=\"?(?:submit|button|reset|image)\b[^>]*>")
STYLED = re.compile(r"\bclass=\"[^\"]*(\bgovuk-[a-z-]*button\b|\bpf-link-button\b)")


@pytest.fixture(scope="module")
def app():
    return create_app("test")


def test_every_button_in_a_template_is_styled():
    bare = []
    for path in sorted((ROOT / "templates").rglob("*.html")):
        for tag in BUTTON.findall(path.read_text(encoding="utf-8")):
            if not STYLED.search(tag):
                bare.append(f"{path.relative_to(ROOT)}: {tag}")
    assert not bare, "buttons without a GOV.UK or link style:\n" + "\n".join(bare)


def test_the_stylesheet_draws_link_buttons_and_scroll_boxes():
    css = (ROOT / "static/css/placefund.css").read_text(encoding="utf-8")
    link_button = re.search(r"\.pf-link-button\{([^}]*)\}", css)
    assert link_button is not None
    for rule in ("appearance:none", "border:0", "background:none", "font:inherit"):
        assert rule in link_button.group(1)
    scroll_box = re.search(r"\.pf-table-scroll\{([^}]*)\}", css)
    assert scroll_box is not None
    assert "overflow-x:auto" in scroll_box.group(1)
    assert "position:relative" in scroll_box.group(1)
    assert re.search(r"\.govuk-template__body\{overflow-wrap:break-word\}", css)


def test_a_table_scrolls_in_a_named_box_a_keyboard_can_reach(app):
    with app.test_request_context():
        page = render_template_string(
            '{% from "macros/tables.html" import data_table %}'
            '{% call(gift, loop) data_table("Gifts, newest first", ["From", "Amount"], gifts) %}'
            '<td class="govuk-table__cell">{{ loop.index }}. {{ gift[0] }}</td>'
            '<td class="govuk-table__cell">{{ gift[1] }}</td>'
            "{% endcall %}",
            gifts=[("Ada", "£5"), ("Bo", "£10")],
        )
    box = re.search(r"<div ([^>]*)>\s*<table", page)
    assert box is not None, page
    attributes = box.group(1)
    assert 'class="pf-table-scroll"' in attributes
    assert 'role="region"' in attributes
    assert 'aria-label="Gifts, newest first"' in attributes
    assert 'tabindex="0"' in attributes
    assert "1. Ada" in page
    assert "2. Bo" in page
    assert page.index("</table>") < page.rindex("</div>")


def test_an_empty_table_says_so_without_a_box(app):
    with app.test_request_context():
        page = render_template_string(
            '{% from "macros/tables.html" import data_table %}'
            '{% call(gift) data_table("Gifts", ["From"], [], empty="No gifts yet.") %}'
            "<td>{{ gift }}</td>{% endcall %}"
        )
    assert "No gifts yet." in page
    assert "pf-table-scroll" not in page


def test_move_up_move_down_and_remove_are_gov_uk_buttons(app):
    with app.test_request_context():
        page = render_template_string(
            '{% from "macros/lists.html" import reorder_buttons %}'
            "{% for q in [1, 2, 3] %}"
            "{{ reorder_buttons(button, loop, 'giving.move_question', 'giving.remove_question',"
            " 'question ' ~ q, place_slug='oakbridge', round_id=1, question_id=q) }}"
            "{% endfor %}",
            button=FlaskForm(),
        )
    buttons = re.findall(r"<button ([^>]*)>(.*?)</button>", page, re.S)
    names = [re.sub(r"<[^>]+>", "", text).strip() for _attrs, text in buttons]
    assert names == [
        "Move down question 1",
        "Remove question 1",
        "Move up question 2",
        "Move down question 2",
        "Remove question 2",
        "Move up question 3",
        "Remove question 3",
    ]
    for attributes, _text in buttons:
        assert 'class="govuk-button govuk-button--secondary"' in attributes
