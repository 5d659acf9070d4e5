"""A fund's name and description in the place's languages: staff give them on the fund's
form; visitors read their language's; open data keeps the words in the first language."""

from __future__ import annotations

import html
import json

import pytest
from sqlalchemy import select

from funds.models import Fund
from giving.extensions import db
from giving.models import Role
from tests.conftest import in_request, post_form
from tests.factories import FundFactory, RoleGrantFactory, UserFactory
from tests.funds.test_opendata import _load_demo, export
from tests.giving.round_helpers import as_user
from tests.giving.test_content_languages import note_in

WELSH_NAME = "Cronfa Gymunedol Testbury"


@pytest.fixture
def fund(session):
    fund = FundFactory(description="Money for local groups.")
    fund.place.languages = "en,cy"
    fund.translations = {"cy": {"name": WELSH_NAME}}
    db.session.flush()
    return fund


def test_visitors_read_the_fund_in_their_language(client, fund):
    client.set_cookie("pf_language", "cy")
    page = client.get(f"/funds/{fund.id}").get_data(as_text=True)
    assert f'<h1 class="govuk-heading-l">{WELSH_NAME}</h1>' in page
    assert '<span lang="en">Money for local groups.</span>' in page
    assert page.count('id="content-language-note"') == 1
    listing = client.get(f"/places/{fund.place.slug}/funds").get_data(as_text=True)
    assert WELSH_NAME in listing
    give = client.get(f"/funds/{fund.id}/give").get_data(as_text=True)
    assert WELSH_NAME in give
    client.set_cookie("pf_language", "pl")
    page = client.get(f"/funds/{fund.id}").get_data(as_text=True)
    assert f'<span lang="en">{fund.name}</span>' in page
    assert note_in("pl", "Polski") in html.unescape(page)


def test_managers_give_the_funds_welsh_on_its_form(client, fund):
    manager = RoleGrantFactory(place=fund.place, role=Role.FUND_MANAGER).user
    as_user(client, manager)
    url = f"/funds/{fund.id}/edit"
    page = client.get(url).get_data(as_text=True)
    assert f'value="{WELSH_NAME}"' in page
    assert "What the fund is for in Cymraeg" in page
    form = {
        "name": fund.name,
        "description": "Money for local groups.",
        "holder_name": fund.holder_name,
        "checkin_threshold_pence": "10000",
        "name_cy": WELSH_NAME,
        "description_cy": "Arian i grwpiau lleol.",
    }
    assert post_form(client, url, form).status_code == 302
    db.session.refresh(fund)
    assert fund.translations == {
        "cy": {"name": WELSH_NAME, "description": "Arian i grwpiau lleol."}
    }
    response = post_form(client, url, {**form, "description": "New", "name_cy": "x" * 161})
    assert response.status_code == 200
    assert 'id="name_cy-error"' in response.get_data(as_text=True)
    db.session.refresh(fund)
    assert fund.description == "Money for local groups."


def test_someone_who_does_not_manage_the_fund_cannot_change_its_welsh(client, fund):
    as_user(client, UserFactory())
    url = f"/funds/{fund.id}/edit"
    response = post_form(client, url, {"name": "X", "name_cy": "Y"}, page=f"/funds/{fund.id}/give")
    assert response.status_code in (403, 404)
    db.session.refresh(fund)
    assert fund.translations == {"cy": {"name": WELSH_NAME}}


def test_open_data_keeps_the_first_languages_words(app, session):
    with in_request(app, session):
        _load_demo(session)
    welsh = session.scalars(select(Fund).where(Fund.name == "Oakbridge Community Fund")).one()
    assert welsh.translations["cy"]["name"] == "Cronfa Gymunedol Oakbridge"
    assert welsh.place.language_codes == ["en", "cy"]
    package = json.loads(export(session))
    programmes = {g["grantProgramme"][0]["title"] for g in package["grants"]}
    assert "Oakbridge Community Fund" in programmes
    text = json.dumps(package)
    assert "Cronfa Gymunedol" not in text
    assert "Cist Gymunedol" not in text
    assert "Cronfa Gymunedol" not in export(session, "csv")
