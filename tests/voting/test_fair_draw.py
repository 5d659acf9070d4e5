"""The fair panel lottery: everyone gets the best chance the quotas allow, its chance comes
from a public source named before offers close, its bundle lets anyone run it again with
``flask panel verify``, and replacements come from the alternates in their published order."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from tests.conftest import post_form
from tests.factories import (
    PanelFactory,
    PlaceFactory,
    PostcodeAreaFactory,
    RoleGrantFactory,
    RoundFactory,
    UserFactory,
)
from tests.giving.round_helpers import as_user
from tests.voting.test_panel_lottery import make_pool, make_quotas
from voting import draw_bundle, services, sortition
from voting.models import DrawKind, PanelDraw, PanelLottery


def _bundle(pool, quotas, seats, method, source, result):
    categories = list(dict.fromkeys(q.category for q in quotas))
    rows = [[p["id"], *(p[c] for c in categories)] for p in pool]
    quota_rows = [[q.category, q.value, q.min, q.max] for q in quotas]
    seed = sortition.seed_from_result(result)
    outcome = sortition.draw(pool, quotas, seats, seed, method)
    fixed = draw_bundle.fixed_part(categories, rows, quota_rows, seats, method, source)
    return outcome, {
        "format": draw_bundle.FORMAT,
        **fixed,
        "fingerprint": sortition.fingerprint(fixed),
        "public_result": result,
        "seed": seed,
        "distribution": outcome.distribution,
        "selected": outcome.selected,
        "alternates": outcome.alternates,
    }


@pytest.mark.slow
def test_thirty_from_two_thousand_fairly_meets_quotas_beats_legacy_and_verifies(file_app, tmp_path):
    pool, quotas = make_pool(), make_quotas()
    table = sortition.chances(pool, quotas, 30, legacy_runs=60)
    # Every volunteer's chance is at least the legacy method's lowest on the same pool.
    assert table["lowest"]["fair"] >= table["lowest"]["legacy"]
    assert table["lowest"]["fair"] > 0.01
    assert sum(r["offered"] for r in table["profiles"]) == 2000
    # The expected number chosen adds up to the seats.
    assert sum(r["fair"] * r["offered"] for r in table["profiles"]) == pytest.approx(30, abs=1e-3)

    source = "The numbers of the National Lottery Lotto draw on Saturday 5 December 2026"
    outcome, bundle = _bundle(pool, quotas, 30, "maximin", source, "4 11 23 30 41 52 (7)")
    assert len(outcome.selected) == 30
    for row in outcome.summary:
        assert row["min"] <= row["chosen"] <= row["max"], row
    assert len(outcome.alternates) == 1970
    assert set(outcome.alternates).isdisjoint(outcome.selected)

    path = tmp_path / "bundle.json"
    path.write_text(json.dumps(bundle))
    runner = file_app.test_cli_runner()
    checked = runner.invoke(args=["panel", "verify", str(path)])
    assert checked.exit_code == 0, checked.output
    assert "the same 30 people are chosen" in checked.output

    # Someone swaps a chosen person for another: verify says so, and fails.
    tampered = dict(bundle, selected=[*bundle["selected"][1:], bundle["alternates"][0]])
    path.write_text(json.dumps(tampered))
    refused = runner.invoke(args=["panel", "verify", str(path)])
    assert refused.exit_code == 1
    assert "The panel differs" in refused.output
    assert bundle["alternates"][0] in refused.output


def test_verify_names_a_changed_result_and_a_changed_pool(file_app, tmp_path):
    pool = [{"id": f"v{i}", "ward": "North" if i % 3 else "South"} for i in range(30)]
    quotas = [
        sortition.Quota("ward", "North", 2, 3),
        sortition.Quota("ward", "South", 2, 3),
    ]
    _outcome, bundle = _bundle(pool, quotas, 5, "legacy", "Dice at the meeting", "6 2 5")
    runner = file_app.test_cli_runner()
    path = tmp_path / "b.json"
    path.write_text(json.dumps(bundle))
    assert runner.invoke(args=["panel", "verify", str(path)]).exit_code == 0
    path.write_text(json.dumps(dict(bundle, public_result="6 2 4")))
    result = runner.invoke(args=["panel", "verify", str(path)])
    assert result.exit_code == 1
    assert "The seed should be" in result.output
    changed = dict(bundle, pool=[[*bundle["pool"][0][:1], "North"], *bundle["pool"][1:]])
    path.write_text(json.dumps(changed))
    result = runner.invoke(args=["panel", "verify", str(path)])
    assert result.exit_code == 1
    assert "fingerprint" in result.output
    path.write_text("not json")
    assert runner.invoke(args=["panel", "verify", str(path)]).exit_code == 1


def test_the_command_line_draws_fairly_unless_asked_for_legacy(file_app, tmp_path):
    pool = [{"id": f"v{i}", "age": ["Young", "Old"][i % 2]} for i in range(20)]
    (tmp_path / "pool.csv").write_text(
        "id,age\n" + "".join(f"{p['id']},{p['age']}\n" for p in pool)
    )
    (tmp_path / "quotas.csv").write_text("category,value,min,max\nage,Young,2,2\nage,Old,2,2\n")
    args = ["panel", "draw", "--pool", str(tmp_path / "pool.csv")]
    args += ["--quotas", str(tmp_path / "quotas.csv"), "--size", "4", "--seed", "8"]
    runner = file_app.test_cli_runner()
    quotas = sortition.read_quotas((tmp_path / "quotas.csv").read_text())
    fair = runner.invoke(args=args)
    assert fair.exit_code == 0, fair.output
    assert json.loads(fair.output) == sortition.draw(pool, quotas, 4, 8, "maximin").selected
    legacy = runner.invoke(args=[*args, "--algorithm", "legacy"])
    assert json.loads(legacy.output) == sortition.draw(pool, quotas, 4, 8, "legacy").selected
    assert runner.invoke(args=[*args, "--algorithm", "nope"]).exit_code != 0


@pytest.fixture
def place(session):
    place = PlaceFactory(slug="dunmere", name="Dunmere")
    PostcodeAreaFactory(place=place, prefix="DN1")
    return place


def _offered_panel(session, place, n=24, size=6):
    manager = RoleGrantFactory(place=place).user
    panel = PanelFactory(round=RoundFactory(place=place), drawn=True, size=size)
    age = services.add_category(session, manager, panel, "Age band", ["Young", "Middle", "Old"])
    people = [UserFactory(postcode=f"DN1 {i % 9 + 1}AB") for i in range(n)]
    for i, person in enumerate(people):
        # Few old people: the fair lottery gives each of them a higher chance.
        value = age.values[0 if i % 2 else 1] if i >= 3 else age.values[2]
        services.offer_to_serve(session, person, panel, {age.id: value.id})
    quotas = {age.values[0].id: (2, 2), age.values[1].id: (2, 2), age.values[2].id: (2, 2)}
    return manager, panel, people, quotas


def test_the_draw_uses_a_public_result_fixed_after_the_fingerprint(session, place, ctx):
    manager, panel, people, quotas = _offered_panel(session, place)
    with pytest.raises(Exception, match="Close offers first"):
        services.draw_panel(session, manager, panel, "1 2 3")
    services.plan_lottery(session, manager, panel, "Lotto on 5 December", "maximin", quotas)
    lottery = services.close_offers(session, manager, panel)
    assert len(lottery.pool_hash) == 64
    # The pool is frozen: no one can offer or withdraw until the draw.
    late = UserFactory(postcode="DN1 1AB")
    with pytest.raises(Exception, match="Offers have closed"):
        services.offer_to_serve(session, late, panel, {})
    with pytest.raises(Exception, match="Offers have closed"):
        services.withdraw_offer(session, people[0], panel)
    with pytest.raises(Exception, match="cannot change"):
        services.set_quotas(session, manager, panel, quotas)
    # The old people (3 of them, 2 seats) get 2 in 3; everyone else 2 in their number.
    chance = services.own_chance(session, people[0], panel)
    assert chance["offered"] == 3
    assert chance["fair"] == pytest.approx(2 / 3, abs=1e-5)

    draw = services.draw_panel(session, manager, panel, " 4  11 23 ")
    assert draw.seed == sortition.seed_from_result("4 11 23")
    assert lottery.result == "4 11 23"
    assert len(panel.active_members) == 6
    assert services.check_draw(draw)
    bundle = json.loads(json.dumps(services.bundle_for(session, draw)))
    assert bundle["fingerprint"] == lottery.pool_hash
    assert draw_bundle.verify(bundle) == []
    assert "@" not in json.dumps(bundle)


def test_replacements_come_from_the_alternates_in_order(session, place, ctx):
    manager, panel, _people, quotas = _offered_panel(session, place)
    services.plan_lottery(session, manager, panel, "Dice at the meeting", "maximin", quotas)
    services.close_offers(session, manager, panel)
    draw = services.draw_panel(session, manager, panel, "5 5 1")
    leaver = next(m for m in panel.active_members)
    offer = services.offer_for(session, leaver.user, panel)
    row = next(r for r in draw.pool if r[0] == offer.volunteer_ref)
    services.remove_member(session, manager, leaver)
    replacement = services.draw_replacements(session, manager, panel)
    assert replacement.algorithm == "alternates"
    # The first alternate with the same answer as the leaver keeps every quota.
    same = {r[0] for r in draw.pool if r[1] == row[1]}
    expected = next(ref for ref in draw.alternates if ref in same)
    assert replacement.selected == [expected]
    assert services.check_draw(replacement)


def test_an_older_draw_with_a_staff_seed_stays_checkable(session, place, ctx):
    panel = PanelFactory(round=RoundFactory(place=place), drawn=True, size=2)
    pool = [[f"r{i}", "North" if i % 2 else "South"] for i in range(10)]
    quotas = [["Ward", "North", 1, 1], ["Ward", "South", 1, 1]]
    people = [{"id": r[0], "Ward": r[1]} for r in pool]
    chosen = sortition.draw(people, [sortition.Quota(*q) for q in quotas], 2, 77, "legacy").selected
    old = PanelDraw(
        panel=panel,
        kind=DrawKind.PANEL,
        seed=77,
        seats=2,
        pool_size=10,
        algorithm="legacy",
        pool=pool,
        quotas=quotas,
        selected=chosen,
        summary=[],
    )
    session.add(old)
    session.flush()
    assert old.alternates is None
    assert services.check_draw(old)
    bundle = services.bundle_for(session, old)
    assert bundle["public_result"] is None
    assert draw_bundle.verify(bundle) == []


def test_the_lottery_pages_publish_the_plan_chances_and_bundle(client, session, place):
    manager, panel, people, quotas = _offered_panel(session, place)
    base = f"/places/dunmere/rounds/{panel.round_id}/panel"
    as_user(client, manager)
    form = {f"min_{k}": str(v[0]) for k, v in quotas.items()}
    form |= {f"max_{k}": str(v[1]) for k, v in quotas.items()}
    response = post_form(client, base + "/draw", form | {"algorithm": "maximin", "source": ""})
    assert response.status_code == 200
    text = response.get_data(as_text=True)
    assert "Say where the lottery" in text, text[text.find("error-summary") :][:1500]
    source = "Dice rolled at the public meeting on 8 December"
    post_form(client, base + "/draw", form | {"algorithm": "maximin", "source": source})
    assert post_form(client, base + "/draw/close", {}).status_code == 302
    page = client.get(base + "/draw").get_data(as_text=True)
    lottery = session.scalar(select(PanelLottery).where(PanelLottery.panel_id == panel.id))
    assert lottery.pool_hash in page
    assert "66.7%" in page  # each of the 3 old people: 2 seats in 3
    assert "maximin" not in page
    response = post_form(client, base + "/draw", {"result": ""})
    assert "Enter the numbers the public source gave" in response.get_data(as_text=True)
    response = post_form(client, base + "/draw", {"result": "2 4 6"})
    assert response.status_code == 302
    result_url = response.headers["Location"]
    as_user(client, people[0])
    offer_page = client.get(base + "/offer").get_data(as_text=True)
    assert "Your chance of being chosen in the lottery: 66.7%." in offer_page
    client.get("/logout")
    page = client.get(result_url).get_data(as_text=True)
    for shown in (source, "2 4 6", "Fair lottery"):
        assert shown in page
    bundle = client.get(result_url + "/bundle.json")
    assert bundle.headers["Content-Disposition"].startswith("attachment")
    assert draw_bundle.verify(bundle.get_json()) == []
