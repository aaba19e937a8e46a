"""Credentials: issuer keys, issued credentials, and public verification."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

import strawberry
from strawberry.scalars import JSON

from domain.clock import utcnow
from domain.credentials.documents import CredentialType, read_proofs
from domain.credentials.models import Credential as CredentialRow
from domain.credentials.models import CredentialStatus
from domain.credentials.models import IssuerKey as IssuerKeyRow
from domain.credentials.queries import effective_status
from domain.credentials.verification import Check, CheckName, CheckOutcome, Verification
from schema.context import Info
from schema.enums import describe_values
from schema.errors import UserError
from schema.ids import node_id
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
describe_values(
    CredentialType,
    {
        CredentialType.LICENCE: "A licence to do a kind of work (forklift, crane, driving ...).",
        CredentialType.CERTIFICATE: "A qualification or training certificate.",
        CredentialType.LANGUAGE_TEST: "A language test result (JLPT, CEFR-rated tests ...).",
        CredentialType.EMPLOYMENT_HISTORY: "Employment with the issuing organisation.",
        CredentialType.RESIDENCE_STATUS: "A status of residence that allows work in Japan.",
    },
)
describe_values(
    CredentialStatus,
    {
        CredentialStatus.AWAITING_SIGNATURE: "Prepared; waiting for the issuer's own signature.",
        CredentialStatus.ISSUED: "Signed; waiting for its batch to be anchored on chain.",
        CredentialStatus.ANCHORED: "Signed and anchored: it can be verified.",
        CredentialStatus.REVOKED: "Revoked by its issuer.",
        CredentialStatus.EXPIRED: "Past its `validUntil`.",
    },
)
describe_values(
    CheckName,
    {
        CheckName.WELL_FORMED: "The document has exactly the credential format.",
        CheckName.INTEGRITY: "The document is byte for byte what was anchored.",
        CheckName.SIGNATURE: "The EIP-712 signature is by the key the document names.",
        CheckName.KEY_VALID: "The key was valid (not retired or compromised) when it signed.",
        CheckName.ISSUER_TRUSTED: "The key belongs to the named issuer, which is trusted.",
        CheckName.MERKLE_PROOF: "The Merkle path leads from the credential to the batch root.",
        CheckName.ANCHORED: "Our anchoring account put exactly that root on chain, confirmed.",
        CheckName.NOT_REVOKED: "The issuer has not revoked it.",
        CheckName.VALIDITY_PERIOD: "Now is within its validity period.",
    },
)
describe_values(
    CheckOutcome,
    {
        CheckOutcome.PASSED: "The check passed.",
        CheckOutcome.FAILED: "The check failed; `reason` says why.",
        CheckOutcome.SKIPPED: "The check could not run (e.g. not anchored yet, no status list).",
    },
)


@strawberry.enum(description="Who holds an issuer key's private part.")
class KeyHolder(StrEnum):
    PLATFORM = "PLATFORM"
    ISSUER = "ISSUER"


describe_values(
    KeyHolder,
    {
        KeyHolder.PLATFORM: "The platform generated the key and keeps it encrypted.",
        KeyHolder.ISSUER: "The issuer keeps the key and signs with `prepareCredential`.",
    },
)


@strawberry.type(description="An Ethereum key an issuer signs credentials with.")
class IssuerKey:
    id: strawberry.ID = strawberry.field(description="Opaque ID of the key.")
    address: str = strawberry.field(description="Checksummed Ethereum address.")
    label: str = strawberry.field(description="A name for the key, e.g. `2026 signing key`.")
    held_by: KeyHolder = strawberry.field(
        description="Whether the platform holds the private key (encrypted) or the issuer does.",
    )
    valid_from: datetime = strawberry.field(
        description="Credentials signed before this do not verify.",
    )
    valid_until: datetime | None = strawberry.field(
        description="Credentials signed from this time on do not verify; null: no end.",
    )
    retired_at: datetime | None = strawberry.field(
        description="When the issuer stopped signing with it; null while in use.",
    )
    compromised_at: datetime | None = strawberry.field(
        description="Nothing signed with this key verifies unless anchored before this time."
    )
    created_at: datetime = strawberry.field(description="When it was added.")

    @classmethod
    def from_row(cls, row: IssuerKeyRow) -> IssuerKey:
        return cls(
            id=node_id("IssuerKey", row.id),
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
    transaction_hash: str = strawberry.field(description="The anchoring transaction, 0x-hex.")
    block_number: int = strawberry.field(description="The block the transaction is in.")
    merkle_root: str = strawberry.field(
        description="The batch's Merkle root the transaction put on chain, 0x-hex.",
    )


@strawberry.type(
    description="A W3C Verifiable Credential about a worker, signed by an issuer and anchored "
    "on chain. `document` is what the worker shares; anyone can check it with "
    "`verifyCredential` or `iworkz verify`."
)
class Credential(Node):
    pk: strawberry.Private[uuid.UUID]
    issuer_pk: strawberry.Private[uuid.UUID]
    profile_pk: strawberry.Private[uuid.UUID]
    credential_type: CredentialType = strawberry.field(description="What it attests.")
    name: str = strawberry.field(description="What is attested, e.g. `Forklift licence`.")
    status: CredentialStatus = strawberry.field(description="Where the credential stands.")
    valid_from: datetime = strawberry.field(description="From when it is valid.")
    valid_until: datetime | None = strawberry.field(
        description="Until when it is valid; null: no end.",
    )
    issued_at: datetime = strawberry.field(description="When the issuer signed it.")
    anchored_at: datetime | None = strawberry.field(
        description="When its batch was confirmed on chain; null until then.",
    )
    revoked_at: datetime | None = strawberry.field(
        description="When it was revoked; null unless revoked.",
    )
    revocation_reason: str | None = strawberry.field(
        description="The issuer's reason for revoking it.",
    )
    document: JSON = strawberry.field(description="The W3C VC 2.0 document with its proofs.")
    anchor: CredentialAnchor | None = strawberry.field(
        description="Where it is anchored; null until anchored.",
    )

    @classmethod
    def from_row(cls, row: CredentialRow) -> Credential:
        _, anchor_proof = read_proofs(row.document)
        return cls(
            id=node_id("Credential", row.id),
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
                chain_id=str(anchor_proof.chain_id),
                transaction_hash=anchor_proof.transaction_hash,
                block_number=anchor_proof.block_number,
                merkle_root="0x" + anchor_proof.merkle_root.hex(),
            )
            if anchor_proof is not None
            else None,
        )

    @strawberry.field(description="The issuing organisation.")
    async def issuer(self, info: Info) -> Organization | None:
        row = await info.context.loaders.organization.load(self.issuer_pk)
        return Organization.from_row(row) if row else None


@strawberry.type(description="The result of one verification check.")
class CredentialCheck:
    name: CheckName = strawberry.field(description="Which check.")
    outcome: CheckOutcome = strawberry.field(description="Whether it passed.")
    reason: str = strawberry.field(
        description="What was found, e.g. the first problem of a malformed document.",
    )

    @classmethod
    def from_check(cls, check: Check) -> CredentialCheck:
        return cls(name=check.name, outcome=check.outcome, reason=check.reason)


@strawberry.type(
    description="Every check run on a credential document, each with its outcome and reason. "
    "`verified` is true only when every check passed."
)
class CredentialVerification:
    verified: bool = strawberry.field(description="True only when every check passed.")
    checks: list[CredentialCheck] = strawberry.field(
        description="Every check, in order, with its outcome.",
    )
    anchored_at: datetime | None = strawberry.field(
        description="The anchoring block's time, when the anchor checked out.",
    )

    @classmethod
    def from_verification(cls, verification: Verification) -> CredentialVerification:
        return cls(
            verified=verification.verified,
            checks=[CredentialCheck.from_check(check) for check in verification.checks],
            anchored_at=verification.anchored_at,
        )


@strawberry.input(description="A signing key for an issuer organisation.")
class AddIssuerKeyInput:
    label: str = strawberry.field(description="A name for the key.")
    organization_id: strawberry.ID | None = strawberry.field(
        default=None, description="Needed only if you act for several organisations."
    )
    valid_from: datetime | None = strawberry.field(default=None, description="Default: now.")
    valid_until: datetime | None = strawberry.field(
        default=None,
        description="When the key stops being valid; omit for no end.",
    )
    address: str | None = strawberry.field(
        default=None,
        description="Your own key's address, if you sign on your side (prepareCredential). "
        "Omit it to let the platform generate and hold an encrypted key.",
    )


@strawberry.input(description="Stop signing with a key from a moment on.")
class RetireIssuerKeyInput:
    id: strawberry.ID = strawberry.field(description="The key's ID.")
    at: datetime | None = strawberry.field(default=None, description="Default: now.")


@strawberry.input(description="A key that leaked: nothing it signed from `since` verifies.")
class MarkIssuerKeyCompromisedInput:
    id: strawberry.ID = strawberry.field(description="The key's ID.")
    since: datetime = strawberry.field(
        description="From when the key may have been in other hands.",
    )


@strawberry.type(description="The issuer key, or the errors that stopped the change.")
class IssuerKeyPayload:
    issuer_key: IssuerKey | None = strawberry.field(
        description="The key as it is now; null when it failed.",
    )
    errors: list[UserError] = strawberry.field(description="Why it failed; empty on success.")


@strawberry.input(description="Vouch for an issuer organisation (admins), or withdraw it.")
class SetIssuerTrustInput:
    organization_id: strawberry.ID = strawberry.field(description="The issuer organisation.")
    trusted: bool = strawberry.field(description="True to vouch for it, false to withdraw.")


@strawberry.type(description="The organisation, or the errors.")
class SetIssuerTrustPayload:
    organization: Organization | None = strawberry.field(
        description="The organisation as it is now; null when it failed.",
    )
    errors: list[UserError] = strawberry.field(description="Why it failed; empty on success.")


@strawberry.input(description="A credential to issue to a worker.")
class IssueCredentialInput:
    worker_id: strawberry.ID = strawberry.field(description="The worker the credential is about.")
    credential_type: CredentialType = strawberry.field(description="What it attests.")
    name: str = strawberry.field(description="What is attested, e.g. 'Forklift licence'.")
    attributes: JSON | None = strawberry.field(
        default=None, description="Flat object of up to 50 strings, numbers or booleans."
    )
    organization_id: strawberry.ID | None = strawberry.field(
        default=None,
        description="The issuer; needed only if you act for several.",
    )
    valid_from: datetime | None = strawberry.field(default=None, description="Default: now.")
    valid_until: datetime | None = strawberry.field(
        default=None,
        description="Until when it is valid; omit for no end.",
    )
    key_id: strawberry.ID | None = strawberry.field(
        default=None, description="Default: the newest usable key."
    )
    idempotency_key: str | None = strawberry.field(
        default=None, description="Repeating a request with the same key issues nothing new."
    )


@strawberry.type(description="The credential, or the errors that stopped the change.")
class CredentialPayload:
    credential: Credential | None = strawberry.field(
        description="The credential as it is now; null when it failed.",
    )
    errors: list[UserError] = strawberry.field(description="Why it failed; empty on success.")


@strawberry.type(description="The prepared credential and the EIP-712 message to sign.")
class PrepareCredentialPayload:
    credential: Credential | None = strawberry.field(
        description="The prepared credential (AWAITING_SIGNATURE).",
    )
    typed_data: JSON | None = strawberry.field(
        description="Sign with eth_signTypedData_v4, then call submitCredentialSignature."
    )
    errors: list[UserError] = strawberry.field(description="Why it failed; empty on success.")


@strawberry.input(description="The issuer's own signature of a prepared credential.")
class SubmitCredentialSignatureInput:
    id: strawberry.ID = strawberry.field(description="The prepared credential's ID.")
    signature: str = strawberry.field(description="0x-hex, 65 bytes (r, s, v).")


@strawberry.input(description="The credential to revoke, and why.")
class RevokeCredentialInput:
    id: strawberry.ID = strawberry.field(description="The credential's ID.")
    reason: str = strawberry.field(description="Why it is revoked; anyone verifying it sees this.")
