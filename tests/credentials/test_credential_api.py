"""The credential engine end to end through GraphQL: issue, anchor on the embedded chain,
verify publicly, revoke, and who may see what."""

from __future__ import annotations

import copy
import uuid

from eth_account import Account as EthAccount
from eth_account.messages import encode_typed_data

from tests.credentials.api import (
    ADD_KEY,
    ISSUE,
    MARK_COMPROMISED,
    NODE,
    PREPARE,
    REVOKE,
    SUBMIT_SIGNATURE,
    WORKER_CREDENTIALS,
    anchor_now,
    issue,
    licence_input,
    outcomes,
    trusted_issuer,
    verify,
    worker_with_profile,
)
from tests.graphql_client import data, error_codes, gql, register

ALL_CHECKS = [
    "WELL_FORMED",
    "INTEGRITY",
    "SIGNATURE",
    "KEY_VALID",
    "ISSUER_TRUSTED",
    "MERKLE_PROOF",
    "ANCHORED",
    "NOT_REVOKED",
    "VALIDITY_PERIOD",
]


async def test_issued_credential_is_anchored_and_verifies_for_anyone(client, services):
    issuer = await trusted_issuer(client, services)
    worker, worker_id = await worker_with_profile(client, "ana@example.com")
    credential = await issue(client, issuer, worker_id)
    assert credential["status"] == "ISSUED" and credential["anchor"] is None
    assert credential["document"]["type"] == ["VerifiableCredential", "LicenceCredential"]

    before = await verify(client, credential["document"])
    assert before["verified"] is False
    assert outcomes(before)["ANCHORED"] != "PASSED"

    report = await anchor_now(services)
    assert report["credentials_anchored"] == 1

    anchored = data(await gql(client, NODE, {"id": credential["id"]}, worker.token))["node"]
    assert anchored["status"] == "ANCHORED"
    assert anchored["anchor"]["transactionHash"].startswith("0x")
    verification = await verify(client, anchored["document"])
    assert [c["name"] for c in verification["checks"]] == ALL_CHECKS
    assert verification["verified"] is True, verification["checks"]
    assert verification["anchoredAt"] is not None


async def test_any_change_to_the_document_fails_integrity_and_signature(client, services):
    issuer = await trusted_issuer(client, services)
    _, worker_id = await worker_with_profile(client, "ben@example.com")
    await issue(client, issuer, worker_id)
    await anchor_now(services)
    document = (await _issued_documents(client, issuer))[0]

    tampered = copy.deepcopy(document)
    tampered["credentialSubject"]["name"] = "Crane operator licence"
    result = outcomes(await verify(client, tampered))
    assert result["INTEGRITY"] == "FAILED" and result["SIGNATURE"] == "FAILED"

    swapped = copy.deepcopy(document)
    swapped["credentialSubject"]["id"] = f"urn:uuid:{uuid.uuid4()}"
    assert outcomes(await verify(client, swapped))["INTEGRITY"] == "FAILED"


async def test_an_anchor_proof_cannot_be_reused_for_another_document(client, services):
    issuer = await trusted_issuer(client, services)
    _, worker_id = await worker_with_profile(client, "cho@example.com")
    await issue(client, issuer, worker_id, name="Licence A")
    await issue(client, issuer, worker_id, name="Licence B")
    await anchor_now(services)
    first, second = await _issued_documents(client, issuer)
    borrowed = copy.deepcopy(first)
    borrowed["proof"][1] = second["proof"][1]
    result = outcomes(await verify(client, borrowed))
    assert result["SIGNATURE"] == "PASSED"
    assert result["INTEGRITY"] == "FAILED"


async def test_revocation_shows_in_verification_and_the_status_list(client, services):
    issuer = await trusted_issuer(client, services)
    worker, worker_id = await worker_with_profile(client, "dai@example.com")
    credential = await issue(client, issuer, worker_id)
    await anchor_now(services)
    revoked = data(
        await gql(
            client,
            REVOKE,
            {"input": {"id": credential["id"], "reason": "Licence withdrawn by the authority"}},
            issuer.account.token,
        )
    )["revokeCredential"]
    assert revoked["errors"] == [] and revoked["credential"]["status"] == "REVOKED"
    verification = await verify(client, revoked["credential"]["document"])
    assert outcomes(verification)["NOT_REVOKED"] == "FAILED"
    assert "Licence withdrawn" in next(
        c["reason"] for c in verification["checks"] if c["name"] == "NOT_REVOKED"
    )

    status_url = revoked["credential"]["document"]["credentialStatus"]["statusListCredential"]
    response = await client.get(status_url.split("8000", 1)[-1])
    assert response.status_code == 200
    from domain.credentials.status_list import bit_is_set, decode_status_list

    bits = decode_status_list(response.json()["credentialSubject"]["encodedList"])
    index = int(revoked["credential"]["document"]["credentialStatus"]["statusListIndex"])
    assert bit_is_set(bits, index)

    report = await anchor_now(services)
    assert report["revocations_anchored"] == 1

    again = await gql(
        client, REVOKE, {"input": {"id": credential["id"], "reason": "again"}}, worker.token
    )
    assert error_codes(again) == ["FORBIDDEN"]


async def test_a_credential_anchored_after_its_key_was_compromised_fails(client, services):
    issuer = await trusted_issuer(client, services)
    _, worker_id = await worker_with_profile(client, "eri@example.com")
    credential = await issue(client, issuer, worker_id)
    compromised = data(
        await gql(
            client,
            MARK_COMPROMISED,
            {"input": {"id": issuer.key["id"], "since": "2026-01-01T00:00:00Z"}},
            issuer.account.token,
        )
    )["markIssuerKeyCompromised"]
    assert compromised["errors"] == []
    await anchor_now(services)
    document = (await _issued_documents(client, issuer))[0]
    assert document["id"] == credential["document"]["id"]
    assert outcomes(await verify(client, document))["KEY_VALID"] == "FAILED"
    # The platform forgot the key: it cannot sign again.
    again = data(
        await gql(client, ISSUE, {"input": licence_input(worker_id)}, issuer.account.token)
    )["issueCredential"]
    assert again["credential"] is None and again["errors"][0]["field"] == "keyId"


async def test_an_issuer_may_sign_on_its_own_side(client, services):
    issuer = await trusted_issuer(client, services)
    _, worker_id = await worker_with_profile(client, "fumi@example.com")
    own = EthAccount.create()
    added = data(
        await gql(
            client,
            ADD_KEY,
            {"input": {"label": "HSM key", "address": own.address.lower()}},
            issuer.account.token,
        )
    )["addIssuerKey"]
    assert added["errors"] == [] and added["issuerKey"]["heldBy"] == "ISSUER"
    assert added["issuerKey"]["address"] == own.address
    prepared = data(
        await gql(
            client,
            PREPARE,
            {"input": licence_input(worker_id, keyId=added["issuerKey"]["id"])},
            issuer.account.token,
        )
    )["prepareCredential"]
    assert prepared["errors"] == [] and prepared["credential"]["status"] == "AWAITING_SIGNATURE"

    stranger = EthAccount.create()
    wrong = stranger.sign_message(encode_typed_data(full_message=prepared["typedData"]))
    refused = data(
        await gql(
            client,
            SUBMIT_SIGNATURE,
            {
                "input": {
                    "id": prepared["credential"]["id"],
                    "signature": "0x" + wrong.signature.hex(),
                }
            },
            issuer.account.token,
        )
    )["submitCredentialSignature"]
    assert refused["credential"] is None and refused["errors"][0]["field"] == "signature"

    signed = own.sign_message(encode_typed_data(full_message=prepared["typedData"]))
    accepted = data(
        await gql(
            client,
            SUBMIT_SIGNATURE,
            {
                "input": {
                    "id": prepared["credential"]["id"],
                    "signature": "0x" + signed.signature.hex(),
                }
            },
            issuer.account.token,
        )
    )["submitCredentialSignature"]
    assert accepted["errors"] == [] and accepted["credential"]["status"] == "ISSUED"
    await anchor_now(services)
    document = (await _issued_documents(client, issuer))[0]
    verification = await verify(client, document)
    assert verification["verified"] is True, verification["checks"]


async def test_bad_issue_requests_are_refused_and_store_nothing(client, services):
    issuer = await trusted_issuer(client, services)
    _, worker_id = await worker_with_profile(client, "gen@example.com")
    cases = {
        "validUntil": licence_input(worker_id, validUntil="2020-01-01T00:00:00Z"),
        "name": licence_input(worker_id, name=""),
        "attributes": licence_input(worker_id, attributes={"x" * 65: "too long a name"}),
        "workerId": licence_input(worker_id.replace(worker_id[-4:], "AAAA")),
    }
    for field, request in cases.items():
        result = await gql(client, ISSUE, {"input": request}, issuer.account.token)
        payload = (result.get("data") or {}).get("issueCredential")
        fields = [e["field"] for e in payload["errors"]] if payload else []
        assert payload is None or payload["credential"] is None, field
        assert error_codes(result) or any(field in (f or "") for f in fields), (field, result)
    assert await _issued_documents(client, issuer) == []


async def test_only_trusted_issuers_issue_and_idempotency_keys_issue_once(client, services):
    untrusted = await register(client, "fake@school.example", "ISSUER", "Tokyo University")
    data(await gql(client, ADD_KEY, {"input": {"label": "k"}}, untrusted.token))
    _, worker_id = await worker_with_profile(client, "hana@example.com")
    refused = await gql(client, ISSUE, {"input": licence_input(worker_id)}, untrusted.token)
    assert error_codes(refused) == ["FORBIDDEN"]

    issuer = await trusted_issuer(client, services)
    first = await issue(client, issuer, worker_id, idempotencyKey="order-17")
    second = await issue(client, issuer, worker_id, idempotencyKey="order-17")
    assert first["id"] == second["id"]
    assert len(await _issued_documents(client, issuer)) == 1


async def test_employers_see_verified_credentials_only_after_an_application(client, services):
    from tests.factories import create_job

    issuer = await trusted_issuer(client, services)
    worker, worker_id = await worker_with_profile(client, "ivy@example.com")
    await issue(client, issuer, worker_id)
    await anchor_now(services)
    employer = await register(client, "hr@warehouse.example", "EMPLOYER", "Warehouse KK")
    other = await register(client, "nosy@example.com")

    def names(result):
        node = data(result)["node"]
        return [edge["node"]["name"] for edge in node["credentials"]["edges"]] if node else []

    assert names(await gql(client, WORKER_CREDENTIALS, {"id": worker_id}, worker.token)) == [
        "Forklift operator licence"
    ]
    assert names(await gql(client, WORKER_CREDENTIALS, {"id": worker_id}, other.token)) == []
    assert names(await gql(client, WORKER_CREDENTIALS, {"id": worker_id}, employer.token)) == []

    job = await create_job(client, employer.token, publish=True)
    applied = await gql(
        client,
        "mutation($input: ApplyToJobInput!) { applyToJob(input: $input) { errors { code } } }",
        {"input": {"jobId": job["id"]}},
        worker.token,
    )
    assert data(applied)["applyToJob"]["errors"] == []
    assert names(await gql(client, WORKER_CREDENTIALS, {"id": worker_id}, employer.token)) == [
        "Forklift operator licence"
    ]


async def test_matching_counts_a_verified_credential_as_held(client, services):
    from domain.matching.service import worker_records

    issuer = await trusted_issuer(client, services)
    _, worker_id = await worker_with_profile(client, "jun@example.com")
    await issue(client, issuer, worker_id)
    async with services.database.session() as session:
        assert [r.credential_types for r in await worker_records(session)] == [frozenset()]
    await anchor_now(services)
    async with services.database.session() as session:
        assert [r.credential_types for r in await worker_records(session)] == [
            frozenset({"LICENCE"})
        ]


async def test_issuer_directory_and_status_list_are_public(client, services):
    issuer = await trusted_issuer(client, services)
    directory = (await client.get("/credentials/issuers")).json()
    (listed,) = directory["issuers"]
    assert listed["trusted"] is True
    assert [key["address"] for key in listed["keys"]] == [issuer.key["address"]]
    assert len(directory["anchoringAddresses"]) == 1
    organization_pk = _pk(issuer.organization_id)
    response = await client.get(f"/credentials/status/{organization_pk}")
    assert response.status_code == 200
    assert response.json()["type"] == ["VerifiableCredential", "BitstringStatusListCredential"]
    assert (await client.get(f"/credentials/status/{uuid.uuid4()}")).status_code == 404


def _pk(global_id: str) -> uuid.UUID:
    from schema.ids import from_global_id

    return from_global_id(global_id)[1]


async def _issued_documents(client, issuer) -> list[dict]:
    query = """query($id: ID!) { node(id: $id) { ... on Organization {
        issuedCredentials(first: 50) { edges { node { document } } } } } }"""
    result = data(await gql(client, query, {"id": issuer.organization_id}, issuer.account.token))
    edges = result["node"]["issuedCredentials"]["edges"]
    return [edge["node"]["document"] for edge in reversed(edges)]
