"""Words the app makes in code, not in templates, reach the page through the catalogue.

Each test gives the app a tiny Welsh catalogue of its own, holding one sentence, and reads a
page in Welsh: the sentence shows in Welsh only if the code passes it through gettext.
"""

from __future__ import annotations

import pytest
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo

from giving.languages import COOKIE
from tests.conftest import log_in
from tests.factories import UserFactory


@pytest.fixture
def welsh(app, tmp_path, monkeypatch):
    """Make the app read its Welsh from a catalogue the test fills in; returns ``add``."""
    catalog = Catalog(locale="cy")
    folder = tmp_path / "cy" / "LC_MESSAGES"
    folder.mkdir(parents=True)

    def add(english: str, welsh_text: str) -> None:
        catalog.add(english, welsh_text)
        with (folder / "messages.mo").open("wb") as mo:
            write_mo(mo, catalog)

    babel = app.extensions["babel"]
    monkeypatch.setattr(babel, "translation_directories", [str(tmp_path)])
    with app.app_context():
        domain = babel.instance.domain_instance
    monkeypatch.setattr(domain, "cache", {})
    return add


def test_how_we_work_it_out_explains_each_figure_in_welsh(client, welsh):
    welsh("Days from closing to decision", "Dyddiau o gau i benderfyniad")
    client.set_cookie(COOKIE, "cy")
    page = client.get("/scorecard/how-we-work-it-out").get_data(as_text=True)
    assert "Dyddiau o gau i benderfyniad" in page
    assert "Days from closing to decision" not in page


def test_a_labelled_choice_shows_in_welsh(client, welsh, session):
    user = UserFactory()
    welsh("Registered charity", "Elusen gofrestredig")
    client.set_cookie(COOKIE, "cy")
    log_in(client, user)
    page = client.get("/groups/new").get_data(as_text=True)
    assert "Elusen gofrestredig" in page
    assert "Registered charity" not in page
