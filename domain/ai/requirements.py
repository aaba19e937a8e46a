"""One requirement of a job — a skill at a level, a language at a level, or a credential
type — as the suggestions name it to people, in Japanese and English."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from enum import StrEnum

from domain.ai import labels
from domain.ai.market import LANGUAGE, SKILL
from domain.skills.models import Skill
from domain.values import CEFR_LEVELS, JLPT_LEVELS, LanguageLevel


class RequirementKind(StrEnum):
    SKILL = "SKILL"
    LANGUAGE = "LANGUAGE"
    CREDENTIAL = "CREDENTIAL"


@dataclass(frozen=True, slots=True)
class Requirement:
    kind: RequirementKind
    key: str  # skill id, language code or credential type
    rank: int  # skill level, language rank; 1 for a credential
    label_ja: str
    label_en: str

    @property
    def skill_id(self) -> uuid.UUID | None:
        return uuid.UUID(self.key) if self.kind is RequirementKind.SKILL else None

    @property
    def language_level(self) -> LanguageLevel | None:
        if self.kind is not RequirementKind.LANGUAGE:
            return None
        scale = JLPT_LEVELS if self.key == "ja" else CEFR_LEVELS
        return LanguageLevel.NATIVE if self.rank > len(scale) else scale[self.rank - 1]

    def label(self, lang: str) -> str:
        return self.label_ja if lang == "ja" else self.label_en


def requirement(kind: str, key: str, rank: int, skills: dict[str, Skill]) -> Requirement:
    """The requirement with its labels (skills by id, as `market.skill_info` gives them)."""
    if kind == SKILL:
        skill = skills.get(key)
        name_ja, name_en = (skill.name_ja, skill.name_en) if skill else (key, key)
        return Requirement(
            RequirementKind.SKILL,
            key,
            rank,
            labels.skill_label(name_ja, rank, "ja"),
            labels.skill_label(name_en, rank, "en"),
        )
    if kind == LANGUAGE:
        found = Requirement(RequirementKind.LANGUAGE, key, rank, "", "")
        level = found.language_level.value if found.language_level else ""
        return Requirement(
            RequirementKind.LANGUAGE,
            key,
            rank,
            f"{labels.language_name(key, 'ja')} {level}".strip(),
            f"{labels.language_name(key, 'en')} {level}".strip(),
        )
    return Requirement(
        RequirementKind.CREDENTIAL,
        key,
        rank,
        labels.credential_type_label(key, "ja"),
        labels.credential_type_label(key, "en"),
    )
