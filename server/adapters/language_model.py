"""`LanguageModel` over any OpenAI-compatible chat-completions endpoint (OpenAI, Azure
OpenAI's compatible route, vLLM, Ollama, LM Studio, …), with httpx.

One answer has one time budget (`LLM_TIMEOUT_SECONDS`) shared by its attempts: the
user is waiting, and the template answer is always there to fall back on. 429 and 5xx
replies and connection failures are retried with exponential backoff (honouring a
short `Retry-After`) while the budget lasts; a timeout ends the attempt and the answer
(retrying a slow model only makes the user wait longer). Any failure raises
`LanguageModelUnavailable`; `domain.ai.language_model.polish` then keeps the template.

What is sent is built by `domain.ai.language_model.chat_messages`: our draft and
public facts; the user's own words only with `LLM_SEND_PERSONAL_DATA=true`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from typing import Any

import httpx

from domain.ai.language_model import (
    LanguageModel,
    Rephrase,
    TemplateLanguageModel,
    chat_messages,
)
from server.settings import Settings

log = logging.getLogger(__name__)

MAX_RETRY_AFTER_SECONDS = 2.0
MAX_TOKENS = 200


class LanguageModelUnavailable(Exception):
    """The endpoint gave no usable answer in time."""


class ChatCompletionsLanguageModel:
    def __init__(
        self,
        *,
        base_url: str,
        api_key: str | None,
        model: str,
        timeout_seconds: float,
        max_retries: int,
        retry_base_seconds: float,
        send_personal_data: bool,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.url = base_url.rstrip("/") + "/chat/completions"
        self.api_key = api_key
        self.model = model
        self.timeout_seconds = timeout_seconds
        self.max_retries = max_retries
        self.retry_base_seconds = retry_base_seconds
        self.send_personal_data = send_personal_data
        self.transport = transport

    def _body(self, request: Rephrase, locale: str) -> dict[str, Any]:
        return {
            "model": self.model,
            "messages": chat_messages(
                request, locale=locale, include_personal_data=self.send_personal_data
            ),
            "temperature": 0.3,
            "max_tokens": MAX_TOKENS,
            "stream": False,
        }

    async def rephrase(self, request: Rephrase, *, locale: str) -> str:
        deadline = time.monotonic() + self.timeout_seconds
        headers = {"Authorization": f"Bearer {self.api_key}"} if self.api_key else {}
        body = self._body(request, locale)
        async with httpx.AsyncClient(transport=self.transport, trust_env=False) as client:
            for attempt in range(self.max_retries + 1):
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    break
                try:
                    response = await client.post(
                        self.url, json=body, headers=headers, timeout=remaining
                    )
                except httpx.TimeoutException as error:
                    raise LanguageModelUnavailable("timed out") from error
                except httpx.TransportError as error:
                    log.info("language model unreachable (try %s): %r", attempt + 1, error)
                    await self._back_off(attempt, None, deadline)
                    continue
                if response.status_code == 429 or response.status_code >= 500:
                    log.info(
                        "language model answered %s (try %s)", response.status_code, attempt + 1
                    )
                    await self._back_off(attempt, response.headers.get("retry-after"), deadline)
                    continue
                if response.status_code >= 400:
                    raise LanguageModelUnavailable(f"HTTP {response.status_code}")
                return _content(response)
        raise LanguageModelUnavailable("no answer within the time budget")

    async def _back_off(self, attempt: int, retry_after: str | None, deadline: float) -> None:
        delay = self.retry_base_seconds * 2**attempt
        if retry_after is not None:
            with contextlib.suppress(ValueError):  # an HTTP date: keep our own delay
                delay = max(delay, min(float(retry_after), MAX_RETRY_AFTER_SECONDS))
        await asyncio.sleep(max(0.0, min(delay, deadline - time.monotonic())))


def _content(response: httpx.Response) -> str:
    try:
        content = response.json()["choices"][0]["message"]["content"]
    except (ValueError, KeyError, IndexError, TypeError) as error:
        raise LanguageModelUnavailable("unexpected response shape") from error
    if not isinstance(content, str):
        raise LanguageModelUnavailable("no text in the response")
    return content


def language_model_from_settings(settings: Settings) -> LanguageModel:
    """The hosted model when `LLM_BASE_URL` is set, else the offline template wording."""
    if not settings.llm_base_url:
        return TemplateLanguageModel()
    return ChatCompletionsLanguageModel(
        base_url=settings.llm_base_url,
        api_key=settings.llm_api_key.get_secret_value() if settings.llm_api_key else None,
        model=settings.llm_model,
        timeout_seconds=settings.llm_timeout_seconds,
        max_retries=settings.llm_max_retries,
        retry_base_seconds=settings.llm_retry_base_seconds,
        send_personal_data=settings.llm_send_personal_data,
    )
