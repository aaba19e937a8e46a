"""Who may read a worker's personal data: the one rule every read path goes through."""

from __future__ import annotations

from domain.auth.principal import Principal
from domain.profiles.models import WorkerProfile


def can_see_personal_data(actor: Principal, profile: WorkerProfile) -> bool:
    """The worker themself and admins; nobody else, not even employers who can see the profile.

    Issue 4 extends this: an employer sees the worker's contact details once one
    of their matches with the worker has reached INTERVIEWING. Look those matches
    up in one batched query in `service.personal_data_of_profiles` (it holds the
    page of profiles) and pass the answer in here, so every path still goes
    through this one function.
    """
    if actor.user_id is None:
        return False
    return actor.user_id == profile.user_id or actor.is_admin
