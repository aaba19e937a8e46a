"""Mobile push through an Expo-style push API: POST a JSON list of messages, get one
ticket per message back (`{"data": [{"status": "ok" | "error", ...}]}`)."""

from __future__ import annotations

from typing import Any

import httpx

from domain.notifications.channels import DeliveryError, PushMessage, PushTicket

EXPO_MAX_MESSAGES = 100  # per request


class ExpoPushSender:
    def __init__(self, url: str, *, access_token: str | None = None, timeout: float = 10.0) -> None:
        self._url = url
        self._access_token = access_token
        self._timeout = timeout

    def __repr__(self) -> str:
        return f"ExpoPushSender({self._url})"

    async def send(self, messages: list[PushMessage]) -> list[PushTicket]:
        tickets: list[PushTicket] = []
        async with httpx.AsyncClient(timeout=self._timeout) as client:
            for start in range(0, len(messages), EXPO_MAX_MESSAGES):
                chunk = messages[start : start + EXPO_MAX_MESSAGES]
                tickets += await self._send_chunk(client, chunk)
        return tickets

    async def _send_chunk(
        self, client: httpx.AsyncClient, messages: list[PushMessage]
    ) -> list[PushTicket]:
        headers = {"Accept": "application/json", "Content-Type": "application/json"}
        if self._access_token:
            headers["Authorization"] = f"Bearer {self._access_token}"
        body = [
            {"to": m.token, "title": m.title, "body": m.body, "data": m.data, "sound": "default"}
            for m in messages
        ]
        try:
            response = await client.post(self._url, json=body, headers=headers)
        except httpx.HTTPError as error:
            raise DeliveryError(f"push service unreachable: {type(error).__name__}") from None
        if response.status_code == 429 or response.status_code >= 500:
            raise DeliveryError(f"push service answered HTTP {response.status_code}")
        if response.status_code >= 400:
            raise DeliveryError(
                f"push service refused the request: HTTP {response.status_code}", retryable=False
            )
        try:
            data: list[dict[str, Any]] = response.json()["data"]
        except (ValueError, KeyError, TypeError):
            raise DeliveryError("push service answered without tickets") from None
        if not isinstance(data, list) or len(data) != len(messages):
            raise DeliveryError("push service answered with the wrong number of tickets")
        return [
            _ticket(message.token, ticket) for message, ticket in zip(messages, data, strict=True)
        ]


def _ticket(token: str, ticket: dict[str, Any]) -> PushTicket:
    if ticket.get("status") == "ok":
        return PushTicket(token, ok=True)
    details = ticket.get("details") or {}
    return PushTicket(
        token,
        ok=False,
        error=details.get("error") if isinstance(details, dict) else None,
        message=str(ticket.get("message") or "")[:200] or None,
    )
