"""Market suggestions: what a worker could learn next, and what an employer should pay.

**Skill gaps (for a worker).** Over the open jobs within the worker's travel radius
(remote ones too if they work remotely; all of Japan without a home location), every
required skill, language and credential type is compared with what the worker has
(credentials count only when verified). A job missing nothing is one they qualify
for; a job missing exactly one thing is one they are *close to*: that one thing would
unlock it. Gaps are ranked by how many well-paid jobs they would unlock (paying at
least the worker's desired pay, or the local median when they stated none), then by
all jobs unlocked, then by how many jobs ask for it at all. "Qualify" means the
listed requirements; distance, schedule and status of residence stay with matching.

**Pay (for an employer).** Comparable open jobs are those paid by the same period and
asking for one of the job's skills, in the same prefecture; if fewer than
`MIN_SAMPLE`, the same field (the skills' sector) in the prefecture, then the same
skills and the same field across Japan (the first with enough jobs wins; if none has,
the largest is shown and marked too small). The range is the middle half (25th–75th
percentile) of the comparable jobs' mid-range pay, with the median and sample size.
"""

from __future__ import annotations

import math
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from domain.ai import labels, market
from domain.ai.memo import Memo
from domain.ai.requirements import Requirement, requirement
from domain.auth.organizations import is_member
from domain.auth.principal import Principal
from domain.jobs.models import Job, JobSkill
from domain.matching.pay import hourly_equivalent
from domain.profiles.models import WorkerProfile
from domain.skills.models import Skill
from domain.values import EmploymentType, PayPeriod

MIN_SAMPLE = 5
GAPS_SHOWN = 5
CLOSE_JOBS_SHOWN = 10


@dataclass(frozen=True, slots=True)
class SkillGap:
    requirement: Requirement
    jobs_unlocked: int  # nearby jobs this alone stands between the worker and
    well_paid_jobs_unlocked: int
    jobs_asking: int  # nearby jobs asking for it that the worker does not meet
    median_hourly_pay: int | None  # of the jobs it unlocks (else of those asking)
    explanation_ja: str
    explanation_en: str


@dataclass(frozen=True, slots=True)
class CloseJob:
    job_id: uuid.UUID
    missing: Requirement
    hourly_pay: int
    explanation_ja: str
    explanation_en: str


@dataclass(frozen=True, slots=True)
class SkillGapReport:
    radius_km: float | None  # None: all of Japan (the worker gave no home location)
    jobs_nearby: int
    jobs_qualified: int
    well_paid_from: int | None  # yen an hour counted as well paid
    gaps: list[SkillGap]
    close_jobs: list[CloseJob]
    explanation_ja: str
    explanation_en: str


def _area(radius_km: float | None, lang: str) -> str:
    if lang == "ja":
        return "全国" if radius_km is None else f"{radius_km:g}km圏内"
    return "across Japan" if radius_km is None else f"within {radius_km:g} km"


def _gap_explanations(gap: SkillGap, radius_km: float | None) -> tuple[str, str]:
    label_ja, label_en = gap.requirement.label_ja, gap.requirement.label_en
    area_ja, area_en = _area(radius_km, "ja"), _area(radius_km, "en")
    pay = gap.median_hourly_pay
    asking_en = f"{labels.jobs_en(gap.jobs_asking)} {'asks' if gap.jobs_asking == 1 else 'ask'}"
    if gap.jobs_unlocked:
        unlocked = gap.jobs_unlocked
        median_ja = f"（時給換算の中央値{labels.yen(pay)}円）" if pay else ""
        median_en = f" (median ¥{labels.yen(pay)} an hour)" if pay else ""
        return (
            f"{label_ja}があれば、{area_ja}の募集中の求人にあと{labels.count_ja(unlocked)}"
            f"応募できるようになります{median_ja}。{labels.count_ja(gap.jobs_asking)}の求人が求めています。",
            f"With {label_en}, you would qualify for {unlocked} more open "
            f"{'job' if unlocked == 1 else 'jobs'} {area_en}{median_en}; {asking_en} for it.",
        )
    return (
        f"{area_ja}の{labels.count_ja(gap.jobs_asking)}の求人が{label_ja}を求めています"
        "（ほかの条件も必要です）。",
        f"{asking_en} for {label_en} {area_en}; each also needs something else.",
    )


def gap_frames(
    jobs: pd.DataFrame, needs: pd.DataFrame, held: pd.DataFrame, well_paid_from: float | None
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """(jobs with `missing` counts, one row per gap, the close jobs' missing rows).

    Only required needs block: a nice-to-have skill never keeps anyone out."""
    blocking = needs[needs["required"].astype(bool)]
    missing = blocking[market.unmet(blocking, held)]
    per_job = missing.groupby("owner").size()
    jobs = jobs.assign(missing=[int(per_job.get(job_id, 0)) for job_id in jobs["job_id"]])
    threshold = well_paid_from if well_paid_from is not None else jobs["hourly"].median()
    jobs = jobs.assign(well_paid=jobs["hourly"] >= (threshold if pd.notna(threshold) else 0))
    priced = missing.merge(
        jobs[["job_id", "hourly", "well_paid", "missing"]], left_on="owner", right_on="job_id"
    )
    close = priced[priced["missing"] == 1]
    asking = priced.groupby(["kind", "key"]).agg(
        jobs_asking=("owner", "nunique"), asked_rank=("rank", "max"), asked_pay=("hourly", "median")
    )
    unlocking = close.groupby(["kind", "key"]).agg(
        jobs_unlocked=("owner", "nunique"),
        well_paid=("well_paid", "sum"),
        unlock_rank=("rank", "max"),
        unlock_pay=("hourly", "median"),
    )
    gaps = asking.join(unlocking, how="left")
    gaps[["jobs_unlocked", "well_paid"]] = gaps[["jobs_unlocked", "well_paid"]].fillna(0)
    gaps["rank"] = gaps["unlock_rank"].fillna(gaps["asked_rank"]).astype(int)
    gaps["pay"] = gaps["unlock_pay"].fillna(gaps["asked_pay"])
    gaps = gaps.sort_values(
        ["well_paid", "jobs_unlocked", "jobs_asking", "pay"], ascending=False
    ).reset_index()
    return jobs, gaps, close.sort_values("hourly", ascending=False)


def _desired_hourly(profile: WorkerProfile) -> float | None:
    if profile.desired_pay_amount is None or profile.desired_pay_period is None:
        return None
    return hourly_equivalent(profile.desired_pay_amount, profile.desired_pay_period)


async def _gap_inputs(
    session: AsyncSession, profile: WorkerProfile
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, float | None]:
    radius = float(profile.travel_radius_km) if profile.lat is not None else None
    conditions = []
    if profile.lat is not None and profile.lon is not None and radius is not None:
        remote = col(Job.remote) if profile.remote_ok else None
        conditions.append(
            market.near_condition(Job.lat, Job.lon, profile.lat, profile.lon, radius, remote)
        )
    jobs = await market.open_jobs(session, *conditions)
    needs = await market.job_needs(session, jobs)
    held = await market.holdings(session, [profile.id], {profile.id: profile.languages})
    return jobs, needs, held, radius


async def skill_gap_suggestions(
    session_factory: Callable[[], Any], actor: Principal, profile_id: uuid.UUID
) -> SkillGapReport | None:
    """The worker's own gap analysis; None for anyone else (it reveals what they lack)."""
    async with session_factory() as session:
        profile = await session.get(WorkerProfile, profile_id)
        if profile is None or actor.user_id is None or profile.user_id != actor.user_id:
            return None
        return await GAP_MEMO.get_or_compute(
            (profile.id, profile.version), lambda: _gap_report(session, profile)
        )


async def _gap_report(session: AsyncSession, profile: WorkerProfile) -> SkillGapReport:
    jobs, needs, held, radius = await _gap_inputs(session, profile)
    well_paid_from = _desired_hourly(profile)
    jobs, gaps, close = gap_frames(jobs, needs, held, well_paid_from)
    shown = gaps.head(GAPS_SHOWN)
    close = close.head(CLOSE_JOBS_SHOWN)
    skill_keys = [*shown["key"][shown["kind"] == market.SKILL], *close["key"]]
    skills = await market.skill_info(session, [k for k in skill_keys if _is_uuid(k)])
    report_gaps = []
    for row in shown.itertuples():
        gap = SkillGap(
            requirement(row.kind, row.key, int(row.rank), skills),
            int(row.jobs_unlocked),
            int(row.well_paid),
            int(row.jobs_asking),
            round(row.pay) if pd.notna(row.pay) else None,
            "",
            "",
        )
        ja, en = _gap_explanations(gap, radius)
        report_gaps.append(replace(gap, explanation_ja=ja, explanation_en=en))
    close_jobs = []
    for row in close.itertuples():
        needed = requirement(row.kind, row.key, int(row.rank), skills)
        close_jobs.append(
            CloseJob(
                row.owner,
                needed,
                round(row.hourly),
                f"{needed.label_ja}以外の条件はすべて満たしています。",
                f"You meet every requirement of this job except {needed.label_en}.",
            )
        )
    qualified = int((jobs["missing"] == 0).sum()) if len(jobs) else 0
    one_away = int(jobs["missing"].eq(1).sum()) if len(jobs) else 0
    threshold = well_paid_from if well_paid_from is not None else jobs["hourly"].median()
    return SkillGapReport(
        radius_km=radius,
        jobs_nearby=len(jobs),
        jobs_qualified=qualified,
        well_paid_from=round(threshold) if pd.notna(threshold) else None,
        gaps=report_gaps,
        close_jobs=close_jobs,
        explanation_ja=f"{_area(radius, 'ja')}の募集中の求人{labels.count_ja(len(jobs))}のうち、"
        f"条件を満たしているのは{labels.count_ja(qualified)}、"
        f"あと1つの条件で応募できるのは{labels.count_ja(one_away)}です。",
        explanation_en=f"Of {labels.jobs_en(len(jobs))} open {_area(radius, 'en')}, you meet "
        f"the requirements of {qualified}, and {one_away} more need just one thing you do not "
        "have yet.",
    )


def _is_uuid(value: str) -> bool:
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True


# ---- pay ----------------------------------------------------------------------------


class PayBasis(StrEnum):
    SAME_SKILLS_IN_PREFECTURE = "SAME_SKILLS_IN_PREFECTURE"
    SAME_SECTOR_IN_PREFECTURE = "SAME_SECTOR_IN_PREFECTURE"
    SAME_EMPLOYMENT_TYPE_IN_PREFECTURE = "SAME_EMPLOYMENT_TYPE_IN_PREFECTURE"
    SAME_SKILLS_NATIONWIDE = "SAME_SKILLS_NATIONWIDE"
    SAME_SECTOR_NATIONWIDE = "SAME_SECTOR_NATIONWIDE"
    SAME_EMPLOYMENT_TYPE_NATIONWIDE = "SAME_EMPLOYMENT_TYPE_NATIONWIDE"


class PayPosition(StrEnum):
    BELOW = "BELOW"  # the job's mid-range pay is under the comparable jobs' middle half
    WITHIN = "WITHIN"
    ABOVE = "ABOVE"
    UNKNOWN = "UNKNOWN"  # nothing to compare with


@dataclass(frozen=True, slots=True)
class PaySuggestion:
    period: PayPeriod
    basis: PayBasis | None
    sample_size: int
    sufficient: bool  # at least MIN_SAMPLE comparable jobs
    median: int | None
    low: int | None  # 25th percentile of comparable jobs' mid-range pay
    high: int | None  # 75th percentile
    minimum: int | None  # lowest minimum among them
    maximum: int | None  # highest maximum among them
    position: PayPosition
    explanation_ja: str
    explanation_en: str


def _round_pay(amount: float, period: PayPeriod) -> int:
    """To 10 yen (hourly, daily) or 1,000 yen (monthly, yearly), halves up."""
    step = 10 if period in (PayPeriod.HOURLY, PayPeriod.DAILY) else 1000
    return int(math.floor(amount / step + 0.5) * step)


def _basis_words(basis: PayBasis, job: Job) -> tuple[str, str]:
    place_ja = labels.prefecture_name(job.prefecture or "", "ja")
    place_en = labels.prefecture_name(job.prefecture or "", "en")
    kind = EmploymentType(job.employment_type)
    return {
        PayBasis.SAME_SKILLS_IN_PREFECTURE: (
            f"{place_ja}で同じスキルを求める",
            f"asking for the same skills in {place_en}",
        ),
        PayBasis.SAME_SECTOR_IN_PREFECTURE: (
            f"{place_ja}の同じ分野の",
            f"in the same field in {place_en}",
        ),
        PayBasis.SAME_EMPLOYMENT_TYPE_IN_PREFECTURE: (
            f"{place_ja}の{labels.EMPLOYMENT_JA[kind]}の",
            f"for {labels.EMPLOYMENT_EN[kind]} work in {place_en}",
        ),
        PayBasis.SAME_SKILLS_NATIONWIDE: (
            "全国で同じスキルを求める",
            "asking for the same skills across Japan",
        ),
        PayBasis.SAME_SECTOR_NATIONWIDE: ("全国の同じ分野の", "in the same field across Japan"),
        PayBasis.SAME_EMPLOYMENT_TYPE_NATIONWIDE: (
            f"全国の{labels.EMPLOYMENT_JA[kind]}の",
            f"for {labels.EMPLOYMENT_EN[kind]} work across Japan",
        ),
    }[basis]


async def comparables(
    session: AsyncSession, job: Job
) -> tuple[pd.DataFrame, list[tuple[PayBasis, pd.Series]]]:
    """Open jobs paid by the same period, and the tiers of comparability over them."""
    own = (
        await session.execute(
            select(JobSkill.skill_id, Skill.sector)
            .join(Skill, col(Skill.id) == col(JobSkill.skill_id))
            .where(col(JobSkill.job_id) == job.id)
        )
    ).all()
    skill_ids = {skill_id for skill_id, _ in own}
    sector = Counter(sector for _, sector in own).most_common(1)[0][0] if own else None
    others = await market.open_jobs(
        session, col(Job.pay_period) == job.pay_period, col(Job.id) != job.id
    )
    links = (
        await session.execute(
            select(JobSkill.job_id, JobSkill.skill_id, Skill.sector)
            .join(Skill, col(Skill.id) == col(JobSkill.skill_id))
            .where(col(JobSkill.job_id).in_(list(others["job_id"])))
        )
    ).all()
    shares = {job_id for job_id, skill_id, _ in links if skill_id in skill_ids}
    same_field = {job_id for job_id, _, skill_sector in links if skill_sector == sector}
    in_prefecture = others["prefecture"] == job.prefecture
    by_skill = others["job_id"].isin(shares)
    by_sector = others["job_id"].isin(same_field)
    by_type = others["employment_type"] == job.employment_type
    tiers: list[tuple[PayBasis, pd.Series]] = []
    if skill_ids:
        if job.prefecture:
            tiers += [
                (PayBasis.SAME_SKILLS_IN_PREFECTURE, in_prefecture & by_skill),
                (PayBasis.SAME_SECTOR_IN_PREFECTURE, in_prefecture & by_sector),
            ]
        tiers += [
            (PayBasis.SAME_SKILLS_NATIONWIDE, by_skill),
            (PayBasis.SAME_SECTOR_NATIONWIDE, by_sector),
        ]
    else:
        if job.prefecture:
            tiers.append((PayBasis.SAME_EMPLOYMENT_TYPE_IN_PREFECTURE, in_prefecture & by_type))
        tiers.append((PayBasis.SAME_EMPLOYMENT_TYPE_NATIONWIDE, by_type))
    return others, tiers


def _choose(tiers: list[tuple[PayBasis, pd.Series]]) -> tuple[PayBasis, pd.Series] | None:
    """The first tier with enough jobs; else the largest (the earlier on a tie)."""
    for basis, chosen in tiers:
        if int(chosen.sum()) >= MIN_SAMPLE:
            return basis, chosen
    best = max(tiers, key=lambda tier: int(tier[1].sum()), default=None)
    return best if best is not None and int(best[1].sum()) > 0 else None


def _position_words(position: PayPosition) -> tuple[str, str]:
    return {
        PayPosition.BELOW: (
            "この求人の給与は多くの求人より低めです。上げると応募が集まりやすくなります。",
            "Your pay is below most of them: raising it would reach more workers.",
        ),
        PayPosition.ABOVE: (
            "この求人の給与は多くの求人より高めです。",
            "Your pay is above most of them.",
        ),
        PayPosition.WITHIN: (
            "この求人の給与は相場の範囲内です。",
            "Your pay is in line with them.",
        ),
        PayPosition.UNKNOWN: ("", ""),
    }[position]


def market_pay(
    job: Job, others: pd.DataFrame, tiers: list[tuple[PayBasis, pd.Series]]
) -> PaySuggestion:
    period = PayPeriod(job.pay_period)
    chosen = _choose(tiers)
    if chosen is None:
        return PaySuggestion(
            period, None, 0, False, None, None, None, None, None, PayPosition.UNKNOWN,
            "比較できる募集中の求人がまだないため、相場を示せません。",
            "There are no comparable open jobs yet, so there is no market pay to compare with.",
        )  # fmt: skip
    basis, mask = chosen
    sample = others[mask.to_numpy()]
    middle = ((sample["pay_min"] + sample["pay_max"]) / 2).to_numpy(dtype=float)
    low, median, high = (_round_pay(v, period) for v in np.percentile(middle, [25, 50, 75]))
    own = (job.pay_min + job.pay_max) / 2
    position = (
        PayPosition.BELOW if own < low else PayPosition.ABOVE if own > high else PayPosition.WITHIN
    )
    size = len(sample)
    words_ja, words_en = _basis_words(basis, job)
    said_ja, said_en = _position_words(position)
    ja = (
        f"{words_ja}募集中の求人{labels.count_ja(size)}の給与は、中央の半数が"
        f"{labels.pay_ja(low, high, period)}、中央値は{labels.yen(median)}円です。{said_ja}"
    )
    en = (
        f"Comparable open jobs {words_en} ({labels.jobs_en(size)}): the middle half pay "
        f"{labels.pay_en(low, high, period)}, median ¥{labels.yen(median)}. {said_en}"
    )
    if size < MIN_SAMPLE:
        ja = f"比較できる求人が{labels.count_ja(size)}しかなく、目安としては少なすぎます。{ja}"
        en = f"Only {labels.jobs_en(size)} to compare with: too few to rely on. {en}"
    return PaySuggestion(
        period=period,
        basis=basis,
        sample_size=size,
        sufficient=size >= MIN_SAMPLE,
        median=median,
        low=low,
        high=high,
        minimum=int(sample["pay_min"].min()),
        maximum=int(sample["pay_max"].max()),
        position=position,
        explanation_ja=ja,
        explanation_en=en,
    )


async def owned_job(session: AsyncSession, actor: Principal, job_id: uuid.UUID) -> Job | None:
    """The job if the actor acts for its organisation (or is an admin), else None."""
    job = await session.get(Job, job_id)
    if job is None or actor.user_id is None:
        return None
    if actor.is_admin or await is_member(session, actor, job.organization_id):
        return job
    return None


async def pay_suggestion(
    session_factory: Callable[[], Any], actor: Principal, job_id: uuid.UUID
) -> PaySuggestion | None:
    """The market pay for the job's role and place; None for anyone outside its organisation."""
    async with session_factory() as session:
        job = await owned_job(session, actor, job_id)
        if job is None:
            return None
        return await PAY_MEMO.get_or_compute((job.id, job.version), lambda: _pay(session, job))


async def _pay(session: AsyncSession, job: Job) -> PaySuggestion | None:
    others, tiers = await comparables(session, job)
    return market_pay(job, others, tiers)


# Keyed by (id, version): an edit recomputes at once; the market part refreshes with the TTL.
GAP_MEMO: Memo[SkillGapReport] = Memo()
PAY_MEMO: Memo[PaySuggestion | None] = Memo()
