"""An extraction as a flat list of items: what the app highlights and asks the user to confirm.

Each item says what kind of thing was found, how to show it (Japanese and English), its
structured value, the words it came from and how sure the extractor is. The same items
come from an inline `extract*` query and from the background extraction of a saved job
or profile (stored as JSON), so both read alike.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from domain.ai import labels
from domain.ai.mentions import ScheduleKind, ScheduleMention
from domain.ai.results import Extraction
from domain.ai.text import Span


class ItemKind(StrEnum):
    SKILL = "SKILL"
    LANGUAGE = "LANGUAGE"
    PAY = "PAY"
    LOCATION = "LOCATION"
    EMPLOYMENT_TYPE = "EMPLOYMENT_TYPE"
    SCHEDULE = "SCHEDULE"
    CREDENTIAL = "CREDENTIAL"
    RESIDENCE_STATUS = "RESIDENCE_STATUS"
    START_DATE = "START_DATE"
    REMOTE = "REMOTE"


@dataclass(frozen=True, slots=True)
class ExtractedItem:
    kind: ItemKind
    label_ja: str
    label_en: str
    value: dict[str, Any]  # JSON-safe, snake_case keys; a skill's id is `skill_id`
    span: Span
    confidence: float
    skill_id: uuid.UUID | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind.value,
            "label_ja": self.label_ja,
            "label_en": self.label_en,
            "value": self.value,
            "span": [self.span.start, self.span.end, self.span.text],
            "confidence": self.confidence,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ExtractedItem:
        start, end, text = data["span"]
        skill_id = data["value"].get("skill_id")
        return cls(
            kind=ItemKind(data["kind"]),
            label_ja=data["label_ja"],
            label_en=data["label_en"],
            value=data["value"],
            span=Span(start, end, text),
            confidence=data["confidence"],
            skill_id=uuid.UUID(skill_id) if skill_id else None,
        )


def _schedule_labels(mention: ScheduleMention) -> tuple[str, str]:
    kind = mention.kind
    if kind is ScheduleKind.NIGHT_SHIFT:
        return "夜勤あり", "night shifts"
    if kind is ScheduleKind.WEEKENDS_ONLY:
        return "土日のみ", "weekends only"
    if kind is ScheduleKind.WEEKDAYS_ONLY:
        return "平日のみ", "weekdays only"
    if kind is ScheduleKind.DAYS:
        return (
            f"{labels.days_label(mention.days, 'ja')}曜日",
            labels.days_label(mention.days, "en"),
        )
    if kind is ScheduleKind.HOURS:
        return f"{mention.start}〜{mention.end}", f"{mention.start}–{mention.end}"
    return f"週{mention.per_week}日", f"{mention.per_week} days a week"


def items_of(extraction: Extraction) -> list[ExtractedItem]:
    """Every item found, in the order it appears in the text."""
    items: list[ExtractedItem] = []
    for skill in extraction.skills:
        items.append(
            ExtractedItem(
                ItemKind.SKILL,
                labels.skill_label(skill.name_ja, skill.level, "ja", required=skill.required),
                labels.skill_label(skill.name_en, skill.level, "en", required=skill.required),
                {
                    "skill_id": str(skill.skill_id),
                    "level": skill.level,
                    "years": skill.years,
                    "required": skill.required,
                },
                skill.span,
                skill.confidence,
                skill.skill_id,
            )
        )
    for language in extraction.languages:
        level = f" {language.level.value}" if language.level else ""
        items.append(
            ExtractedItem(
                ItemKind.LANGUAGE,
                labels.language_name(language.code, "ja") + level,
                labels.language_name(language.code, "en") + level,
                {
                    "code": language.code,
                    "level": language.level.value if language.level else None,
                    "test": language.test,
                },
                language.span,
                language.confidence,
            )
        )
    for pay in extraction.pay_mentions:
        items.append(
            ExtractedItem(
                ItemKind.PAY,
                labels.pay_ja(pay.min, pay.max, pay.period),
                labels.pay_en(pay.min, pay.max, pay.period),
                {"min": pay.min, "max": pay.max, "period": pay.period.value},
                pay.span,
                pay.confidence,
            )
        )
    for place in extraction.locations:
        ja = " ".join(
            p for p in (labels.prefecture_name(place.prefecture or "", "ja"), place.city) if p
        )
        en = ", ".join(
            p for p in (place.city, labels.prefecture_name(place.prefecture or "", "en")) if p
        )
        if place.station:
            ja, en = f"{ja}（{place.station}駅）", f"{en} ({place.station} Station)"
        items.append(
            ExtractedItem(
                ItemKind.LOCATION,
                ja or place.span.text,
                en or place.span.text,
                {
                    "prefecture": place.prefecture,
                    "city": place.city,
                    "station": place.station,
                    "lat": place.lat,
                    "lon": place.lon,
                },
                place.span,
                place.confidence,
            )
        )
    for employment in extraction.employment_types:
        items.append(
            ExtractedItem(
                ItemKind.EMPLOYMENT_TYPE,
                labels.EMPLOYMENT_JA[employment.value],
                labels.EMPLOYMENT_EN[employment.value],
                {"value": employment.value.value, "detail": employment.detail},
                employment.span,
                employment.confidence,
            )
        )
    for mention in extraction.schedule:
        ja, en = _schedule_labels(mention)
        items.append(
            ExtractedItem(
                ItemKind.SCHEDULE,
                ja,
                en,
                {
                    "kind": mention.kind.value,
                    "days": [day.value for day in mention.days],
                    "start": mention.start,
                    "end": mention.end,
                    "per_week": mention.per_week,
                },
                mention.span,
                mention.confidence,
            )
        )
    for credential in extraction.credentials:
        kind = credential.kind.value
        items.append(
            ExtractedItem(
                ItemKind.CREDENTIAL,
                f"{credential.span.text}（{labels.credential_type_label(kind, 'ja')}）",
                f"{credential.span.text} ({labels.credential_type_label(kind, 'en')})",
                {"kind": kind, "name": credential.name},
                credential.span,
                credential.confidence,
            )
        )
    for residence in extraction.residence_statuses:
        items.append(
            ExtractedItem(
                ItemKind.RESIDENCE_STATUS,
                labels.residence_label(residence.status, "ja"),
                labels.residence_label(residence.status, "en"),
                {"status": residence.status.value},
                residence.span,
                residence.confidence,
            )
        )
    if extraction.start_date is not None:
        start = extraction.start_date
        items.append(
            ExtractedItem(
                ItemKind.START_DATE,
                f"{start.date:%Y年%-m月%-d日}から" + ("（即日）" if start.immediate else ""),
                f"from {start.date:%Y-%m-%d}" + (" (immediately)" if start.immediate else ""),
                {"date": start.date.isoformat(), "immediate": start.immediate},
                start.span,
                start.confidence,
            )
        )
    if extraction.remote is not None:
        items.append(
            ExtractedItem(ItemKind.REMOTE, "リモート可", "remote work", {}, extraction.remote, 0.9)
        )
    return sorted(items, key=lambda item: (item.span.start, item.span.end))
