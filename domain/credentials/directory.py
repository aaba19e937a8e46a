"""What a verifier trusts besides the chain: which keys belong to which issuers (and when
they were valid), which accounts anchor for iWORKZ, and which credentials are revoked.

The protocols let the API answer from the database while the CLI answers from the public
JSON (/credentials/issuers and the status lists) without our database at all.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol
from uuid import UUID

from eth_utils import to_checksum_address

from domain.credentials.documents import (
    VERIFIABLE_CREDENTIAL,
    ParsedCredential,
    parse_time,
    urn_uuid,
)
from domain.credentials.status_list import (
    STATUS_LIST_CREDENTIAL_TYPE,
    STATUS_PURPOSE_REVOCATION,
    bit_is_set,
    decode_status_list,
)


@dataclass(frozen=True)
class IssuerKeyRecord:
    """One signing key of one issuer, with the times that bound its use."""

    address: str  # checksummed
    issuer_id: UUID
    issuer_name: str
    issuer_trusted: bool
    valid_from: datetime
    valid_until: datetime | None
    retired_at: datetime | None  # the issuer stopped using it (rotation)
    compromised_at: datetime | None  # the key leaked: nothing signed after this counts


class IssuerDirectory(Protocol):
    async def key(self, address: str) -> IssuerKeyRecord | None:
        """The record of a signing key, whatever the case of `address`; None when unknown."""
        ...

    @property
    def anchoring_addresses(self) -> frozenset[str]:
        """The checksummed accounts whose anchor transactions count: anyone can put a root
        on chain, only these put ours."""
        ...


def checksummed(address: str) -> str | None:
    """The EIP-55 spelling of an address, or None when it is not one."""
    try:
        return str(to_checksum_address(address))
    except (ValueError, TypeError):
        return None


class MalformedDirectory(ValueError):
    """The directory JSON does not have the shape StaticIssuerDirectory.to_json gives."""


def _format_moment(moment: datetime) -> str:
    """RFC 3339 UTC with a Z, keeping any fraction of a second (the times come from the
    database, and rounding a compromise time would move it)."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("directory times must be timezone-aware")
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _parse_moment(value: Any, where: str) -> datetime:
    if not isinstance(value, str):
        raise MalformedDirectory(f"{where} must be a time string")
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise MalformedDirectory(f"{where} is not an RFC 3339 time: {value!r}") from None
    if moment.tzinfo is None:
        raise MalformedDirectory(f"{where} has no time zone: {value!r}")
    return moment.astimezone(UTC)


def _optional_moment(value: Any, where: str) -> datetime | None:
    return None if value is None else _parse_moment(value, where)


def _member(data: Any, key: str, where: str) -> Any:
    if not isinstance(data, Mapping):
        raise MalformedDirectory(f"{where} must be a JSON object")
    if key not in data:
        raise MalformedDirectory(f"missing {where}.{key}")
    return data[key]


def _list(value: Any, where: str) -> list[Any]:
    if not isinstance(value, list):
        raise MalformedDirectory(f"{where} must be a list")
    return value


def _address(value: Any, where: str) -> str:
    address = checksummed(value) if isinstance(value, str) else None
    if address is None:
        raise MalformedDirectory(f"{where} is not an Ethereum address: {value!r}")
    return address


class StaticIssuerDirectory:
    """A directory held in memory: built from records, or from the public JSON

        {"anchoringAddresses": ["0x…"],
         "issuers": [{"id": "urn:uuid:…", "name": "…", "trusted": true,
                      "keys": [{"address": "0x…", "validFrom": "…", "validUntil": null,
                                "retiredAt": null, "compromisedAt": null}]}]}

    Issuers without keys have nothing to verify and are not kept."""

    def __init__(
        self, keys: Iterable[IssuerKeyRecord] = (), anchoring_addresses: Iterable[str] = ()
    ) -> None:
        self._keys: dict[str, IssuerKeyRecord] = {}
        issuers: dict[UUID, tuple[str, bool]] = {}
        for record in keys:
            address = checksummed(record.address)
            if address is None:
                raise ValueError(f"not an Ethereum address: {record.address!r}")
            if address in self._keys:
                raise ValueError(f"key {address} is listed twice")
            known = issuers.setdefault(
                record.issuer_id, (record.issuer_name, record.issuer_trusted)
            )
            if known != (record.issuer_name, record.issuer_trusted):
                raise ValueError(f"issuer {record.issuer_id} has two names or trust states")
            self._keys[address] = dataclasses.replace(record, address=address)
        anchoring = set()
        for value in anchoring_addresses:
            address = checksummed(value)
            if address is None:
                raise ValueError(f"not an Ethereum address: {value!r}")
            anchoring.add(address)
        self._anchoring = frozenset(anchoring)

    async def key(self, address: str) -> IssuerKeyRecord | None:
        normalized = checksummed(address)
        return None if normalized is None else self._keys.get(normalized)

    @property
    def anchoring_addresses(self) -> frozenset[str]:
        return self._anchoring

    @property
    def keys(self) -> tuple[IssuerKeyRecord, ...]:
        return tuple(self._keys.values())

    def to_json(self) -> dict[str, Any]:
        """The public JSON shape (see the class docstring), issuers in first-seen order."""
        issuers: dict[UUID, dict[str, Any]] = {}
        for record in self._keys.values():
            issuer = issuers.setdefault(
                record.issuer_id,
                {
                    "id": urn_uuid(record.issuer_id),
                    "name": record.issuer_name,
                    "trusted": record.issuer_trusted,
                    "keys": [],
                },
            )
            issuer["keys"].append(
                {
                    "address": record.address,
                    "validFrom": _format_moment(record.valid_from),
                    "validUntil": _optional(record.valid_until),
                    "retiredAt": _optional(record.retired_at),
                    "compromisedAt": _optional(record.compromised_at),
                }
            )
        return {
            "anchoringAddresses": sorted(self._anchoring),
            "issuers": list(issuers.values()),
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> StaticIssuerDirectory:
        """Read the public JSON; MalformedDirectory (a ValueError) names the first problem."""
        anchoring = [
            _address(value, f"anchoringAddresses[{position}]")
            for position, value in enumerate(
                _list(_member(data, "anchoringAddresses", "the directory"), "anchoringAddresses")
            )
        ]
        records = []
        issuers = _list(_member(data, "issuers", "the directory"), "issuers")
        for position, issuer in enumerate(issuers):
            where = f"issuers[{position}]"
            issuer_id = _issuer_id(_member(issuer, "id", where), f"{where}.id")
            name = _member(issuer, "name", where)
            trusted = _member(issuer, "trusted", where)
            if not isinstance(name, str):
                raise MalformedDirectory(f"{where}.name must be a string")
            if not isinstance(trusted, bool):
                raise MalformedDirectory(f"{where}.trusted must be true or false")
            for index, key in enumerate(_list(_member(issuer, "keys", where), f"{where}.keys")):
                at = f"{where}.keys[{index}]"
                records.append(
                    IssuerKeyRecord(
                        address=_address(_member(key, "address", at), f"{at}.address"),
                        issuer_id=issuer_id,
                        issuer_name=name,
                        issuer_trusted=trusted,
                        valid_from=_parse_moment(_member(key, "validFrom", at), f"{at}.validFrom"),
                        valid_until=_optional_moment(key.get("validUntil"), f"{at}.validUntil"),
                        retired_at=_optional_moment(key.get("retiredAt"), f"{at}.retiredAt"),
                        compromised_at=_optional_moment(
                            key.get("compromisedAt"), f"{at}.compromisedAt"
                        ),
                    )
                )
        try:
            return cls(records, anchoring)
        except ValueError as error:
            raise MalformedDirectory(str(error)) from None


def _optional(moment: datetime | None) -> str | None:
    return None if moment is None else _format_moment(moment)


def _issuer_id(value: Any, where: str) -> UUID:
    if not isinstance(value, str) or not value.startswith("urn:uuid:"):
        raise MalformedDirectory(f"{where} must be urn:uuid:<uuid>")
    try:
        return UUID(value[len("urn:uuid:") :])
    except ValueError:
        raise MalformedDirectory(f"{where} must be urn:uuid:<uuid>") from None


# --- revocation -------------------------------------------------------------------------


@dataclass(frozen=True)
class Revocation:
    revoked_at: datetime
    reason: str | None  # None when the source does not say (a status list bit)


class RevocationUnknown(Exception):
    """Whether the credential is revoked cannot be told (its status list is missing or
    unreadable); the verifier reports the NOT_REVOKED check as skipped with this reason."""


class RevocationRegistry(Protocol):
    async def revocation(self, credential: ParsedCredential) -> Revocation | None:
        """The revocation of `credential`, None when it is not revoked; RevocationUnknown
        when that cannot be told."""
        ...


class StatusListRevocations:
    """Revocations read from published status list credentials, {url: credential}.

    A set bit says "revoked" but neither when nor why; revoked_at is the list's validFrom
    (the revocation happened no later than that). A credential without a status entry
    cannot be revoked through a list and is reported not revoked."""

    def __init__(self, status_lists: Mapping[str, Mapping[str, Any]]) -> None:
        self._lists = dict(status_lists)
        self._decoded: dict[str, tuple[bytes, datetime]] = {}

    async def revocation(self, credential: ParsedCredential) -> Revocation | None:
        url, index = credential.status_list_url, credential.status_list_index
        if url is None or index is None:
            return None
        bits, issued = self._read(url)
        try:
            revoked = bit_is_set(bits, index)
        except IndexError:
            raise RevocationUnknown(
                f"status list index {index} is beyond the {len(bits) * 8} bits of {url}"
            ) from None
        return Revocation(revoked_at=issued, reason=None) if revoked else None

    def _read(self, url: str) -> tuple[bytes, datetime]:
        if url not in self._decoded:
            if url not in self._lists:
                raise RevocationUnknown(f"no status list given for {url}")
            try:
                self._decoded[url] = _read_status_list(url, self._lists[url])
            except (ValueError, TypeError, KeyError, AttributeError) as error:
                raise RevocationUnknown(f"the status list {url} is unreadable: {error}") from None
        return self._decoded[url]


def _read_status_list(url: str, document: Mapping[str, Any]) -> tuple[bytes, datetime]:
    if document.get("id") != url:
        raise ValueError(f"its id is not {url}")
    types = document.get("type")
    if not isinstance(types, list) or types[:1] != [VERIFIABLE_CREDENTIAL]:
        raise ValueError("it is not a verifiable credential")
    if STATUS_LIST_CREDENTIAL_TYPE not in types:
        raise ValueError(f"it is not a {STATUS_LIST_CREDENTIAL_TYPE}")
    subject = document["credentialSubject"]
    if subject.get("statusPurpose") != STATUS_PURPOSE_REVOCATION:
        raise ValueError("its statusPurpose is not revocation")
    issued = parse_time(document["validFrom"])
    return decode_status_list(subject["encodedList"]), issued
