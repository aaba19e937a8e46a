"""The canonical bytes behind every hash: RFC 8785, proofs left out, Keccak-256."""

from __future__ import annotations

import json
import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.credentials.canonical import (
    CanonicalizationError,
    canonical_bytes,
    document_hash,
    keccak,
)
from domain.credentials.documents import build_document
from tests.credentials.engine_support import claims


@pytest.fixture(autouse=True)
def _clean_tables() -> None:
    """Replace the suite's database-cleaning fixture: these tests are pure."""


# RFC 8785 section 3.2.2 (number and string serialization) and 3.2.3 (UTF-16 key order).
RFC8785_INPUT = r"""{
  "numbers": [333333333.33333329, 1E30, 4.50, 2e-3, 0.000000000000000000000000001],
  "string": "\u20ac$\u000F\u000aA'\u0042\u0022\u005c\\\"\/",
  "literals": [null, true, false]
}"""
RFC8785_OUTPUT = (
    '{"literals":[null,true,false],'
    '"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],'
    '"string":"€$\\u000f\\nA\'B\\"\\\\\\\\\\"/"}'
).encode()

RFC8785_SORTING_INPUT = r"""{
  "\u20ac": "Euro Sign",
  "\r": "Carriage Return",
  "\ufb33": "Hebrew Letter Dalet With Dagesh",
  "1": "One",
  "\ud83d\ude00": "Emoji: Grinning Face",
  "\u0080": "Control",
  "\u00f6": "Latin Small Letter O With Diaeresis"
}"""
RFC8785_SORTED_VALUES = [
    "Carriage Return",
    "One",
    "Control",
    "Latin Small Letter O With Diaeresis",
    "Euro Sign",
    "Emoji: Grinning Face",
    "Hebrew Letter Dalet With Dagesh",
]


def test_the_rfc8785_sample_canonicalizes_to_the_published_bytes():
    assert canonical_bytes(json.loads(RFC8785_INPUT)) == RFC8785_OUTPUT


def test_keys_sort_by_utf16_code_units_as_rfc8785_requires():
    """ "\\ud83d\\ude00" (an emoji, a surrogate pair) sorts before U+FB33 in UTF-16, after
    it in code points: the canonical form must follow UTF-16."""
    canonical = canonical_bytes(json.loads(RFC8785_SORTING_INPUT)).decode()
    positions = [canonical.index(value) for value in RFC8785_SORTED_VALUES]
    assert positions == sorted(positions)


def test_keccak_is_ethereums_keccak256_not_sha3():
    assert keccak(b"").hex() == "c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470"
    assert keccak(b"abc").hex() == (
        "4e03657aea45a94fc7d47ba826c8d667c0d1e6e33a64a036ec44f58fa12d6c45"
    )


def test_the_proof_member_is_left_out_of_the_hash():
    document = build_document(claims())
    with_proof = {**document, "proof": [{"type": "anything", "proofValue": "0x00"}]}
    assert canonical_bytes(with_proof) == canonical_bytes(document)
    assert document_hash(with_proof) == document_hash(document)
    assert b"proof" not in canonical_bytes(with_proof)


def test_any_other_member_changes_the_hash():
    document = build_document(claims())
    assert document_hash({**document, "evidence": []}) != document_hash(document)


def test_key_order_and_whitespace_of_the_input_do_not_matter():
    document = build_document(claims())
    pretty = json.loads(json.dumps(document, indent=7, sort_keys=True))
    rng = random.Random(7)

    def shuffled(value):
        if isinstance(value, dict):
            items = list(value.items())
            rng.shuffle(items)
            return {key: shuffled(item) for key, item in items}
        if isinstance(value, list):
            return [shuffled(item) for item in value]
        return value

    assert canonical_bytes(pretty) == canonical_bytes(document)
    assert canonical_bytes(shuffled(document)) == canonical_bytes(document)
    assert canonical_bytes(document).startswith(b'{"@context":["https://www.w3.org/ns/')


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**53) + 1, max_value=2**53 - 1)
    | st.floats(allow_nan=False, allow_infinity=False).filter(
        lambda f: abs(f) < 2**53 or abs(f) >= 1e21
    )
    | st.text(),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=6), children, max_size=4)
    ),
    max_leaves=20,
)


@given(value=st.dictionaries(st.text(max_size=8), json_values, max_size=6), seed=st.integers())
def test_canonical_bytes_depend_only_on_the_json_value(value, seed):
    """Reordering members or re-serializing never changes the canonical bytes, and the
    canonical bytes parse back to the same value."""
    rng = random.Random(seed)

    def reorder(item):
        if isinstance(item, dict):
            keys = list(item)
            rng.shuffle(keys)
            return {key: reorder(item[key]) for key in keys}
        if isinstance(item, list):
            return [reorder(element) for element in item]
        return item

    value = {key: item for key, item in value.items() if key != "proof"}
    canonical = canonical_bytes(value)
    assert canonical_bytes(reorder(value)) == canonical
    assert canonical_bytes(json.loads(json.dumps(value, indent=2))) == canonical
    assert canonical_bytes(json.loads(canonical)) == canonical


def test_frozen_mappings_and_tuples_hash_like_dicts_and_lists():
    from types import MappingProxyType

    plain = {"a": [1, 2], "b": {"c": "d"}}
    frozen = MappingProxyType({"b": MappingProxyType({"c": "d"}), "a": (1, 2)})
    assert canonical_bytes(frozen) == canonical_bytes(plain)


@pytest.mark.parametrize(
    "value",
    [float("nan"), float("inf"), 2**53, -(2**53), "\ud800", object()],
    ids=["nan", "infinity", "2^53", "-2^53", "lone surrogate", "not json"],
)
def test_values_json_cannot_carry_exactly_are_refused(value):
    with pytest.raises(CanonicalizationError):
        canonical_bytes({"value": value})
