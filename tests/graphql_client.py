"""A tiny GraphQL client over the test app, and helpers that build users through the API."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx

PASSWORD = "correct horse battery"


@dataclass
class Account:
    token: str
    user_id: str
    email: str
    refresh_token: str = ""


async def gql(
    client: httpx.AsyncClient,
    query: str,
    variables: dict[str, Any] | None = None,
    token: str | None = None,
) -> dict[str, Any]:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    response = await client.post(
        "/graphql", json={"query": query, "variables": variables or {}}, headers=headers
    )
    # 294: data with field errors (graphql-response+json); 400/422/429: request errors.
    assert response.status_code in (200, 294, 400, 422, 429), response.text
    return response.json()


def data(result: dict[str, Any]) -> dict[str, Any]:
    assert not result.get("errors"), result["errors"]
    return result["data"]


async def shown_by_node(
    client: httpx.AsyncClient, fragment: str, node_id: str, token: str | None = None
) -> dict[str, Any]:
    """The object `node_id` through `fragment` (named `Shown`) as `node` shows it, with
    its `id`: `node` reads every column, so a page that reads fewer must show the same."""
    query = fragment + "query($id: ID!) { node(id: $id) { id ...Shown } }"
    return data(await gql(client, query, {"id": node_id}, token))["node"]


def error_codes(result: dict[str, Any]) -> list[str]:
    return [error["extensions"]["code"] for error in result.get("errors") or []]


REGISTER = """
mutation Register($input: RegisterInput!) {
  register(input: $input) {
    user { id email roles organizations { id name } }
    accessToken expiresAt refreshToken
    errors { field code message }
  }
}
"""


async def register(
    client: httpx.AsyncClient, email: str, role: str = "WORKER", organization: str | None = None
) -> Account:
    payload = data(
        await gql(
            client,
            REGISTER,
            {
                "input": {
                    "email": email,
                    "password": PASSWORD,
                    "displayName": email.split("@")[0],
                    "role": role,
                    "organizationName": organization,
                }
            },
        )
    )["register"]
    assert payload["errors"] == [], payload["errors"]
    return Account(payload["accessToken"], payload["user"]["id"], email, payload["refreshToken"])


async def create_admin(
    services, client: httpx.AsyncClient, email: str = "admin@example.com"
) -> Account:
    """Admins cannot sign up: create one the way `iworkz create-user` does, then sign in."""
    from domain.auth.principal import Role
    from domain.auth.service import create_user

    async with services.database.transaction(services.bus, services.queue) as uow:
        await create_user(
            uow, email=email, password=PASSWORD, display_name="Admin", roles=[Role.ADMIN]
        )
    return await login(client, email)


LOGIN = """
mutation Login($input: LoginInput!) {
  login(input: $input) {
    user { id email } accessToken refreshToken expiresAt refreshTokenExpiresAt
    errors { field code message }
  }
}
"""


async def login(client: httpx.AsyncClient, email: str, password: str = PASSWORD) -> Account:
    payload = data(await gql(client, LOGIN, {"input": {"email": email, "password": password}}))
    result = payload["login"]
    assert result["errors"] == [], result["errors"]
    return Account(result["accessToken"], result["user"]["id"], email, result["refreshToken"])
