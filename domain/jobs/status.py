"""The job status machine: DRAFT → OPEN ⇄ PAUSED → FILLED | CLOSED."""

from __future__ import annotations

from enum import StrEnum

from domain.errors import ErrorCode, ValidationFailed


class JobStatus(StrEnum):
    DRAFT = "DRAFT"
    OPEN = "OPEN"
    PAUSED = "PAUSED"
    FILLED = "FILLED"
    CLOSED = "CLOSED"


ALLOWED_TRANSITIONS: dict[JobStatus, frozenset[JobStatus]] = {
    JobStatus.DRAFT: frozenset({JobStatus.OPEN, JobStatus.CLOSED}),
    JobStatus.OPEN: frozenset({JobStatus.PAUSED, JobStatus.FILLED, JobStatus.CLOSED}),
    JobStatus.PAUSED: frozenset({JobStatus.OPEN, JobStatus.FILLED, JobStatus.CLOSED}),
    JobStatus.FILLED: frozenset(),
    JobStatus.CLOSED: frozenset(),
}

EDITABLE = frozenset({JobStatus.DRAFT, JobStatus.OPEN, JobStatus.PAUSED})


def check_transition(current: JobStatus, target: JobStatus) -> None:
    if target not in ALLOWED_TRANSITIONS[current]:
        raise ValidationFailed.single(
            "status",
            ErrorCode.ILLEGAL_TRANSITION,
            f"A {current.value} job cannot become {target.value}.",
        )
