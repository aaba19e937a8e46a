"""The match state machine: which side may move a match from where to where.

SUGGESTED → APPLIED | INVITED → INTERVIEWING → OFFERED → HIRED, with DECLINED,
REJECTED and WITHDRAWN as exits. The worker answers for themself (apply,
accept, decline, withdraw an application); the employer for the job (invite,
interview, offer, reject, withdraw an invitation or offer).
"""

from __future__ import annotations

from enum import StrEnum

from domain.errors import ErrorCode, ValidationFailed


class MatchStatus(StrEnum):
    SUGGESTED = "SUGGESTED"
    APPLIED = "APPLIED"
    INVITED = "INVITED"
    INTERVIEWING = "INTERVIEWING"
    OFFERED = "OFFERED"
    HIRED = "HIRED"
    DECLINED = "DECLINED"
    REJECTED = "REJECTED"
    WITHDRAWN = "WITHDRAWN"


class MatchOrigin(StrEnum):
    ENGINE = "ENGINE"
    APPLICATION = "APPLICATION"
    INVITATION = "INVITATION"


class Side(StrEnum):
    WORKER = "WORKER"
    EMPLOYER = "EMPLOYER"


S = MatchStatus
TRANSITIONS: dict[tuple[MatchStatus, MatchStatus], Side] = {
    (S.SUGGESTED, S.APPLIED): Side.WORKER,
    (S.SUGGESTED, S.DECLINED): Side.WORKER,
    (S.SUGGESTED, S.INVITED): Side.EMPLOYER,
    (S.APPLIED, S.INTERVIEWING): Side.EMPLOYER,
    (S.APPLIED, S.REJECTED): Side.EMPLOYER,
    (S.APPLIED, S.WITHDRAWN): Side.WORKER,
    (S.INVITED, S.INTERVIEWING): Side.WORKER,
    (S.INVITED, S.DECLINED): Side.WORKER,
    (S.INVITED, S.WITHDRAWN): Side.EMPLOYER,
    (S.INTERVIEWING, S.OFFERED): Side.EMPLOYER,
    (S.INTERVIEWING, S.REJECTED): Side.EMPLOYER,
    (S.INTERVIEWING, S.WITHDRAWN): Side.WORKER,
    (S.OFFERED, S.HIRED): Side.WORKER,
    (S.OFFERED, S.DECLINED): Side.WORKER,
    (S.OFFERED, S.WITHDRAWN): Side.EMPLOYER,
}
FINAL = frozenset({S.HIRED, S.DECLINED, S.REJECTED, S.WITHDRAWN})
# From here on the employer may see the worker's contact details.
CONTACT_SHARED = frozenset({S.INTERVIEWING, S.OFFERED, S.HIRED})
# A worker shows an employer their verified credentials by applying or accepting an invitation.
CREDENTIALS_SHARED = frozenset({S.APPLIED, *CONTACT_SHARED})
# The engine may refresh these (score, explanation); anything later belongs to people.
ENGINE_MAY_UPDATE = frozenset({S.SUGGESTED})


def check_match_transition(current: MatchStatus, target: MatchStatus, side: Side) -> None:
    allowed = TRANSITIONS.get((current, target))
    if allowed is None:
        raise ValidationFailed.single(
            "status",
            ErrorCode.ILLEGAL_TRANSITION,
            f"A {current.value} match cannot become {target.value}.",
        )
    if allowed is not side:
        raise ValidationFailed.single(
            "status",
            ErrorCode.FORBIDDEN,
            f"Only the {allowed.value.lower()} can move a match from {current.value} to "
            f"{target.value}.",
        )
