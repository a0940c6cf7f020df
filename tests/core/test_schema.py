"""The OpenAPI schema documents every API route, with the error envelope."""

import re

import pytest
from django.urls import URLPattern, URLResolver, get_resolver
from drf_spectacular.drainage import GENERATOR_STATS
from drf_spectacular.generators import SchemaGenerator

# Routes that are documentation themselves, or not routes (the catch-all 404).
UNDOCUMENTED = {"/api/schema", "/api/docs"}


def api_routes(patterns=None, prefix=""):
    """Every concrete route under /api, as an OpenAPI-style path."""
    patterns = get_resolver().url_patterns if patterns is None else patterns
    for entry in patterns:
        piece = str(entry.pattern)
        piece = piece.lstrip("^").rstrip("$").replace("/?", "")
        path = prefix + piece
        if isinstance(entry, URLResolver):
            yield from api_routes(entry.url_patterns, path)
        elif isinstance(entry, URLPattern):
            if not path.startswith("api/") or "(" in path:
                continue
            path = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", path)
            path = re.sub(r"\(\?P<(\w+)>[^)]*\)", r"{\1}", path)
            yield "/" + path.rstrip("/")


@pytest.fixture(scope="module")
def schema():
    GENERATOR_STATS.reset()
    with GENERATOR_STATS.silence():
        result = SchemaGenerator().get_schema(request=None, public=True)
    return result


def test_every_api_route_is_in_the_schema(schema):
    documented = {path.rstrip("/") for path in schema["paths"]}
    missing = [
        route
        for route in api_routes()
        if route not in documented and route not in UNDOCUMENTED
    ]

    assert not missing, f"routes without a schema: {missing}"


def test_the_schema_generates_without_warnings_or_errors():
    GENERATOR_STATS.reset()
    SchemaGenerator().get_schema(request=None, public=True)

    assert not GENERATOR_STATS._warn_cache, list(GENERATOR_STATS._warn_cache)
    assert not GENERATOR_STATS._error_cache, list(GENERATOR_STATS._error_cache)


def test_every_operation_has_a_success_body_and_the_error_envelope(schema):
    assert "ErrorEnvelope" in schema["components"]["schemas"]
    for path, methods in schema["paths"].items():
        for method, operation in methods.items():
            responses = operation["responses"]
            success = [code for code in responses if code.startswith("2")]
            assert success, f"{method} {path} documents no success response"
            for code in ("429", "500"):
                assert code in responses, f"{method} {path} lacks {code}"
            if "{" in path:
                assert "404" in responses, f"{method} {path} lacks 404"


def test_the_schema_and_the_docs_are_served(client, db):
    schema = client.get("/api/schema/?format=json")
    docs = client.get("/api/docs/")

    assert schema.status_code == 200
    assert schema.json()["paths"]["/api/health"]["get"]
    assert docs.status_code == 200
    assert b"swagger" in docs.content.lower()
