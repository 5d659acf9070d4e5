"""Anyone, without an account, reads what Oakbridge decided: the rounds, every decision with
its reasons, grants, money in and out, who took part and the scorecard. Every page is scanned
with axe; every chart has a table with the same figures; it works at 320px and without
JavaScript. A group then tells us how it was treated, anonymously."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.e2e


def _charts_have_tables(page) -> int:
    figures = page.locator("figure.pf-chart-figure")
    count = figures.count()
    for i in range(count):
        figure = figures.nth(i)
        assert figure.locator("svg[role=img]").count() == 1
        assert figure.locator("table caption").count() == 1
        title = figure.locator("svg title").text_content()
        assert figure.locator("table caption").inner_text().strip() == (title or "").strip()
    return count


def test_a_visitor_reads_the_results_of_the_demo_place(visitor):
    visitor.open("/")
    visitor.follow("Results")
    visitor.follow("Oakbridge")
    assert "What we decided, and where the money went" in visitor.text()
    assert _charts_have_tables(visitor.page) >= 3  # grants by ward, by size, money by month
    visitor.follow("Oakbridge Spring Grants")
    text = visitor.text()
    assert "Riverside Men's Shed" in text
    assert "two other projects in the same wards" in text  # reasons are public
    assert "asked us to keep the reasons private" in text  # unless the group chose not
    assert "A second delivery van" in text
    assert "out of 5" in text  # six groups answered, so the ratings show
    with visitor.page.expect_navigation():
        visitor.page.locator('a[href$="#days-to-decision"]').first.click()
    visitor.check()
    assert visitor.page.url.endswith("#days-to-decision")
    assert "middle value" in visitor.text()
    visitor.open("/places/oakbridge/scorecard")
    assert "Grants that are unrestricted" in visitor.text()
    visitor.open("/places/oakbridge/participation")
    assert "Who took part" in visitor.text()
    assert _charts_have_tables(visitor.page) >= 3  # where they live, voters, turnout
    assert "The panel against the place: Ward" in visitor.text()
    visitor.open("/places/oakbridge/grants")
    visitor.page.get_by_label("Ward", exact=True).select_option("Riverside")
    visitor.press("Show grants")
    assert "ward=Riverside" in visitor.page.url
    visitor.open("/places/oakbridge/money")
    assert _charts_have_tables(visitor.page) >= 1


def test_the_results_read_on_a_small_phone_and_without_javascript(narrow_visitor, noscript_visitor):
    page = narrow_visitor.open("/places/oakbridge/results")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 320, f"the page is {width}px wide"
    narrow_visitor.open("/places/oakbridge/participation")
    assert page.evaluate("document.documentElement.scrollWidth") <= 320
    noscript_visitor.open("/places/oakbridge/results")
    assert noscript_visitor.page.locator("figure.pf-chart-figure svg").count() >= 3
    noscript_visitor.open("/places/oakbridge/participation")
    noscript_visitor.page.get_by_label("Show one round").select_option(
        label="Oakbridge Spring Grants"
    )
    noscript_visitor.press("Show")
    assert "Who took part in Oakbridge Spring Grants" in noscript_visitor.text()


def test_a_group_tells_us_how_it_was_treated(visitor):
    visitor.log_in("group6@demo.placefund.org", "placefund-demo")
    visitor.open("/applications")
    visitor.follow("A shared polytunnel")
    visitor.follow("Tell us how we treated your group")
    for name, value in (("respect", "5"), ("clarity", "4"), ("time", "4"), ("overall", "5")):
        visitor.page.locator(f'input[name="{name}"][value="{value}"]').check()
    visitor.press("Send your answers")
    assert "kept without your group's name" in visitor.text()
    visitor.follow("Tell us how we treated your group")
    assert "already answered" in visitor.text()
