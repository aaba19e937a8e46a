"""`POST /oauth/token`: the OAuth 2.0 client-credentials grant for partners (authlib).

authlib's server is synchronous while our database is not, so the client is
loaded first and handed to the server; the secret check (argon2) and the grant
then run in a worker thread. The access token is our usual JWT, carrying the
granted scopes and the client id.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import json
from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qsl

from authlib.oauth2.rfc6749 import AuthorizationServer, ClientMixin
from authlib.oauth2.rfc6749.grants import ClientCredentialsGrant
from authlib.oauth2.rfc6749.requests import BasicOAuth2Payload, OAuth2Request
from starlette.requests import Request
from starlette.responses import Response

from domain.audit.log import AuditKind, record_audit
from domain.auth.models import OAuthClient
from domain.auth.partners import PartnerScope, active_client
from domain.auth.passwords import verify_secret
from domain.auth.principal import Role
from server.services import Services


class _Client(ClientMixin):  # type: ignore[misc]
    def __init__(self, row: OAuthClient) -> None:
        self.row = row

    def get_client_id(self) -> str:
        return self.row.client_id

    def check_client_secret(self, client_secret: str) -> bool:
        return verify_secret(self.row.secret_hash, client_secret)

    def check_endpoint_auth_method(self, method: str, endpoint: str) -> bool:
        return method in ("client_secret_basic", "client_secret_post")

    def check_grant_type(self, grant_type: str) -> bool:
        return grant_type == "client_credentials"

    def get_allowed_scope(self, scope: str | None) -> str:
        allowed = set(self.row.scopes)
        if not scope:
            return " ".join(sorted(allowed))
        return " ".join(sorted(s for s in scope.split() if s in allowed))


class _PartnerGrant(ClientCredentialsGrant):  # type: ignore[misc]
    TOKEN_ENDPOINT_AUTH_METHODS = ["client_secret_basic", "client_secret_post"]  # noqa: RUF012


class _TokenRequest(OAuth2Request):  # type: ignore[misc]
    def __init__(self, uri: str, form: dict[str, str], headers: Mapping[str, str]) -> None:
        super().__init__("POST", uri, headers=headers)
        self.payload = BasicOAuth2Payload(form)

    @property
    def form(self) -> dict[str, str]:
        return self.payload.data  # type: ignore[no-any-return]


class _Server(AuthorizationServer):  # type: ignore[misc]
    def __init__(self, services: Services, client: _Client | None) -> None:
        super().__init__(scopes_supported=[scope.value for scope in PartnerScope])
        self._services = services
        self._client = client
        self.register_grant(_PartnerGrant)
        self.register_token_generator("default", self._generate)

    def query_client(self, client_id: str) -> _Client | None:
        if self._client is not None and self._client.get_client_id() == client_id:
            return self._client
        return None

    def save_token(self, token: dict[str, Any], request: Any) -> None:
        """Access tokens are self-contained JWTs; issuing one is audited by the caller."""

    def create_oauth2_request(self, request: OAuth2Request) -> OAuth2Request:
        return request

    def handle_response(
        self, status: int, body: Any, headers: list[tuple[str, str]]
    ) -> tuple[int, Any, list[tuple[str, str]]]:
        return status, body, headers

    def send_signal(self, name: str, *args: Any, **kwargs: Any) -> None:
        pass

    def _generate(self, *, client: _Client, scope: str | None, **_: Any) -> dict[str, Any]:
        # authlib hands over the scope as requested: narrow it to what the client was granted.
        scopes = client.get_allowed_scope(scope).split()
        issued = self._services.tokens.issue(
            client.row.owner_id,
            [Role.PARTNER.value],
            scopes=scopes,
            client_id=client.get_client_id(),
        )
        return {
            "access_token": issued.token,
            "token_type": "Bearer",
            "expires_in": int(self._services.tokens.ttl.total_seconds()),
            "scope": " ".join(scopes),
        }


def _client_id_of(request: Request, form: dict[str, str]) -> str | None:
    scheme, _, encoded = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() == "basic":
        try:
            return base64.b64decode(encoded).decode().partition(":")[0] or None
        except (binascii.Error, UnicodeDecodeError):
            return None
    return form.get("client_id")


async def token_endpoint(request: Request, services: Services) -> Response:
    if not request.headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
        return _error(400, "invalid_request", "Send application/x-www-form-urlencoded (RFC 6749).")
    form = dict(parse_qsl((await request.body()).decode("utf-8", "replace")))
    client_id = _client_id_of(request, form)
    async with services.database.session() as session:
        row = await active_client(session, client_id) if client_id else None
    server = _Server(services, _Client(row) if row else None)
    # authlib refuses plain-HTTP URIs; TLS is terminated in front of us (see docs/security.md).
    uri = str(request.url.replace(scheme="https"))
    token_request = _TokenRequest(uri, form, request.headers)
    status, body, headers = await asyncio.to_thread(server.create_token_response, token_request)
    if status == 200 and row is not None:
        async with services.database.transaction(services.bus, services.queue) as uow:
            record_audit(
                uow.session,
                AuditKind.PARTNER_TOKEN_ISSUED,
                actor_id=row.owner_id,
                ip=request.client.host if request.client else None,
                client_id=row.client_id,
                scope=body.get("scope", ""),
            )
    return Response(
        json.dumps(body),
        status_code=status,
        headers={**dict(headers), "Cache-Control": "no-store", "Pragma": "no-cache"},
        media_type="application/json",
    )


def _error(status: int, code: str, description: str) -> Response:
    return Response(
        json.dumps({"error": code, "error_description": description}),
        status_code=status,
        media_type="application/json",
        headers={"Cache-Control": "no-store"},
    )
