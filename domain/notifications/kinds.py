"""What a user can be notified about, and how each kind behaves by default.

Adding a kind is one entry in `NotificationKind` and one in `KIND_SPECS` (plus
its texts in `messages.py` and a handler in `handlers.py`, registered with
`@handles`). The kinds of matching (issue 4) and credentials (issue 6) are
listed already so clients and preferences know them; their handlers come with
those issues.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class NotificationKind(StrEnum):
    # Account security (exist today)
    ACCOUNT_PASSWORD_CHANGED = "account.password_changed"
    ACCOUNT_NEW_SIGN_IN = "account.new_sign_in"
    ACCOUNT_ROLES_CHANGED = "account.roles_changed"
    # Marketplace (exist today)
    JOB_PUBLISHED = "job.published"
    # Matching (issue 4): handlers to come with matches
    MATCH_SUGGESTED = "match.suggested"
    APPLICATION_RECEIVED = "application.received"
    INVITATION_RECEIVED = "invitation.received"
    MATCH_STATUS_CHANGED = "match.status_changed"
    # Credentials (issue 6): handlers to come with credentials
    CREDENTIAL_ANCHORED = "credential.anchored"
    CREDENTIAL_REVOKED = "credential.revoked"


class Channel(StrEnum):
    IN_APP = "IN_APP"  # stored, listed, counted as unread and sent over the live feed
    EMAIL = "EMAIL"
    PUSH = "PUSH"  # the React Native app, through Expo's push service


OUTSIDE_CHANNELS = (Channel.EMAIL, Channel.PUSH)  # delivered by background jobs


@dataclass(frozen=True, slots=True)
class KindSpec:
    defaults: frozenset[Channel]  # channels on until the user says otherwise
    # Channels the user cannot turn off: an attacker holding a session must not be able
    # to silence the alert that tells the owner their password was changed.
    locked: frozenset[Channel] = frozenset()
    # Delivered at once, even in quiet hours: an alert about the account is useless at 7am.
    urgent: bool = False


_ALL = frozenset(Channel)
_IN_APP = frozenset({Channel.IN_APP})
_IN_APP_EMAIL = frozenset({Channel.IN_APP, Channel.EMAIL})
_IN_APP_PUSH = frozenset({Channel.IN_APP, Channel.PUSH})

KIND_SPECS: dict[NotificationKind, KindSpec] = {
    NotificationKind.ACCOUNT_PASSWORD_CHANGED: KindSpec(_ALL, locked=_IN_APP_EMAIL, urgent=True),
    NotificationKind.ACCOUNT_NEW_SIGN_IN: KindSpec(_IN_APP_EMAIL, urgent=True),
    NotificationKind.ACCOUNT_ROLES_CHANGED: KindSpec(_IN_APP_EMAIL),
    NotificationKind.JOB_PUBLISHED: KindSpec(_IN_APP),
    NotificationKind.MATCH_SUGGESTED: KindSpec(_IN_APP_PUSH),
    NotificationKind.APPLICATION_RECEIVED: KindSpec(_ALL),
    NotificationKind.INVITATION_RECEIVED: KindSpec(_ALL),
    NotificationKind.MATCH_STATUS_CHANGED: KindSpec(_IN_APP_PUSH),
    NotificationKind.CREDENTIAL_ANCHORED: KindSpec(_IN_APP),
    NotificationKind.CREDENTIAL_REVOKED: KindSpec(_IN_APP_EMAIL),
}
