"""The API document is written from the code: every route under /api/ declares what it answers,
the served document lists exactly those routes with the headers and errors they give, and a
route that declares nothing is caught."""

from __future__ import annotations

import re

from flask import Blueprint, Flask
from marshmallow import Schema, fields

from giving import hooks
from giving.openapi import build, declare, undeclared


def api_paths_served(app: Flask) -> set[str]:
    """Every API route the app serves but the document itself, as OpenAPI writes paths."""
    return {
        re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule)
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith("/api/") and rule.rule != "/api/openapi.json"
    }


def test_every_api_route_declares_what_it_answers(app):
    assert undeclared(app) == []


def test_the_document_lists_exactly_the_api_routes_with_headers_and_errors(app, client):
    document = client.get("/api/openapi.json").get_json()
    assert set(document["paths"]) == api_paths_served(app)
    assert document["info"]["title"] == "Placefund open data"
    assert document["servers"] == [{"url": "/"}]
    headers = document["components"]["headers"]
    assert set(headers) == {"ETag", "Cache-Control"}
    for path, item in document["paths"].items():
        assert list(item) == ["get"], path
        responses = item["get"]["responses"]
        assert set(responses["200"]["headers"]) == {"ETag", "Cache-Control"}, path
        assert "ETag" in responses["304"]["headers"], path
        for code in set(responses) - {"200", "304"}:
            error = responses[code]["content"]["application/json"]["schema"]
            assert error == {"$ref": "#/components/schemas/Error"}, path
        if "{" in path:
            assert "404" in responses, path
        names = {p["name"] for p in item["get"]["parameters"]}
        assert "If-None-Match" in names, path
        assert set(re.findall(r"{(\w+)}", path)) <= names, path
    places = document["paths"]["/api/places"]["get"]
    assert {"page", "per_page"} <= {p["name"] for p in places["parameters"]}
    assert set(places["responses"]) == {"200", "304", "400"}


class ThingSchema(Schema):
    name = fields.String(required=True)


def test_a_route_that_declares_nothing_or_the_wrong_parameters_is_caught():
    app = Flask(__name__)
    hooks.install(app)
    extra = Blueprint("extra", __name__, url_prefix="/api")

    @extra.get("/things/<thing_id>")
    @declare("One thing", ThingSchema, path={"thing_id": fields.Integer(required=True)})
    def thing(thing_id: str) -> dict[str, str]:
        return {"name": thing_id}

    @extra.get("/secret")
    def secret() -> str:
        return "not in the document"

    @extra.get("/mixed/<slug>")
    @declare("Mixed up", ThingSchema, path={"other": fields.String(required=True)})
    def mixed(slug: str) -> dict[str, str]:
        return {"name": slug}

    app.register_blueprint(extra)
    assert undeclared(app) == [
        "/api/mixed/<slug> declares path parameters ['other']",
        "/api/secret (extra.secret) declares nothing",
    ]
    document = build(app)
    assert "/api/secret" not in document["paths"]
    assert "Thing" in document["components"]["schemas"]
    answer = app.test_client().get("/api/things/7")
    assert answer.get_json() == {"name": "7"}
    assert answer.headers["ETag"]
