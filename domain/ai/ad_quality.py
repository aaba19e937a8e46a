"""Ad quality hints for an employer: what keeps a job ad from reaching the right workers.

- **Pay**: none stated (¥0), a single amount instead of a range, or below the market
  (`domain.ai.suggestions.market_pay`, only when there are enough comparable jobs).
- **Requirements**: none listed at all (vague); soft words in their place ("やる気",
  "motivated"); skills the description names that the skill list lacks (matching reads
  the list, not the prose).
- **Description** too short to tell a worker what the job is.
- **Restrictive requirements**: over the public worker profiles within reach of the job
  (each worker's own travel radius; remote workers for a remote job), how many each
  requirement rules out, and how many of those meet every *other* requirement — the
  workers that requirement alone costs. Counts are shown only when at least
  `MIN_POOL` workers are within reach, so no hint is about a person.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from domain.ai import labels, market
from domain.ai.assistant import japan_today
from domain.ai.extract import extract_job_requirements
from domain.ai.memo import Memo
from domain.ai.requirements import Requirement, requirement
from domain.ai.suggestions import PayPosition, comparables, market_pay, owned_job
from domain.ai.text import FoldedText, Span
from domain.auth.principal import Principal
from domain.geo.distance import EARTH_RADIUS_KM
from domain.jobs.models import Job
from domain.profiles.models import WorkerProfile
from domain.values import PayPeriod

MIN_POOL = 5
RESTRICTIVE_SHOWN = 3
POOL_SEARCH_KM = 100.0  # workers further away are not counted, whatever their radius
SHORT_DESCRIPTION = {"ja": 100, "en": 250}  # characters; Japanese says more per character
_VAGUE = re.compile(
    r"やる気|元気|明るい|前向き|真面目|まじめ|素直|積極的|体力に自信|コミュニケーション能力|"
    r"motivated|hard[- ]?working|team player|positive attitude|energetic|self[- ]starter|"
    r"passionate|good communication skills?"
)


class HintKind(StrEnum):
    MISSING_PAY = "MISSING_PAY"
    NO_PAY_RANGE = "NO_PAY_RANGE"
    PAY_BELOW_MARKET = "PAY_BELOW_MARKET"
    VAGUE_REQUIREMENTS = "VAGUE_REQUIREMENTS"
    VAGUE_WORDING = "VAGUE_WORDING"
    SKILLS_ONLY_IN_TEXT = "SKILLS_ONLY_IN_TEXT"
    SHORT_DESCRIPTION = "SHORT_DESCRIPTION"
    RESTRICTIVE_REQUIREMENT = "RESTRICTIVE_REQUIREMENT"
    FEW_WORKERS_NEARBY = "FEW_WORKERS_NEARBY"


class Severity(StrEnum):
    WARNING = "WARNING"  # likely costs applicants
    INFO = "INFO"  # worth a look


@dataclass(frozen=True, slots=True)
class AdQualityHint:
    kind: HintKind
    severity: Severity
    explanation_ja: str
    explanation_en: str
    requirement: Requirement | None = None
    workers_excluded: int | None = None
    workers_otherwise_qualified: int | None = None
    candidate_pool: int | None = None
    spans: tuple[Span, ...] = ()  # where in the description (vague words)
    skill_ids: tuple[uuid.UUID, ...] = field(default=())  # skills named but not listed


def _pay_hints(job: Job, others: pd.DataFrame, tiers: list[Any]) -> list[AdQualityHint]:
    period = PayPeriod(job.pay_period)
    if job.pay_max == 0:
        return [
            AdQualityHint(
                HintKind.MISSING_PAY,
                Severity.WARNING,
                "給与が0円になっています。実際の給与の範囲を入れてください。",
                "The pay shows ¥0. State the real pay range.",
            )
        ]
    hints = []
    if job.pay_min == job.pay_max:
        hints.append(
            AdQualityHint(
                HintKind.NO_PAY_RANGE,
                Severity.INFO,
                f"給与が{labels.pay_ja(job.pay_min, None, period)[:-1]}の一つだけです。"
                "経験に応じた範囲を示すと、経験者の応募が増えます。",
                f"The pay is a single amount (¥{labels.yen(job.pay_min)}). A range shows "
                "experienced workers what they could earn.",
            )
        )
    market = market_pay(job, others, tiers)
    if market.sufficient and market.position is PayPosition.BELOW:
        hints.append(
            AdQualityHint(
                HintKind.PAY_BELOW_MARKET,
                Severity.WARNING,
                market.explanation_ja,
                market.explanation_en,
            )
        )
    return hints


def _text_hints(job: Job, listed: set[uuid.UUID], needs: pd.DataFrame) -> list[AdQualityHint]:
    hints = []
    text = f"{job.title}\n{job.description}"
    extraction = extract_job_requirements(text, today=japan_today())
    limit = SHORT_DESCRIPTION[extraction.language]
    if len(job.description.strip()) < limit:
        hints.append(
            AdQualityHint(
                HintKind.SHORT_DESCRIPTION,
                Severity.WARNING,
                f"仕事の説明が{len(job.description.strip())}文字しかありません。仕事内容・一日の流れ・"
                "職場の様子を書くと、合う人が応募しやすくなります。",
                f"The description is only {len(job.description.strip())} characters. Say what "
                "the work is, what a day looks like and who the team are.",
            )
        )
    unlisted = [m for m in extraction.skills if m.skill_id not in listed]
    if unlisted:
        names_ja = "・".join(m.name_ja for m in unlisted)
        names_en = ", ".join(m.name_en for m in unlisted)
        hints.append(
            AdQualityHint(
                HintKind.SKILLS_ONLY_IN_TEXT,
                Severity.INFO,
                f"説明に{names_ja}とありますが、スキルとして登録されていないため、マッチングに"
                "使われません。スキル欄に追加してください。",
                f"The description names {names_en}, but the skill list does not, so matching "
                "cannot use them. Add them to the skills.",
                spans=tuple(m.span for m in unlisted),
                skill_ids=tuple(m.skill_id for m in unlisted),
            )
        )
    if needs.empty:
        hints.append(
            AdQualityHint(
                HintKind.VAGUE_REQUIREMENTS,
                Severity.WARNING,
                "必要なスキル・語学・資格が一つも登録されていません。何ができる人を求めているかを"
                "登録すると、合う人に届きます。",
                "No skill, language or licence is listed. Say what the work needs, so the "
                "job reaches the workers who have it.",
            )
        )
    folded = FoldedText.of(job.description)
    vague = [folded.span(m.start(), m.end()) for m in _VAGUE.finditer(folded.text)]
    if vague:
        words = "、".join(dict.fromkeys(s.text for s in vague))
        hints.append(
            AdQualityHint(
                HintKind.VAGUE_WORDING,
                Severity.INFO,
                f"「{words}」は人柄の言葉で、仕事に必要なことが伝わりません。具体的な経験や"
                "作業内容で書くと伝わります。",
                f"“{words}” describe a character, not what the work needs. Name the "
                "experience or tasks instead.",
                spans=tuple(vague),
            )
        )
    return hints


async def _pool(session: AsyncSession, job: Job) -> pd.DataFrame:
    """Public profiles within reach: their travel radius covers the job (or both remote)."""
    remote = col(WorkerProfile.remote_ok) if job.remote else None
    if job.lat is None or job.lon is None:
        if remote is None:
            return await market.public_profiles(session)
        return await market.public_profiles(session, remote)
    profiles = await market.public_profiles(
        session,
        market.near_condition(
            WorkerProfile.lat, WorkerProfile.lon, job.lat, job.lon, POOL_SEARCH_KM, remote
        ),
    )
    lat1, lon1 = (
        np.radians(profiles["lat"].astype(float)),
        np.radians(profiles["lon"].astype(float)),
    )
    lat2, lon2 = np.radians(job.lat), np.radians(job.lon)
    a = (
        np.sin((lat2 - lat1) / 2) ** 2
        + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2
    )
    km = 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(a, 0, 1)))
    reach = (km <= profiles["travel_radius_km"]).fillna(False)
    if job.remote:
        reach |= profiles["remote_ok"].astype(bool)
    return profiles[reach.to_numpy(dtype=bool)]


async def _restrictive_hints(
    session: AsyncSession, job: Job, needs: pd.DataFrame
) -> list[AdQualityHint]:
    if needs.empty:
        return []
    pool = await _pool(session, job)
    ids = list(pool["profile_id"])
    if len(ids) < MIN_POOL:
        return [
            AdQualityHint(
                HintKind.FEW_WORKERS_NEARBY,
                Severity.INFO,
                f"この求人の通勤圏内に公開プロフィールの働き手が{len(ids)}人しかいないため、"
                "どの条件が応募者を減らしているかは示せません。",
                f"Only {labels.workers_en(len(ids))} with a public profile can reach this job: "
                "too few to say which requirement narrows them most.",
                candidate_pool=len(ids),
            )
        ]
    held = await market.holdings(
        session, ids, dict(zip(pool["profile_id"], pool["languages"], strict=True))
    )
    meets = market.meets_matrix(needs, held, ids)
    skills = await market.skill_info(session, needs["key"][needs["kind"] == market.SKILL])
    found = []
    for column, (kind, key, rank) in enumerate(
        zip(needs["kind"], needs["key"], needs["rank"], strict=True)
    ):
        others = np.delete(meets, column, axis=1).all(axis=1)
        excluded = int((~meets[:, column]).sum())
        alone = int((~meets[:, column] & others).sum())
        if excluded:
            found.append((alone, excluded, requirement(kind, key, int(rank), skills)))
    found.sort(key=lambda item: (-item[0], -item[1]))
    hints = []
    for alone, excluded, needed in found[:RESTRICTIVE_SHOWN]:
        hints.append(
            AdQualityHint(
                HintKind.RESTRICTIVE_REQUIREMENT,
                Severity.WARNING if excluded * 2 >= len(ids) else Severity.INFO,
                f"「{needed.label_ja}」の条件で、通勤圏内の働き手{len(ids)}人のうち{excluded}人が"
                f"対象外になります（うち{alone}人はほかの条件をすべて満たしています）。"
                "レベルを下げるか、歓迎条件にすることを検討してください。",
                f"“{needed.label_en}” rules out {excluded} of the {labels.workers_en(len(ids))} "
                f"within reach; {alone} of them meet every other requirement. Consider a lower "
                "level, or making it nice-to-have.",
                requirement=needed,
                workers_excluded=excluded,
                workers_otherwise_qualified=alone,
                candidate_pool=len(ids),
            )
        )
    return hints


async def ad_quality_hints(
    session_factory: Callable[[], Any], actor: Principal, job_id: uuid.UUID
) -> list[AdQualityHint] | None:
    """Hints for the job's organisation, most costly first; None for anyone else."""
    async with session_factory() as session:
        job = await owned_job(session, actor, job_id)
        if job is None:
            return None
        hints = await HINTS_MEMO.get_or_compute((job.id, job.version), lambda: _hints(session, job))
    return list(hints)


async def _hints(session: AsyncSession, job: Job) -> tuple[AdQualityHint, ...]:
    frame = pd.DataFrame(
        [(job.id, job.languages, job.required_credential_types)],
        columns=["job_id", "languages", "credential_types"],
    )
    needs = await market.job_needs(session, frame)
    listed = {uuid.UUID(key) for key in needs["key"][needs["kind"] == market.SKILL]}
    required = needs[needs["required"].astype(bool)].reset_index(drop=True)
    others, tiers = await comparables(session, job)
    hints = [
        *_pay_hints(job, others, tiers),
        *_text_hints(job, listed, needs),
        *await _restrictive_hints(session, job, required),
    ]
    return tuple(sorted(hints, key=lambda hint: hint.severity is not Severity.WARNING))


# Keyed by (job id, version): an edit recomputes at once; the market part refreshes with the TTL.
HINTS_MEMO: Memo[tuple[AdQualityHint, ...]] = Memo()
