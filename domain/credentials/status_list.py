"""Revocation status lists (W3C Bitstring Status List v1.0).

Each credential names one bit of a list its issuer publishes; a set bit means revoked. A
verifier downloads the whole list, so the issuer never learns which credential is being
checked, and the minimum size of 131,072 bits keeps any one credential in a large crowd.
Encoding: the bitstring (bit 0 = most significant bit of the first byte), gzip-compressed,
base64url without padding, with the multibase prefix "u".
"""

from __future__ import annotations

import base64
import binascii
import re
import struct
import zlib
from collections.abc import Iterable
from datetime import datetime
from typing import Any
from uuid import UUID

from domain.credentials.documents import VC_CONTEXT, VERIFIABLE_CREDENTIAL, format_time, urn_uuid

STATUS_LIST_BITS = 131_072
# Refuse to inflate more than this (a "zip bomb" list would otherwise exhaust memory):
# 128 Mi bits, a thousand times the minimum.
MAX_STATUS_LIST_BYTES = 16 * 1024 * 1024
MULTIBASE_BASE64URL = "u"
STATUS_LIST_CREDENTIAL_TYPE = "BitstringStatusListCredential"
STATUS_LIST_TYPE = "BitstringStatusList"
STATUS_PURPOSE_REVOCATION = "revocation"

# A fixed gzip header (no name, mtime 0, XFL 0, OS Unix) so that the same bits always give
# the same string whatever the Python version; it is the header of the W3C examples.
_GZIP_HEADER = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03"
_BASE64URL = re.compile(r"\A[A-Za-z0-9_-]*\Z")


def encode_status_list(set_indexes: Iterable[int], size: int = STATUS_LIST_BITS) -> str:
    """The encodedList of a list of `size` bits with exactly `set_indexes` set."""
    if size < STATUS_LIST_BITS or size % 8:
        raise ValueError(f"a status list is a multiple of 8 bits, at least {STATUS_LIST_BITS}")
    bits = bytearray(size // 8)
    for index in set_indexes:
        if not 0 <= index < size:
            raise ValueError(f"index {index} is outside a list of {size} bits")
        bits[index // 8] |= 0x80 >> (index % 8)
    compressor = zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS)
    body = compressor.compress(bytes(bits)) + compressor.flush()
    trailer = struct.pack("<II", zlib.crc32(bits), len(bits) & 0xFFFFFFFF)
    packed = _GZIP_HEADER + body + trailer
    return MULTIBASE_BASE64URL + base64.urlsafe_b64encode(packed).rstrip(b"=").decode("ascii")


def decode_status_list(encoded: str) -> bytes:
    """The bitstring of an encodedList. ValueError for anything that is not one: another
    multibase, bad base64url, not gzip, truncated, trailing bytes, too short, too large."""
    if not isinstance(encoded, str) or not encoded.startswith(MULTIBASE_BASE64URL):
        raise ValueError('an encodedList starts with the multibase prefix "u" (base64url)')
    text = encoded[1:]
    if not _BASE64URL.match(text) or len(text) % 4 == 1:
        raise ValueError("an encodedList is base64url without padding")
    try:
        packed = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError) as error:
        raise ValueError(f"an encodedList is base64url without padding: {error}") from None
    inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)  # gzip wrapper only
    try:
        bits = inflater.decompress(packed, MAX_STATUS_LIST_BYTES + 1)
    except zlib.error as error:
        raise ValueError(f"an encodedList is gzip-compressed: {error}") from None
    if len(bits) > MAX_STATUS_LIST_BYTES:
        raise ValueError(f"a status list of more than {MAX_STATUS_LIST_BYTES} bytes is refused")
    if not inflater.eof:
        raise ValueError("the encodedList is truncated")
    if inflater.unused_data:
        raise ValueError("the encodedList has bytes after its gzip stream")
    if len(bits) * 8 < STATUS_LIST_BITS:
        raise ValueError(f"a status list has at least {STATUS_LIST_BITS} bits")
    return bits


def bit_is_set(bitstring: bytes, index: int) -> bool:
    """Bit `index`, counting from the most significant bit of the first byte.
    IndexError when the list is shorter."""
    if not 0 <= index < len(bitstring) * 8:
        raise IndexError(f"bit {index} is outside a list of {len(bitstring) * 8} bits")
    return bool(bitstring[index // 8] & (0x80 >> (index % 8)))


def status_list_id(url: str) -> str:
    return f"{url}#list"


def status_list_credential(
    *, url: str, issuer_id: UUID, issuer_name: str, encoded_list: str, valid_from: datetime
) -> dict[str, Any]:
    """The BitstringStatusListCredential published at `url` (what credentialStatus.
    statusListCredential points to). `valid_from` is when this version of the list was made."""
    return {
        "@context": [VC_CONTEXT],
        "id": url,
        "type": [VERIFIABLE_CREDENTIAL, STATUS_LIST_CREDENTIAL_TYPE],
        "issuer": {"id": urn_uuid(issuer_id), "name": issuer_name},
        "validFrom": format_time(valid_from),
        "credentialSubject": {
            "id": status_list_id(url),
            "type": STATUS_LIST_TYPE,
            "statusPurpose": STATUS_PURPOSE_REVOCATION,
            "encodedList": encoded_list,
        },
    }
