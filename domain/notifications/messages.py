"""What each kind of notification says, in Japanese and English.

Texts use only the notification's own payload, which never holds secrets
(no tokens, no passwords, no personal data beyond what the recipient owns).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from domain.notifications.kinds import NotificationKind

Kind = NotificationKind


@dataclass(frozen=True, slots=True)
class Text:
    title: str
    body: str


# kind → locale → (title, body); `{name}` placeholders come from the payload.
_TEXTS: dict[NotificationKind, dict[str, tuple[str, str]]] = {
    Kind.ACCOUNT_PASSWORD_CHANGED: {
        "ja": (
            "パスワードが変更されました",
            "iWORKZアカウントのパスワードが変更され、他の端末からはサインアウトされました。"
            "お心当たりがない場合は、すぐにサポートへご連絡ください。",
        ),
        "en": (
            "Your password was changed",
            "The password of your iWORKZ account was changed and your other sessions were "
            "signed out. If this was not you, contact support at once.",
        ),
    },
    Kind.ACCOUNT_NEW_SIGN_IN: {
        "ja": (
            "新しいサインインがありました",
            "iWORKZアカウントに新しいサインインがありました。"
            "お心当たりがない場合は、パスワードを変更してください。",
        ),
        "en": (
            "New sign-in to your account",
            "Someone signed in to your iWORKZ account. If this was not you, change your password.",
        ),
    },
    Kind.ACCOUNT_ROLES_CHANGED: {
        "ja": ("権限が変更されました", "アカウントの権限が {roles} になりました。"),
        "en": ("Your roles changed", "Your account's roles are now: {roles}."),
    },
    Kind.JOB_PUBLISHED: {
        "ja": ("求人が公開されました", "「{title}」が公開され、応募を受け付けています。"),
        "en": ("Your job is live", "“{title}” is published and open to applicants."),
    },
    Kind.MATCH_SUGGESTED: {
        "ja": ("おすすめの求人があります", "あなたに合う求人が見つかりました。"),
        "en": ("A job for you", "We found a job that matches your profile."),
    },
    Kind.APPLICATION_RECEIVED: {
        "ja": ("応募がありました", "求人に新しい応募がありました。"),
        "en": ("New application", "Someone applied to your job."),
    },
    Kind.INVITATION_RECEIVED: {
        "ja": ("求人への招待が届きました", "企業から求人への招待が届きました。"),
        "en": ("You are invited", "An employer invited you to apply to a job."),
    },
    Kind.MATCH_STATUS_CHANGED: {
        "ja": ("選考状況が更新されました", "選考状況が {status} になりました。"),
        "en": ("Application update", "The status is now {status}."),
    },
    Kind.CREDENTIAL_ANCHORED: {
        "ja": ("資格証明が記録されました", "資格証明が改ざんできない形で記録されました。"),
        "en": ("Credential anchored", "Your credential is now anchored and verifiable."),
    },
    Kind.CREDENTIAL_REVOKED: {
        "ja": ("資格証明が取り消されました", "発行者により資格証明が取り消されました。"),
        "en": ("Credential revoked", "The issuer revoked one of your credentials."),
    },
}


class _Blank(dict[str, Any]):
    def __missing__(self, key: str) -> str:
        return ""


def render(kind: str, payload: Mapping[str, Any], locale: str | None) -> Text:
    """The title and body of a notification in the user's language (Japanese by default)."""
    texts = _TEXTS.get(kind)  # type: ignore[call-overload]
    if texts is None:
        return Text(kind, "")
    title, body = texts.get(locale or "ja") or texts["ja"]
    values = _Blank({key: _shown(value) for key, value in payload.items()})
    return Text(title.format_map(values), body.format_map(values))


def _shown(value: Any) -> str:
    if isinstance(value, list | tuple):
        return ", ".join(str(item) for item in value)
    return str(value)
