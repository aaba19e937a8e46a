"""Who may read and change notifications: a signed-in user, for themself only.

A partner's client-credentials token acts for its owner's account but is a
machine, not the person: it cannot read their inbox or change their choices.
"""

from __future__ import annotations

import uuid

from domain.auth.principal import Principal
from domain.errors import Forbidden


def notification_owner(actor: Principal) -> uuid.UUID:
    user_id = actor.require_user()
    if actor.client_id is not None:
        raise Forbidden("Partner tokens cannot read or change notifications.")
    return user_id
