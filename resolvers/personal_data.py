"""Workers' personal data: the one mutation that writes it."""

from __future__ import annotations

from typing import Annotated

import strawberry

from domain.profiles.personal_data import service
from resolvers.mutations import in_transaction
from schema.context import Info
from schema.inputs import to_domain
from schema.personal_data import (
    PersonalData,
    UpdateWorkerPersonalDataInput,
    WorkerPersonalDataPayload,
)
from schema.workers import Worker


async def update_worker_personal_data(
    info: Info,
    input: Annotated[
        UpdateWorkerPersonalDataInput,
        strawberry.argument(
            description="The personal data to change; omitted fields keep their values."
        ),
    ],
) -> WorkerPersonalDataPayload:
    """Set or edit your phone, birth date, address, residence card number and documents."""
    actor = info.context.principal
    keyring = info.context.services.keyring
    result, errors = await in_transaction(
        info, lambda uow: service.update_personal_data(uow, keyring, actor, to_domain(input))
    )
    if result is None:
        return WorkerPersonalDataPayload(personal_data=None, worker=None, errors=errors)
    profile, personal = result
    return WorkerPersonalDataPayload(
        personal_data=PersonalData.from_domain(personal),
        worker=Worker.from_row(profile),
        errors=errors,
    )
