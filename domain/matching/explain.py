"""Why a match was proposed, in words a person reads: English and Japanese.

`facts_of` reads the numbers behind each pair (the same columns the factors scored);
`explain` writes them as one line of "; "-separated phrases, e.g.

    Meets 4 of 5 required skills (missing: Forklift operation); 3.2 km away;
    pay ¥1,400/h ≥ your minimum ¥1,200/h
    必須スキル5件中4件を満たしています（不足: フォークリフト運転）; 距離3.2km;
    時給¥1,400 ≥ 希望¥1,200

Skill names come from the caller (skill id → (English, Japanese)), so this module needs no
database.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Any

import numpy as np
import numpy.typing as npt

from domain.matching.factors import meets_level, schedule_share, text_fit, works_remotely
from domain.matching.pairs import Pairs
from domain.matching.pay import PAY_PERIODS, hourly_equivalent
from domain.matching.vocabulary import Vocabulary
from domain.values import CEFR_LEVELS, JLPT_LEVELS

SkillNames = Mapping[uuid.UUID, tuple[str, str]]
# A text factor this high reads as "closely matches" (a TF-IDF cosine of 0.15, or an
# embedding cosine of 0.425 between the short texts).
CLOSE_TEXT_FIT = 0.5


class Audience(StrEnum):
    WORKER = "worker"  # "your minimum"
    EMPLOYER = "employer"  # "their minimum"


@dataclass(frozen=True, slots=True)
class SkillGap:
    skill_id: uuid.UUID
    min_level: int
    level: int  # 0: not held


@dataclass(frozen=True, slots=True)
class LanguageFact:
    code: str
    required_rank: int
    rank: int


@dataclass(frozen=True, slots=True)
class Money:
    amount: int
    period: str  # HOURLY, DAILY, MONTHLY, YEARLY

    @property
    def hourly(self) -> float:
        return hourly_equivalent(self.amount, self.period)


@dataclass(frozen=True, slots=True)
class MatchFacts:
    required_skills: int
    required_met: int
    missing_required: tuple[SkillGap, ...]
    nice_to_have_skills: int
    nice_to_have_met: int
    works_remotely: bool
    distance_km: float | None
    job_pay: Money  # the top of the job's range
    pay_wish: Money | None
    languages: tuple[LanguageFact, ...]
    schedule_share: float | None  # None: the job has no schedule
    job_start: date  # the job's start date, or today when it has none or has begun
    can_start: date  # the worker's earliest start, or today
    today: date
    credentials_wanted: int
    credentials_held: int
    text_fit: float  # the text factor (factors.text_fit)

    @property
    def late_days(self) -> int:
        return max((self.can_start - self.job_start).days, 0)


def facts_of(pairs: Pairs, vocabulary: Vocabulary, today: date) -> list[MatchFacts]:
    """The facts of every candidate in `pairs` (meant for a page of top matches)."""
    met_levels = meets_level(pairs.skill_levels, pairs.min_levels)
    remotely = works_remotely(pairs)
    shares = schedule_share(pairs)
    texts = text_fit(pairs)
    facts = []
    for index in range(pairs.count):

        def at(array: npt.NDArray[Any], index: int = index) -> Any:
            return array[index if array.shape[0] > 1 else 0]

        skills, required_slots = at(pairs.slot_skills), at(pairs.slot_required)
        filled = skills >= 0
        required, nice = required_slots & filled, ~required_slots & filled
        met = at(met_levels)
        min_levels, levels = at(pairs.min_levels), at(pairs.skill_levels)
        missing = tuple(
            SkillGap(
                skill_id=vocabulary.skills.keys[int(skills[i])],
                min_level=int(min_levels[i]),
                level=int(levels[i]),
            )
            for i in np.flatnonzero(required & ~met)
        )
        asked, ranks = at(pairs.language_required), at(pairs.language_ranks)
        columns = at(pairs.language_columns)
        languages = tuple(
            LanguageFact(
                code=vocabulary.languages.keys[int(columns[i])],
                required_rank=int(asked[i]),
                rank=int(ranks[i]),
            )
            for i in np.flatnonzero(asked > 0)
        )
        wanted = at(pairs.credentials_wanted)
        distance = float(at(pairs.distance_km))
        wish_period = int(at(pairs.pay_wish_period))
        facts.append(
            MatchFacts(
                required_skills=int(required.sum()),
                required_met=int((required & met).sum()),
                missing_required=missing,
                nice_to_have_skills=int(nice.sum()),
                nice_to_have_met=int((nice & met).sum()),
                works_remotely=bool(at(remotely)),
                distance_km=None if np.isnan(distance) else distance,
                job_pay=Money(int(at(pairs.pay_max)), PAY_PERIODS[int(at(pairs.pay_period))]),
                pay_wish=None
                if wish_period < 0
                else Money(int(at(pairs.pay_wish_amount)), PAY_PERIODS[wish_period]),
                languages=languages,
                schedule_share=float(at(shares)) if bool(at(pairs.has_schedule)) else None,
                job_start=date.fromordinal(int(at(pairs.job_start))),
                can_start=date.fromordinal(int(at(pairs.can_start))),
                today=today,
                credentials_wanted=int(wanted.sum()),
                credentials_held=int((wanted & at(pairs.credentials_held)).sum()),
                text_fit=round(float(at(texts)), 6),
            )
        )
    return facts


# --- words ------------------------------------------------------------------------------

LANGUAGE_NAMES: dict[str, tuple[str, str]] = {
    "ja": ("Japanese", "日本語"), "en": ("English", "英語"), "vi": ("Vietnamese", "ベトナム語"),
    "zh": ("Chinese", "中国語"), "ko": ("Korean", "韓国語"), "tl": ("Tagalog", "タガログ語"),
    "id": ("Indonesian", "インドネシア語"), "ne": ("Nepali", "ネパール語"),
    "my": ("Burmese", "ミャンマー語"), "pt": ("Portuguese", "ポルトガル語"),
    "es": ("Spanish", "スペイン語"), "si": ("Sinhala", "シンハラ語"), "th": ("Thai", "タイ語"),
    "ta": ("Tamil", "タミル語"), "hi": ("Hindi", "ヒンディー語"),
    "ml": ("Malayalam", "マラヤーラム語"), "gu": ("Gujarati", "グジャラート語"),
    "te": ("Telugu", "テルグ語"), "bn": ("Bengali", "ベンガル語"), "ur": ("Urdu", "ウルドゥー語"),
    "mn": ("Mongolian", "モンゴル語"), "uz": ("Uzbek", "ウズベク語"),
    "km": ("Khmer", "クメール語"), "fr": ("French", "フランス語"), "de": ("German", "ドイツ語"),
    "ru": ("Russian", "ロシア語"),
}  # fmt: skip
_PERIOD_EN = {"HOURLY": "h", "DAILY": "day", "MONTHLY": "month", "YEARLY": "year"}
_PERIOD_JA = {"HOURLY": "時給", "DAILY": "日給", "MONTHLY": "月給", "YEARLY": "年収"}


def level_name(code: str, rank: int, locale: str = "en") -> str:
    """N2, B1… for a rank of `domain.values.language_rank`; "native" / "ネイティブ" on top."""
    scale = JLPT_LEVELS if code == "ja" else CEFR_LEVELS
    if rank > len(scale):
        return "ネイティブ" if locale == "ja" else "native"
    return scale[rank - 1].value if rank >= 1 else "—"


def _language(code: str, locale: str) -> str:
    names = LANGUAGE_NAMES.get(code)
    if names is None:
        return code.upper()
    return names[1] if locale == "ja" else names[0]


def _skill(skill_id: uuid.UUID, names: SkillNames, locale: str) -> str:
    pair = names.get(skill_id)
    if pair is None:
        return str(skill_id)[:8]
    return pair[1] if locale == "ja" else pair[0]


def _yen(amount: float) -> str:
    return f"¥{round(amount):,}"


def _date_en(day: date) -> str:
    return f"{day.day} {day:%b} {day.year}"


def _date_ja(day: date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def _gap_en(gap: SkillGap, names: SkillNames) -> str:
    name = _skill(gap.skill_id, names, "en")
    return name if gap.level == 0 else f"{name} (level {gap.level} of {gap.min_level})"


def _gap_ja(gap: SkillGap, names: SkillNames) -> str:
    name = _skill(gap.skill_id, names, "ja")
    return name if gap.level == 0 else f"{name}（レベル{gap.level}/{gap.min_level}）"


def _pay_pair(facts: MatchFacts) -> tuple[str, float, float, bool, bool]:
    """The period both amounts are shown in, the two amounts, and which was converted."""
    job, wish = facts.job_pay, facts.pay_wish
    assert wish is not None
    if wish.period == job.period:
        return job.period, job.amount, wish.amount, False, False
    return "HOURLY", job.hourly, wish.hourly, job.period != "HOURLY", wish.period != "HOURLY"


def _english(facts: MatchFacts, names: SkillNames, audience: Audience) -> list[str]:
    parts: list[str] = []
    if facts.required_skills:
        text = f"Meets {facts.required_met} of {facts.required_skills} required skills"
        if facts.missing_required:
            text += f" (missing: {', '.join(_gap_en(g, names) for g in facts.missing_required)})"
        if facts.nice_to_have_skills:
            text += f", {facts.nice_to_have_met} of {facts.nice_to_have_skills} nice-to-have"
        parts.append(text)
    elif facts.nice_to_have_skills:
        parts.append(
            f"Has {facts.nice_to_have_met} of {facts.nice_to_have_skills} nice-to-have skills"
        )
    if facts.works_remotely:
        parts.append("remote work")
    elif facts.distance_km is not None:
        parts.append(f"{facts.distance_km:.1f} km away")
    if facts.pay_wish is None:
        parts.append(f"pay up to {_yen(facts.job_pay.amount)}/{_PERIOD_EN[facts.job_pay.period]}")
    else:
        period, offered, wished, offer_converted, wish_converted = _pay_pair(facts)
        sign = "≥" if offered >= wished else "<"
        whose = "your" if audience is Audience.WORKER else "their"
        unit = _PERIOD_EN[period]
        offer = f"{'≈' if offer_converted else ''}{_yen(offered)}/{unit}"
        wish = f"{'≈' if wish_converted else ''}{_yen(wished)}/{unit}"
        parts.append(f"pay {offer} {sign} {whose} minimum {wish}")
    for language in facts.languages:
        name = _language(language.code, "en")
        has = level_name(language.code, language.rank) if language.rank else "none"
        asked = level_name(language.code, language.required_rank)
        parts.append(f"{name} {has} ({asked} asked)")
    if facts.schedule_share is not None:
        if facts.schedule_share >= 1:
            parts.append("available for all scheduled hours")
        else:
            parts.append(f"available for {facts.schedule_share:.0%} of the scheduled hours")
    if facts.late_days:
        parts.append(
            f"can start {facts.late_days} days after the start date ({_date_en(facts.job_start)})"
        )
    elif facts.job_start > facts.today:
        parts.append(f"can start by {_date_en(facts.job_start)}")
    else:
        parts.append("can start now")
    if facts.credentials_wanted:
        parts.append(
            f"holds {facts.credentials_held} of {facts.credentials_wanted} credentials asked"
            " (verified)"
        )
    if facts.text_fit >= CLOSE_TEXT_FIT:
        parts.append("profile closely matches the description")
    return parts


def _japanese(facts: MatchFacts, names: SkillNames, audience: Audience) -> list[str]:
    parts: list[str] = []
    if facts.required_skills:
        text = f"必須スキル{facts.required_skills}件中{facts.required_met}件を満たしています"
        if facts.missing_required:
            text += f"（不足: {'、'.join(_gap_ja(g, names) for g in facts.missing_required)}）"
        if facts.nice_to_have_skills:
            text += f"、歓迎スキル{facts.nice_to_have_skills}件中{facts.nice_to_have_met}件"
        parts.append(text)
    elif facts.nice_to_have_skills:
        parts.append(f"歓迎スキル{facts.nice_to_have_skills}件中{facts.nice_to_have_met}件を保有")
    if facts.works_remotely:
        parts.append("リモート勤務")
    elif facts.distance_km is not None:
        parts.append(f"距離{facts.distance_km:.1f}km")
    if facts.pay_wish is None:
        parts.append(f"{_PERIOD_JA[facts.job_pay.period]}最大{_yen(facts.job_pay.amount)}")
    else:
        period, offered, wished, offer_converted, wish_converted = _pay_pair(facts)
        sign = "≥" if offered >= wished else "<"
        label = "時給換算" if offer_converted else _PERIOD_JA[period]
        wish = f"希望{'（時給換算）' if wish_converted else ''}{_yen(wished)}"
        parts.append(f"{label}{_yen(offered)} {sign} {wish}")
    for language in facts.languages:
        name = _language(language.code, "ja")
        has = level_name(language.code, language.rank, "ja") if language.rank else "なし"
        asked = level_name(language.code, language.required_rank, "ja")
        parts.append(f"{name}{has}（募集{asked}以上）")
    if facts.schedule_share is not None:
        if facts.schedule_share >= 1:
            parts.append("勤務時間すべてに対応可能")
        else:
            parts.append(f"勤務時間の{facts.schedule_share:.0%}に対応可能")
    if facts.late_days:
        parts.append(f"開始日（{_date_ja(facts.job_start)}）の{facts.late_days}日後から勤務可能")
    elif facts.job_start > facts.today:
        parts.append(f"{_date_ja(facts.job_start)}までに勤務開始可能")
    else:
        parts.append("すぐに勤務開始可能")
    if facts.credentials_wanted:
        parts.append(f"認証済み資格{facts.credentials_wanted}件中{facts.credentials_held}件を保有")
    if facts.text_fit >= CLOSE_TEXT_FIT:
        parts.append("プロフィールが仕事内容とよく合致")
    return parts


def explain(
    facts: MatchFacts,
    skill_names: SkillNames,
    locale: str = "en",
    audience: Audience = Audience.WORKER,
) -> str:
    """One line for a person: English unless `locale` is Japanese ("ja…")."""
    if locale.lower().startswith("ja"):
        parts = _japanese(facts, skill_names, audience)
    else:
        parts = _english(facts, skill_names, audience)
        if parts:
            parts[0] = parts[0][0].upper() + parts[0][1:]
    return "; ".join(parts)


def explanations(
    facts: MatchFacts, skill_names: SkillNames, audience: Audience = Audience.WORKER
) -> dict[str, str]:
    """Both languages at once: {"en": …, "ja": …}."""
    return {locale: explain(facts, skill_names, locale, audience) for locale in ("en", "ja")}
