"""The public JSON API: paged lists with links, ETags and caching, JSON errors, drafts kept
out, private reasons kept private, and the OpenAPI document covering every package's paths."""

from __future__ import annotations

import pytest

from tests.giving.api_helpers import build_api_world


@pytest.fixture
def world(session):
    return build_api_world(session)


def test_rounds_are_paged_with_links_and_drafts_left_out(world, client):
    body = client.get("/api/places/apiton/rounds").get_json()
    assert [r["title"] for r in body["items"]] == ["Apiton small grants"]
    assert body["total"] == 1
    results = client.get(f"/api/rounds/{world.round.id}/results?per_page=2").get_json()
    assert results["total"] == 5
    assert results["pages"] == 3
    assert results["items"][0]["decision"] == "awarded"
    assert results["items"][0]["ward"] == "East"
    assert results["links"]["next"].endswith("page=2&per_page=2")
    assert results["links"]["prev"] is None
    last = client.get(results["links"]["last"]).get_json()
    assert last["page"] == 3
    assert len(last["items"]) == 1
    assert last["links"]["next"] is None
    assert client.get(f"/api/rounds/{world.draft.id}").status_code == 404


def test_bad_paging_and_unknown_things_are_json_errors(world, client):
    for url, status in [
        ("/api/places?per_page=101", 400),
        ("/api/places?page=0", 400),
        ("/api/places?page=x", 400),
        ("/api/places/nowhere/rounds", 404),
        ("/api/rounds/0", 404),
        ("/api/rounds/99999999999999999999", 404),
        ("/api/rounds/abc/results", 404),
        ("/api/no-such-thing", 404),
    ]:
        response = client.get(url)
        assert response.status_code == status, url
        assert response.is_json
        assert response.get_json()["error"]["status"] == status
    response = client.post("/api/places")
    assert response.status_code == 405
    assert response.is_json


def test_answers_are_cached_and_conditional(world, client):
    first = client.get("/api/places/apiton/scorecard")
    assert first.status_code == 200
    assert "max-age=60" in first.headers["Cache-Control"]
    assert "public" in first.headers["Cache-Control"]
    etag = first.headers["ETag"]
    again = client.get("/api/places/apiton/scorecard", headers={"If-None-Match": etag})
    assert again.status_code == 304


def test_scorecard_grants_and_money_come_from_every_package(world, client):
    figures = client.get("/api/places/apiton/scorecard").get_json()["figures"]
    keys = {f["key"] for f in figures}
    assert {"days_to_decision", "reasons_given", "unrestricted", "checkins_per_grant"} <= keys
    assert all(f["definition"] for f in figures)
    grants = client.get("/api/places/apiton/grants?ward=East").get_json()
    assert [g["total_pence"] for g in grants["items"]] == [600_000]
    assert client.get("/api/places/apiton/grants?ward=West").get_json()["total"] == 0
    assert client.get("/api/places/apiton/grants?size=5000-9999").get_json()["total"] == 1
    assert client.get("/api/places/apiton/grants?size=under-1000").get_json()["total"] == 0
    money = client.get("/api/places/apiton/money").get_json()["funds"][0]["months"]
    assert {"month": "2026-04", "money_in_pence": 5_000_000, "money_out_pence": 0} in money
    assert {"month": "2026-09", "money_in_pence": 0, "money_out_pence": 150_000} in money


def test_the_openapi_document_lists_every_package_path(world, client):
    document = client.get("/api/openapi.json").get_json()
    assert document["openapi"].startswith("3.")
    assert "/api/rounds/{round_id}/results" in document["paths"]
    assert "/api/places/{place_slug}/grants" in document["paths"]
    assert "/api/places/{place_slug}/money" in document["paths"]
    assert "Grant" in document["components"]["schemas"]


def test_the_grants_page_filters_by_words_ward_year_and_size(world, client):
    def found(query: str) -> str:
        page = client.get(f"/places/apiton/grants{query}").get_data(as_text=True)
        return page.split('id="grant-count">')[1].split("<")[0]

    assert found("") == "1 grant found"
    assert found("?q=larder") == "1 grant found"
    assert found("?q=choir") == "0 grants found"
    assert found("?ward=East") == "1 grant found"
    assert found("?ward=West") == "0 grants found"
    assert found("?year=2026") == "1 grant found"  # starts 15 August 2026: 2026-27
    assert found("?year=2025") == "0 grants found"
    assert found("?size=5000-9999") == "1 grant found"
    assert found("?size=25000-plus") == "0 grants found"
