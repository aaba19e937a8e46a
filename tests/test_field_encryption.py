"""Field encryption (AES-256-GCM under a key ring) and where its keys come from."""

from __future__ import annotations

import base64
import json
import stat
import uuid

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from domain.crypto.field_encryption import (
    NONCE_BYTES,
    DecryptionFailed,
    KeyConfigurationError,
    KeyRing,
    MalformedToken,
    UnknownKeyId,
    WrongKey,
    encode_key,
    field_aad,
    generate_key,
    key_id_of,
    parse_token,
)
from server.services import keyring_from_settings
from server.settings import Environment, Settings

RING = KeyRing({"k1": bytes(range(32)), "k2": bytes(range(32, 64))}, "k1")
AAD = field_aad("worker_personal_data", "phone", uuid.UUID(int=1))

aads = st.binary(max_size=64)


@given(value=st.text(max_size=500), aad=aads)
def test_decrypt_returns_what_was_encrypted(value, aad):
    token = RING.encrypt(value, aad)
    assert RING.decrypt(token, aad) == value
    assert key_id_of(token) == "k1"


@given(value=st.text(min_size=1, max_size=200), aad=aads, other=aads)
def test_a_ciphertext_only_decrypts_with_its_own_associated_data(value, aad, other):
    token = RING.encrypt(value, aad)
    if other != aad:
        with pytest.raises(DecryptionFailed):
            RING.decrypt(token, other)


@given(value=st.text(max_size=100), position=st.integers(min_value=0), bit=st.integers(0, 7))
def test_any_flipped_bit_of_nonce_ciphertext_or_tag_is_detected(value, position, bit):
    token = RING.encrypt(value, AAD)
    header, _, payload = token.rpartition(".")
    raw = bytearray(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    raw[position % len(raw)] ^= 1 << bit
    tampered = f"{header}.{base64.urlsafe_b64encode(bytes(raw)).rstrip(b'=').decode()}"
    with pytest.raises(DecryptionFailed):
        RING.decrypt(tampered, AAD)


def test_the_token_names_format_and_key_and_carries_a_fresh_96_bit_nonce():
    first, second = RING.encrypt("090-1234-5678", AAD), RING.encrypt("090-1234-5678", AAD)
    assert first != second
    assert first.startswith("v1.k1.") and len(first.split(".")) == 4
    nonces = {parse_token(t).payload[:NONCE_BYTES] for t in (first, second)}
    assert len(nonces) == 2 and all(len(n) == 12 for n in nonces)
    assert "090" not in first


def test_associated_data_tells_tables_columns_and_rows_apart():
    row = uuid.uuid4()
    assert (
        len(
            {
                field_aad("worker_personal_data", "phone", row),
                field_aad("worker_personal_data", "residence_card_number", row),
                field_aad("worker_personal_data", "phone", uuid.uuid4()),
                field_aad("other_table", "phone", row),
            }
        )
        == 4
    )


def test_wrong_key_under_the_same_id_is_reported_as_such():
    token = RING.encrypt("AB12345678CD", AAD)
    impostor = KeyRing({"k1": generate_key()}, "k1")
    with pytest.raises(WrongKey, match="'k1' is not the key"):
        impostor.decrypt(token, AAD)


def test_unknown_key_id_is_reported_with_the_configured_ones():
    token = RING.encrypt("AB12345678CD", AAD)
    other = KeyRing({"k9": generate_key()}, "k9")
    with pytest.raises(UnknownKeyId, match=r"key 'k1'.*configured: k9"):
        other.decrypt(token, AAD)


def test_relabelling_a_token_with_another_configured_key_fails():
    token = RING.encrypt("secret", AAD)
    _, _, check, payload = token.split(".")
    with pytest.raises(WrongKey):
        RING.decrypt(f"v1.k2.{check}.{payload}", AAD)
    k2_check = KeyRing(RING.keys, "k2").encrypt("x", AAD).split(".")[2]  # a real k2 header…
    with pytest.raises(DecryptionFailed):  # …still fails: the header is authenticated too
        RING.decrypt(f"v1.k2.{k2_check}.{payload}", AAD)


@pytest.mark.parametrize(
    "token",
    [
        "",
        "090-1234-5678",
        "v2.k1.abc.def",
        "v1.k1.abc",
        "v1.k 1.abc.AAAA",
        "v1.k1.abc.@@@@",
        "v1.k1.abc.AAAA",
    ],
)
def test_malformed_tokens_are_refused_clearly(token):
    with pytest.raises(MalformedToken):
        RING.decrypt(token, AAD)


def test_rotation_add_a_key_reencrypt_then_drop_the_old_one():
    old_token = RING.encrypt("old value", AAD)
    rotated = RING.with_key("k3", generate_key(), active=True)
    assert rotated.decrypt(old_token, AAD) == "old value"
    assert not rotated.is_current(old_token)
    moved = rotated.reencrypt(old_token, AAD)
    assert key_id_of(moved) == "k3" and rotated.reencrypt(moved, AAD) == moved
    retired = rotated.without_key("k1").without_key("k2")
    assert retired.decrypt(moved, AAD) == "old value"
    with pytest.raises(UnknownKeyId):
        retired.decrypt(old_token, AAD)


@pytest.mark.parametrize(
    ("keys", "active", "message"),
    [
        ({"k1": b"short"}, "k1", "needs 32"),
        ({"k1": bytes(32)}, "k2", "not among the keys"),
        ({"bad id!": bytes(32)}, "bad id!", "must be 1–40"),
        ({}, "k1", "none"),
    ],
)
def test_unusable_key_rings_are_refused(keys, active, message):
    with pytest.raises(KeyConfigurationError, match=message):
        KeyRing(keys, active)


def test_the_active_key_cannot_be_removed():
    with pytest.raises(KeyConfigurationError):
        RING.without_key("k1")


def test_key_material_never_appears_in_repr():
    key = bytes(range(32))
    assert repr(RING) == "KeyRing(key_ids=['k1', 'k2'], active_key_id='k1')"
    assert encode_key(key) not in repr(RING) and str(key) not in repr(RING)


# --- keys from settings -------------------------------------------------------------------


def _settings(tmp_path, **overrides) -> Settings:
    values = {"database_url": "postgresql://unused/db", "data_dir": tmp_path, **overrides}
    return Settings(**values)


PRODUCTION = {
    "environment": Environment.PRODUCTION,
    "jwt_secret": "x" * 40,
    "chain_rpc_url": "https://rpc.example",
    "chain_anchor_private_key": "0x" + "11" * 32,
}


def test_production_requires_configured_keys(tmp_path):
    with pytest.raises(ValidationError, match="DATA_ENCRYPTION_KEYS and DATA_ENCRYPTION_ACTIVE"):
        _settings(tmp_path, **PRODUCTION)
    configured = _settings(
        tmp_path,
        **PRODUCTION,
        data_encryption_keys={"2026-01": encode_key(generate_key())},
        data_encryption_active_key="2026-01",
    )
    assert keyring_from_settings(configured).active_key_id == "2026-01"
    assert not (tmp_path / "data-encryption-keys.json").exists()


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"data_encryption_keys": {"a": encode_key(bytes(32))}}, "together"),
        ({"data_encryption_active_key": "a"}, "together"),
        (
            {
                "data_encryption_keys": {"a": encode_key(bytes(32))},
                "data_encryption_active_key": "b",
            },
            "'b' is not in",
        ),
    ],
)
def test_incomplete_key_settings_are_refused(tmp_path, overrides, message):
    with pytest.raises(ValidationError, match=message):
        _settings(tmp_path, **overrides)


def test_bad_key_material_stops_start_up(tmp_path):
    settings = _settings(
        tmp_path,
        data_encryption_keys={"a": base64.b64encode(bytes(16)).decode()},
        data_encryption_active_key="a",
    )
    with pytest.raises(KeyConfigurationError, match="16 bytes"):
        keyring_from_settings(settings)


def test_keys_are_read_from_the_environment_as_json(tmp_path, monkeypatch):
    old, new = generate_key(), generate_key()
    monkeypatch.setenv(
        "DATA_ENCRYPTION_KEYS", json.dumps({"old": encode_key(old), "new": encode_key(new)})
    )
    monkeypatch.setenv("DATA_ENCRYPTION_ACTIVE_KEY", "new")
    settings = _settings(tmp_path)
    ring = keyring_from_settings(settings)
    assert ring.active_key_id == "new" and dict(ring.keys) == {"old": old, "new": new}
    assert encode_key(old) not in repr(settings)


def test_outside_production_a_key_is_generated_once_into_data_dir(tmp_path):
    first = keyring_from_settings(_settings(tmp_path))
    path = tmp_path / "data-encryption-keys.json"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    second = keyring_from_settings(_settings(tmp_path))
    assert first.keys == second.keys and first.active_key_id == second.active_key_id
    assert second.decrypt(first.encrypt("kept across restarts", AAD), AAD) == "kept across restarts"
    assert [p.name for p in tmp_path.iterdir()] == ["data-encryption-keys.json"]
