"""HTTP-level defences: headers, CORS, CSRF, size and time bounds, masked errors."""

from __future__ import annotations

import dataclasses
import json

import httpx
import pytest
from starlette.middleware.cors import CORSMiddleware

from server.app import create_app
from server.database import Database
from server.middleware import CORS
from server.settings import Environment
from tests.graphql_client import PASSWORD, REGISTER

QUERY = "{ prefectures { code } }"


def app_client(settings, services, **overrides) -> httpx.AsyncClient:
    app = create_app(settings.model_copy(update=overrides), services)
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t")


async def test_security_headers_on_every_response(client):
    for response in (
        await client.post("/graphql", json={"query": QUERY}),
        await client.get("/healthz"),
    ):
        headers = response.headers
        assert headers["x-content-type-options"] == "nosniff"
        assert headers["x-frame-options"] == "DENY"
        assert headers["referrer-policy"] == "no-referrer"
        assert "default-src 'none'" in headers["content-security-policy"]
        # GraphQL answers say `private, no-store` (server/cache_control.py), others `no-store`.
        assert "no-store" in headers["cache-control"].split(", ")
    graphiql = await client.get("/graphql", headers={"Accept": "text/html"})
    assert "frame-ancestors 'none'" in graphiql.headers["content-security-policy"]


@pytest.mark.parametrize("allow_origins", [["https://app.iworkz.jp"], ["*"]])
@pytest.mark.parametrize("method", ["GET", "POST", "OPTIONS"])
@pytest.mark.parametrize(
    "vary", [[], [(b"vary", b"Accept")], [(b"vary", b"Accept"), (b"vary", b"Cookie")]]
)
@pytest.mark.parametrize("origin", [None, b"https://app.iworkz.jp", b"https://evil.example"])
async def test_cors_answers_as_starlette_does(allow_origins, method, vary, origin):
    """Our CORS answers a request without `Origin` itself (server/middleware.py): its
    headers must be exactly starlette's, and a request with one is starlette's."""

    async def app(scope, receive, send):
        headers = [(b"content-type", b"application/json"), *vary]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": b"{}"})

    async def answer(middleware_class) -> list[tuple[bytes, bytes]]:
        middleware = middleware_class(
            app, allow_origins=allow_origins, allow_methods=["GET", "POST"], max_age=600
        )
        request_headers = [(b"host", b"t")]
        if origin is not None:
            request_headers.append((b"origin", origin))
        sent: list[dict] = []

        async def receive():
            return {"type": "http.request", "body": b"", "more_body": False}

        async def send(message):
            sent.append(message)

        scope = {"type": "http", "method": method, "path": "/graphql", "headers": request_headers}
        await middleware(scope, receive, send)
        return [(name, value) for name, value in sent[0]["headers"]]

    ours = await answer(CORS)
    assert ours == await answer(CORSMiddleware)
    if origin is None:
        assert (b"vary", b", ".join([value for _, value in vary] + [b"Origin"])) in ours


async def test_hsts_in_production(settings, services):
    async with app_client(settings, services, environment=Environment.PRODUCTION) as http:
        response = await http.get("/healthz")
    assert response.headers["strict-transport-security"].startswith("max-age=")


async def test_cors_allows_only_listed_origins(settings, services):
    async with app_client(settings, services, cors_allow_origins=["https://app.iworkz.jp"]) as http:
        preflight = {
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization,content-type",
        }
        allowed = await http.options(
            "/graphql", headers={"Origin": "https://app.iworkz.jp", **preflight}
        )
        assert allowed.headers["access-control-allow-origin"] == "https://app.iworkz.jp"
        refused = await http.options(
            "/graphql", headers={"Origin": "https://evil.example", **preflight}
        )
        assert "access-control-allow-origin" not in refused.headers
        simple = await http.post(
            "/graphql", json={"query": QUERY}, headers={"Origin": "https://evil.example"}
        )
        assert "access-control-allow-origin" not in simple.headers


def _register_body(email: str) -> str:
    return json.dumps(
        {
            "query": REGISTER,
            "variables": {
                "input": {
                    "email": email,
                    "password": PASSWORD,
                    "displayName": "C",
                    "role": "WORKER",
                }
            },
        }
    )


@pytest.mark.parametrize(
    "content_type", ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data"]
)
async def test_cross_site_form_posts_cannot_run_a_mutation(client, content_type):
    """A browser form can send these types without a CORS preflight: they must not execute."""
    response = await client.post(
        "/graphql",
        content=_register_body("csrf@example.com"),
        headers={"Content-Type": content_type},
    )
    assert response.status_code in (400, 415)
    check = await client.post(
        "/graphql",
        content=_register_body("csrf@example.com"),
        headers={"Content-Type": "application/json"},
    )
    assert check.json()["data"]["register"]["errors"] == []  # the email was still free


async def test_oversized_body_is_refused(settings, services):
    async with app_client(settings, services, max_request_bytes=1000) as http:
        big = json.dumps({"query": QUERY, "variables": {"pad": "x" * 2000}})
        response = await http.post(
            "/graphql", content=big, headers={"Content-Type": "application/json"}
        )
        assert response.status_code == 413

        async def chunks():  # no Content-Length: the limit must still hold
            for _ in range(5):
                yield b" " * 400

        streamed = await http.post(
            "/graphql", content=chunks(), headers={"Content-Type": "application/json"}
        )
        assert streamed.status_code == 413


async def test_overlong_query_is_refused(settings, services):
    async with app_client(settings, services, max_query_length=100) as http:
        long_query = "{ prefectures { code } " + " " * 200 + "}"
        response = await http.post("/graphql", json={"query": long_query})
        assert response.status_code == 413


async def test_slow_operations_are_cut_off(settings, services):
    async with app_client(settings, services, execution_timeout_seconds=0.0001) as http:
        response = await http.post("/graphql", json={"query": "{ jobs(first: 5) { totalCount } }"})
    assert response.status_code == 504


async def test_unexpected_errors_are_masked_in_production(settings, services):
    broken = dataclasses.replace(services, database=Database("postgresql://nobody@127.0.0.1:1/x"))
    try:
        async with app_client(settings, broken, environment=Environment.PRODUCTION) as http:
            response = await http.post("/graphql", json={"query": "{ jobs { totalCount } }"})
    finally:
        await broken.database.dispose()
    error = response.json()["errors"][0]
    assert error["message"] == "Unexpected error."
    assert error["extensions"] == {"code": "INTERNAL_SERVER_ERROR"}
    assert "127.0.0.1" not in response.text and "Traceback" not in response.text
