"""The participation report in another language: the keys the app itself stores and counts
by ("Ward", "Not known") are shown in the reader's language (here Polish, where "Ward" reads
"Okręg"; Welsh writes it the same as English); the place's own words stay as typed."""

from __future__ import annotations

from pathlib import Path

from babel.support import Translations
from flask_babel import force_locale

from giving.services import reports
from tests.giving.test_participation import world  # noqa: F401  (the report's fixture)


def _make_up(report, chart_id):
    return next(c for c in report.charts if c.id == chart_id)


def test_the_panel_make_up_by_ward_reads_in_the_reader_s_language(app, session, world):  # noqa: F811
    directory = app.config.get("BABEL_TRANSLATION_DIRECTORIES") or "translations"
    pl = Translations.load(str(Path(app.root_path) / directory), ["pl"])
    with app.test_request_context(), force_locale("pl"):
        report = reports.participation(session, world["place"])
    chart = _make_up(report, "panel-make-up-ward")
    ward, not_known = pl.gettext("Ward"), pl.gettext("Not known")
    assert ward != "Ward"
    assert chart.label_heading == ward
    title = pl.gettext("The panel against the place: %(category)s") % {"category": ward}
    assert chart.title == title
    assert [row.label for row in chart.rows] == ["North", "South", not_known]
    # A category the fund's team typed keeps its own words.
    age = _make_up(report, "panel-make-up-age")
    assert age.label_heading == "Age"
    assert [row.label for row in age.rows] == ["16 to 34", "35 and over", not_known]
