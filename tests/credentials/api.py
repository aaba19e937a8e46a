"""Driving the credential engine through the API, as an issuer, a worker and a verifier do."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx

from tests.factories import create_profile
from tests.graphql_client import Account, create_admin, data, gql, register

CREDENTIAL_FIELDS = """
id credentialType name status validFrom validUntil issuedAt anchoredAt revokedAt
revocationReason document anchor { chainId transactionHash blockNumber merkleRoot }
issuer { id name trusted }
"""

ADD_KEY = """mutation($input: AddIssuerKeyInput!) {
  addIssuerKey(input: $input) {
    issuerKey { id address label heldBy validFrom validUntil retiredAt compromisedAt }
    errors { field code message }
  }
}"""

SET_TRUST = """mutation($input: SetIssuerTrustInput!) {
  setIssuerTrust(input: $input) { organization { id trusted } errors { field code message } }
}"""

ISSUE = f"""mutation($input: IssueCredentialInput!) {{
  issueCredential(input: $input) {{
    credential {{ {CREDENTIAL_FIELDS} }} errors {{ field code message }}
  }}
}}"""

PREPARE = f"""mutation($input: IssueCredentialInput!) {{
  prepareCredential(input: $input) {{
    credential {{ {CREDENTIAL_FIELDS} }} typedData errors {{ field code message }}
  }}
}}"""

SUBMIT_SIGNATURE = f"""mutation($input: SubmitCredentialSignatureInput!) {{
  submitCredentialSignature(input: $input) {{
    credential {{ {CREDENTIAL_FIELDS} }} errors {{ field code message }}
  }}
}}"""

REVOKE = f"""mutation($input: RevokeCredentialInput!) {{
  revokeCredential(input: $input) {{
    credential {{ {CREDENTIAL_FIELDS} }} errors {{ field code message }}
  }}
}}"""

MARK_COMPROMISED = """mutation($input: MarkIssuerKeyCompromisedInput!) {
  markIssuerKeyCompromised(input: $input) {
    issuerKey { id compromisedAt } errors { field code message }
  }
}"""

VERIFY = """query($document: JSON!) {
  verifyCredential(document: $document) { verified anchoredAt checks { name outcome reason } }
}"""

NODE = f"""query($id: ID!) {{ node(id: $id) {{ ... on Credential {{ {CREDENTIAL_FIELDS} }} }} }}"""

WORKER_CREDENTIALS = """query($id: ID!) {
  node(id: $id) { ... on Worker { credentials(first: 10) { edges { node { id name status } } } } }
}"""


@dataclass
class Issuer:
    account: Account
    organization_id: str
    key: dict[str, Any]


async def trusted_issuer(
    client: httpx.AsyncClient, services: Any, email: str = "registrar@school.example"
) -> Issuer:
    """An issuer organisation an admin vouched for, with one platform-held key."""
    account = await register(client, email, "ISSUER", "Tokyo Forklift School")
    me = data(await gql(client, "{ me { organizations { id } } }", token=account.token))
    organization_id = me["me"]["organizations"][0]["id"]
    admin = await create_admin(services, client, f"admin-{email}")
    trusted = data(
        await gql(
            client,
            SET_TRUST,
            {"input": {"organizationId": organization_id, "trusted": True}},
            admin.token,
        )
    )["setIssuerTrust"]
    assert trusted["errors"] == [] and trusted["organization"]["trusted"] is True
    key = data(await gql(client, ADD_KEY, {"input": {"label": "2026 key"}}, account.token))[
        "addIssuerKey"
    ]
    assert key["errors"] == [], key["errors"]
    return Issuer(account, organization_id, key["issuerKey"])


async def worker_with_profile(client: httpx.AsyncClient, email: str) -> tuple[Account, str]:
    account = await register(client, email)
    profile = await create_profile(client, account.token)
    return account, profile["id"]


def licence_input(worker_id: str, **overrides: Any) -> dict[str, Any]:
    return {
        "workerId": worker_id,
        "credentialType": "LICENCE",
        "name": "Forklift operator licence",
        "attributes": {"class": "1t or more", "number": "F-2026-0042"},
        "validFrom": "2026-04-01T00:00:00Z",
        "validUntil": "2031-03-31T00:00:00Z",
        **overrides,
    }


async def issue(
    client: httpx.AsyncClient, issuer: Issuer, worker_id: str, **overrides: Any
) -> dict[str, Any]:
    payload = data(
        await gql(
            client, ISSUE, {"input": licence_input(worker_id, **overrides)}, issuer.account.token
        )
    )["issueCredential"]
    assert payload["errors"] == [], payload["errors"]
    return payload["credential"]


async def verify(client: httpx.AsyncClient, document: Any) -> dict[str, Any]:
    """Public: no token."""
    return data(await gql(client, VERIFY, {"document": document}))["verifyCredential"]


def outcomes(verification: dict[str, Any]) -> dict[str, str]:
    return {check["name"]: check["outcome"] for check in verification["checks"]}


async def anchor_now(services: Any) -> dict[str, int]:
    """Run the real anchoring task (the arq job) once, here."""
    from workers.tasks import anchor_credentials

    return await anchor_credentials({"services": services, "job_try": 1})
