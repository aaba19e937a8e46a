"""verify_credential as a verifier uses it: a genuine credential passes all nine checks, and
each kind of forgery or mishap fails exactly the check that names it."""

from __future__ import annotations

import asyncio
import copy
from datetime import timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from domain.credentials.directory import Revocation
from domain.credentials.documents import ParsedCredential, build_document
from domain.credentials.ledger import AnchorKind, anchor_payload
from domain.credentials.merkle import MerkleTree, anchor_proof, verify_path
from domain.credentials.signing import sign_document, with_proofs
from domain.credentials.verification import CheckName, CheckOutcome
from tests.credentials.engine_support import (
    ANCHOR_BLOCK,
    ANCHORED_AT,
    ANCHORING_KEY,
    CHAIN_ID,
    CREDENTIAL_ID,
    ISSUER_KEY,
    MIN_CONFIRMATIONS,
    NOW,
    OTHER_ISSUER_ID,
    OTHER_ISSUER_KEY,
    OTHER_ISSUER_NAME,
    SIGNED_AT,
    STRANGER_KEY,
    SUBJECT_INDEX,
    VALID_FROM,
    VALID_UNTIL,
    FakeChain,
    anchor,
    assert_only_failed,
    batch_claims,
    claims,
    directory,
    key_record,
    leaf_of,
    outcomes,
    scenario,
    signed,
    status_lists,
)

ANCHOR_CHECKS = (CheckName.INTEGRITY, CheckName.MERKLE_PROOF, CheckName.ANCHORED)


@pytest.fixture(autouse=True)
def _clean_tables() -> None:
    """Replace the suite's database-cleaning fixture: these tests are pure."""


def reasons(verification: Any) -> dict[CheckName, str]:
    return {check.name: check.reason for check in verification.checks}


# --- the genuine credential -------------------------------------------------------------


async def test_a_genuine_anchored_credential_passes_all_nine_checks_in_order():
    world = scenario()
    verification = await world.verify()
    assert [check.name for check in verification.checks] == list(CheckName)
    assert all(check.outcome is CheckOutcome.PASSED for check in verification.checks)
    assert verification.verified
    assert verification.anchored_at == ANCHORED_AT
    assert verification.credential is not None
    assert verification.credential.credential_id == CREDENTIAL_ID
    why = reasons(verification)
    assert ISSUER_KEY.address in why[CheckName.SIGNATURE]
    assert "9 confirmations" in why[CheckName.ANCHORED]
    assert "2026-04-01T09:10:00Z" in why[CheckName.KEY_VALID]  # judged at the anchor's time


async def test_every_credential_of_the_batch_verifies():
    world = scenario()
    for document in world.documents:
        assert (await world.verify(document)).verified


async def test_verification_survives_a_json_round_trip_with_other_key_order():
    """What a verifier receives is re-serialized JSON; key order and spacing never matter."""
    import json

    world = scenario()
    shuffled = json.loads(json.dumps(world.document, indent=4, sort_keys=True))
    assert (await world.verify(shuffled)).verified


# --- tampering ----------------------------------------------------------------------------


def _edit(document: dict[str, Any], path: tuple[Any, ...], change: Any) -> dict[str, Any]:
    forged = copy.deepcopy(document)
    target = forged
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = change(target[path[-1]])
    return forged


def _flip_last_char(text: str) -> str:
    return text[:-1] + ("1" if text[-1] != "1" else "2")


TAMPERINGS = {
    "subject name": (("credentialSubject", "name"), lambda v: v.replace("licence", "licencf")),
    "an attribute": (("credentialSubject", "attributes", "class"), lambda v: "up to 10 t"),
    "a numeric attribute": (("credentialSubject", "attributes", "practicalHours"), lambda v: 120),
    "an added attribute": (("credentialSubject", "attributes"), lambda v: {**v, "extra": True}),
    "issuer name": (("issuer", "name"), lambda v: "Ministry of Land"),
    "validUntil extended": (("validUntil",), lambda v: "2039" + v[4:]),
    "validFrom moved": (("validFrom",), lambda v: v.replace("04-01", "03-01")),
    "credential id": (("id",), _flip_last_char),
    "credential type": (
        ("credentialSubject",),
        lambda v: {**v, "credentialType": "CERTIFICATE"},
    ),
}


@pytest.mark.parametrize("field", list(TAMPERINGS))
async def test_tampering_a_field_fails_integrity_and_signature_only(field):
    world = scenario()
    path, change = TAMPERINGS[field]
    forged = _edit(world.document, path, change)
    if field == "credential type":
        forged["type"][1] = "CertificateCredential"
    verification = await world.verify(forged)
    assert_only_failed(verification, CheckName.INTEGRITY, CheckName.SIGNATURE)
    assert reasons(verification)[CheckName.INTEGRITY] == (
        "the document differs from the one that was anchored"
    )
    assert verification.anchored_at is None  # the anchor dates another document


async def test_moving_to_an_unrevoked_status_slot_is_tampering():
    """Pointing credentialStatus at a clear bit to dodge a revocation breaks the hash."""
    world = scenario()
    world.revocations = status_lists(revoked=[SUBJECT_INDEX])
    forged = copy.deepcopy(world.document)
    url = forged["credentialStatus"]["statusListCredential"]
    forged["credentialStatus"].update(statusListIndex="4", id=f"{url}#4")
    verification = await world.verify(forged)
    assert_only_failed(verification, CheckName.INTEGRITY, CheckName.SIGNATURE)


async def test_swapping_the_subject_fails_integrity_and_signature():
    world = scenario()
    other_worker = world.documents[0]["credentialSubject"]["id"]
    forged = _edit(world.document, ("credentialSubject", "id"), lambda _: other_worker)
    assert_only_failed(await world.verify(forged), CheckName.INTEGRITY, CheckName.SIGNATURE)


_STRING_PATHS = [
    ("credentialSubject", "name"),
    ("credentialSubject", "attributes", "class"),
    ("credentialSubject", "attributes", "licenceNumber"),
    ("issuer", "name"),
    ("validUntil",),
    ("validFrom",),
    ("credentialSubject", "id"),
    ("issuer", "id"),
]
_WORLD = scenario()


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    path=st.sampled_from(_STRING_PATHS),
    position=st.integers(min_value=0, max_value=200),
    replacement=st.characters(codec="utf-8", exclude_characters="\x00"),
)
def test_no_single_character_edit_goes_unnoticed(path, position, replacement):
    """Changing any one character of the signed content leaves the credential unverified,
    and if it is still well formed, both the anchor and the signature notice."""
    original = _WORLD.document

    def change(text: str) -> str:
        at = position % len(text)
        return text[:at] + replacement + text[at + 1 :]

    forged = _edit(original, path, change)
    if forged == original:
        return
    verification = asyncio.run(_WORLD.verify(forged))
    assert not verification.verified
    found = outcomes(verification)
    if found[CheckName.WELL_FORMED] is CheckOutcome.PASSED:
        assert found[CheckName.INTEGRITY] is CheckOutcome.FAILED
        assert found[CheckName.SIGNATURE] is CheckOutcome.FAILED


async def test_a_signature_by_another_key_than_the_one_named_fails_signature_only():
    """Anchored as is (so the leaf matches), but the named key did not sign it."""
    chain = FakeChain()
    document = build_document(claims())
    forged_proof = sign_document(document, OTHER_ISSUER_KEY.key, created=SIGNED_AT)
    forged_proof["verificationMethod"] = forged_proof["verificationMethod"].replace(
        OTHER_ISSUER_KEY.address, ISSUER_KEY.address
    )
    [anchored] = anchor(chain, [with_proofs(document, forged_proof)])
    world = scenario()
    world.chain = chain
    verification = await world.verify(anchored)
    assert_only_failed(verification, CheckName.SIGNATURE)
    assert OTHER_ISSUER_KEY.address in reasons(verification)[CheckName.SIGNATURE]


# --- anchor proofs that belong elsewhere -------------------------------------------------


async def test_reusing_another_documents_anchor_proof_fails_integrity():
    world = scenario()
    forged = with_proofs(world.document, world.documents[0]["proof"][1])
    verification = await world.verify(forged)
    assert_only_failed(verification, CheckName.INTEGRITY)


async def test_another_documents_path_with_this_leaf_fails_the_merkle_proof():
    world = scenario()
    borrowed = dict(world.documents[0]["proof"][1], leaf=world.document["proof"][1]["leaf"])
    verification = await world.verify(with_proofs(world.document, borrowed))
    assert_only_failed(verification, CheckName.MERKLE_PROOF)


async def test_an_anchor_proof_from_another_batch_fails_the_anchor():
    """A self-consistent proof (leaf, path, root) whose root another transaction carries."""
    world = scenario()
    other_batch = anchor(world.chain, [signed(claim) for claim in batch_claims()[:3]])
    [this_anchor] = anchor(FakeChain(), [world.document])
    stitched = dict(this_anchor["proof"][1])
    stitched["transactionHash"] = other_batch[0]["proof"][1]["transactionHash"]
    verification = await world.verify(with_proofs(world.document, stitched))
    assert_only_failed(verification, CheckName.ANCHORED)
    assert "anchors the root" in reasons(verification)[CheckName.ANCHORED]


async def test_an_inner_node_presented_as_the_leaf_is_rejected():
    """Second preimage: the inner node above our leaf, with the rest of the path, does lead
    to the anchored root; only recomputing the leaf from the document catches it."""
    world = scenario()
    leaves = [leaf_of(document) for document in world.documents]
    tree = MerkleTree(leaves)
    inner = tree.levels[1][SUBJECT_INDEX // 2]
    rest_of_path = tree.proof(SUBJECT_INDEX)[1:]
    assert verify_path(inner, rest_of_path, tree.root)  # the naive check is fooled
    genuine = world.document["proof"][1]
    forged_proof = dict(
        genuine, leaf="0x" + inner.hex(), path=["0x" + n.hex() for n in rest_of_path]
    )
    verification = await world.verify(with_proofs(world.document, forged_proof))
    assert_only_failed(verification, CheckName.INTEGRITY)


# --- issuer keys --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("window", "words"),
    [
        ({"valid_from": ANCHORED_AT + timedelta(days=1)}, "only became valid"),
        ({"valid_until": ANCHORED_AT - timedelta(seconds=1)}, "expired"),
        ({"valid_until": ANCHORED_AT}, "expired"),  # the end of a window is exclusive
        ({"retired_at": ANCHORED_AT - timedelta(hours=1)}, "was retired"),
    ],
)
async def test_a_key_used_outside_its_window_fails_key_valid(window, words):
    world = scenario(issuer=key_record(**window))
    verification = await world.verify()
    assert_only_failed(verification, CheckName.KEY_VALID)
    assert words in reasons(verification)[CheckName.KEY_VALID]


async def test_a_window_starting_exactly_at_the_anchor_is_inclusive():
    assert (await scenario(issuer=key_record(valid_from=ANCHORED_AT)).verify()).verified


async def test_retiring_or_expiring_a_key_later_keeps_its_credentials_valid():
    later = ANCHORED_AT + timedelta(days=30)
    world = scenario(issuer=key_record(retired_at=later, valid_until=later))
    assert (await world.verify()).verified


async def test_the_anchor_time_not_the_claimed_signing_time_decides():
    """A proof `created` inside the window does not help a key retired before the anchor."""
    world = scenario(issuer=key_record(retired_at=SIGNED_AT + timedelta(minutes=5)))
    assert SIGNED_AT < SIGNED_AT + timedelta(minutes=5) < ANCHORED_AT
    assert_only_failed(await world.verify(), CheckName.KEY_VALID)


async def test_a_key_compromised_before_the_anchor_fails_key_valid():
    compromised = ANCHORED_AT - timedelta(minutes=1)
    world = scenario(issuer=key_record(compromised_at=compromised))
    verification = await world.verify()
    assert_only_failed(verification, CheckName.KEY_VALID)
    assert "compromised on 2026-04-01T09:09:00Z" in reasons(verification)[CheckName.KEY_VALID]


async def test_a_key_compromised_after_the_anchor_keeps_earlier_credentials_valid():
    world = scenario(issuer=key_record(compromised_at=ANCHORED_AT + timedelta(seconds=1)))
    assert (await world.verify()).verified


async def test_an_unanchored_credential_of_a_compromised_key_fails_whatever_it_claims():
    """Backdating: whoever stole the key writes any `created` they like; with no anchor,
    nothing shows the credential predates the compromise."""
    backdated = signed(created=SIGNED_AT)
    world = scenario(issuer=key_record(compromised_at=SIGNED_AT + timedelta(days=30)))
    verification = await world.verify(backdated)
    found = outcomes(verification)
    assert found[CheckName.KEY_VALID] is CheckOutcome.FAILED
    assert "not anchored" in reasons(verification)[CheckName.KEY_VALID]
    assert [name for name, outcome in found.items() if outcome is CheckOutcome.FAILED] == [
        CheckName.KEY_VALID
    ]
    for name in ANCHOR_CHECKS:
        assert found[name] is CheckOutcome.SKIPPED
        assert reasons(verification)[name] == "not anchored yet"


async def test_an_unverifiable_anchor_does_not_vouch_for_a_compromised_key():
    world = scenario(issuer=key_record(compromised_at=ANCHORED_AT + timedelta(days=1)))
    world.chain.head = ANCHOR_BLOCK  # one confirmation: the anchor could still be reorged away
    verification = await world.verify()
    assert_only_failed(verification, CheckName.KEY_VALID, CheckName.ANCHORED)


async def test_a_compromised_key_without_a_chain_node_cannot_be_judged():
    world = scenario(issuer=key_record(compromised_at=ANCHORED_AT + timedelta(days=1)))
    found = outcomes(await world.verify(chain=None))
    assert found[CheckName.KEY_VALID] is CheckOutcome.SKIPPED
    assert found[CheckName.ANCHORED] is CheckOutcome.SKIPPED


async def test_an_unknown_key_fails_key_and_issuer_checks():
    world = scenario()
    world.directory = directory(key_record(address=STRANGER_KEY.address))
    verification = await world.verify()
    assert_only_failed(verification, CheckName.KEY_VALID, CheckName.ISSUER_TRUSTED)
    assert "not in the issuer directory" in reasons(verification)[CheckName.KEY_VALID]


# --- issuers ------------------------------------------------------------------------------


async def test_an_untrusted_issuer_fails_issuer_trusted():
    world = scenario(issuer=key_record(issuer_trusted=False))
    verification = await world.verify()
    assert_only_failed(verification, CheckName.ISSUER_TRUSTED)
    assert "not a trusted issuer" in reasons(verification)[CheckName.ISSUER_TRUSTED]


async def test_an_issuer_cannot_issue_in_another_issuers_name():
    """A trusted issuer's valid key signing a credential that names a different issuer."""
    chain = FakeChain()
    impersonation = claims(issuer_id=OTHER_ISSUER_ID, issuer_name=OTHER_ISSUER_NAME)
    [anchored] = anchor(chain, [signed(impersonation, key=ISSUER_KEY)])
    world = scenario()
    world.chain = chain
    verification = await world.verify(anchored)
    assert_only_failed(verification, CheckName.ISSUER_TRUSTED)
    assert str(OTHER_ISSUER_ID) in reasons(verification)[CheckName.ISSUER_TRUSTED]


# --- the anchor transaction ---------------------------------------------------------------


def _reanchor(world: Any, **options: Any) -> dict[str, Any]:
    documents = anchor(world.chain, [signed(claim) for claim in batch_claims()], **options)
    return documents[SUBJECT_INDEX]


async def test_an_anchor_sent_by_a_non_anchoring_account_fails_anchored():
    world = scenario()
    document = _reanchor(world, sender=STRANGER_KEY.address)
    verification = await world.verify(document)
    assert_only_failed(verification, CheckName.ANCHORED)
    assert "not an iWORKZ anchoring account" in reasons(verification)[CheckName.ANCHORED]


async def test_an_anchor_proof_lying_about_its_sender_fails_anchored():
    world = scenario()
    document = _reanchor(world, sender=STRANGER_KEY.address, anchored_by=ANCHORING_KEY.address)
    assert_only_failed(await world.verify(document), CheckName.ANCHORED)


async def test_a_retired_anchoring_account_named_in_the_proof_is_not_enough():
    """Anchored by one of ours, but the proof names another of ours: they must agree."""
    world = scenario()
    world.directory = directory(anchoring=(ANCHORING_KEY.address, STRANGER_KEY.address))
    document = _reanchor(world, anchored_by=STRANGER_KEY.address)
    verification = await world.verify(document)
    assert_only_failed(verification, CheckName.ANCHORED)


@pytest.mark.parametrize(
    ("payload", "words"),
    [
        (anchor_payload(AnchorKind.CREDENTIALS, b"\x07" * 32), "anchors the root"),
        (b"hello, chain", "carries no iWORKZ anchor"),
        (b"", "carries no iWORKZ anchor"),
    ],
)
async def test_a_transaction_not_carrying_the_root_fails_anchored(payload, words):
    world = scenario()
    verification = await world.verify(_reanchor(world, payload=payload))
    assert_only_failed(verification, CheckName.ANCHORED)
    assert words in reasons(verification)[CheckName.ANCHORED]


async def test_a_revocation_batch_carrying_the_root_is_not_a_credential_anchor():
    world = scenario()
    verification = await world.verify(_reanchor(world, kind=AnchorKind.REVOCATIONS))
    assert_only_failed(verification, CheckName.ANCHORED)


async def test_too_few_confirmations_fail_anchored():
    world = scenario()
    world.chain.head = ANCHOR_BLOCK + 1  # two confirmations
    verification = await world.verify()
    assert_only_failed(verification, CheckName.ANCHORED)
    assert reasons(verification)[CheckName.ANCHORED] == (
        f"only 2 of {MIN_CONFIRMATIONS} confirmations"
    )
    assert verification.anchored_at is None
    world.chain.head = ANCHOR_BLOCK + MIN_CONFIRMATIONS - 1  # exactly enough
    assert (await world.verify()).verified


@pytest.mark.parametrize(
    ("options", "words"),
    [
        ({"block_number": None}, "not mined yet"),
        ({"succeeded": False}, "failed"),
        ({"chain_id": 1}, "on chain 1, not 31337"),
    ],
)
async def test_pending_failed_or_foreign_transactions_fail_anchored(options, words):
    world = scenario()
    verification = await world.verify(_reanchor(world, **options))
    assert_only_failed(verification, CheckName.ANCHORED)
    assert words in reasons(verification)[CheckName.ANCHORED]


async def test_an_anchor_proof_naming_the_wrong_block_fails_anchored():
    world = scenario()
    genuine = world.document["proof"][1]
    wrong = dict(genuine, blockNumber=ANCHOR_BLOCK + 1)
    verification = await world.verify(with_proofs(world.document, wrong))
    assert_only_failed(verification, CheckName.ANCHORED)
    assert "block 12, not 13" in reasons(verification)[CheckName.ANCHORED]


async def test_a_transaction_the_node_never_saw_fails_anchored():
    world = scenario()
    unknown = dict(world.document["proof"][1], transactionHash="0x" + "ab" * 32)
    verification = await world.verify(with_proofs(world.document, unknown))
    assert_only_failed(verification, CheckName.ANCHORED)


async def test_the_anchor_is_checked_on_the_chain_the_proof_names():
    world = scenario()
    proof = anchor_proof(
        chain_id=CHAIN_ID + 1,
        transaction_hash=world.document["proof"][1]["transactionHash"],
        block_number=ANCHOR_BLOCK,
        anchored_by=ANCHORING_KEY.address,
        root=bytes.fromhex(world.document["proof"][1]["merkleRoot"][2:]),
        leaf=leaf_of(world.document),
        path=[bytes.fromhex(n[2:]) for n in world.document["proof"][1]["path"]],
    )
    assert_only_failed(await world.verify(with_proofs(world.document, proof)), CheckName.ANCHORED)


# --- revocation and validity -------------------------------------------------------------


async def test_a_set_status_list_bit_fails_not_revoked():
    world = scenario()
    world.revocations = status_lists(revoked=[SUBJECT_INDEX])
    verification = await world.verify()
    assert_only_failed(verification, CheckName.NOT_REVOKED)
    assert reasons(verification)[CheckName.NOT_REVOKED] == "revoked on 2026-05-01T00:00:00Z"
    others = [document for index, document in enumerate(world.documents) if index != SUBJECT_INDEX]
    for document in others:  # the neighbours' bits are clear
        assert (await world.verify(document)).verified


async def test_a_registry_revocation_reports_when_and_why():
    class Registry:
        async def revocation(self, credential: ParsedCredential) -> Revocation | None:
            assert credential.credential_id == CREDENTIAL_ID
            return Revocation(revoked_at=NOW - timedelta(days=2), reason="licence suspended")

    world = scenario()
    world.revocations = Registry()
    verification = await world.verify()
    assert_only_failed(verification, CheckName.NOT_REVOKED)
    assert reasons(verification)[CheckName.NOT_REVOKED] == (
        "revoked on 2026-05-30T12:00:00Z: licence suspended"
    )


async def test_a_missing_status_list_skips_not_revoked_rather_than_passing():
    world = scenario()
    world.revocations = type(status_lists())({})
    verification = await world.verify()
    check = verification.check(CheckName.NOT_REVOKED)
    assert check.outcome is CheckOutcome.SKIPPED
    assert "no status list given" in check.reason
    assert not verification.verified


@pytest.mark.parametrize(
    ("now", "words"),
    [
        (VALID_UNTIL + timedelta(days=1), "expired on 2029-03-31T23:59:59Z"),
        (VALID_UNTIL, "expired on"),  # validUntil is exclusive
        (VALID_FROM - timedelta(seconds=1), "not valid before 2026-04-01T00:00:00Z"),
    ],
)
async def test_outside_its_validity_period_a_credential_fails_validity_period(now, words):
    verification = await scenario().verify(now=now)
    assert_only_failed(verification, CheckName.VALIDITY_PERIOD)
    assert words in reasons(verification)[CheckName.VALIDITY_PERIOD]


async def test_validity_starts_at_valid_from_inclusive():
    assert (await scenario().verify(now=VALID_FROM)).verified


async def test_a_credential_without_expiry_stays_valid():
    chain = FakeChain()
    [anchored] = anchor(chain, [signed(claims(valid_until=None))])
    world = scenario()
    world.chain = chain
    verification = await world.verify(anchored, now=NOW + timedelta(days=365 * 50))
    assert verification.verified
    assert "no expiry" in verification.check(CheckName.VALIDITY_PERIOD).reason


# --- missing inputs and unfinished credentials -------------------------------------------


async def test_without_any_source_only_the_document_itself_is_checked():
    verification = await scenario().verify(chain=None, directory=None, revocations=None)
    found = outcomes(verification)
    passed = {name for name, outcome in found.items() if outcome is CheckOutcome.PASSED}
    assert passed == {
        CheckName.WELL_FORMED,
        CheckName.INTEGRITY,
        CheckName.SIGNATURE,
        CheckName.MERKLE_PROOF,
        CheckName.VALIDITY_PERIOD,
    }
    why = reasons(verification)
    assert why[CheckName.ANCHORED] == "no chain node given"
    assert why[CheckName.KEY_VALID] == "no issuer directory given"
    assert why[CheckName.ISSUER_TRUSTED] == "no issuer directory given"
    assert why[CheckName.NOT_REVOKED] == "no revocation source given"
    assert not verification.verified


async def test_a_directory_is_needed_to_know_our_anchoring_accounts():
    verification = await scenario().verify(directory=None)
    assert verification.check(CheckName.ANCHORED).outcome is CheckOutcome.SKIPPED


async def test_a_signed_credential_awaiting_its_anchor_is_not_yet_verified():
    world = scenario()
    verification = await world.verify(signed())
    found = outcomes(verification)
    for name in ANCHOR_CHECKS:
        assert found[name] is CheckOutcome.SKIPPED
    assert {name for name, outcome in found.items() if outcome is CheckOutcome.PASSED} == (
        set(CheckName) - set(ANCHOR_CHECKS)
    )
    assert "signed on 2026-04-01T09:00:00Z" in reasons(verification)[CheckName.KEY_VALID]
    assert not verification.verified


async def test_an_unsigned_document_fails_signature():
    verification = await scenario().verify(build_document(claims()))
    check = verification.check(CheckName.SIGNATURE)
    assert check.outcome is CheckOutcome.FAILED
    assert check.reason == "the credential carries no signature proof"
    assert verification.check(CheckName.KEY_VALID).outcome is CheckOutcome.SKIPPED


async def test_an_anchor_without_a_signature_fails_integrity():
    world = scenario()
    unsigned = build_document(claims())
    forged = with_proofs(unsigned, world.document["proof"][1])
    found = outcomes(await world.verify(forged))
    assert found[CheckName.INTEGRITY] is CheckOutcome.FAILED
    assert found[CheckName.SIGNATURE] is CheckOutcome.FAILED


async def test_now_must_be_timezone_aware():
    with pytest.raises(ValueError, match="timezone-aware"):
        await scenario().verify(now=NOW.replace(tzinfo=None))


# --- malformed input ----------------------------------------------------------------------


def _without(document: dict[str, Any], *path: str) -> dict[str, Any]:
    forged = copy.deepcopy(document)
    target = forged
    for key in path[:-1]:
        target = target[key]
    del target[path[-1]]
    return forged


MALFORMED = {
    "a list": ([], "the document must be a JSON object"),
    "a string": ("not a credential", "the document must be a JSON object"),
    "null": (None, "the document must be a JSON object"),
    "an empty object": ({}, "missing @context"),
    "no subject": (lambda d: _without(d, "credentialSubject"), "missing credentialSubject"),
    "no subject id": (
        lambda d: _without(d, "credentialSubject", "id"),
        "missing credentialSubject.id",
    ),
    "a numeric subject id": (
        lambda d: _edit(d, ("credentialSubject", "id"), lambda _: 42),
        "credentialSubject.id must be a string",
    ),
    "a bad date": (
        lambda d: _edit(d, ("validFrom",), lambda _: "1 April 2026"),
        "validFrom is not a time",
    ),
    "an impossible date": (
        lambda d: _edit(d, ("validUntil",), lambda _: "2029-02-30T00:00:00Z"),
        "validUntil is not a calendar time",
    ),
    "an unknown type": (
        lambda d: _edit(d, ("type",), lambda _: ["VerifiableCredential", "DiplomaCredential"]),
        "unknown credential type",
    ),
    "bad signature hex": (
        lambda d: _edit(d, ("proof", 0, "proofValue"), lambda v: v[:-2] + "zz"),
        "proof[0].proofValue must be 0x and 65 bytes of hex",
    ),
    "a short root": (
        lambda d: _edit(d, ("proof", 1, "merkleRoot"), lambda v: v[:-2]),
        "proof[1].merkleRoot must be 0x and 32 bytes of hex",
    ),
    "a string block number": (
        lambda d: _edit(d, ("proof", 1, "blockNumber"), str),
        "proof[1].blockNumber must be an integer",
    ),
    "an unknown proof": (
        lambda d: _edit(d, ("proof", 1), lambda p: {**p, "type": "DataIntegrityProof"}),
        "unknown proof type",
    ),
    "a NaN attribute": (
        lambda d: _edit(
            d, ("credentialSubject", "attributes", "practicalHours"), lambda _: float("nan")
        ),
        "not canonical JSON",
    ),
}


@pytest.mark.parametrize("shape", list(MALFORMED))
async def test_malformed_documents_fail_well_formed_and_skip_the_rest(shape):
    world = scenario()
    make, words = MALFORMED[shape]
    document = make(world.document) if callable(make) else make
    verification = await world.verify(document)
    assert verification.checks[0].name is CheckName.WELL_FORMED
    assert verification.checks[0].outcome is CheckOutcome.FAILED
    assert words in verification.checks[0].reason
    assert all(
        check.outcome is CheckOutcome.SKIPPED and check.reason == "the document is malformed"
        for check in verification.checks[1:]
    )
    assert [check.name for check in verification.checks] == list(CheckName)
    assert verification.credential is None and not verification.verified


async def test_the_second_anchor_proof_of_a_document_is_refused():
    world = scenario()
    forged = copy.deepcopy(world.document)
    forged["proof"].append(copy.deepcopy(forged["proof"][1]))
    verification = await world.verify(forged)
    assert verification.checks[0].reason == "more than one anchor proof"


_GENUINE_DOCUMENT = _WORLD.document


def _json_paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix] if prefix else []
    if isinstance(value, dict):
        for key, item in value.items():
            found += _json_paths(item, (*prefix, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found += _json_paths(item, (*prefix, index))
    return found


_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=12),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3)
    ),
    max_leaves=10,
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(path=st.sampled_from(_json_paths(_GENUINE_DOCUMENT)), value=_json)
def test_any_corruption_yields_a_full_unverified_report_never_an_exception(path, value):
    """(`created` is the one member nothing covers: another valid time there changes
    nothing, since an anchored credential is judged at its anchor time.)"""
    assume(path != ("proof", 0, "created"))
    forged = _edit(_GENUINE_DOCUMENT, path, lambda _: value)
    verification = asyncio.run(_WORLD.verify(forged))
    assert [check.name for check in verification.checks] == list(CheckName)
    assert all(check.reason for check in verification.checks)
    if forged != _GENUINE_DOCUMENT:
        assert not verification.verified


def test_checks_can_be_looked_up_by_name_or_string():
    verification = asyncio.run(_WORLD.verify())
    assert verification.check("ANCHORED") is verification.check(CheckName.ANCHORED)
    with pytest.raises(KeyError):
        verification.check("TYPO")


async def test_the_unsigned_created_time_does_not_matter_once_anchored():
    """`created` sits in the proof, outside every hash; an anchored credential is judged at
    its anchor time, so rewriting `created` neither breaks nor rescues it."""
    world = scenario(issuer=key_record(retired_at=ANCHORED_AT - timedelta(minutes=1)))
    rewritten = copy.deepcopy(world.document)
    rewritten["proof"][0]["created"] = "2026-01-02T00:00:00Z"
    assert_only_failed(await world.verify(rewritten), CheckName.KEY_VALID)
