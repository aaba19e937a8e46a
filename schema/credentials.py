"""Credentials: issuer keys, issued credentials, and public verification."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

import strawberry
from strawberry.scalars import JSON

from domain.clock import utcnow
from domain.credentials.documents import CredentialType
from domain.credentials.models import Credential as CredentialRow
from domain.credentials.models import CredentialStatus
from domain.credentials.models import IssuerKey as IssuerKeyRow
from domain.credentials.queries import effective_status
from domain.credentials.verification import Check, CheckName, CheckOutcome, Verification
from schema.context import Info
from schema.errors import UserError
from schema.ids import to_global_id
from schema.organizations import Organization
from schema.relay import Node

strawberry.enum(CredentialType, description="What a credential attests.")
strawberry.enum(
    CredentialStatus,
    description="AWAITING_SIGNATURE (prepared for an issuer that signs itself) → ISSUED "
    "(signed) → ANCHORED (its Merkle root is on chain); REVOKED by the issuer; EXPIRED after "
    "validUntil.",
)
strawberry.enum(CheckName, description="One check of a credential's verification.")
strawberry.enum(CheckOutcome, description="PASSED, FAILED, or SKIPPED when it could not run.")


@strawberry.enum(description="Who holds an issuer key's private part.")
class KeyHolder(StrEnum):
    PLATFORM = "PLATFORM"
    ISSUER = "ISSUER"


@strawberry.type(description="An Ethereum key an issuer signs credentials with.")
class IssuerKey:
    id: strawberry.ID
    address: str = strawberry.field(description="Checksummed Ethereum address.")
    label: str
    held_by: KeyHolder
    valid_from: datetime
    valid_until: datetime | None
    retired_at: datetime | None
    compromised_at: datetime | None = strawberry.field(
        description="Nothing signed with this key verifies unless anchored before this time."
    )
    created_at: datetime

    @classmethod
    def from_row(cls, row: IssuerKeyRow) -> IssuerKey:
        return cls(
            id=strawberry.ID(to_global_id("IssuerKey", row.id)),
            address=row.address,
            label=row.label,
            held_by=KeyHolder.PLATFORM if row.private_key_encrypted else KeyHolder.ISSUER,
            valid_from=row.valid_from,
            valid_until=row.valid_until,
            retired_at=row.retired_at,
            compromised_at=row.compromised_at,
            created_at=row.created_at,  # type: ignore[arg-type]
        )


@strawberry.type(description="Where a credential's Merkle root is on chain.")
class CredentialAnchor:
    chain_id: str = strawberry.field(description="Decimal: chain ids can exceed 32 bits.")
    transaction_hash: str
    block_number: int
    merkle_root: str


@strawberry.type(
    description="A W3C Verifiable Credential about a worker, signed by an issuer and anchored "
    "on chain. `document` is what the worker shares; anyone can check it with "
    "`verifyCredential` or `iworkz verify`."
)
class Credential(Node):
    pk: strawberry.Private[uuid.UUID]
    issuer_pk: strawberry.Private[uuid.UUID]
    profile_pk: strawberry.Private[uuid.UUID]
    credential_type: CredentialType
    name: str
    status: CredentialStatus
    valid_from: datetime
    valid_until: datetime | None
    issued_at: datetime
    anchored_at: datetime | None
    revoked_at: datetime | None
    revocation_reason: str | None
    document: JSON = strawberry.field(description="The W3C VC 2.0 document with its proofs.")
    anchor: CredentialAnchor | None

    @classmethod
    def from_row(cls, row: CredentialRow) -> Credential:
        proofs = row.document.get("proof") or []
        anchor_proof = proofs[1] if len(proofs) > 1 else None
        return cls(
            id=strawberry.ID(to_global_id("Credential", row.id)),
            pk=row.id,
            issuer_pk=row.organization_id,
            profile_pk=row.subject_profile_id,
            credential_type=CredentialType(row.credential_type),
            name=row.name,
            status=effective_status(row, utcnow()),
            valid_from=row.valid_from,
            valid_until=row.valid_until,
            issued_at=row.created_at,  # type: ignore[arg-type]
            anchored_at=row.anchored_at,
            revoked_at=row.revoked_at,
            revocation_reason=row.revocation_reason,
            document=row.document,  # type: ignore[arg-type]
            anchor=CredentialAnchor(
                chain_id=str(anchor_proof["chainId"]),
                transaction_hash=anchor_proof["transactionHash"],
                block_number=anchor_proof["blockNumber"],
                merkle_root=anchor_proof["merkleRoot"],
            )
            if anchor_proof
            else None,
        )

    @strawberry.field(description="The issuing organisation.")
    async def issuer(self, info: Info) -> Organization | None:
        row = await info.context.loaders.organization.load(self.issuer_pk)
        return Organization.from_row(row) if row else None


@strawberry.type(description="The result of one verification check.")
class CredentialCheck:
    name: CheckName
    outcome: CheckOutcome
    reason: str

    @classmethod
    def from_check(cls, check: Check) -> CredentialCheck:
        return cls(name=check.name, outcome=check.outcome, reason=check.reason)


@strawberry.type(
    description="Every check run on a credential document, each with its outcome and reason. "
    "`verified` is true only when every check passed."
)
class CredentialVerification:
    verified: bool
    checks: list[CredentialCheck]
    anchored_at: datetime | None

    @classmethod
    def from_verification(cls, verification: Verification) -> CredentialVerification:
        return cls(
            verified=verification.verified,
            checks=[CredentialCheck.from_check(check) for check in verification.checks],
            anchored_at=verification.anchored_at,
        )


@strawberry.input(description="A signing key for an issuer organisation.")
class AddIssuerKeyInput:
    label: str
    organization_id: strawberry.ID | None = strawberry.field(
        default=None, description="Needed only if you act for several organisations."
    )
    valid_from: datetime | None = strawberry.field(default=None, description="Default: now.")
    valid_until: datetime | None = None
    address: str | None = strawberry.field(
        default=None,
        description="Your own key's address, if you sign on your side (prepareCredential). "
        "Omit it to let the platform generate and hold an encrypted key.",
    )


@strawberry.input(description="Stop signing with a key from a moment on.")
class RetireIssuerKeyInput:
    id: strawberry.ID
    at: datetime | None = strawberry.field(default=None, description="Default: now.")


@strawberry.input(description="A key that leaked: nothing it signed from `since` verifies.")
class MarkIssuerKeyCompromisedInput:
    id: strawberry.ID
    since: datetime


@strawberry.type(description="The issuer key, or the errors that stopped the change.")
class IssuerKeyPayload:
    issuer_key: IssuerKey | None
    errors: list[UserError]


@strawberry.input(description="Vouch for an issuer organisation (admins), or withdraw it.")
class SetIssuerTrustInput:
    organization_id: strawberry.ID
    trusted: bool


@strawberry.type(description="The organisation, or the errors.")
class SetIssuerTrustPayload:
    organization: Organization | None
    errors: list[UserError]


@strawberry.input(description="A credential to issue to a worker.")
class IssueCredentialInput:
    worker_id: strawberry.ID
    credential_type: CredentialType
    name: str = strawberry.field(description="What is attested, e.g. 'Forklift licence'.")
    attributes: JSON | None = strawberry.field(
        default=None, description="Flat object of up to 50 strings, numbers or booleans."
    )
    organization_id: strawberry.ID | None = None
    valid_from: datetime | None = strawberry.field(default=None, description="Default: now.")
    valid_until: datetime | None = None
    key_id: strawberry.ID | None = strawberry.field(
        default=None, description="Default: the newest usable key."
    )
    idempotency_key: str | None = strawberry.field(
        default=None, description="Repeating a request with the same key issues nothing new."
    )


@strawberry.type(description="The credential, or the errors that stopped the change.")
class CredentialPayload:
    credential: Credential | None
    errors: list[UserError]


@strawberry.type(description="The prepared credential and the EIP-712 message to sign.")
class PrepareCredentialPayload:
    credential: Credential | None
    typed_data: JSON | None = strawberry.field(
        description="Sign with eth_signTypedData_v4, then call submitCredentialSignature."
    )
    errors: list[UserError]


@strawberry.input(description="The issuer's own signature of a prepared credential.")
class SubmitCredentialSignatureInput:
    id: strawberry.ID
    signature: str = strawberry.field(description="0x-hex, 65 bytes (r, s, v).")


@strawberry.input(description="The credential to revoke, and why.")
class RevokeCredentialInput:
    id: strawberry.ID
    reason: str
