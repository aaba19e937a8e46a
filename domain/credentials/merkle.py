"""Merkle batches (docs/credentials.md, "Hashes" and "The anchor proof").

One chain transaction anchors a whole batch; each credential carries the path from its
leaf to the anchored root. Pairs are hashed sorted, so a path is just the siblings, and
leaves (0x00, 0x02) and inner nodes (0x01) are hashed with different prefixes, so an inner
node can never be passed off as a leaf of some credential (second-preimage attack).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from eth_utils import to_checksum_address

from domain.credentials.canonical import keccak
from domain.credentials.documents import ANCHOR_PROOF_TYPE

HASH_LENGTH = 32
CREDENTIAL_LEAF_PREFIX = b"\x00"
NODE_PREFIX = b"\x01"
REVOCATION_LEAF_PREFIX = b"\x02"


def _hash32(value: bytes, what: str) -> bytes:
    if len(value) != HASH_LENGTH:
        raise ValueError(f"{what} is {HASH_LENGTH} bytes, not {len(value)}")
    return bytes(value)


def credential_leaf(document_hash: bytes, signature: bytes) -> bytes:
    """keccak256(0x00 ‖ documentHash ‖ keccak256(signature)): the anchor commits to the
    signed credential, not just its content."""
    return keccak(
        CREDENTIAL_LEAF_PREFIX + _hash32(document_hash, "a document hash") + keccak(signature)
    )


def revocation_leaf(document_hash: bytes, reason: str) -> bytes:
    """keccak256(0x02 ‖ documentHash ‖ keccak256(utf8(reason))): a revocation batch commits
    to which credential was revoked and why, without putting either on chain."""
    return keccak(
        REVOCATION_LEAF_PREFIX
        + _hash32(document_hash, "a document hash")
        + keccak(reason.encode("utf-8"))
    )


def node(a: bytes, b: bytes) -> bytes:
    """keccak256(0x01 ‖ min(a, b) ‖ max(a, b)); bytes compare as unsigned big-endian."""
    low, high = (a, b) if a <= b else (b, a)
    return keccak(NODE_PREFIX + low + high)


class MerkleTree:
    """A tree over a batch, every level kept so each leaf's path is a lookup.

    Built level by level (n - 1 hashes for n leaves); an odd node at the end of a level is
    carried up unchanged, so a tree of one leaf has root = leaf."""

    def __init__(self, leaves: Sequence[bytes]) -> None:
        if not leaves:
            raise ValueError("a Merkle tree needs at least one leaf")
        level = [_hash32(leaf, "a leaf") for leaf in leaves]
        self.levels: list[list[bytes]] = [level]
        while len(level) > 1:
            parents = [node(level[i], level[i + 1]) for i in range(0, len(level) - 1, 2)]
            if len(level) % 2:
                parents.append(level[-1])
            self.levels.append(parents)
            level = parents

    def __len__(self) -> int:
        return len(self.levels[0])

    @property
    def leaves(self) -> list[bytes]:
        return list(self.levels[0])

    @property
    def root(self) -> bytes:
        return self.levels[-1][0]

    def proof(self, index: int) -> list[bytes]:
        """The siblings from leaf `index` up to the root (levels where the node was carried
        up alone contribute nothing)."""
        if not 0 <= index < len(self):
            raise IndexError(f"no leaf {index} in a tree of {len(self)}")
        path = []
        for level in self.levels[:-1]:
            sibling = index ^ 1
            if sibling < len(level):
                path.append(level[sibling])
            index //= 2
        return path


def verify_path(leaf: bytes, path: Sequence[bytes], root: bytes) -> bool:
    """Whether hashing `leaf` up through `path` gives `root`. Only as strong as the leaf:
    a verifier recomputes the leaf from the document rather than trusting a given one."""
    if len(leaf) != HASH_LENGTH or len(root) != HASH_LENGTH:
        return False
    current = leaf
    for sibling in path:
        if len(sibling) != HASH_LENGTH:
            return False
        current = node(current, sibling)
    return current == root


def _hex(value: bytes) -> str:
    return "0x" + bytes(value).hex()


def anchor_proof(
    *,
    chain_id: int,
    transaction_hash: str,
    block_number: int,
    anchored_by: str,
    root: bytes,
    leaf: bytes,
    path: Sequence[bytes],
) -> dict[str, Any]:
    """The IworkzMerkleAnchor2026 proof object a credential carries once its batch is mined."""
    return {
        "type": ANCHOR_PROOF_TYPE,
        "chainId": chain_id,
        "transactionHash": transaction_hash.lower(),
        "blockNumber": block_number,
        "anchoredBy": to_checksum_address(anchored_by),
        "merkleRoot": _hex(_hash32(root, "a Merkle root")),
        "leaf": _hex(_hash32(leaf, "a leaf")),
        "path": [_hex(_hash32(sibling, "a path node")) for sibling in path],
    }
