"""The credential document: built exactly as the contract lays it out, read back strictly,
and never a crash on whatever JSON a verifier is handed."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime, timedelta, timezone
from typing import Any
from uuid import UUID

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domain.credentials.canonical import document_hash
from domain.credentials.documents import (
    CredentialType,
    MalformedCredential,
    build_document,
    format_time,
    parse_document,
    parse_time,
)
from domain.credentials.signing import with_proofs
from tests.credentials.engine_support import (
    CREDENTIAL_ID,
    ISSUER_ID,
    ISSUER_KEY,
    SIGNED_AT,
    STATUS_LIST_URL,
    SUBJECT_INDEX,
    VALID_FROM,
    VALID_UNTIL,
    WORKER_ID,
    FakeChain,
    anchor,
    claims,
    signed,
)


@pytest.fixture(autouse=True)
def _clean_tables() -> None:
    """Replace the suite's database-cleaning fixture: these tests are pure."""


def test_build_document_lays_out_the_contract_exactly():
    assert build_document(claims()) == {
        "@context": ["https://www.w3.org/ns/credentials/v2", "https://iworkz.jp/ns/credentials/v1"],
        "id": f"urn:uuid:{CREDENTIAL_ID}",
        "type": ["VerifiableCredential", "LicenceCredential"],
        "issuer": {"id": f"urn:uuid:{ISSUER_ID}", "name": "Tokyo Forklift Academy"},
        "validFrom": "2026-04-01T00:00:00Z",
        "validUntil": "2029-03-31T23:59:59Z",
        "credentialSubject": {
            "id": f"urn:uuid:{WORKER_ID}",
            "credentialType": "LICENCE",
            "name": "Forklift operator licence",
            "attributes": {
                "class": "up to 1 t",
                "licenceNumber": "T-2026-0042",
                "practicalHours": 12,
            },
        },
        "credentialStatus": {
            "id": f"{STATUS_LIST_URL}#{SUBJECT_INDEX}",
            "type": "BitstringStatusListEntry",
            "statusPurpose": "revocation",
            "statusListIndex": str(SUBJECT_INDEX),
            "statusListCredential": STATUS_LIST_URL,
        },
    }


def test_a_credential_without_expiry_has_no_valid_until_member():
    document = build_document(claims(valid_until=None))
    assert "validUntil" not in document
    assert parse_document(document).valid_until is None


@pytest.mark.parametrize(
    ("kind", "vc_type"),
    [
        (CredentialType.LICENCE, "LicenceCredential"),
        (CredentialType.CERTIFICATE, "CertificateCredential"),
        (CredentialType.LANGUAGE_TEST, "LanguageTestCredential"),
        (CredentialType.EMPLOYMENT_HISTORY, "EmploymentHistoryCredential"),
        (CredentialType.RESIDENCE_STATUS, "ResidenceStatusCredential"),
    ],
)
def test_each_credential_type_is_named_in_pascal_case(kind, vc_type):
    assert kind.value == kind.name
    document = build_document(claims(credential_type=kind))
    assert document["type"] == ["VerifiableCredential", vc_type]
    assert document["credentialSubject"]["credentialType"] == kind.value
    assert parse_document(document).credential_type is kind


def test_parse_reads_back_what_build_wrote():
    document = build_document(claims())
    parsed = parse_document(document)
    assert parsed.credential_id == CREDENTIAL_ID
    assert parsed.credential_type is CredentialType.LICENCE
    assert parsed.issuer_id == ISSUER_ID
    assert parsed.issuer_name == "Tokyo Forklift Academy"
    assert parsed.subject_id == WORKER_ID
    assert parsed.name == "Forklift operator licence"
    assert parsed.attributes == claims().attributes
    assert (parsed.valid_from, parsed.valid_until) == (VALID_FROM, VALID_UNTIL)
    assert (parsed.status_list_url, parsed.status_list_index) == (STATUS_LIST_URL, SUBJECT_INDEX)
    assert parsed.signature_proof is None and parsed.anchor_proof is None
    assert parsed.document_hash == document_hash(document)


def test_parse_reads_both_proofs():
    [document] = anchor(FakeChain(), [signed()])
    parsed = parse_document(document)
    assert parsed.signature_proof is not None and parsed.anchor_proof is not None
    assert parsed.signature_proof.signer == ISSUER_KEY.address
    assert parsed.signature_proof.created == SIGNED_AT
    assert len(parsed.signature_proof.signature) == 65
    assert parsed.anchor_proof.chain_id == 31337
    assert parsed.anchor_proof.path == ()  # a batch of one: root = leaf
    assert parsed.anchor_proof.leaf == parsed.anchor_proof.merkle_root


def test_a_single_proof_object_is_read_like_a_list_of_one():
    document = signed()
    single = {**document, "proof": document["proof"][0]}
    assert parse_document(single).signature_proof == parse_document(document).signature_proof


def test_times_are_utc_whole_seconds_with_a_z():
    tokyo = timezone(timedelta(hours=9))
    moment = datetime(2026, 4, 1, 9, 0, 0, 999_999, tzinfo=tokyo)
    assert format_time(moment) == "2026-04-01T00:00:00Z"  # fractions dropped, not rounded up
    assert parse_time("2026-04-01T00:00:00Z") == datetime(2026, 4, 1, tzinfo=UTC)
    document = build_document(claims(valid_from=moment))
    assert document["validFrom"] == "2026-04-01T00:00:00Z"


@pytest.mark.parametrize(
    ("changes", "words"),
    [
        ({"valid_from": datetime(2026, 4, 1)}, "timezone-aware"),
        ({"valid_until": VALID_FROM}, "validUntil must be after validFrom"),
        ({"valid_from": datetime(1969, 12, 31, tzinfo=UTC)}, "before 1970"),
        ({"status_list_index": -1}, "not negative"),
        ({"status_list_url": "https://x.example/list#frag"}, "no fragment"),
        ({"attributes": {"weight": float("nan")}}, "not exact JSON"),
        ({"attributes": {"serial": 2**60}}, "not exact JSON"),
        ({"attributes": {"serial": 1e20}}, "not exact JSON"),  # reads back as an integer
    ],
)
def test_build_refuses_claims_no_verifier_could_accept(changes, words):
    with pytest.raises(ValueError, match=words):
        build_document(claims(**changes))


def test_built_documents_survive_json_transport_with_the_same_hash():
    document = build_document(
        claims(attributes={"score": 7.5, "big": 1e21, "ja": "フォークリフト"})
    )
    assert document_hash(json.loads(json.dumps(document))) == document_hash(document)


# --- strict reading ---------------------------------------------------------------------


def _set(document: dict[str, Any], path: tuple[Any, ...], value: Any) -> dict[str, Any]:
    changed = copy.deepcopy(document)
    target = changed
    for key in path[:-1]:
        target = target[key]
    if value is _DELETE:
        del target[path[-1]]
    else:
        target[path[-1]] = value
    return changed


_DELETE = object()
_GOOD = anchor(FakeChain(), [signed()])[0]

MALFORMED = [
    (("@context",), ["https://www.w3.org/ns/credentials/v2"], "@context must be"),
    (("id",), "urn:uuid:ABCDEF01-2345-4789-8BCD-EF0123456789", "lower-case UUID"),
    (("id",), str(CREDENTIAL_ID), "must be urn:uuid:"),
    (("type",), "VerifiableCredential", "type must be"),
    (("type",), ["LicenceCredential", "VerifiableCredential"], "type must be"),
    (("issuer",), f"urn:uuid:{ISSUER_ID}", "issuer must be a JSON object"),
    (("issuer", "name"), _DELETE, "missing issuer.name"),
    (("validFrom",), "2026-04-01T00:00:00.000Z", "validFrom is not a time"),
    (("validFrom",), "2026-04-01T09:00:00+09:00", "validFrom is not a time"),
    (("validUntil",), None, "validUntil must be a string"),
    (("validUntil",), "2026-03-01T00:00:00Z", "validUntil must be after validFrom"),
    (("credentialSubject", "credentialType"), "CERTIFICATE", "to match the type"),
    (
        ("credentialSubject", "attributes"),
        ["class", "up to 1 t"],
        "attributes must be a JSON object",
    ),
    (("credentialSubject", "photo"), "data:...", "unexpected member credentialSubject.photo"),
    (("evidence",), [], "unexpected member evidence"),
    (("credentialStatus", "statusListIndex"), 2, "statusListIndex must be a string"),
    (("credentialStatus", "statusListIndex"), "02", "must be a decimal string"),
    (("credentialStatus", "id"), f"{STATUS_LIST_URL}#3", "credentialStatus.id must be"),
    (("credentialStatus", "statusPurpose"), "suspension", "statusPurpose must be 'revocation'"),
    (("proof",), "0xdeadbeef", "proof[0] must be a JSON object"),
    (("proof", 0, "proofPurpose"), "authentication", "proofPurpose must be 'assertionMethod'"),
    (("proof", 0, "verificationMethod"), ISSUER_KEY.address, "must be did:pkh:eip155:1:"),
    (
        ("proof", 0, "verificationMethod"),
        f"did:pkh:eip155:1:{ISSUER_KEY.address.lower()}#blockchainAccountId",
        "not checksummed",
    ),
    (("proof", 0, "created"), "yesterday", "proof[0].created is not a time"),
    (("proof", 0, "proofValue"), "0x" + "00" * 64, "65 bytes of hex"),
    (("proof", 1, "chainId"), 0, "chainId must be an integer of at least 1"),
    (("proof", 1, "chainId"), True, "chainId must be an integer"),
    (("proof", 1, "blockNumber"), -1, "blockNumber must be an integer of at least 0"),
    (("proof", 1, "transactionHash"), "0x1234", "transactionHash must be 0x and 32 bytes"),
    (("proof", 1, "anchoredBy"), "0xnot-an-address", "anchoredBy is not an Ethereum address"),
    (("proof", 1, "path"), "0x" + "00" * 32, "path must be a list"),
    (("proof", 1, "path"), ["0x" + "00" * 31], "path[0] must be 0x and 32 bytes"),
    (("proof", 1, "type"), "EthereumEip712Signature2021", "more than one signature proof"),
]


@pytest.mark.parametrize(
    ("path", "value", "words"), MALFORMED, ids=[f"{p}={v!r}"[:60] for p, v, _ in MALFORMED]
)
def test_malformed_documents_are_refused_with_a_precise_reason(path, value, words):
    with pytest.raises(MalformedCredential) as refused:
        parse_document(_set(_GOOD, path, value))
    assert words in refused.value.reason


def test_an_unknown_credential_type_is_named():
    document = _set(_GOOD, ("type",), ["VerifiableCredential", "PassportCredential"])
    with pytest.raises(MalformedCredential, match="unknown credential type 'PassportCredential'"):
        parse_document(document)


@pytest.mark.parametrize("depth", [14, 200_000])
def test_a_deeply_nested_document_is_malformed_not_a_crash(depth):
    nested: Any = "bottom"
    for _ in range(depth):
        nested = {"a": [nested]}
    document = dict(_GOOD, credentialSubject=dict(_GOOD["credentialSubject"], attributes=nested))
    with pytest.raises(MalformedCredential, match="nests more than 16 levels deep"):
        parse_document(document)


def test_build_refuses_nesting_a_verifier_would_refuse():
    nested: Any = 1
    for _ in range(14):
        nested = [nested]
    with pytest.raises(ValueError, match="levels deep"):
        build_document(claims(attributes={"deep": nested}))
    shallow: Any = 1
    for _ in range(13):  # the deepest a verifier reads
        shallow = [shallow]
    parse_document(build_document(claims(attributes={"deep": shallow})))


def test_uppercase_hex_in_hashes_is_accepted_and_normalized():
    upper = "0x" + _GOOD["proof"][1]["transactionHash"][2:].upper()
    parsed = parse_document(_set(_GOOD, ("proof", 1, "transactionHash"), upper))
    assert parsed.anchor_proof is not None
    assert parsed.anchor_proof.transaction_hash == _GOOD["proof"][1]["transactionHash"]


# --- no crash on any JSON -----------------------------------------------------------------

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats()
    | st.text(max_size=20)
    | st.sampled_from(["urn:uuid:" + str(UUID(int=7)), "2026-04-01T00:00:00Z", "0x" + "ab" * 32]),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=5)
    ),
    max_leaves=25,
)


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix]
    if isinstance(value, dict):
        for key, item in value.items():
            found += _paths(item, (*prefix, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found += _paths(item, (*prefix, index))
    return found


_GOOD_PATHS = [path for path in _paths(_GOOD) if path]


def _parses_or_is_malformed(document: Any) -> None:
    try:
        parse_document(document)
    except MalformedCredential as refused:
        assert refused.reason and isinstance(refused.reason, str)


@given(document=json_values)
def test_arbitrary_json_is_parsed_or_refused_never_a_crash(document):
    _parses_or_is_malformed(document)


@given(
    path=st.sampled_from(_GOOD_PATHS),
    value=json_values | st.just(_DELETE),
)
@settings(max_examples=300)
def test_a_credential_with_any_one_part_replaced_is_parsed_or_refused(path, value):
    """Replacing or deleting any one member or element of a real credential with arbitrary
    JSON reaches deep into the reader; it must only ever answer MalformedCredential."""
    if value is _DELETE and isinstance(path[-1], int):
        return
    _parses_or_is_malformed(_set(_GOOD, path, value))


@given(
    extra=st.dictionaries(st.text(max_size=12), json_values, min_size=1, max_size=3),
    where=st.sampled_from([(), ("issuer",), ("credentialSubject",), ("proof", 0), ("proof", 1)]),
)
def test_unexpected_members_anywhere_are_refused(extra, where):
    document = copy.deepcopy(_GOOD)
    target = document
    for key in where:
        target = target[key]
    extra = {key: value for key, value in extra.items() if key not in target}
    if not extra:
        return
    target.update(extra)
    with pytest.raises(MalformedCredential, match="unexpected member"):
        parse_document(document)


def test_the_document_keeps_its_hash_whatever_proofs_it_carries():
    unsigned = build_document(claims())
    assert parse_document(_GOOD).document_hash == document_hash(unsigned)
    assert parse_document(with_proofs(unsigned)).document_hash == document_hash(unsigned)
