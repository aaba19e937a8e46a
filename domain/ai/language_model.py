"""The `LanguageModel` port: optional richer wording of the agent's answers.

The agent never depends on a language model. Every answer is first written from
templates (`domain.ai.answers`), complete and correct; a configured model may only
reword that draft. `polish` checks what comes back — the right language, short, no
number that is not in the draft — and keeps the template on any error or doubt, so a
slow, failing or inventive model can make an answer plainer but never wrong.

What leaves the platform is decided here, not in the adapter: the draft and the
public facts behind it (filters understood, result count, public job titles), all
built by us from the taxonomy, the place names and public job ads. The user's own
words are personal data and go only when the operator allows it
(`LLM_SEND_PERSONAL_DATA=true`); e-mail addresses and phone numbers are masked even then.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from typing import Protocol

log = logging.getLogger(__name__)

MAX_REPLY_CHARS = 300
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_PHONE = re.compile(r"(?<!\d)(?:\+?\d[\d\s-]{8,}\d)(?!\d)")
_NUMBER = re.compile(r"\d[\d,]*")
_JAPANESE = re.compile(r"[\u3040-\u30ff\u3400-\u9fff]")


@dataclass(frozen=True, slots=True)
class Rephrase:
    """What a model may see: `draft` and `facts` are ours; `user_text` is the user's."""

    draft: str
    facts: tuple[str, ...] = ()
    user_text: str | None = None


class LanguageModel(Protocol):
    async def rephrase(self, request: Rephrase, *, locale: str) -> str:
        """The draft reworded in `locale` ('ja' or 'en'); may raise on any failure."""
        ...


class TemplateLanguageModel:
    """The offline default: the template wording as it is."""

    async def rephrase(self, request: Rephrase, *, locale: str) -> str:
        return request.draft


def scrub(text: str) -> str:
    """E-mail addresses and phone numbers masked: never needed to word an answer."""
    return _PHONE.sub("[phone]", _EMAIL.sub("[email]", text))


def chat_messages(
    request: Rephrase, *, locale: str, include_personal_data: bool
) -> list[dict[str, str]]:
    """The OpenAI-style messages for one rephrasing (what the adapter sends, all of it)."""
    language = "Japanese (polite です/ます style)" if locale == "ja" else "English"
    system = (
        "You word short spoken answers for iWORKZ, a job-search voice assistant in Japan. "
        f"Rewrite the draft answer in natural {language}: one or two short sentences, "
        "at most 120 characters, plain text without markdown or quotes. Keep every number "
        "and place name exactly as in the draft. Add no facts that are not in the draft "
        "or the facts list."
    )
    lines = [f"Draft: {scrub(request.draft)}"]
    if request.facts:
        lines.append("Facts:\n" + "\n".join(f"- {scrub(fact)}" for fact in request.facts))
    if include_personal_data and request.user_text:
        lines.append(f"The user asked: {scrub(request.user_text)}")
    return [{"role": "system", "content": system}, {"role": "user", "content": "\n".join(lines)}]


def acceptable(reply: str, request: Rephrase, *, locale: str) -> bool:
    """A reply we may show: not empty, short, in the asked language, inventing no numbers."""
    if not reply or len(reply) > MAX_REPLY_CHARS:
        return False
    if (locale == "ja") != bool(_JAPANESE.search(reply)):
        return False
    allowed = {n.replace(",", "") for n in _NUMBER.findall(request.draft)}
    for fact in request.facts:
        allowed |= {n.replace(",", "") for n in _NUMBER.findall(fact)}
    return all(n.replace(",", "") in allowed for n in _NUMBER.findall(reply))


async def polish(model: LanguageModel, request: Rephrase, *, locale: str) -> tuple[str, bool]:
    """The model's wording if it is acceptable, else the draft; and whether it was reworded."""
    if isinstance(model, TemplateLanguageModel):
        return request.draft, False
    try:
        reply = (await model.rephrase(request, locale=locale)).strip().strip("\"'「」")
    except Exception as error:  # any failure of an optional service: keep the template
        log.warning("language model failed, template answer kept: %r", error)
        return request.draft, False
    if not acceptable(reply, request, locale=locale):
        log.info("language model reply rejected, template answer kept")
        return request.draft, False
    return reply, reply != request.draft
