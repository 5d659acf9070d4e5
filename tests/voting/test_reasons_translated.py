"""A counted vote's reasons read in the reader's language: the rules give each project's reason
as sentences to translate (message ids and values), the results keep them, and the results
page writes them in Welsh (money the Welsh way) or in English exactly as the rule wrote it. A
vote counted before the sentences were kept still shows its English reasons."""

from __future__ import annotations

from contextlib import contextmanager
from fractions import Fraction
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import write_mo
from flask_babel import get_babel, get_domain
from sqlalchemy.orm.attributes import flag_modified

from tests.voting.ballot_helpers import in_request, ticks, vote_world
from voting import services
from voting.reason_words import shown_reason
from voting.rules import (
    RULES,
    Ballot,
    Election,
    Lottery,
    Project,
    count,
    plain_amount,
    pounds_from_pence,
)
from voting.rules.reasons import in_english, reasons_from_json, reasons_json

ROOT = Path(__file__).resolve().parents[2]

SCOUTS_NOT_SELECTED = (
    "Not selected: its supporters had %(have)s left between them and it cost %(cost)s."
)
LARDER_SELECTED = (
    "Selected: its supporters had %(have)s left between them and it cost %(cost)s, so they "
    "could buy it; each of them paid at most %(share)s."
)
NOT_FITTED = (
    "Not selected: it did not fit in the money left: it cost %(cost)s but only %(left)s was "
    "left (%(num)s person voted for it).",
    "Not selected: it did not fit in the money left: it cost %(cost)s but only %(left)s was "
    "left (%(num)s people voted for it).",
)
# Welsh has six plural forms: zero, one, two, few (3), many (6), other.
NOT_FITTED_CY = tuple(
    "Heb ei dewis: nid oedd digon o arian ar ôl: roedd yn costio %(cost)s ond dim ond "
    f"%(left)s oedd ar ôl ({form})."
    for form in (
        "%(num)s o bobl",
        "pleidleisiodd %(num)s person drosto",
        "%(num)s berson",
        "%(num)s pherson",
        "%(num)s pherson",
        "%(num)s o bobl",
    )
)
WELSH = {
    SCOUTS_NOT_SELECTED: (
        "Heb ei dewis: roedd gan ei gefnogwyr %(have)s ar ôl rhyngddynt, ac roedd yn costio "
        "%(cost)s."
    ),
    LARDER_SELECTED: (
        "Wedi'i dewis: roedd gan ei gefnogwyr %(have)s ar ôl rhyngddynt, ac roedd yn costio "
        "%(cost)s, felly gallent ei phrynu; talodd pob un %(share)s ar y mwyaf."
    ),
}


@contextmanager
def catalogue_for(app, folder: Path, code: str, entries: dict):
    """The app reads a catalogue for ``code`` with ``entries`` translated (after the real one,
    so these win), until the block ends."""
    catalog = Catalog(locale=code)
    for msgid, text in entries.items():
        catalog.add(msgid, text)
    messages = folder / code / "LC_MESSAGES"
    messages.mkdir(parents=True)
    with (messages / "messages.mo").open("wb") as mo:
        write_mo(mo, catalog)
    with app.app_context():
        babel = get_babel(app)
        before = list(babel.translation_directories)
        babel.translation_directories[:] = [*before, str(folder)]
        get_domain().cache.clear()
    try:
        yield
    finally:
        with app.app_context():
            babel.translation_directories[:] = before
            get_domain().cache.clear()


@pytest.fixture
def welsh_reasons(app, tmp_path):
    with catalogue_for(app, tmp_path, "cy", {**WELSH, NOT_FITTED: NOT_FITTED_CY}):
        yield


@pytest.fixture
def counted(app, session):
    """The public vote (Equal Shares) and the panel vote (greedy), voted in and counted.

    Public: Larder+Choir, Larder+Scouts, Larder+Choir: the Larder (£1,500) and the Choir
    (£1,000) are bought; the Scouts' one supporter has £500 left of the £1,200 they cost.
    Panel: Larder (1 vote), Choir and Scouts (2 each): the Choir and the Scouts fit, then
    £800 is left and the Larder does not fit."""
    world = vote_world(app, session)
    larder, choir, scouts = world.applications
    with in_request(app, session) as ctx:
        for resident, chosen in zip(
            world.residents, [(larder, choir), (larder, scouts), (larder, choir)], strict=True
        ):
            voter = services.voter_for_user(ctx, resident, world.public)
            services.cast_ballot(ctx, world.public, voter, ticks(world.public, *chosen))
        for member, chosen in (
            (world.chair, (larder, choir, scouts)),
            (world.conflicted, (choir, scouts)),
        ):
            voter = services.voter_for_user(ctx, member.user, world.panel_vote)
            services.cast_ballot(ctx, world.panel_vote, voter, ticks(world.panel_vote, *chosen))
        services.move_vote(ctx, world.manager, world.public, "close")
        services.move_vote(ctx, world.manager, world.panel_vote, "close")
        ctx.commit()
    return world


def _page(client, vote, language: str) -> str:
    response = client.get(f"/votes/{vote.id}/results", headers={"Accept-Language": language})
    assert response.status_code == 200
    return response.get_data(as_text=True).replace("&#39;", "'")


def test_the_results_page_shows_the_reasons_in_welsh(client, counted, welsh_reasons):
    page = _page(client, counted.public, "cy")
    # Money written by the app's money filter for Welsh: whole pounds without pence.
    assert (
        "Heb ei dewis: roedd gan ei gefnogwyr £500 ar ôl rhyngddynt, ac roedd yn costio £1,200."
    ) in page
    assert (
        "Wedi'i dewis: roedd gan ei gefnogwyr £3,000 ar ôl rhyngddynt, ac roedd yn costio "
        "£1,500, felly gallent ei phrynu; talodd pob un £500 ar y mwyaf."
    ) in page
    assert "its supporters had" not in page
    panel = _page(client, counted.panel_vote, "cy")
    # One person voted for the Larder: the Welsh form for one.
    assert (
        "Heb ei dewis: nid oedd digon o arian ar ôl: roedd yn costio £1,500 ond dim ond £800 "
        "oedd ar ôl (pleidleisiodd 1 person drosto)."
    ) in panel


def test_in_english_the_reasons_read_as_the_rule_wrote_them(client, counted, welsh_reasons):
    page = _page(client, counted.public, "en")
    assert (
        "Not selected: its supporters had £500.00 left between them and it cost £1,200.00."
    ) in page
    assert (
        "Selected: its supporters had £3,000.00 left between them and it cost £1,500.00, so "
        "they could buy it; each of them paid at most £500.00."
    ) in page
    assert "Heb ei dewis" not in page
    panel = _page(client, counted.panel_vote, "en")
    assert (
        "Not selected: it did not fit in the money left: it cost £1,500.00 but only £800.00 "
        "was left (1 person voted for it)."
    ) in panel


def test_a_vote_counted_before_reasons_were_kept_to_translate_shows_its_english(
    client, session, counted, welsh_reasons
):
    vote = counted.public
    scouts = counted.applications[2]
    item = vote.outcome["explanations"][str(scouts.id)]
    del item["why"]
    item["reason"] = "Not selected: written before reasons were translated."
    flag_modified(vote, "outcome")
    session.commit()
    page = _page(client, vote, "cy")
    assert "Not selected: written before reasons were translated." in page
    # The other projects still read in Welsh.
    assert "Wedi'i dewis: roedd gan ei gefnogwyr £3,000" in page


def test_a_broken_translation_falls_back_to_the_english_reason(client, session, counted):
    vote = counted.public
    scouts = counted.applications[2]
    item = vote.outcome["explanations"][str(scouts.id)]
    item["why"][0]["money"] = {"have": 50_000}  # the sentence needs %(cost)s too
    flag_modified(vote, "outcome")
    session.commit()
    page = _page(client, vote, "cy")
    assert (
        "Not selected: its supporters had £500.00 left between them and it cost £1,200.00."
    ) in page


def _elections() -> list[Election]:
    projects = [
        Project("a", 60_000),
        Project("b", 50_000),
        Project("c", 0),
        Project("d", 400_000),
        Project("e", 30_001),
    ]
    approval = [
        Ballot.approval(["a", "b"]),
        Ballot.approval(["a"]),
        Ballot.approval(["b", "c"]),
        Ballot.approval(["e"]),
    ]
    points = [
        Ballot.with_points({"a": 3, "b": 1}),
        Ballot.with_points({"c": 2, "e": 1}),
        Ballot.with_points({"b": 1}),
    ]
    ranked = [Ballot.ranked(["a", "b", "e"]), Ballot.ranked(["b", "a"]), Ballot.ranked(["c"])]
    return [
        Election(projects, 100_000, approval),
        Election(projects, 100_000, points, vote_type="cumulative"),
        Election(projects, 100_000, ranked, vote_type="ordinal"),
        Election(projects, 0, approval),
    ]


def _marked_in_the_code() -> set[str]:
    """The reasons' message ids `make translations-extract` finds (N_ and Nn_)."""
    with (ROOT / "babel.cfg").open() as cfg:
        method_map, options_map = parse_mapping_cfg(cfg)
    found: set[str] = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
        str(ROOT / "voting" / "rules"),
        method_map,
        options_map,
        keywords={"N_": None, "Nn_": (1, 2)},
    ):
        found.update([message] if isinstance(message, str) else message)
    return found


def _sentences(reasons):
    for item in reasons:
        yield item
        for value in item.values.values():
            if isinstance(value, tuple):
                yield from _sentences(value)


def test_every_rule_keeps_its_reasons_as_marked_sentences_that_read_as_its_english():
    marked = _marked_in_the_code()
    seen = 0
    for election in _elections():
        for rule in RULES:
            try:
                outcome = count(election, rule, tie_break=Lottery(5), money=pounds_from_pence)
            except ValueError:
                continue  # a rule for another kind of ballot
            for note in outcome.explanations:
                assert note.why, (rule, note.project_id)
                assert in_english(note.why, pounds_from_pence) == note.reason
                kept = reasons_from_json(reasons_json(note.why))
                assert in_english(kept, pounds_from_pence) == note.reason
                for sentence in _sentences(note.why):
                    assert sentence.text in marked, sentence.text
                    assert sentence.plural is None or sentence.plural in marked
                    seen += 1
    assert seen > 100


def test_reasons_keep_whole_pence_and_points_with_parts():
    election = Election(
        [Project("a", Fraction(501, 2)), Project("b", 300)],
        400,
        [Ballot.with_points({"a": Fraction(3, 2)}), Ballot.with_points({"b": 1})],
        vote_type="cumulative",
    )
    outcome = count(election, "greedy_points", money=plain_amount)
    a = outcome.explanation("a")
    assert a.reason == (
        "Selected: it got 3/2 points and it fitted in the money left (250.50 needed, 400 left)."
    )
    kept = reasons_json(a.why)
    assert kept[0]["money"] == {"cost": 250, "left": 400}  # whole units, rounded down
    assert kept[0]["values"] == {"num": "3/2"}
    assert in_english(reasons_from_json(kept), plain_amount) == (
        "Selected: it got 3/2 points and it fitted in the money left (250 needed, 400 left)."
    )


POLISH = {
    ("%(num)s person put it first", "%(num)s people put it first"): (
        "%(num)s osoba dała go na pierwsze miejsce",
        "%(num)s osoby dały go na pierwsze miejsce",
        "%(num)s osób dało go na pierwsze miejsce",
    ),
    ("%(num)s person put it second", "%(num)s people put it second"): (
        "%(num)s osoba dała go na drugie miejsce",
        "%(num)s osoby dały go na drugie miejsce",
        "%(num)s osób dało go na drugie miejsce",
    ),
    (
        "%(places)s, which gave it %(num)s point (a first choice is worth %(limit)s).",
        "%(places)s, which gave it %(num)s points (a first choice is worth %(limit)s).",
    ): (
        "%(places)s, co dało mu %(num)s punkt (pierwszy wybór jest wart %(limit)s).",
        "%(places)s, co dało mu %(num)s punkty (pierwszy wybór jest wart %(limit)s).",
        "%(places)s, co dało mu %(num)s punktów (pierwszy wybór jest wart %(limit)s).",
    ),
    (
        "Selected: it got %(num)s point and it fitted in the money left "
        "(%(cost)s needed, %(left)s left).",
        "Selected: it got %(num)s points and it fitted in the money left "
        "(%(cost)s needed, %(left)s left).",
    ): (
        "Wybrany: dostał %(num)s punkt i zmieścił się w pieniądzach "
        "(potrzeba %(cost)s, zostało %(left)s).",
        "Wybrany: dostał %(num)s punkty i zmieścił się w pieniądzach "
        "(potrzeba %(cost)s, zostało %(left)s).",
        "Wybrany: dostał %(num)s punktów i zmieścił się w pieniądzach "
        "(potrzeba %(cost)s, zostało %(left)s).",
    ),
}


def test_polish_reasons_join_lists_and_write_numbers_and_money_the_polish_way(app, tmp_path):
    """A ranked count's reason: a list of places, counts, points and money, in Polish."""
    election = Election(
        [Project("a", 150_050), Project("b", 900_000)],
        300_000,
        [Ballot.ranked(["a", "b"])] * 12_000 + [Ballot.ranked(["b", "a"])] * 2,
        vote_type="ordinal",
    )
    a = count(election, "greedy_rank_points", money=pounds_from_pence).explanation("a")
    assert a.reason == (
        "12,000 people put it first and 2 people put it second, which gave it 24,002 points "
        "(a first choice is worth 2). Selected: it got 24,002 points and it fitted in the money "
        "left (£1,500.50 needed, £3,000.00 left)."
    )
    kept = {"reason": a.reason, "why": reasons_json(a.why)}
    with (
        catalogue_for(app, tmp_path, "pl", POLISH),
        app.test_request_context(headers={"Accept-Language": "pl"}),
    ):
        shown = shown_reason(kept)
    nbsp = "\xa0"
    assert shown == (
        f"12{nbsp}000 osób dało go na pierwsze miejsce i 2 osoby dały go na drugie miejsce, "
        f"co dało mu 24{nbsp}002 punkty (pierwszy wybór jest wart 2). Wybrany: dostał "
        f"24{nbsp}002 punkty i zmieścił się w pieniądzach (potrzeba 1{nbsp}500,50{nbsp}GBP, "
        f"zostało 3{nbsp}000{nbsp}GBP)."
    )


def test_a_count_made_from_a_welsh_page_keeps_the_groups_reasons_in_english(
    app, session, welsh_reasons
):
    """Decisions are records: the reason a group was not chosen is kept in English, whoever's
    page (or the nightly job) closed the vote, so every later reader sees the same words."""
    from flask_babel import force_locale

    world = vote_world(app, session)
    larder, choir, scouts = world.applications
    with in_request(app, session) as ctx:
        for resident, chosen in zip(
            world.residents, [(larder, choir), (larder, scouts), (larder, choir)], strict=True
        ):
            voter = services.voter_for_user(ctx, resident, world.public)
            services.cast_ballot(ctx, world.public, voter, ticks(world.public, *chosen))
        with force_locale("cy"):
            services.move_vote(ctx, world.manager, world.public, "close")
        ctx.commit()
    session.refresh(scouts)
    assert scouts.feedback == (
        "Your application was not chosen in the public vote. Not selected: its supporters had "
        "£500.00 left between them and it cost £1,200.00."
    )


@pytest.mark.parametrize(
    ("position", "english", "welsh"), [(9, "9th", "nawfed"), (10, "10th", "ddegfed")]
)
def test_ninth_and_tenth_places_read_in_the_readers_words(app, position, english, welsh):
    """A vote ranks up to ten projects: the ninth and tenth places are whole sentences to
    translate too, not an English "9th" inside a Welsh sentence."""
    from flask_babel import force_locale

    from voting.reason_words import reader_language
    from voting.rules.ranked import _put_it
    from voting.rules.reasons import render_one

    said = _put_it(position, 2)
    assert render_one(said, english_words()) == f"2 people put it {english}"
    with app.test_request_context(), force_locale("cy"):
        assert render_one(said, reader_language()) == f"2 berson a'i roddodd yn {welsh} dewis"


def english_words():
    from voting.rules.reasons import english

    return english(pounds_from_pence)
