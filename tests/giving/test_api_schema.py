"""Schemathesis runs against the OpenAPI document the app serves: no server errors, and every
answer matches the document (status codes, content types, headers and bodies)."""

from __future__ import annotations

import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.giving.api_helpers import build_api_world

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]
EXAMPLES_PER_OPERATION = 25


def test_the_api_matches_its_document(app, session):
    world = build_api_world(session)
    schema = schemathesis.openapi.from_wsgi("/api/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 12
    for operation in operations:
        # Real names and numbers too, not only made-up ones that are not found.
        known = {
            "place_slug": world.place.slug,
            "round_id": world.round.id,
            "fund_id": world.fund.id,
        }
        params = {p.name: known[p.name] for p in operation.path_parameters if p.name in known}
        for strategy in (operation.as_strategy(), operation.as_strategy(path_parameters=params)):

            @given(case=strategy)
            @settings(
                max_examples=EXAMPLES_PER_OPERATION,
                deadline=None,
                suppress_health_check=list(HealthCheck),
                derandomize=True,
                database=None,
            )
            def run(case: schemathesis.Case) -> None:
                case.call_and_validate(checks=CHECKS)

            run()
