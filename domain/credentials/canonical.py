"""The bytes every hash and signature is computed over (docs/credentials.md, "Hashes").

A verifier anywhere must be able to recompute the same 32 bytes from the same document, so
the canonical form is RFC 8785 (JSON Canonicalization Scheme) of plain JSON values, with no
JSON-LD processing and no remote contexts, and the proofs left out (they are added after the
hash is taken).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import rfc8785
from eth_utils import keccak as _keccak

PROOF_MEMBER = "proof"

CanonicalizationError = rfc8785.CanonicalizationError


def keccak(data: bytes) -> bytes:
    """Keccak-256 (Ethereum's hash, not NIST SHA3-256): what the chain and EIP-712 use."""
    return bytes(_keccak(primitive=data))


def plain_json(value: Any) -> Any:
    """`value` with every Mapping turned into a dict and every list or tuple into a list.

    The canonicalizer only knows dict and list, while callers hand us frozen mappings and
    tuples; converting first keeps the canonical form a function of the JSON value alone."""
    if isinstance(value, Mapping):
        return {key: plain_json(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [plain_json(item) for item in value]
    return value


def canonical_bytes(document: Mapping[str, Any]) -> bytes:
    """RFC 8785 bytes of `document` without its `proof` member.

    Raises CanonicalizationError (a ValueError) for values JSON cannot carry exactly:
    NaN and infinities, integers beyond 2**53, non-string keys, lone surrogates."""
    unsigned = {key: value for key, value in document.items() if key != PROOF_MEMBER}
    return rfc8785.dumps(plain_json(unsigned))


def document_hash(document: Mapping[str, Any]) -> bytes:
    """documentHash: keccak256 of the canonical bytes; what the issuer signs and the anchor
    commits to."""
    return keccak(canonical_bytes(document))
