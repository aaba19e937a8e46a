"""Bitstring Status List v1.0: the encoding W3C verifiers expect, bit order, refusing
garbage, and revocations read from published lists."""

from __future__ import annotations

import base64
import gzip
import re
import zlib
from dataclasses import replace

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.credentials.directory import Revocation, RevocationUnknown, StatusListRevocations
from domain.credentials.documents import parse_document
from domain.credentials.status_list import (
    STATUS_LIST_BITS,
    bit_is_set,
    decode_status_list,
    encode_status_list,
    status_list_credential,
)
from tests.credentials.engine_support import (
    ISSUER_ID,
    ISSUER_NAME,
    STATUS_LIST_AT,
    STATUS_LIST_URL,
    signed,
)


@pytest.fixture(autouse=True)
def _clean_tables() -> None:
    """Replace the suite's database-cleaning fixture: these tests are pure."""


# The encodedList of an empty 131,072-bit list in the W3C Bitstring Status List examples.
W3C_EMPTY_LIST = "uH4sIAAAAAAAAA-3BMQEAAADCoPVPbQwfoAAAAAAAAAAAAAAAAAAAAIC3AYbSVKsAQAAA"


def test_the_empty_list_encodes_exactly_as_the_w3c_example():
    assert STATUS_LIST_BITS == 131_072
    assert encode_status_list([]) == W3C_EMPTY_LIST


def test_the_w3c_example_decodes_to_16_kib_of_zeros():
    assert decode_status_list(W3C_EMPTY_LIST) == bytes(16_384)


def test_the_encoding_is_multibase_base64url_of_gzip():
    encoded = encode_status_list([0, 5, 131_071])
    assert encoded.startswith("u")
    assert re.fullmatch(r"u[A-Za-z0-9_-]+", encoded)  # base64url, no padding
    packed = base64.urlsafe_b64decode(encoded[1:] + "=" * (-len(encoded[1:]) % 4))
    assert packed[:3] == b"\x1f\x8b\x08"  # gzip, deflate
    bits = gzip.decompress(packed)  # any gzip reader understands it
    assert len(bits) == 16_384
    assert bits[0] == 0b1000_0100 and bits[-1] == 0b0000_0001


def test_bit_zero_is_the_most_significant_bit_of_the_first_byte():
    bits = decode_status_list(encode_status_list([0, 7, 8]))
    assert bits[:2] == bytes([0b1000_0001, 0b1000_0000])
    assert [bit_is_set(bits, index) for index in range(10)] == [
        True, False, False, False, False, False, False, True, True, False,
    ]  # fmt: skip


def test_encoding_is_deterministic():
    assert encode_status_list([3, 1, 3]) == encode_status_list([1, 3])


@given(indexes=st.sets(st.integers(min_value=0, max_value=STATUS_LIST_BITS - 1), max_size=60))
def test_exactly_the_set_indexes_read_back_as_set(indexes):
    bits = decode_status_list(encode_status_list(indexes))
    assert len(bits) * 8 == STATUS_LIST_BITS
    nonzero_bytes = [position for position, byte in enumerate(bits) if byte]
    found = {
        position * 8 + offset
        for position in nonzero_bytes
        for offset in range(8)
        if bit_is_set(bits, position * 8 + offset)
    }
    assert found == indexes


def test_bigger_lists_round_trip():
    bits = decode_status_list(encode_status_list([200_000], size=STATUS_LIST_BITS * 2))
    assert len(bits) * 8 == STATUS_LIST_BITS * 2 and bit_is_set(bits, 200_000)


@pytest.mark.parametrize(
    ("indexes", "size", "words"),
    [
        ([], 1024, "at least 131072"),
        ([], STATUS_LIST_BITS + 4, "multiple of 8"),
        ([STATUS_LIST_BITS], STATUS_LIST_BITS, "outside"),
        ([-1], STATUS_LIST_BITS, "outside"),
    ],
)
def test_encoding_refuses_lists_a_verifier_would_refuse(indexes, size, words):
    with pytest.raises(ValueError, match=words):
        encode_status_list(indexes, size)


def _b64(data: bytes) -> str:
    return "u" + base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _bomb() -> str:
    compressor = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    chunk = bytes(1024 * 1024)
    packed = b"".join(compressor.compress(chunk) for _ in range(20)) + compressor.flush()
    return _b64(packed)


@pytest.mark.parametrize(
    ("encoded", "words"),
    [
        ("", 'prefix "u"'),
        ("z" + W3C_EMPTY_LIST[1:], 'prefix "u"'),  # base58btc multibase
        (W3C_EMPTY_LIST + "==", "without padding"),
        ("u" + "A+/" * 4, "without padding"),  # base64, not base64url
        ("uA", "without padding"),  # an impossible length
        (_b64(b"plain bytes, not gzip"), "gzip"),
        (_b64(zlib.compress(bytes(16_384))), "gzip"),  # zlib wrapper, not gzip
        (W3C_EMPTY_LIST[:-8], "truncated"),
        (_b64(gzip.compress(bytes(16_384), mtime=0) + b"junk"), "after its gzip stream"),
        (_b64(gzip.compress(bytes(1_000), mtime=0)), "at least 131072 bits"),
        (_bomb(), "refused"),
    ],
    ids=[
        "empty",
        "base58",
        "padded",
        "base64",
        "bad length",
        "not gzip",
        "zlib",
        "truncated",
        "trailing junk",
        "too short",
        "gzip bomb",
    ],
)
def test_decoding_garbage_raises_value_error(encoded, words):
    with pytest.raises(ValueError, match=words):
        decode_status_list(encoded)


def test_reading_past_the_end_of_a_list_is_an_index_error():
    with pytest.raises(IndexError):
        bit_is_set(bytes(2), 16)


def test_the_status_list_credential_has_the_w3c_shape():
    encoded = encode_status_list([1])
    assert status_list_credential(
        url=STATUS_LIST_URL,
        issuer_id=ISSUER_ID,
        issuer_name=ISSUER_NAME,
        encoded_list=encoded,
        valid_from=STATUS_LIST_AT,
    ) == {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "id": STATUS_LIST_URL,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": {"id": f"urn:uuid:{ISSUER_ID}", "name": ISSUER_NAME},
        "validFrom": "2026-05-01T00:00:00Z",
        "credentialSubject": {
            "id": f"{STATUS_LIST_URL}#list",
            "type": "BitstringStatusList",
            "statusPurpose": "revocation",
            "encodedList": encoded,
        },
    }


# --- revocations from status lists --------------------------------------------------------


def _lists(encoded: str, **changes: object) -> dict[str, dict]:
    credential = status_list_credential(
        url=STATUS_LIST_URL,
        issuer_id=ISSUER_ID,
        issuer_name=ISSUER_NAME,
        encoded_list=encoded,
        valid_from=STATUS_LIST_AT,
    )
    credential.update(changes)
    return {STATUS_LIST_URL: credential}


CREDENTIAL = parse_document(signed())  # status list index 2


async def test_a_set_bit_is_a_revocation_dated_by_the_list():
    registry = StatusListRevocations(_lists(encode_status_list([2])))
    assert await registry.revocation(CREDENTIAL) == Revocation(
        revoked_at=STATUS_LIST_AT, reason=None
    )


async def test_clear_bits_are_not_revocations():
    registry = StatusListRevocations(_lists(encode_status_list([1, 3])))
    assert await registry.revocation(CREDENTIAL) is None


async def test_a_credential_without_a_status_entry_is_not_revoked_through_a_list():
    registry = StatusListRevocations({})
    unlisted = replace(CREDENTIAL, status_list_url=None, status_list_index=None)
    assert await registry.revocation(unlisted) is None


@pytest.mark.parametrize(
    ("lists", "words"),
    [
        ({}, "no status list given"),
        (_lists("not a list"), "unreadable"),
        (_lists(encode_status_list([])[:-5]), "unreadable"),
        (_lists(encode_status_list([]), id="https://elsewhere.example/list"), "unreadable"),
        (_lists(encode_status_list([]), type=["VerifiableCredential"]), "unreadable"),
        (_lists(encode_status_list([]), credentialSubject="nope"), "unreadable"),
        (_lists(encode_status_list([]), validFrom=12), "unreadable"),
        ({STATUS_LIST_URL: ["not", "a", "credential"]}, "unreadable"),
    ],
)
async def test_when_the_list_cannot_be_read_revocation_is_unknown(lists, words):
    registry = StatusListRevocations(lists)
    with pytest.raises(RevocationUnknown, match=words):
        await registry.revocation(CREDENTIAL)


async def test_a_suspension_list_does_not_answer_for_revocation():
    lists = _lists(encode_status_list([2]))
    lists[STATUS_LIST_URL]["credentialSubject"]["statusPurpose"] = "suspension"
    with pytest.raises(RevocationUnknown, match="statusPurpose"):
        await StatusListRevocations(lists).revocation(CREDENTIAL)


async def test_an_index_beyond_the_list_is_unknown_not_clear():
    registry = StatusListRevocations(_lists(encode_status_list([])))
    far = replace(CREDENTIAL, status_list_index=STATUS_LIST_BITS)
    with pytest.raises(RevocationUnknown, match="beyond"):
        await registry.revocation(far)
