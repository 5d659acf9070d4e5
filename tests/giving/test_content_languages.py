"""A place's own words in its languages: a place chooses them; staff give a round's title,
description, questions and criteria in each; visitors see their language's words, or the
place's first language's marked with its own lang and one short note."""

from __future__ import annotations

import html
from pathlib import Path

import pytest
from babel.support import Translations
from sqlalchemy import insert, select

from giving.content_language import localised
from giving.extensions import db
from giving.models import AuditEntry, Round, User
from tests.conftest import post_form
from tests.factories import RoleGrantFactory, RoundFactory
from tests.giving.round_helpers import as_user, round_url
from tests.statements import statements_for

ROOT = Path(__file__).resolve().parents[2]

NOTE = "Some of this page is in %(written)s because it has not been written in %(page)s yet."


def note_in(code: str, page: str, written: str = "English") -> str:
    """The note as the page's language writes it, from the real catalogue."""
    catalogue = Translations.load(str(ROOT / "translations"), [code])
    return catalogue.gettext(NOTE) % {"written": written, "page": page}


NOTE_PL = note_in("pl", "Polski")
WELSH_TITLE = "Grantiau bach Riverton"


@pytest.fixture
def welsh(world):
    """Riverton offers English first, then Welsh; its open round has a Welsh title."""
    world.place.languages = "en,cy"
    world.round.translations = {"cy": {"title": WELSH_TITLE}}
    db.session.flush()
    return world


def _page(client, url: str, language: str | None) -> str:
    if language:
        client.set_cookie("pf_language", language)
    response = client.get(url)
    assert response.status_code == 200, url
    return response.get_data(as_text=True)


def test_the_visitors_language_else_the_places_first(ctx, welsh):
    round_ = welsh.round
    title = localised(round_, "title", "cy")
    assert (title.text, title.language, title.foreign) == (WELSH_TITLE, "cy", False)
    # Not written in Welsh: the English, marked as English.
    description = localised(round_, "description", "cy")
    assert (description.text, description.language) == (round_.description, "en")
    assert description.foreign
    # Polish is not one of the place's languages.
    polish = localised(round_, "title", "pl")
    assert (polish.text, polish.language) == ("Riverton small grants", "en")
    # A place that stops offering Welsh shows its English, though the Welsh is kept.
    welsh.place.languages = "en"
    assert localised(round_, "title", "cy").text == "Riverton small grants"
    # Words of only spaces have not been written.
    welsh.place.languages = "en,cy"
    round_.translations = {"cy": {"title": "   "}}
    assert localised(round_, "title", "cy").language == "en"


def test_a_place_written_first_in_welsh_shows_english_visitors_its_english(ctx, welsh):
    welsh.place.languages = "cy,en"
    round_ = welsh.round
    round_.title, round_.translations = WELSH_TITLE, {"en": {"title": "Riverton small grants"}}
    assert localised(round_, "title", "en").text == "Riverton small grants"
    assert localised(round_, "title", "pl").language == "cy"
    assert localised(round_.questions[0], "text", "en").language == "cy"


def test_a_welsh_visitor_reads_the_welsh_title_with_the_english_description_marked(client, welsh):
    page = _page(client, round_url(welsh), "cy")
    assert '<html lang="cy"' in page
    assert f'<h1 class="govuk-heading-l">{WELSH_TITLE}</h1>' in page
    assert f"<title>{WELSH_TITLE} \N{EN DASH} Placefund</title>" in page
    # The description and questions have no Welsh yet: English, said to be English, once.
    assert '<p class="govuk-body" lang="en">Money for small community projects.' in page
    assert page.count('id="content-language-note"') == 1
    assert note_in("cy", "Cymraeg") in html.unescape(page)


def test_a_polish_visitor_reads_the_english_marked_and_one_note(client, welsh):
    page = _page(client, round_url(welsh), "pl")
    assert '<html lang="pl"' in page
    assert '<h1 class="govuk-heading-l"><span lang="en">Riverton small grants</span></h1>' in page
    assert page.count('id="content-language-note"') == 1
    assert NOTE_PL in page
    # The note comes before the page's heading.
    assert page.index(NOTE_PL) < page.index("<h1")
    listing = _page(client, f"/places/{welsh.place.slug}/rounds", None)
    assert '<span lang="en">Riverton small grants</span>' in listing
    assert NOTE_PL in listing


def test_an_english_visitor_sees_no_note_and_no_marks(client, welsh):
    page = _page(client, round_url(welsh), None)
    assert "content-language-note" not in page
    assert "pf-content-language-note" not in page
    assert 'lang="en"><' not in page.replace('<span lang="en">English</span>', "")
    assert "<!--pf-content-language-note-->" not in page


def test_a_page_without_place_words_has_no_note(client, welsh):
    page = _page(client, "/places", "pl")
    assert "content-language-note" not in page
    assert "<!--pf-content-language-note-->" not in page


def test_the_apply_form_asks_the_questions_in_the_applicants_language(client, welsh):
    question = welsh.round.questions[0]
    question.translations = {"cy": {"text": "Beth fyddwch chi'n ei wneud?"}}
    db.session.flush()
    as_user(client, welsh.member)
    page = _page(client, f"/applications/{welsh.application.id}/edit", "cy")
    assert "1. Beth fyddwch chi&#39;n ei wneud?" in page
    # The second question has no Welsh: its label is in English, marked so.
    second = welsh.round.questions[1].text
    assert f'2. <span lang="en">{second}</span>' in page
    assert WELSH_TITLE in page


def _choose_languages(client, world, ticks: list[str], first: str):
    data = {"action": "languages", "languages-languages": ticks, "languages-first": first}
    return post_form(client, f"/places/{world.place.slug}/manage", data)


def test_staff_choose_the_places_languages(client, world):
    as_user(client, world.manager)
    page = client.get(f"/places/{world.place.slug}/manage").get_data(as_text=True)
    assert 'name="languages-languages" type="checkbox" value="cy"' in page
    response = _choose_languages(client, world, ["en", "cy"], "cy")
    assert response.status_code == 302
    db.session.refresh(world.place)
    assert world.place.language_codes == ["cy", "en"]
    entry = db.session.scalars(
        select(AuditEntry).where(AuditEntry.action == "place.languages")
    ).one()
    assert entry.place_id == world.place.id


@pytest.mark.parametrize(
    ("ticks", "first", "message"),
    [
        ([], "en", "Choose at least one language"),
        (["en"], "cy", "Tick the language your team writes in first"),
        (["en", "xx"], "en", "Tick only the boxes shown"),
    ],
)
def test_bad_languages_are_refused_by_the_field(client, world, ticks, first, message):
    as_user(client, world.manager)
    response = _choose_languages(client, world, ticks, first)
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    db.session.refresh(world.place)
    assert world.place.languages == "en"


@pytest.mark.parametrize("who", ["member", "resident", "panel", "elsewhere_manager"])
def test_only_the_places_staff_choose_its_languages(client, world, who):
    as_user(client, getattr(world, who))
    response = _choose_languages(client, world, ["en", "cy"], "en")
    assert response.status_code == 403
    db.session.refresh(world.place)
    assert world.place.languages == "en"


def test_the_round_form_takes_words_in_the_other_languages(client, welsh):
    as_user(client, welsh.manager)
    url = round_url(welsh, "/edit", welsh.draft_round)
    page = client.get(url).get_data(as_text=True)
    assert "Title in Cymraeg" in page
    assert 'name="title_cy"' in page
    assert 'lang="cy"' in page
    form = {
        "title": "Grants for next year",
        "description": "Money for next year.",
        "budget_pence": "10000",
        "min_grant_pence": "500",
        "max_grant_pence": "2000",
        "opens_on": ["1", "4", "2031"],
        "opens_time": "9am",
        "closes_on": ["1", "5", "2031"],
        "closes_time": "5pm",
        "decision_method": "panel",
        "title_cy": "  Grantiau y flwyddyn nesaf ",
        "description_cy": "",
    }
    assert post_form(client, url, form).status_code == 302
    db.session.refresh(welsh.draft_round)
    assert welsh.draft_round.translations == {"cy": {"title": "Grantiau y flwyddyn nesaf"}}
    # Too long: a message by the field, and nothing changes.
    response = post_form(client, url, {**form, "title": "New", "title_cy": "x" * 161})
    assert response.status_code == 200
    assert "Title in Cymraeg" in response.get_data(as_text=True)
    assert 'id="title_cy-error"' in response.get_data(as_text=True)
    db.session.refresh(welsh.draft_round)
    assert welsh.draft_round.title == "Grants for next year"
    assert welsh.draft_round.translations == {"cy": {"title": "Grantiau y flwyddyn nesaf"}}


def test_a_place_with_one_language_asks_for_no_other_words(client, world):
    as_user(client, world.manager)
    page = client.get(round_url(world, "/edit", world.draft_round)).get_data(as_text=True)
    assert "in Cymraeg" not in page
    assert "title_cy" not in page


def test_questions_and_criteria_are_added_with_their_welsh(client, welsh):
    as_user(client, welsh.manager)
    draft = welsh.draft_round
    response = post_form(
        client,
        round_url(welsh, "/questions", draft),
        {
            "text": "Who joins in?",
            "why_asked": "To know who it is for.",
            "word_limit": "50",
            "text_cy": "Pwy sy'n ymuno?",
        },
    )
    assert response.status_code == 302
    db.session.refresh(draft)
    assert draft.questions[-1].translations == {"cy": {"text": "Pwy sy'n ymuno?"}}
    response = post_form(
        client,
        round_url(welsh, "/criteria", draft),
        {"name": "Reaches people", "weight": "10", "name_cy": "x" * 121},
    )
    assert response.status_code == 200
    assert 'id="name_cy-error"' in response.get_data(as_text=True)
    db.session.refresh(draft)
    assert [c.name for c in draft.criteria].count("Reaches people") == 0


def test_an_open_rounds_words_are_given_on_their_own_page(client, welsh):
    round_ = welsh.round
    question, criterion = round_.questions[0], round_.criteria[0]
    as_user(client, welsh.manager)
    manage = client.get(round_url(welsh, "/manage")).get_data(as_text=True)
    assert round_url(welsh, "/languages") in manage
    url = round_url(welsh, "/languages")
    page = client.get(url).get_data(as_text=True)
    assert f'value="{WELSH_TITLE}"' in page
    data = {
        "title_cy": WELSH_TITLE,
        "description_cy": "Arian i brosiectau bach.",
        f"q{question.id}_text_cy": "Beth fyddwch chi'n ei wneud?",
        f"c{criterion.id}_name_cy": "Yn helpu pobl",
    }
    assert post_form(client, url, data).status_code == 302
    for row in (round_, question, criterion):
        db.session.refresh(row)
    assert round_.translations["cy"]["description"] == "Arian i brosiectau bach."
    assert question.translations == {"cy": {"text": "Beth fyddwch chi'n ei wneud?"}}
    assert criterion.translations == {"cy": {"name": "Yn helpu pobl"}}
    # One text too long: nothing at all changes.
    too_long = {**data, "title_cy": "Newydd", f"c{criterion.id}_description_cy": "x" * 1001}
    response = post_form(client, url, too_long)
    assert response.status_code == 200
    assert f'id="c{criterion.id}_description_cy-error"' in response.get_data(as_text=True)
    db.session.refresh(round_)
    assert round_.translations["cy"]["title"] == WELSH_TITLE
    # A visitor in Welsh now reads them on the round's page.
    as_user(client, None)
    page = _page(client, round_url(welsh), "cy")
    assert '<p class="govuk-body">Arian i brosiectau bach.</p>' in page
    assert "Yn helpu pobl" in page


def test_a_new_account_keeps_the_language_the_visitor_chose(client, session):
    client.set_cookie("pf_language", "cy")
    data = {
        "name": "Nia Newydd",
        "email": "nia@example.org",
        "postcode": "",
        "password": "correct horse battery",
        "confirm": "correct horse battery",
    }
    assert post_form(client, "/register", data).status_code == 302
    user = db.session.scalars(select(User).where(User.email == "nia@example.org")).one()
    assert user.locale == "cy"


def test_a_new_account_without_a_choice_is_in_english(client, session):
    data = {
        "name": "Ed English",
        "email": "ed@example.org",
        "postcode": "",
        "password": "correct horse battery",
        "confirm": "correct horse battery",
    }
    assert post_form(client, "/register", data).status_code == 302
    user = db.session.scalars(select(User).where(User.email == "ed@example.org")).one()
    assert user.locale == "en"


def _rounds_with_welsh(place, count: int) -> None:
    template = RoundFactory(place=place)
    columns = {
        column: getattr(template, column)
        for column in (
            "budget_pence",
            "min_grant_pence",
            "max_grant_pence",
            "opens_at",
            "closes_at",
            "decision_date",
            "status",
            "opened_at",
        )
    }
    rows = [
        {
            **columns,
            "place_id": place.id,
            "title": f"Round {n}",
            "description": "Words.",
            "translations": {"cy": {"title": f"Rownd {n}"}} if n % 2 else {},
        }
        for n in range(count)
    ]
    db.session.execute(insert(Round), rows)
    db.session.flush()


def test_the_rounds_list_costs_the_same_for_10_rounds_as_200(app, client, session):
    counts = []
    for count in (10, 200):
        place = RoleGrantFactory().place
        place.languages = "en,cy"
        _rounds_with_welsh(place, count)
        client.set_cookie("pf_language", "cy")
        url = f"/places/{place.slug}/rounds"
        page = client.get(url).get_data(as_text=True)
        # The newest rounds come first: the last has Welsh, the one before has not.
        assert f"Rownd {count - 1}<" in page
        assert f'<span lang="en">Round {count - 2}</span>' in page
        with app.app_context():
            counts.append(statements_for(client, db.engine, url))
    assert counts[0] == counts[1]


def test_the_results_pages_name_rounds_in_the_visitors_language(client, welsh):
    for url in (
        "/results",
        f"/places/{welsh.place.slug}/results",
        f"/places/{welsh.place.slug}/results/rounds/{welsh.round.id}",
    ):
        page = _page(client, url, "cy")
        assert WELSH_TITLE in page, url
        page = _page(client, url, "pl")
        assert '<span lang="en">Riverton small grants</span>' in page, url
        assert page.count('id="content-language-note"') == 1, url
