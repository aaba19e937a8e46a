"""The OpenAI-compatible adapter against a local fake server, and the template fallback."""

from __future__ import annotations

import asyncio
import json
import time
from dataclasses import dataclass
from typing import Any

import httpx
from starlette.requests import Request
from starlette.responses import Response

from domain.ai.language_model import Rephrase, TemplateLanguageModel, polish
from server.adapters.language_model import (
    ChatCompletionsLanguageModel,
    language_model_from_settings,
)
from server.app import create_app
from tests.background import FakeEndpoint, Received, services_with, serving
from tests.factories import NAGOYA, create_job
from tests.graphql_client import data, gql, register

DRAFT = "大阪府で夜勤のある介護の求人が12件あります。"
REQUEST = Rephrase(
    draft=DRAFT,
    facts=("understood: 夜勤あり", "jobs found: 12", "job title: 介護スタッフ"),
    user_text="大阪で夜勤の介護の仕事 連絡先 taro@example.com 090-1234-5678",
)


def reply(content: str) -> tuple[int, dict[str, Any]]:
    return 200, {"choices": [{"message": {"role": "assistant", "content": content}}]}


@dataclass
class ModelEndpoint(FakeEndpoint):
    """FakeEndpoint that can also answer slowly, or with a scripted `Response` (headers)."""

    delay: float = 0.0

    async def _handle(self, request: Request) -> Response:
        await asyncio.sleep(self.delay)
        if self.script and isinstance(self.script[0], Response):
            got = Received(
                request.url.path, dict(request.headers), await request.body(), time.monotonic()
            )
            self.received.append(got)
            answer: Response = self.script.pop(0)
            return answer
        return await super()._handle(request)


def model(url: str, **overrides: Any) -> ChatCompletionsLanguageModel:
    options: dict[str, Any] = {
        "base_url": f"{url}/v1",
        "api_key": "sk-test",
        "model": "test-model",
        "timeout_seconds": 3.0,
        "max_retries": 2,
        "retry_base_seconds": 0.01,
        "send_personal_data": False,
    }
    return ChatCompletionsLanguageModel(**{**options, **overrides})


async def test_success_sends_only_public_facts_and_uses_the_reply() -> None:
    endpoint = FakeEndpoint(script=[reply("大阪府で夜勤のある介護のお仕事は12件です。")])
    async with serving(endpoint) as url:
        answer, reworded = await polish(model(url), REQUEST, locale="ja")
    assert (answer, reworded) == ("大阪府で夜勤のある介護のお仕事は12件です。", True)
    [sent] = endpoint.received
    assert sent.path == "/v1/chat/completions"
    assert sent.headers["authorization"] == "Bearer sk-test"
    body = json.loads(sent.body)
    assert body["model"] == "test-model" and body["stream"] is False
    assert [m["role"] for m in body["messages"]] == ["system", "user"]
    assert DRAFT in body["messages"][1]["content"]
    assert "Japanese" in body["messages"][0]["content"]
    assert "連絡先" not in sent.body.decode() and "taro" not in sent.body.decode()


async def test_personal_data_only_when_allowed_and_masked_even_then() -> None:
    endpoint = FakeEndpoint(script=[reply("大阪府の夜勤の介護の求人は12件です。")])
    async with serving(endpoint) as url:
        await polish(model(url, send_personal_data=True), REQUEST, locale="ja")
    text = json.loads(endpoint.received[0].body)["messages"][1]["content"]
    assert "The user asked: 大阪で夜勤の介護の仕事 連絡先" in text
    assert "taro@example.com" not in text and "090-1234-5678" not in text
    assert "[email]" in text and "[phone]" in text


async def test_retries_a_server_error_then_succeeds() -> None:
    endpoint = FakeEndpoint(script=[500, 503, reply("12件の介護の求人が大阪府にあります。")])
    async with serving(endpoint) as url:
        answer, reworded = await polish(model(url), REQUEST, locale="ja")
    assert reworded and answer == "12件の介護の求人が大阪府にあります。"
    assert len(endpoint.received) == 3


async def test_rate_limit_is_retried_after_its_delay() -> None:
    endpoint = ModelEndpoint(
        script=[
            Response(status_code=429, headers={"Retry-After": "0.2"}),
            reply("大阪府で12件の介護の求人があります。"),
        ]
    )
    async with serving(endpoint) as url:
        answer, _ = await polish(model(url), REQUEST, locale="ja")
    assert answer == "大阪府で12件の介護の求人があります。"
    first, second = endpoint.received
    assert second.at - first.at >= 0.19


async def test_gives_up_after_its_retries_and_keeps_the_template() -> None:
    endpoint = FakeEndpoint(default=500)
    async with serving(endpoint) as url:
        assert await polish(model(url), REQUEST, locale="ja") == (DRAFT, False)
    assert len(endpoint.received) == 3  # one try and two retries


async def test_timeout_falls_back_to_the_template_within_the_budget() -> None:
    endpoint = ModelEndpoint(script=[reply("遅すぎる答え")], delay=2.0)
    async with serving(endpoint) as url:
        started = time.monotonic()
        answer = await polish(model(url, timeout_seconds=0.3), REQUEST, locale="ja")
        assert time.monotonic() - started < 1.5
    assert answer == (DRAFT, False)


async def test_a_client_error_is_not_retried_and_a_bad_reply_is_not_shown() -> None:
    endpoint = FakeEndpoint(script=[401])
    async with serving(endpoint) as url:
        assert await polish(model(url), REQUEST, locale="ja") == (DRAFT, False)
    assert len(endpoint.received) == 1
    invented = FakeEndpoint(script=[reply("大阪府で夜勤の求人が30件あります。")])  # 30: not a fact
    wrong_language = FakeEndpoint(script=[reply("There are 12 care jobs in Osaka.")])
    for endpoint in (invented, wrong_language):
        async with serving(endpoint) as url:
            assert await polish(model(url), REQUEST, locale="ja") == (DRAFT, False)


async def test_unreachable_endpoint_and_the_offline_default() -> None:
    from tests.background import free_port

    unreachable = model(f"http://127.0.0.1:{free_port()}", timeout_seconds=0.5)
    assert await polish(unreachable, REQUEST, locale="ja") == (DRAFT, False)
    assert await polish(TemplateLanguageModel(), REQUEST, locale="ja") == (DRAFT, False)


async def test_settings_choose_the_adapter(services) -> None:
    assert isinstance(language_model_from_settings(services.settings), TemplateLanguageModel)
    configured = services_with(services, llm_base_url="http://127.0.0.1:9/v1")
    assert isinstance(configured.language_model, ChatCompletionsLanguageModel)


async def test_ask_is_reworded_when_a_model_is_configured(services) -> None:
    endpoint = FakeEndpoint(
        script=[reply("名古屋の近くで、フォークリフトの仕事が1件見つかりました。")]
    )
    async with serving(endpoint) as url:
        configured = services_with(services, llm_base_url=url)
        app = create_app(configured.settings, configured)
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            employer = await register(client, "hr@a.example", "EMPLOYER", "Org A")
            await create_job(client, employer.token, publish=True, location=NAGOYA)
            query = 'query { ask(text: "名古屋の近くでフォークリフトの仕事") { answer reworded matchCount } }'
            answer = data(await gql(client, query))["ask"]
            assert answer == {
                "answer": "名古屋の近くで、フォークリフトの仕事が1件見つかりました。",
                "reworded": True,
                "matchCount": 1,
            }
            endpoint.default = 500  # the model fails: the template answers
            again = data(await gql(client, query))["ask"]
    assert again["reworded"] is False
    assert again["answer"] == "名古屋の近く（15km以内）でフォークリフト運転の求人が1件あります。"
