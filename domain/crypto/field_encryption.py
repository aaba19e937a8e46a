"""Field-level encryption: AES-256-GCM under a ring of keys, one of them active.

Why a module of its own: the database (and its backups and replicas) must never
reveal a worker's personal data, so each value is encrypted by the application
before it is written. The token format carries the key id, so keys can rotate:
new values use the active key, old ones decrypt with whichever key they name
until `iworkz reencrypt` moves them over and the old key can be dropped.

Token format, text so it fits a plain column::

    v1.<key id>.<key check>.<base64url(nonce ‖ ciphertext ‖ tag)>

- `v1` names the format, so it can change without guessing.
- The key check is 4 bytes of HMAC-SHA256(key, "iworkz key check"): it tells
  "this is not the key the value was written with" (a misconfigured key) apart
  from "the value was altered", without weakening the key.
- The nonce is 96 random bits, fresh for every encryption.
- The associated data is the caller's (table, column, row id — see `field_aad`)
  plus the token's header, so a ciphertext copied to another row or column, or
  relabelled with another key id, fails to decrypt.

Pure: only the standard library and `cryptography`.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

FORMAT_VERSION = "v1"
KEY_BYTES = 32  # AES-256
NONCE_BYTES = 12  # 96 bits, the size GCM is designed for
TAG_BYTES = 16
KEY_ID_PATTERN = re.compile(r"^[A-Za-z0-9_-]{1,40}$")
_KEY_CHECK_LABEL = b"iworkz key check"
_KEY_CHECK_BYTES = 4


class FieldEncryptionError(Exception):
    """Base of every failure to encrypt or decrypt a field; never carries plaintext."""


class KeyConfigurationError(FieldEncryptionError):
    """The key ring itself is unusable (bad key length, bad id, active key missing)."""


class MalformedToken(FieldEncryptionError):
    """The stored text is not a token this module wrote."""


class UnknownKeyId(FieldEncryptionError):
    """The token names a key the ring does not hold (removed too early, or never configured)."""


class WrongKey(FieldEncryptionError):
    """The ring holds a key under the token's id, but not the key the value was written with."""


class DecryptionFailed(FieldEncryptionError):
    """Authentication failed: the ciphertext was altered or belongs to another row or field."""


def _b64encode(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def _b64decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def key_check(key: bytes) -> str:
    """A short public fingerprint of a key, to detect a wrong key before trying it."""
    digest = hmac.new(key, _KEY_CHECK_LABEL, hashlib.sha256).digest()
    return _b64encode(digest[:_KEY_CHECK_BYTES])


def field_aad(table: str, column: str, row_id: uuid.UUID | str) -> bytes:
    """Associated data binding a ciphertext to exactly one row and column."""
    return f"iworkz|{table}|{column}|{row_id}".encode()


def generate_key() -> bytes:
    return os.urandom(KEY_BYTES)


def encode_key(key: bytes) -> str:
    """The text form keys take in settings: standard base64 of 32 bytes."""
    return base64.b64encode(key).decode("ascii")


def decode_key(key_id: str, text: str) -> bytes:
    try:
        key = base64.b64decode(text.strip(), validate=True)
    except (binascii.Error, ValueError):
        raise KeyConfigurationError(f"key {key_id!r} is not valid base64") from None
    if len(key) != KEY_BYTES:
        raise KeyConfigurationError(
            f"key {key_id!r} is {len(key)} bytes; AES-256 needs {KEY_BYTES}"
        )
    return key


@dataclass(frozen=True, slots=True)
class TokenParts:
    key_id: str
    check: str
    payload: bytes

    @property
    def header(self) -> str:
        return f"{FORMAT_VERSION}.{self.key_id}.{self.check}"


def parse_token(token: str) -> TokenParts:
    parts = token.split(".")
    if len(parts) != 4 or parts[0] != FORMAT_VERSION:
        raise MalformedToken(f"not a {FORMAT_VERSION} encrypted value")
    _, key_id, check, payload_text = parts
    if not KEY_ID_PATTERN.match(key_id):
        raise MalformedToken("the key id of an encrypted value is malformed")
    try:
        payload = _b64decode(payload_text)
    except (binascii.Error, ValueError):
        raise MalformedToken("an encrypted value is not valid base64url") from None
    if len(payload) < NONCE_BYTES + TAG_BYTES:
        raise MalformedToken("an encrypted value is too short to hold a nonce and a tag")
    return TokenParts(key_id, check, payload)


def key_id_of(token: str) -> str:
    """Which key a stored value is encrypted under (for rotation), without decrypting it."""
    return parse_token(token).key_id


@dataclass(frozen=True)
class KeyRing:
    """Every key that may still be needed to decrypt, and the one new values use."""

    keys: Mapping[str, bytes]
    active_key_id: str
    _ciphers: dict[str, AESGCM] = field(init=False, repr=False, compare=False)
    _checks: dict[str, str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        for key_id, key in self.keys.items():
            if not KEY_ID_PATTERN.match(key_id):
                raise KeyConfigurationError(
                    f"key id {key_id!r} must be 1–40 letters, digits, '-' or '_'"
                )
            if len(key) != KEY_BYTES:
                raise KeyConfigurationError(
                    f"key {key_id!r} is {len(key)} bytes; AES-256 needs {KEY_BYTES}"
                )
        if self.active_key_id not in self.keys:
            raise KeyConfigurationError(
                f"the active key {self.active_key_id!r} is not among the keys "
                f"({', '.join(sorted(self.keys)) or 'none'})"
            )
        object.__setattr__(self, "keys", dict(self.keys))
        object.__setattr__(self, "_ciphers", {k: AESGCM(v) for k, v in self.keys.items()})
        object.__setattr__(self, "_checks", {k: key_check(v) for k, v in self.keys.items()})

    def __repr__(self) -> str:  # never print key material
        return f"KeyRing(key_ids={sorted(self.keys)}, active_key_id={self.active_key_id!r})"

    @classmethod
    def from_encoded(cls, keys: Mapping[str, str], active_key_id: str) -> KeyRing:
        """From settings: key id → base64 of 32 bytes."""
        return cls(
            {key_id: decode_key(key_id, text) for key_id, text in keys.items()}, active_key_id
        )

    @classmethod
    def generate(cls, key_id: str) -> KeyRing:
        return cls({key_id: generate_key()}, key_id)

    def with_key(self, key_id: str, key: bytes, *, active: bool = False) -> KeyRing:
        """A ring with one more key (rotation step 1: add the new key and make it active)."""
        return KeyRing({**self.keys, key_id: key}, key_id if active else self.active_key_id)

    def without_key(self, key_id: str) -> KeyRing:
        """A ring without a retired key (rotation's last step, after `reencrypt`)."""
        return KeyRing({k: v for k, v in self.keys.items() if k != key_id}, self.active_key_id)

    def encrypt(self, value: str, aad: bytes) -> str:
        """Encrypt under the active key with a fresh nonce, bound to `aad`."""
        key_id = self.active_key_id
        header = f"{FORMAT_VERSION}.{key_id}.{self._checks[key_id]}"
        nonce = os.urandom(NONCE_BYTES)
        sealed = self._ciphers[key_id].encrypt(nonce, value.encode("utf-8"), _bound(aad, header))
        return f"{header}.{_b64encode(nonce + sealed)}"

    def decrypt(self, token: str, aad: bytes) -> str:
        """The plaintext, or a `FieldEncryptionError` saying why it cannot be had."""
        parts = parse_token(token)
        cipher = self._ciphers.get(parts.key_id)
        if cipher is None:
            raise UnknownKeyId(
                f"value is encrypted under key {parts.key_id!r}, which is not configured "
                f"(configured: {', '.join(sorted(self.keys))})"
            )
        if not hmac.compare_digest(parts.check, self._checks[parts.key_id]):
            raise WrongKey(
                f"the key configured as {parts.key_id!r} is not the key this value was "
                "encrypted with (or the value's header was altered)"
            )
        nonce, sealed = parts.payload[:NONCE_BYTES], parts.payload[NONCE_BYTES:]
        try:
            plaintext = cipher.decrypt(nonce, sealed, _bound(aad, parts.header))
        except InvalidTag:
            raise DecryptionFailed(
                "encrypted value failed authentication: it was altered, or it belongs "
                "to another row or field"
            ) from None
        return plaintext.decode("utf-8")

    def is_current(self, token: str) -> bool:
        """Whether a stored value is already under the active key."""
        return key_id_of(token) == self.active_key_id

    def reencrypt(self, token: str, aad: bytes) -> str:
        """The same plaintext under the active key (unchanged if it is already there)."""
        if self.is_current(token):
            return token
        return self.encrypt(self.decrypt(token, aad), aad)


def _bound(aad: bytes, header: str) -> bytes:
    # Length-prefix the caller's part so no two (aad, header) pairs encode alike.
    return len(aad).to_bytes(4, "big") + aad + header.encode("ascii")
