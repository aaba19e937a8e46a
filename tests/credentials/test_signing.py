"""The issuer's EIP-712 signature: the exact typed data, signing and recovering, proofs made
from signatures an issuer produced in its own wallet, and attaching proofs."""

from __future__ import annotations

import copy
import json
import re

import pytest
from eth_account import Account
from eth_account.messages import encode_typed_data
from eth_keys import keys

from domain.credentials.canonical import document_hash, keccak
from domain.credentials.documents import MalformedCredential, build_document, parse_document
from domain.credentials.signing import (
    InvalidSignature,
    recover_signer,
    sign_document,
    signature_proof,
    typed_data,
    with_proofs,
)
from tests.credentials.engine_support import (
    CREDENTIAL_ID,
    ISSUER_KEY,
    OTHER_ISSUER_KEY,
    SIGNED_AT,
    FakeChain,
    anchor,
    claims,
    signed,
)


@pytest.fixture(autouse=True)
def _clean_tables() -> None:
    """Replace the suite's database-cleaning fixture: these tests are pure."""


def _wallet_signature(document, key=ISSUER_KEY) -> bytes:
    """What an issuer's wallet returns for eth_signTypedData_v4 of our typed data."""
    message = encode_typed_data(full_message=typed_data(document))
    return bytes(Account.sign_message(message, key.key).signature)


def test_typed_data_follows_the_contract():
    document = build_document(claims())
    data = typed_data(document)
    assert data == {
        "types": {
            "EIP712Domain": [
                {"name": "name", "type": "string"},
                {"name": "version", "type": "string"},
            ],
            "Credential": [
                {"name": "id", "type": "string"},
                {"name": "documentHash", "type": "bytes32"},
                {"name": "validFrom", "type": "uint64"},
                {"name": "validUntil", "type": "uint64"},
            ],
        },
        "primaryType": "Credential",
        "domain": {"name": "iWORKZ Verifiable Credential", "version": "1"},  # no chainId
        "message": {
            "id": f"urn:uuid:{CREDENTIAL_ID}",
            "documentHash": "0x" + document_hash(document).hex(),
            "validFrom": 1775001600,  # 2026-04-01T00:00:00Z
            "validUntil": 1869695999,  # 2029-03-31T23:59:59Z
        },
    }
    assert json.loads(json.dumps(data)) == data  # a wallet receives it as JSON


def test_typed_data_signs_zero_for_no_expiry():
    assert typed_data(build_document(claims(valid_until=None)))["message"]["validUntil"] == 0


def test_the_signed_digest_is_the_eip712_hash_computed_by_hand():
    """Pin the bytes: recompute the EIP-712 digest from its definition (not through
    eth_account's encoder) and recover the signer from it."""
    document = build_document(claims())
    proof = sign_document(document, ISSUER_KEY.key, created=SIGNED_AT)
    message = typed_data(document)["message"]

    def word(number: int) -> bytes:
        return number.to_bytes(32, "big")

    domain_type = keccak(b"EIP712Domain(string name,string version)")
    domain_separator = keccak(domain_type + keccak(b"iWORKZ Verifiable Credential") + keccak(b"1"))
    credential_type = keccak(
        b"Credential(string id,bytes32 documentHash,uint64 validFrom,uint64 validUntil)"
    )
    struct_hash = keccak(
        credential_type
        + keccak(message["id"].encode())
        + document_hash(document)
        + word(message["validFrom"])
        + word(message["validUntil"])
    )
    digest = keccak(b"\x19\x01" + domain_separator + struct_hash)
    signature = bytes.fromhex(proof["proofValue"][2:])
    vrs_signature = keys.Signature(signature[:64] + bytes([signature[64] - 27]))
    recovered = vrs_signature.recover_public_key_from_msg_hash(digest).to_checksum_address()
    assert recovered == ISSUER_KEY.address


def test_sign_then_recover_round_trips():
    document = build_document(claims())
    proof = sign_document(document, ISSUER_KEY.key, created=SIGNED_AT)
    signature = bytes.fromhex(proof["proofValue"][2:])
    assert recover_signer(document, signature) == ISSUER_KEY.address
    assert recover_signer(parse_document(document), signature) == ISSUER_KEY.address


def test_a_hex_string_private_key_signs_the_same():
    document = build_document(claims())
    from_bytes = sign_document(document, bytes(ISSUER_KEY.key), created=SIGNED_AT)
    from_hex = sign_document(document, ISSUER_KEY.key.hex(), created=SIGNED_AT)
    assert from_bytes == from_hex  # RFC 6979 deterministic signatures


def test_the_signature_proof_has_the_contract_shape():
    proof = sign_document(build_document(claims()), ISSUER_KEY.key, created=SIGNED_AT)
    assert proof == {
        "type": "EthereumEip712Signature2021",
        "created": "2026-04-01T09:00:00Z",
        "proofPurpose": "assertionMethod",
        "verificationMethod": f"did:pkh:eip155:1:{ISSUER_KEY.address}#blockchainAccountId",
        "proofValue": proof["proofValue"],
    }
    assert re.fullmatch(r"0x[0-9a-f]{130}", proof["proofValue"])
    assert proof["proofValue"][-2:] in ("1b", "1c")  # v is 27 or 28


def test_a_changed_document_recovers_to_someone_else():
    document = build_document(claims())
    signature = bytes.fromhex(
        sign_document(document, ISSUER_KEY.key, created=SIGNED_AT)["proofValue"][2:]
    )
    changed = copy.deepcopy(document)
    changed["credentialSubject"]["name"] = "Crane operator licence"
    assert recover_signer(changed, signature) != ISSUER_KEY.address


def test_the_signature_does_not_cover_the_proofs():
    """Adding the anchor proof later must not invalidate the signature."""
    document = signed()
    [anchored] = anchor(FakeChain(), [document])
    signature = bytes.fromhex(document["proof"][0]["proofValue"][2:])
    assert recover_signer(anchored, signature) == ISSUER_KEY.address


def test_a_wallet_signature_becomes_the_same_proof_as_a_platform_signature():
    document = build_document(claims())
    submitted = signature_proof(
        document, _wallet_signature(document), ISSUER_KEY.address.lower(), created=SIGNED_AT
    )
    assert submitted == sign_document(document, ISSUER_KEY.key, created=SIGNED_AT)


def test_a_wallet_signature_with_v_0_or_1_is_stored_as_27_or_28():
    """Hardware wallets return v as 0/1; the leaf hashes the exact bytes, so one spelling."""
    document = build_document(claims())
    signature = _wallet_signature(document)
    low_v = signature[:64] + bytes([signature[64] - 27])
    proof = signature_proof(document, low_v, ISSUER_KEY.address, created=SIGNED_AT)
    assert proof["proofValue"] == "0x" + signature.hex()


def test_a_signature_by_another_key_is_refused_at_submission():
    document = build_document(claims())
    with pytest.raises(InvalidSignature, match=f"made by {OTHER_ISSUER_KEY.address}"):
        signature_proof(
            document,
            _wallet_signature(document, OTHER_ISSUER_KEY),
            ISSUER_KEY.address,
            created=SIGNED_AT,
        )


def test_a_signature_of_another_document_is_refused_at_submission():
    document = build_document(claims())
    other = build_document(claims(name="Crane operator licence"))
    with pytest.raises(InvalidSignature):
        signature_proof(document, _wallet_signature(other), ISSUER_KEY.address, created=SIGNED_AT)


@pytest.mark.parametrize(
    "signature", [b"", b"\x01" * 64, b"\x01" * 66, b"\x00" * 65, b"\x01" * 64 + b"\x05"]
)
def test_garbage_signatures_raise_invalid_signature(signature):
    with pytest.raises(InvalidSignature):
        recover_signer(build_document(claims()), signature)


def test_a_bad_signer_address_is_refused():
    document = build_document(claims())
    with pytest.raises(InvalidSignature, match="not an Ethereum address"):
        signature_proof(document, _wallet_signature(document), "alice", created=SIGNED_AT)


def test_signing_a_malformed_document_is_refused():
    with pytest.raises(MalformedCredential):
        sign_document({"id": "whatever"}, ISSUER_KEY.key, created=SIGNED_AT)


def test_naive_created_times_are_refused():
    with pytest.raises(ValueError, match="timezone-aware"):
        sign_document(
            build_document(claims()), ISSUER_KEY.key, created=SIGNED_AT.replace(tzinfo=None)
        )


# --- with_proofs ------------------------------------------------------------------------


def test_with_proofs_orders_signature_then_anchor_and_copies():
    document = build_document(claims())
    signature = sign_document(document, ISSUER_KEY.key, created=SIGNED_AT)
    [anchored] = anchor(FakeChain(), [with_proofs(document, signature)])
    anchor_proof = anchored["proof"][1]
    both = with_proofs(document, anchor_proof, signature)
    assert [proof["type"] for proof in both["proof"]] == [
        "EthereumEip712Signature2021",
        "IworkzMerkleAnchor2026",
    ]
    assert "proof" not in document  # the input is untouched
    both["proof"][0]["created"] = "changed"
    assert signature["created"] == "2026-04-01T09:00:00Z"  # and so are the proofs


def test_with_proofs_adds_to_and_replaces_existing_proofs_by_type():
    document = signed()
    [first] = anchor(FakeChain(), [document])
    [second] = anchor(FakeChain(head=99), [document], block_number=50)
    assert first["proof"][0] == document["proof"][0]  # adding the anchor kept the signature
    reanchored = with_proofs(first, second["proof"][1])  # e.g. after a reorg
    assert reanchored["proof"] == [document["proof"][0], second["proof"][1]]
    assert with_proofs(first) == first


def test_with_proofs_and_no_proofs_leaves_no_proof_member():
    document = build_document(claims())
    assert with_proofs(document) == document
