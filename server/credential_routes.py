"""Public, unauthenticated JSON a verifier needs besides the chain: the issuer directory and
each issuer's Bitstring Status List. Cacheable for a minute: revocations show within it."""

from __future__ import annotations

import uuid
from collections.abc import Callable

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from domain.clock import utcnow
from domain.credentials import registry
from server.services import Services

_CACHE = {"Cache-Control": "public, max-age=60"}


def credential_routes(services: Callable[[], Services]) -> list[Route]:
    async def issuers(request: Request) -> Response:
        current = services()
        anchoring_address = await current.anchoring_address()  # the chain stays closed
        async with current.database.session() as session:
            body = await registry.issuer_directory(session, anchoring_address)
        return JSONResponse(body, headers=_CACHE)

    async def status_list(request: Request) -> Response:
        current = services()
        try:
            organization_id = uuid.UUID(request.path_params["organization_id"])
        except ValueError:
            return JSONResponse({"error": "not a status list id"}, status_code=404)
        async with current.database.session() as session:
            body = await registry.status_list(
                session, organization_id, current.settings.public_base_url, utcnow()
            )
        if body is None:
            return JSONResponse({"error": "no such issuer"}, status_code=404)
        return JSONResponse(body, headers=_CACHE)

    return [
        Route("/credentials/issuers", issuers, methods=["GET"]),
        Route("/credentials/status/{organization_id}", status_list, methods=["GET"]),
    ]
