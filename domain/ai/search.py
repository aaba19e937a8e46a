# ruff: noqa: E501  (regex and phrase tables read better unwrapped)
"""A search box or voice query turned into job-search filters.

"大阪で夜勤の介護の仕事、時給1500円以上" → prefecture OSAKA, night shift,
sector CARE (kept as text "介護" for the text filter), at least 1,500 yen an
hour. "forklift jobs near Nagoya starting next week" → forklift skill, a point
and radius around Nagoya, start from next Monday. `understood` lists what was
read, in the query's language, so the app can show it and let the user edit
it; `is_unknown` says nothing was understood (answer helpfully, never fail).

`to_job_filter()` returns a dict shaped like `domain.jobs.queries.JobFilter`;
night shift, weekends and the start date are added by `assistant.search_filters`
(`night_shift`, `weekends_only`, `starts_from`); sectors stay in the text filter.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import date
from typing import Any

from domain.ai.dates import find_start_dates
from domain.ai.employment import find_employment_types, find_remote
from domain.ai.extract import find_skill_mentions
from domain.ai.location import find_locations
from domain.ai.mentions import LocationMention, ScheduleKind, SkillMention
from domain.ai.pay import find_pay, primary_pay
from domain.ai.schedule import find_schedule
from domain.ai.skill_index import SkillIndex, default_skill_index
from domain.ai.text import FoldedText, Span, fold
from domain.ai.tokenizer import segment
from domain.values import EmploymentType, PayPeriod

MAX_QUERY = 500
STATION_RADIUS_KM = 5.0
CITY_RADIUS_KM = 15.0
PREFECTURE_RADIUS_KM = 30.0

_NEAR = re.compile(r"近く|周辺|付近|近辺|近郊|最寄|から近い|near|around|close to|nearby|vicinity")
_RADIUS = re.compile(
    r"(?P<km>\d+(?:\.\d+)?)\s*(?:km|キロ)(?:\s*以内|\s*圏内)?|within\s+(?P<km2>\d+(?:\.\d+)?)\s*km"
)
_SECTORS: tuple[tuple[re.Pattern[str], str, str, str], ...] = (
    (re.compile(r"介護|ケアワーカー|caregiv\w*|care work\w*|nursing care|elderly care"), "CARE", "介護", "care"),
    (re.compile(r"物流|倉庫|配送|ドライバー|logistics|warehouse|delivery|driver"), "LOGISTICS", "物流", "logistics"),
    (re.compile(r"建設|建築|現場|土木|construction|building site"), "CONSTRUCTION", "建設", "construction"),
    (re.compile(r"飲食|レストラン|居酒屋|キッチン|調理|restaurant|kitchen|cook\w*"), "FOOD_SERVICE", "飲食", "restaurants"),
    (re.compile(r"工場|製造|factory|manufactur\w*"), "MANUFACTURING", "製造", "manufacturing"),
    (re.compile(r"ホテル|旅館|宿泊|hotel|ryokan|hospitality"), "HOSPITALITY", "宿泊", "hotels"),
    (re.compile(r"農業|農家|農場|farm\w*|agricultur\w*"), "AGRICULTURE", "農業", "agriculture"),
    (re.compile(r"清掃|掃除|cleaning|cleaner"), "CLEANING", "清掃", "cleaning"),
    (re.compile(r"小売|販売|スーパー|retail|shop staff|supermarket"), "RETAIL", "販売", "retail"),
    (re.compile(r"エンジニア|プログラマ|開発|(?<![a-z])it(?![a-z])|software|developer|engineer"), "IT", "IT", "IT"),
)  # fmt: skip
_CONTENT_POS = frozenset({"名詞", "動詞", "形容詞", "形状詞"})
_FILLER_JA = frozenset(
    [
        "仕事",
        "お仕事",
        "求人",
        "案件",
        "募集",
        "探す",
        "探し",
        "探して",
        "ください",
        "する",
        "したい",
        "教える",
        "教え",
        "ある",
        "いる",
        "以上",
        "以降",
        "近く",
        "周辺",
        "付近",
        "近辺",
        "こと",
        "もの",
        "時",
        "方",
        "働く",
        "働き",
        "働ける",
        "できる",
        "希望",
        "勤務",
        "バイト",
    ]
)
_FILLER_EN = frozenset(
    [
        "jobs",
        "job",
        "work",
        "works",
        "working",
        "position",
        "positions",
        "opening",
        "openings",
        "vacancy",
        "vacancies",
        "in",
        "near",
        "around",
        "for",
        "a",
        "an",
        "the",
        "me",
        "find",
        "show",
        "search",
        "looking",
        "want",
        "need",
        "any",
        "with",
        "at",
        "least",
        "per",
        "from",
        "starting",
        "start",
        "of",
        "to",
        "some",
        "please",
        "that",
        "pay",
        "pays",
        "paying",
        "is",
        "are",
        "can",
        "do",
        "what",
        "what's",
        "where",
        "there",
    ]
)
_PERIOD_JA = {
    PayPeriod.HOURLY: "時給",
    PayPeriod.DAILY: "日給",
    PayPeriod.MONTHLY: "月給",
    PayPeriod.YEARLY: "年収",
}
_PERIOD_EN = {
    PayPeriod.HOURLY: "hour",
    PayPeriod.DAILY: "day",
    PayPeriod.MONTHLY: "month",
    PayPeriod.YEARLY: "year",
}
_TYPE_JA = {EmploymentType.FULL_TIME: "正社員", EmploymentType.PART_TIME: "パート・アルバイト",
            EmploymentType.CONTRACT: "契約・派遣", EmploymentType.SHIFT: "シフト制"}  # fmt: skip
_TYPE_EN = {EmploymentType.FULL_TIME: "full-time", EmploymentType.PART_TIME: "part-time",
            EmploymentType.CONTRACT: "contract", EmploymentType.SHIFT: "shift work"}  # fmt: skip


@dataclass(frozen=True, slots=True)
class NearPoint:
    lat: float
    lon: float
    km: float
    label: str  # the place as the user said it


@dataclass(frozen=True, slots=True)
class PayFloor:
    amount: int
    period: PayPeriod


@dataclass(frozen=True, slots=True)
class SearchIntent:
    query: str
    language: str
    skills: tuple[SkillMention, ...]
    sectors: tuple[str, ...]  # taxonomy sectors named by a generic word (介護, warehouse …)
    prefecture: str | None
    city: str | None
    near: NearPoint | None
    night_shift: bool
    weekends_only: bool
    pay_at_least: PayFloor | None
    start_from: date | None
    employment_types: tuple[EmploymentType, ...]
    remote: bool | None
    text: str | None  # what is left for the free-text filter
    understood: tuple[str, ...]  # human-readable, in the query's language
    spans: tuple[Span, ...]  # where each understood piece came from

    @property
    def skill_ids(self) -> tuple[uuid.UUID, ...]:
        return tuple(skill.skill_id for skill in self.skills)

    @property
    def is_unknown(self) -> bool:
        return not self.understood

    def to_job_filter(self) -> dict[str, Any]:
        """Keyword arguments for `JobFilter` (skills match ANY: a query lists alternatives)."""
        values: dict[str, Any] = {
            "text": self.text,
            "skills": {"skill_ids": list(self.skill_ids), "match": "ANY"} if self.skills else None,
            "prefecture": self.prefecture if self.near is None else None,
            "near": {"lat": self.near.lat, "lon": self.near.lon, "km": self.near.km}
            if self.near
            else None,
            "pay_at_least": (
                {"amount": self.pay_at_least.amount, "period": self.pay_at_least.period.value}
                if self.pay_at_least
                else None
            ),
            "employment_types": [t.value for t in self.employment_types] or None,
            "remote": self.remote,
        }
        return {key: value for key, value in values.items() if value is not None}


def _near(
    text: FoldedText, place: LocationMention, folded_start: int, folded_end: int
) -> NearPoint | None:
    if place.lat is None or place.lon is None:
        return None
    around = text.text[max(0, folded_start - 12) : folded_end + 8]
    radius = _RADIUS.search(text.text)
    if place.station:
        km = STATION_RADIUS_KM
    elif place.city:
        km = CITY_RADIUS_KM
    elif _NEAR.search(around):
        km = PREFECTURE_RADIUS_KM
    else:
        return None
    if radius:
        km = min(500.0, float(radius.group("km") or radius.group("km2")))
    return NearPoint(place.lat, place.lon, km, place.span.text)


def _folded_range(text: FoldedText, span: Span) -> tuple[int, int]:
    start = next((i for i, o in enumerate(text.offsets) if o >= span.start), len(text.text))
    end = next((i for i, o in enumerate(text.offsets) if o >= span.end), len(text.text))
    return start, end


def parse_search_query(text: str, *, skills: SkillIndex | None = None, today: date) -> SearchIntent:
    """Structured filters from a free-text or spoken job search, in Japanese or English."""
    query = text[:MAX_QUERY]
    folded = FoldedText.of(query)
    ja = folded.language == "ja"
    understood: list[str] = []
    spans: list[Span] = []

    found_skills = find_skill_mentions(folded, skills or default_skill_index())
    for skill in found_skills:
        understood.append(skill.name_ja if ja else skill.name_en)
        spans.append(skill.span)

    sectors: list[str] = []
    for pattern, sector, label_ja, label_en in _SECTORS:
        match = pattern.search(folded.text)
        if match:
            if sector in _sectors_of(found_skills, skills):
                continue  # "forklift jobs in a warehouse": the skill already says it
            sectors.append(sector)
            understood.append(f"分野: {label_ja}" if ja else f"{label_en} jobs")
            spans.append(folded.span(match.start(), match.end()))

    prefecture = city = None
    near = None
    locations = find_locations(folded)
    if locations:
        place = locations[0]
        prefecture, city = place.prefecture, place.city
        start, end = _folded_range(folded, place.span)
        near = _near(folded, place, start, end)
        spans.append(place.span)
        name = place.span.text
        if near:
            understood.append(
                f"{name}の近く（{near.km:g}km以内）"
                if ja
                else f"near {name} (within {near.km:g} km)"
            )
        else:
            understood.append(f"場所: {name}" if ja else f"in {name}")

    schedule = find_schedule(folded)
    night = next((m for m in schedule if m.kind is ScheduleKind.NIGHT_SHIFT), None)
    weekends = next((m for m in schedule if m.kind is ScheduleKind.WEEKENDS_ONLY), None)
    if night:
        understood.append("夜勤あり" if ja else "night shifts")
        spans.append(night.span)
    if weekends:
        understood.append("土日のみ" if ja else "weekends only")
        spans.append(weekends.span)

    pay = primary_pay(find_pay(folded))
    floor = PayFloor(pay.min, pay.period) if pay else None
    if pay:
        understood.append(
            f"{_PERIOD_JA[pay.period]}{pay.min:,}円以上"
            if ja
            else f"at least ¥{pay.min:,} per {_PERIOD_EN[pay.period]}"
        )
        spans.append(pay.span)

    starts = find_start_dates(folded, today)
    start_from = starts[0].date if starts else None
    if starts:
        understood.append(
            f"{start_from:%Y年%m月%d日}以降に開始" if ja else f"starting from {start_from:%Y-%m-%d}"
        )
        spans.append(starts[0].span)

    types = tuple(dict.fromkeys(m.value for m in find_employment_types(folded)))
    for kind in types:
        understood.append(_TYPE_JA[kind] if ja else _TYPE_EN[kind])
    spans += [m.span for m in find_employment_types(folded)]

    remote_span = find_remote(folded)
    if remote_span:
        understood.append("リモート可" if ja else "remote")
        spans.append(remote_span)

    return SearchIntent(
        query=query,
        language=folded.language,
        skills=tuple(found_skills),
        sectors=tuple(sectors),
        prefecture=prefecture,
        city=city,
        near=near,
        night_shift=night is not None,
        weekends_only=weekends is not None,
        pay_at_least=floor,
        start_from=start_from,
        employment_types=types,
        remote=True if remote_span else None,
        text=_remainder(query, spans, keep=[m for m in spans if _is_sector_span(m, sectors)]),
        understood=tuple(understood),
        spans=tuple(spans),
    )


def _sectors_of(found: list[SkillMention], index: SkillIndex | None) -> set[str]:
    entries = (index or default_skill_index()).by_slug
    return {entries[m.slug].sector for m in found if m.slug in entries}


def _is_sector_span(span: Span, sectors: list[str]) -> bool:
    return bool(sectors) and any(pattern.fullmatch(span.text.lower()) for pattern, *_ in _SECTORS)


def _remainder(query: str, spans: list[Span], keep: list[Span]) -> str | None:
    """The query minus what was understood (sector words stay: they search the text).

    Japanese leftovers are cut into words by Sudachi and only content words are kept,
    so particles inside words ("こんにちは") are not mistaken for the particle は."""
    chars = list(query)
    for span in spans:
        if span in keep:
            continue
        for i in range(span.start, min(span.end, len(chars))):
            chars[i] = " "
    rest = fold("".join(chars))
    words: list[str] = []
    if any("\u3040" <= ch <= "\u9fff" for ch in rest):
        for token in segment(rest).coarse:
            if (
                token.pos in _CONTENT_POS
                and token.surface.strip()
                and token.surface not in _FILLER_JA
            ):
                words.append(token.surface.strip())
    else:
        words = [
            w
            for w in re.findall(r"[a-z0-9][a-z0-9'+#.-]*", rest)
            if w not in _FILLER_EN and len(w) >= 2
        ]
    remainder = " ".join(words).strip()
    return remainder or None
