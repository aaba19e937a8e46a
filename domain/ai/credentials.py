# ruff: noqa: E501  (regex and phrase tables read better unwrapped)
"""Which credential types a text asks for (or a worker holds).

Types are the credential engine's: LICENCE, CERTIFICATE, LANGUAGE_TEST,
EMPLOYMENT_HISTORY, RESIDENCE_STATUS. A skill is a LICENCE when the law makes
it one (免許, 技能講習, 特別教育 — forklifts, cranes, slinging, driving) and a
CERTIFICATE when it is a qualification (士, 資格, 研修, 検定, 試験 …).
"""

from __future__ import annotations

import re

from domain.ai.mentions import (
    CredentialKind,
    CredentialMention,
    LanguageMention,
    ResidenceMention,
    SkillMention,
    clamp,
)
from domain.ai.text import FoldedText

# Operating these needs a 技能講習 / 特別教育 / licence even where the taxonomy name does not say so.
_LICENSED_SKILLS = frozenset(
    {
        "forklift-operation", "reach-truck", "counterbalance-forklift", "slinging",
        "small-mobile-crane", "overhead-crane", "construction-equipment-operation",
        "small-construction-machinery", "aerial-work-platform", "full-harness-training",
        "gas-welding", "arc-welding", "chainsaw-felling", "brush-cutter", "scaffolding-chief",
        "asbestos-work-chief", "organic-solvent-chief", "specified-chemicals-chief",
        "low-voltage-electrical-training", "industrial-robot-teaching", "traffic-control",
    }
)  # fmt: skip
_LICENCE_WORDS = re.compile(
    r"免許|技能講習|運転士|特別教育|取扱者|工事士|ボイラー技士|主任技術者|licen[cs]e"
)
_CERTIFICATE_WORDS = re.compile(
    r"士|資格|研修|検定|試験|技術者|責任者|管理者|主任者|専門員|師|販売者|認証|"
    r"certificate|certification|certified|licensed|exam|passport|ccna|lpic|mos"
)
_TEST_WORDS = re.compile(r"jlpt|日本語能力試験|toeic|英検|eiken|ielts|jft")
_EXPERIENCE = re.compile(
    r"経験者のみ|経験必須|要経験|経験者限定|(?:実務)?経験\s*\d+\s*年以上|\d+\s*年以上の(?:実務)?経験|"
    r"experience (?:is )?(?:required|essential|a must)|at least \d+ years?(?: of)?(?: [a-z]+)? experience|"
    r"\d+\+? years? (?:of )?(?:[a-z]+ )?experience (?:is )?required|proven experience|minimum \d+ years?"
)
_WORK_PERMIT = re.compile(
    r"在留カード|就労可能な在留資格|就労ビザ|就労可能なビザ|在留資格をお持ち|"
    r"work visa|working visa|valid visa|residence card|right to work|eligible to work"
)


def credential_kind_for_skill(slug: str, name_ja: str, name_en: str) -> CredentialKind | None:
    """LICENCE, CERTIFICATE, or None for a skill that is a skill and not a paper."""
    if slug in _LICENSED_SKILLS or slug.endswith("-license") or _LICENCE_WORDS.search(name_ja):
        return CredentialKind.LICENCE
    if _LICENCE_WORDS.search(name_en.lower()):
        return CredentialKind.LICENCE
    if _CERTIFICATE_WORDS.search(name_ja) or _CERTIFICATE_WORDS.search(name_en.lower()):
        return CredentialKind.CERTIFICATE
    return None


def find_credentials(
    text: FoldedText,
    skills: list[SkillMention],
    languages: list[LanguageMention],
    residence: list[ResidenceMention],
) -> list[CredentialMention]:
    """Credential requirements (or holdings), in text order."""
    found: list[CredentialMention] = []
    for skill in skills:
        kind = credential_kind_for_skill(skill.slug, skill.name_ja, skill.name_en)
        if kind is not None:
            found.append(
                CredentialMention(kind, skill.slug, skill.span, clamp(skill.confidence - 0.05))
            )
    for language in languages:
        test = _TEST_WORDS.search(language.span.text.lower())
        if test:
            name = language.test or test.group().upper()
            found.append(CredentialMention(CredentialKind.LANGUAGE_TEST, name, language.span, 0.85))
    for status in residence:
        found.append(
            CredentialMention(
                CredentialKind.RESIDENCE_STATUS, status.status.value, status.span, 0.8
            )
        )
    for pattern, kind, name in (
        (_EXPERIENCE, CredentialKind.EMPLOYMENT_HISTORY, "experience"),
        (_WORK_PERMIT, CredentialKind.RESIDENCE_STATUS, "work permit"),
    ):
        for match in pattern.finditer(text.text):
            found.append(CredentialMention(kind, name, text.span(match.start(), match.end()), 0.8))
    return sorted(found, key=lambda mention: mention.span.start)
