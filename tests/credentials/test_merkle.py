"""Merkle batches: leaves, sorted-pair nodes, paths for every leaf, and the domain
separation that keeps inner nodes from passing as leaves."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.credentials import merkle
from domain.credentials.canonical import keccak
from domain.credentials.merkle import (
    MerkleTree,
    anchor_proof,
    credential_leaf,
    node,
    revocation_leaf,
    verify_path,
)
from tests.credentials.engine_support import ANCHORING_KEY


@pytest.fixture(autouse=True)
def _clean_tables() -> None:
    """Replace the suite's database-cleaning fixture: these tests are pure."""


def leaves(count: int, salt: bytes = b"") -> list[bytes]:
    return [keccak(salt + index.to_bytes(4, "big")) for index in range(count)]


hashes = st.binary(min_size=32, max_size=32)


def test_the_leaf_formulas_match_the_contract():
    document_hash = keccak(b"document")
    signature = bytes(range(65))
    assert credential_leaf(document_hash, signature) == keccak(
        b"\x00" + document_hash + keccak(signature)
    )
    assert revocation_leaf(document_hash, "licence suspended") == keccak(
        b"\x02" + document_hash + keccak(b"licence suspended")
    )
    assert revocation_leaf(document_hash, "免許停止") == keccak(
        b"\x02" + document_hash + keccak("免許停止".encode())
    )


def test_a_node_hashes_its_children_sorted_with_the_node_prefix():
    a, b = leaves(2)
    low, high = sorted([a, b])
    assert node(a, b) == node(b, a) == keccak(b"\x01" + low + high)


def test_small_trees_have_the_contract_shape():
    a, b, c = leaves(3)
    assert MerkleTree([a]).root == a  # one leaf: root = leaf, empty path
    assert MerkleTree([a]).proof(0) == []
    assert MerkleTree([a, b]).root == node(a, b)
    assert MerkleTree([a, b, c]).root == node(node(a, b), c)  # odd node carried up
    assert MerkleTree([a, b, c]).proof(2) == [node(a, b)]
    assert MerkleTree([a, b, c]).proof(0) == [b, c]


@pytest.mark.parametrize("size", range(1, 34))
def test_every_leaf_of_trees_of_1_to_33_leaves_has_a_valid_path(size):
    batch = leaves(size)
    tree = MerkleTree(batch)
    for index, leaf in enumerate(batch):
        path = tree.proof(index)
        assert verify_path(leaf, path, tree.root)
        assert len(path) <= math.ceil(math.log2(size))  # log2(1) = 0: a lone leaf, no path
    outsider = keccak(b"not in the batch")
    assert not verify_path(outsider, tree.proof(0), tree.root)


@given(batch=st.lists(hashes, min_size=1, max_size=70), data=st.data())
def test_paths_verify_for_their_leaf_and_root_only(batch, data):
    tree = MerkleTree(batch)
    index = data.draw(st.integers(min_value=0, max_value=len(batch) - 1))
    path = tree.proof(index)
    assert verify_path(batch[index], path, tree.root)
    other = data.draw(hashes.filter(lambda h: h not in batch))
    assert not verify_path(other, path, tree.root)
    assert not verify_path(batch[index], path, keccak(tree.root))
    if path:
        position = data.draw(st.integers(min_value=0, max_value=len(path) - 1))
        broken = list(path)
        broken[position] = keccak(broken[position])
        assert not verify_path(batch[index], broken, tree.root)


def test_duplicate_leaves_are_fine():
    a, b = leaves(2)
    tree = MerkleTree([a, a, b])
    assert all(verify_path(leaf, tree.proof(i), tree.root) for i, leaf in enumerate([a, a, b]))


def test_an_inner_node_cannot_be_a_credential_or_revocation_leaf():
    """The naive tree's second preimage: hash(l0 ‖ l1) is both the parent of l0, l1 and
    the leaf of the 64-byte "document" l0 ‖ l1. Here leaves and nodes differ in prefix, so
    the children of a node, read as (documentHash, signatureHash), give another hash."""
    l0, l1 = sorted(leaves(2))
    inner = node(l0, l1)
    assert keccak(b"\x00" + l0 + l1) != inner
    assert keccak(b"\x02" + l0 + l1) != inner
    assert credential_leaf(l0, l1) != inner


def test_credential_and_revocation_leaves_never_collide():
    document_hash = keccak(b"document")
    text = "x" * 65
    assert credential_leaf(document_hash, text.encode()) != revocation_leaf(document_hash, text)


def test_a_path_with_bad_lengths_does_not_verify():
    a, b = leaves(2)
    root = MerkleTree([a, b]).root
    assert not verify_path(a, [b[:31]], root)
    assert not verify_path(a[:31], [b], root)
    assert not verify_path(a, [b], root[:31])


def test_a_big_batch_hashes_each_node_once_and_answers_paths_without_hashing(monkeypatch):
    batch = leaves(20_001)
    calls = 0
    real_node = merkle.node

    def counting_node(a: bytes, b: bytes) -> bytes:
        nonlocal calls
        calls += 1
        return real_node(a, b)

    monkeypatch.setattr(merkle, "node", counting_node)
    tree = MerkleTree(batch)
    assert calls <= len(batch) - 1  # linear: one hash per inner node, carried nodes free
    calls = 0
    paths = {index: tree.proof(index) for index in (0, 1, 9_999, 20_000)}
    assert calls == 0
    monkeypatch.setattr(merkle, "node", real_node)
    for index, path in paths.items():
        assert len(path) <= 15  # ceil(log2(20001))
        assert verify_path(batch[index], path, tree.root)


def test_trees_refuse_nothing_or_non_hashes():
    with pytest.raises(ValueError, match="at least one leaf"):
        MerkleTree([])
    with pytest.raises(ValueError, match="32 bytes"):
        MerkleTree([b"short"])
    with pytest.raises(IndexError):
        MerkleTree(leaves(3)).proof(3)


def test_the_anchor_proof_object_follows_the_contract():
    batch = leaves(5)
    tree = MerkleTree(batch)
    proof = anchor_proof(
        chain_id=31337,
        transaction_hash="0x" + "AB" * 32,
        block_number=12,
        anchored_by=ANCHORING_KEY.address.lower(),
        root=tree.root,
        leaf=batch[3],
        path=tree.proof(3),
    )
    assert proof == {
        "type": "IworkzMerkleAnchor2026",
        "chainId": 31337,
        "transactionHash": "0x" + "ab" * 32,
        "blockNumber": 12,
        "anchoredBy": ANCHORING_KEY.address,  # checksummed
        "merkleRoot": "0x" + tree.root.hex(),
        "leaf": "0x" + batch[3].hex(),
        "path": ["0x" + sibling.hex() for sibling in tree.proof(3)],
    }
