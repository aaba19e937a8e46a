"""Who may read a worker's personal data: the one rule every read path goes through."""

from __future__ import annotations

from domain.auth.principal import Principal
from domain.profiles.models import WorkerProfile


def can_see_personal_data(
    actor: Principal, profile: WorkerProfile, *, contact_shared: bool = False
) -> bool:
    """The worker themself, admins, and an employer once one of their matches with the
    worker has reached INTERVIEWING (`contact_shared`, looked up in one batched query by
    `matching.queries.profiles_sharing_contact_with`)."""
    if actor.user_id is None:
        return False
    return actor.user_id == profile.user_id or actor.is_admin or contact_shared
