"""Credentials: issuer keys, issuing, revoking, listing and public verification."""

from __future__ import annotations

from typing import Annotated, Any

import strawberry
from strawberry.scalars import JSON

from domain.clock import utcnow
from domain.credentials import issuing, keys, registry, revocation
from domain.credentials.models import Credential as CredentialRow
from domain.credentials.models import IssuerKey as IssuerKeyRow
from resolvers.mutations import in_transaction, in_transaction_with_input
from schema.context import Info
from schema.credentials import (
    AddIssuerKeyInput,
    Credential,
    CredentialPayload,
    CredentialVerification,
    IssueCredentialInput,
    IssuerKey,
    IssuerKeyPayload,
    MarkIssuerKeyCompromisedInput,
    PrepareCredentialPayload,
    RetireIssuerKeyInput,
    RevokeCredentialInput,
    SetIssuerTrustInput,
    SetIssuerTrustPayload,
    SubmitCredentialSignatureInput,
)
from schema.inputs import to_domain
from schema.organizations import Organization

ID_TYPES = {"worker_id": "Worker", "key_id": "IssuerKey", "id": "IssuerKey"}
CREDENTIAL_ID = {"id": "Credential"}


def _credential_payload(row: CredentialRow | None, errors: list[Any]) -> CredentialPayload:
    return CredentialPayload(credential=Credential.from_row(row) if row else None, errors=errors)


def _key_payload(row: IssuerKeyRow | None, errors: list[Any]) -> IssuerKeyPayload:
    return IssuerKeyPayload(issuer_key=IssuerKey.from_row(row) if row else None, errors=errors)


async def verify_credential(
    info: Info,
    document: Annotated[
        JSON,
        strawberry.argument(
            description="The credential document (W3C VC JSON), as the worker shared it."
        ),
    ],
) -> CredentialVerification:
    """Run every check on a credential document (public: no sign-in needed)."""
    services = info.context.services
    chain = await services.chain()
    verification = await registry.verify_document(
        services.database.session,
        chain,
        document,
        anchoring_address=chain.address,
        min_confirmations=services.settings.chain_min_confirmations,
        now=utcnow(),
    )
    return CredentialVerification.from_verification(verification)


async def add_issuer_key(
    info: Info,
    input: Annotated[
        AddIssuerKeyInput,
        strawberry.argument(
            description="The key: its label, validity and, for a key you hold, its address."
        ),
    ],
) -> IssuerKeyPayload:
    """Add a signing key to your issuer organisation (generated and held encrypted by the
    platform, or your own address if you sign on your side)."""
    ctx = info.context
    key, errors = await in_transaction(
        info,
        lambda uow: keys.add_issuer_key(
            uow,
            ctx.principal,
            to_domain(input, drop_none=True),
            keyring=ctx.services.keyring,
            now=utcnow(),
        ),
    )
    return _key_payload(key, errors)


async def retire_issuer_key(
    info: Info,
    input: Annotated[
        RetireIssuerKeyInput, strawberry.argument(description="The key, and when it stops signing.")
    ],
) -> IssuerKeyPayload:
    """Stop signing with a key; what it signed before stays valid."""
    actor = info.context.principal
    return _key_payload(
        *await in_transaction_with_input(
            info,
            input,
            lambda uow, data: keys.retire_issuer_key(
                uow, actor, data["id"], at=data.get("at"), now=utcnow()
            ),
            id_types=ID_TYPES,
        )
    )


async def mark_issuer_key_compromised(
    info: Info,
    input: Annotated[
        MarkIssuerKeyCompromisedInput,
        strawberry.argument(description="The key, and since when it cannot be trusted."),
    ],
) -> IssuerKeyPayload:
    """Mark a key compromised from a moment (perhaps in the past)."""
    actor = info.context.principal
    return _key_payload(
        *await in_transaction_with_input(
            info,
            input,
            lambda uow, data: keys.mark_issuer_key_compromised(
                uow, actor, data["id"], since=data["since"], now=utcnow()
            ),
            id_types=ID_TYPES,
        )
    )


async def set_issuer_trust(
    info: Info,
    input: Annotated[
        SetIssuerTrustInput,
        strawberry.argument(
            description="The issuer organisation, and whether the platform vouches for it."
        ),
    ],
) -> SetIssuerTrustPayload:
    """Vouch for an issuer organisation, or withdraw it (admins)."""
    actor = info.context.principal
    organization, errors = await in_transaction_with_input(
        info,
        input,
        lambda uow, data: keys.set_issuer_trust(
            uow, actor, data["organization_id"], trusted=data["trusted"], now=utcnow()
        ),
    )
    return SetIssuerTrustPayload(
        organization=Organization.from_row(organization) if organization else None, errors=errors
    )


async def issue_credential(
    info: Info,
    input: Annotated[
        IssueCredentialInput,
        strawberry.argument(
            description="The credential to issue and sign with the platform-held key."
        ),
    ],
) -> CredentialPayload:
    """Issue a credential signed with one of your platform-held keys; it is anchored on
    chain in the next batch."""
    ctx = info.context
    settings = ctx.settings
    credential, errors = await in_transaction(
        info,
        lambda uow: issuing.issue_credential(
            uow,
            ctx.principal,
            to_domain(input, id_types=ID_TYPES, drop_none=True),
            keyring=ctx.services.keyring,
            base_url=settings.public_base_url,
            now=utcnow(),
            anchor_interval_seconds=settings.credential_anchor_interval_seconds,
        ),
    )
    return _credential_payload(credential, errors)


async def prepare_credential(
    info: Info,
    input: Annotated[
        IssueCredentialInput,
        strawberry.argument(
            description="The credential to prepare for signing with the issuer's own key."
        ),
    ],
) -> PrepareCredentialPayload:
    """Prepare a credential for a key you hold: sign `typedData`, then submit the signature."""
    ctx = info.context
    prepared, errors = await in_transaction(
        info,
        lambda uow: issuing.prepare_credential(
            uow,
            ctx.principal,
            to_domain(input, id_types=ID_TYPES, drop_none=True),
            base_url=ctx.settings.public_base_url,
            now=utcnow(),
        ),
    )
    if prepared is None:
        return PrepareCredentialPayload(credential=None, typed_data=None, errors=errors)
    return PrepareCredentialPayload(
        credential=Credential.from_row(prepared.credential),
        typed_data=prepared.typed_data,  # type: ignore[arg-type]
        errors=[],
    )


async def submit_credential_signature(
    info: Info,
    input: Annotated[
        SubmitCredentialSignatureInput,
        strawberry.argument(
            description="The prepared credential and the issuer's signature of it."
        ),
    ],
) -> CredentialPayload:
    """Complete a prepared credential with your own EIP-712 signature."""
    ctx = info.context
    return _credential_payload(
        *await in_transaction_with_input(
            info,
            input,
            lambda uow, data: issuing.submit_credential_signature(
                uow,
                ctx.principal,
                data["id"],
                data["signature"],
                now=utcnow(),
                anchor_interval_seconds=ctx.settings.credential_anchor_interval_seconds,
            ),
            id_types=CREDENTIAL_ID,
        )
    )


async def revoke_credential(
    info: Info,
    input: Annotated[
        RevokeCredentialInput,
        strawberry.argument(description="The credential, and why it is revoked."),
    ],
) -> CredentialPayload:
    """Revoke a credential you issued, with a reason; the revocation is anchored too."""
    ctx = info.context
    return _credential_payload(
        *await in_transaction_with_input(
            info,
            input,
            lambda uow, data: revocation.revoke_credential(
                uow,
                ctx.principal,
                data["id"],
                data["reason"],
                now=utcnow(),
                anchor_interval_seconds=ctx.settings.credential_anchor_interval_seconds,
            ),
            id_types=CREDENTIAL_ID,
        )
    )


async def issuer_keys(info: Info, organization_pk: Any) -> list[IssuerKey]:
    async with info.context.services.database.session() as session:
        rows = await keys.issuer_keys_of(session, info.context.principal, organization_pk)
    return [IssuerKey.from_row(row) for row in rows]
