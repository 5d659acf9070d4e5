"""The API document, written from the code.

Each API view says once, next to itself, what it answers (:func:`declare`): a summary, the
marshmallow schema its answer is dumped with, its path and query parameters, whether it is
paged, and the errors it can give. :func:`document` builds the OpenAPI document at
``/api/openapi.json`` with apispec from those declarations and the app's URL map, so there is
no list of paths to keep by hand; :func:`undeclared` names any route under ``/api/`` that
declares nothing (a test keeps that list empty).

The shapes every API answer shares live here too: a page of items with its links, the
``page`` and ``per_page`` query, and the error ``{"error": {"status": 404, "message": "..."}}``.
Each package names its own answers' schemas in the document through the app's hooks
(``api_schemas``).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cache, wraps
from typing import Any

from flask import Flask, jsonify, request
from marshmallow import Schema, fields, validate
from werkzeug.routing import Rule
from werkzeug.wrappers import Response

from giving import hooks
from giving.guards import MAX_ID

API_PREFIX = "/api/"
DOCUMENT_ENDPOINT = "api.openapi"  # the document itself, which is not one of its paths
EXTENSION_KEY = "placefund.openapi"
MAX_PER_PAGE = 100
DEFAULT_PER_PAGE = 20
CACHE_SECONDS = 60

INFO = {
    "title": "Placefund open data",
    "version": "1.0.0",
    "description": (
        "Read-only figures about every place on Placefund: rounds, decisions with "
        "reasons, grants, money in and out, participation and the Open and Trusting "
        "scorecard. Money is in whole pence."
    ),
}
ERROR_TEXT = {400: "Bad request", 404: "Not found"}
NOT_MODIFIED = "Not changed since the ETag you sent"
HEADERS = {
    "ETag": {
        "description": "Send it back in If-None-Match to be told when nothing has changed",
        "schema": {"type": "string"},
    },
    "Cache-Control": {
        "description": f"How long the answer may be kept: public, {CACHE_SECONDS} seconds",
        "schema": {"type": "string"},
    },
}
IF_NONE_MATCH = {
    "name": "If-None-Match",
    "in": "header",
    "required": False,
    "description": "The ETag of an answer you already have: if nothing changed, you get a 304",
    "schema": {"type": "string"},
}


# --- Shapes every API answer shares ----------------------------------------------------------


class ErrorBodySchema(Schema):
    status = fields.Integer(required=True)
    message = fields.String(required=True)


class ErrorSchema(Schema):
    """The one shape of every API error (see :func:`giving.errors.error_response`)."""

    error = fields.Nested(ErrorBodySchema, required=True)


class PageArgsSchema(Schema):
    """The query every paged list reads (see :func:`giving.views.api.page_args`)."""

    page = fields.Integer(validate=validate.Range(min=1, max=MAX_ID))
    per_page = fields.Integer(validate=validate.Range(min=1, max=MAX_PER_PAGE))


class PageLinksSchema(Schema):
    self = fields.String(required=True)
    first = fields.String(required=True)
    last = fields.String(required=True)
    next = fields.String(required=True, allow_none=True)
    prev = fields.String(required=True, allow_none=True)


class PageSchema(Schema):
    """A page of a list: its items, where it is, and links to the pages next to it."""

    page = fields.Integer(required=True, validate=validate.Range(min=1))
    per_page = fields.Integer(required=True, validate=validate.Range(min=1, max=MAX_PER_PAGE))
    total = fields.Integer(required=True, validate=validate.Range(min=0))
    pages = fields.Integer(required=True, validate=validate.Range(min=1))
    links = fields.Nested(PageLinksSchema, required=True)


@cache
def page_of(item: type[Schema], base: type[Schema] = PageSchema) -> type[Schema]:
    """The schema of a page of ``item`` (named ``<Item>Page`` in the document); ``base``
    may add more to the page than the items and their links."""
    name = item.__name__.removesuffix("Schema") + "Page"
    items = fields.List(fields.Nested(item), required=True)
    return type(name, (base,), {"items": items})


class Number(fields.Raw):
    """A figure as it was worked out: whole numbers stay whole (``3``, not ``3.0``)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(metadata={"type": "number"}, **kwargs)


class EnumValue(fields.String):
    """An enum member as its value (``"open"``); ``values`` are those the API can answer."""

    def __init__(self, *values: str, **kwargs: Any) -> None:
        super().__init__(validate=validate.OneOf(values), **kwargs)

    def _serialize(self, value: Any, attr: str | None, obj: Any, **kwargs: Any) -> str | None:
        return None if value is None else str(value.value)


# --- Declarations ----------------------------------------------------------------------------

OPERATION = "api_operation"


@dataclass(frozen=True)
class Operation:
    """What one API view answers, as :func:`declare` recorded it."""

    summary: str
    answer: type[Schema]
    path: dict[str, fields.Field] = field(default_factory=dict)
    query: tuple[type[Schema], ...] = ()
    errors: tuple[int, ...] = (404,)

    def parameters(self) -> list[Any]:
        out: list[Any] = []
        if self.path:
            out.append({"in": "path", "schema": Schema.from_dict(dict(self.path))})
        out.extend({"in": "query", "schema": query} for query in self.query)
        out.append(IF_NONE_MATCH)
        return out

    def openapi(self) -> dict[str, Any]:
        ok = {
            "description": "OK",
            "content": {"application/json": {"schema": self.answer}},
            "headers": {name: name for name in HEADERS},
        }
        responses: dict[str, Any] = {
            "200": ok,
            "304": {"description": NOT_MODIFIED, "headers": {"ETag": "ETag"}},
        }
        for code in sorted(self.errors):
            responses[str(code)] = {
                "description": ERROR_TEXT[code],
                "content": {"application/json": {"schema": ErrorSchema}},
            }
        return {"summary": self.summary, "parameters": self.parameters(), "responses": responses}


def json_response(data: Any) -> Response:
    """A cacheable JSON answer with an ETag; 304 when the client already has it."""
    response = jsonify(data)
    response.headers["Cache-Control"] = f"public, max-age={CACHE_SECONDS}"
    response.add_etag()
    return response.make_conditional(request)


def declare(
    summary: str,
    answer: type[Schema],
    *,
    path: Mapping[str, fields.Field] | None = None,
    query: tuple[type[Schema], ...] = (),
    paged: bool = False,
    errors: tuple[int, ...] = (404,),
) -> Callable[[Callable[..., Any]], Callable[..., Response]]:
    """Declare what an API view answers, for the document, and answer that way: the view
    returns what to send, which is dumped with ``answer`` into a cacheable JSON answer with
    an ETag. ``path`` types each part of the address by name; ``paged`` adds the ``page``
    and ``per_page`` query and the 400 they can give; ``errors`` are the other answers."""
    if paged:
        query, errors = (*query, PageArgsSchema), (*errors, 400)
    operation = Operation(summary, answer, dict(path or {}), query, tuple(sorted(set(errors))))

    def record(view: Callable[..., Any]) -> Callable[..., Response]:
        @wraps(view)
        def answered(*args: Any, **kwargs: Any) -> Response:
            return json_response(answer().dump(view(*args, **kwargs)))

        setattr(answered, OPERATION, operation)
        return answered

    return record


# --- The document ----------------------------------------------------------------------------


def api_rules(app: Flask) -> list[Rule]:
    """The routes the document describes: every one under ``/api/`` but the document."""
    return sorted(
        (
            rule
            for rule in app.url_map.iter_rules()
            if rule.rule.startswith(API_PREFIX) and rule.endpoint != DOCUMENT_ENDPOINT
        ),
        key=lambda rule: rule.rule,
    )


def operation_of(app: Flask, rule: Rule) -> Operation | None:
    return getattr(app.view_functions[rule.endpoint], OPERATION, None)


def openapi_path(rule: Rule) -> str:
    """``/api/rounds/<int:round_id>`` as the document writes it: ``/api/rounds/{round_id}``."""
    return re.sub(r"<(?:[^<>:]+:)?([^<>]+)>", r"{\1}", rule.rule)


def undeclared(app: Flask) -> list[str]:
    """The API routes the document would leave out or get wrong, and why."""
    problems = []
    for rule in api_rules(app):
        operation = operation_of(app, rule)
        if operation is None:
            problems.append(f"{rule.rule} ({rule.endpoint}) declares nothing")
        elif set(operation.path) != set(rule.arguments):
            problems.append(f"{rule.rule} declares path parameters {sorted(operation.path)}")
        elif (rule.methods or set()) - {"GET", "HEAD", "OPTIONS"}:
            problems.append(f"{rule.rule} answers {sorted(rule.methods or ())}, not only GET")
    return problems


def build(app: Flask) -> dict[str, Any]:
    """The document, without its server (which depends on the request). A schema goes by
    the name the hooks give it, else by its class's name without "Schema"."""
    from apispec import APISpec
    from apispec.ext.marshmallow import MarshmallowPlugin, resolver
    from apispec.ext.marshmallow.common import resolve_schema_cls

    named = {"Error": ErrorSchema, "PageLinks": PageLinksSchema, **hooks.of(app).api_schemas}
    names = {schema: name for name, schema in named.items()}

    def name_of(schema: Any) -> str:
        found = resolve_schema_cls(schema)
        return names.get(found) or resolver(schema)

    spec = APISpec(
        title=INFO["title"],
        version=INFO["version"],
        openapi_version="3.0.3",
        plugins=[MarshmallowPlugin(schema_name_resolver=name_of)],
        info={"description": INFO["description"]},
    )
    for name, header in HEADERS.items():
        spec.components.header(name, header)
    for name, schema in named.items():
        if name not in spec.components.schemas:  # not already there as a part of another
            spec.components.schema(name, schema=schema)
    for rule in api_rules(app):
        operation = operation_of(app, rule)
        if operation is not None:
            spec.path(path=openapi_path(rule), operations={"get": operation.openapi()})
    return spec.to_dict()


def document(app: Flask, server: str) -> dict[str, Any]:
    """The OpenAPI document, built once per app and served from ``server``."""
    built = app.extensions.get(EXTENSION_KEY)
    if built is None:
        built = app.extensions[EXTENSION_KEY] = build(app)
    return {**built, "servers": [{"url": server}]}
