"""Realistic, reproducible demo data for Japan: workers, employers and jobs (`iworkz seed-demo`).

Every job and profile starts as a validated `JobDraft` / `ProfileDraft` and becomes columns
through the services' own `job_columns` / `profile_columns`, so search text, grams and JSON
shapes are exactly what the API would have stored; only the writing is different (bulk core
inserts in one transaction, because 5,000 ORM round trips would take minutes). Everything is
drawn from `random.Random` streams derived from the seed and dated from a fixed reference
time, so one seed always gives the same rows (the one exception is the password hash, whose
salt comes from argon2, as it must).
"""

from __future__ import annotations

import json
import math
import random
import uuid
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import cache
from itertools import chain
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import Table, distinct, func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.auth.models import Membership, Organization, OrganizationKind, User
from domain.auth.passwords import hash_password
from domain.auth.principal import Role
from domain.auth.service import user_by_email
from domain.errors import validated
from domain.geo.prefectures import City, PrefectureInfo, prefectures
from domain.jobs.inputs import JobDraft
from domain.jobs.models import Job, JobSkill, JobStatusChange
from domain.jobs.service import job_columns
from domain.jobs.status import JobStatus
from domain.profiles.inputs import NO_EXPIRY, ProfileDraft, ResidenceStatus
from domain.profiles.models import WorkerProfile, WorkerSkill
from domain.profiles.service import profile_columns
from domain.skills.models import Sector, Skill
from domain.skills.taxonomy import skill_id_for, taxonomy
from domain.values import EmploymentType, PayPeriod, Weekday

_DATA = Path(__file__).parent / "data"

DEMO_EMAIL_DOMAIN = "demo.iworkz.jp"
ADMIN_EMAIL = f"admin@{DEMO_EMAIL_DOMAIN}"
DEMO_PASSWORD = "iworkz-demo-password"
ALREADY_SEEDED = "already seeded (nothing inserted)"
# "Now" for the demo world: every timestamp and date is an offset from it, never the wall clock.
REFERENCE_TIME = datetime(2026, 10, 1, tzinfo=UTC)
REFERENCE_DATE = REFERENCE_TIME.date()
CHUNK_ROWS = 1000
BATCH_ROWS = 50_000  # rows made before they are written: memory stays flat at any size
# Serialises concurrent `seed-demo` runs, so the second one sees the first one's admin.
_ADVISORY_LOCK = 0x1D3_5EED

# 2020 census population in thousands: where people live is where most work (and workers) are.
_POPULATION: dict[str, int] = {
    "HOKKAIDO": 5225, "AOMORI": 1238, "IWATE": 1211, "MIYAGI": 2302, "AKITA": 960,
    "YAMAGATA": 1068, "FUKUSHIMA": 1833, "IBARAKI": 2867, "TOCHIGI": 1933, "GUNMA": 1939,
    "SAITAMA": 7345, "CHIBA": 6284, "TOKYO": 14048, "KANAGAWA": 9237, "NIIGATA": 2201,
    "TOYAMA": 1035, "ISHIKAWA": 1133, "FUKUI": 767, "YAMANASHI": 810, "NAGANO": 2048,
    "GIFU": 1979, "SHIZUOKA": 3633, "AICHI": 7542, "MIE": 1770, "SHIGA": 1414,
    "KYOTO": 2578, "OSAKA": 8838, "HYOGO": 5465, "NARA": 1324, "WAKAYAMA": 923,
    "TOTTORI": 553, "SHIMANE": 671, "OKAYAMA": 1888, "HIROSHIMA": 2800, "YAMAGUCHI": 1342,
    "TOKUSHIMA": 720, "KAGAWA": 950, "EHIME": 1335, "KOCHI": 692, "FUKUOKA": 5135,
    "SAGA": 811, "NAGASAKI": 1312, "KUMAMOTO": 1738, "OITA": 1124, "MIYAZAKI": 1070,
    "KAGOSHIMA": 1588, "OKINAWA": 1467,
}  # fmt: skip
# Pay follows the regional wage level; hourly pay never goes below the (approximate, 2025)
# regional minimum wage, rounded up.
_PAY_FACTOR: dict[str, float] = {
    "TOKYO": 1.12, "KANAGAWA": 1.08, "OSAKA": 1.06, "AICHI": 1.04, "SAITAMA": 1.03,
    "CHIBA": 1.03, "KYOTO": 1.02, "HYOGO": 1.02, "SHIZUOKA": 1.0, "FUKUOKA": 1.0,
}  # fmt: skip
_DEFAULT_PAY_FACTOR = 0.97
_MIN_HOURLY: dict[str, int] = {
    "TOKYO": 1230, "KANAGAWA": 1230, "OSAKA": 1180, "SAITAMA": 1150, "AICHI": 1140,
    "CHIBA": 1140, "KYOTO": 1130, "HYOGO": 1120, "SHIZUOKA": 1100,
}  # fmt: skip
_DEFAULT_MIN_HOURLY = 1060
_PAY_STEP = {PayPeriod.HOURLY: 10, PayPeriod.DAILY: 500, PayPeriod.MONTHLY: 5000}

_SECTOR_WEIGHTS: dict[str, int] = {
    "CARE": 14, "MANUFACTURING": 14, "FOOD_SERVICE": 12, "LOGISTICS": 11, "CONSTRUCTION": 10,
    "RETAIL": 10, "HOSPITALITY": 8, "IT": 8, "CLEANING": 7, "AGRICULTURE": 6,
}  # fmt: skip
_NIGHT_WORK_SECTORS = frozenset({"CARE", "LOGISTICS", "MANUFACTURING", "HOSPITALITY", "CLEANING"})
_FOREIGN_SHARE = 0.35
_ENGLISH_SPEAKING_COUNTRIES = frozenset({"PH", "IN", "LK", "NP"})
_PART_TIME_ONLY = frozenset({ResidenceStatus.STUDENT, ResidenceStatus.DEPENDENT})
_ALL_SECTORS = frozenset(_SECTOR_WEIGHTS)
# Which statuses of residence allow work in which sector (roughly as in the immigration rules),
# and how common each is among foreign job seekers.
_RESIDENCE_STATUSES: tuple[tuple[ResidenceStatus, int, frozenset[str]], ...] = (
    (
        ResidenceStatus.SPECIFIED_SKILLED_WORKER_1,
        30,
        _ALL_SECTORS - {"IT", "RETAIL"},
    ),
    (
        ResidenceStatus.SPECIFIED_SKILLED_WORKER_2,
        4,
        _ALL_SECTORS - {"IT", "RETAIL", "CARE"},
    ),
    (
        ResidenceStatus.TECHNICAL_INTERN_TRAINING,
        20,
        frozenset(
            {"CARE", "CONSTRUCTION", "MANUFACTURING", "FOOD_SERVICE", "AGRICULTURE", "CLEANING"}
        ),
    ),
    (
        ResidenceStatus.ENGINEER_SPECIALIST_IN_HUMANITIES,
        12,
        frozenset({"IT", "HOSPITALITY", "RETAIL", "LOGISTICS", "MANUFACTURING"}),
    ),
    (
        ResidenceStatus.STUDENT,
        12,
        frozenset({"FOOD_SERVICE", "RETAIL", "LOGISTICS", "CLEANING", "HOSPITALITY"}),
    ),
    (ResidenceStatus.PERMANENT_RESIDENT, 10, _ALL_SECTORS),
    (ResidenceStatus.SPOUSE_OR_CHILD_OF_JAPANESE, 5, _ALL_SECTORS),
    (ResidenceStatus.LONG_TERM_RESIDENT, 5, _ALL_SECTORS),
    (ResidenceStatus.DESIGNATED_ACTIVITIES, 2, _ALL_SECTORS),
    (ResidenceStatus.DEPENDENT, 2, frozenset({"RETAIL", "FOOD_SERVICE", "CLEANING"})),
)
_SETTLED = frozenset(
    {
        ResidenceStatus.PERMANENT_RESIDENT,
        ResidenceStatus.SPOUSE_OR_CHILD_OF_JAPANESE,
        ResidenceStatus.LONG_TERM_RESIDENT,
    }
)
# Japanese (JLPT) level weights N5..N1 for foreign workers: mostly N4–N2.
_JLPT_WEIGHTS_DEFAULT = (5, 30, 35, 22, 8)
_JLPT_WEIGHTS_SETTLED = (0, 5, 20, 40, 35)
_JLPT_WEIGHTS_PROFESSIONAL = (0, 0, 25, 45, 30)
_JOB_STATUS_WEIGHTS = {
    JobStatus.OPEN: 80,
    JobStatus.DRAFT: 6,
    JobStatus.PAUSED: 5,
    JobStatus.FILLED: 5,
    JobStatus.CLOSED: 4,
}
_WEEKDAYS = (Weekday.MON, Weekday.TUE, Weekday.WED, Weekday.THU, Weekday.FRI)
_ALL_DAYS = (*_WEEKDAYS, Weekday.SAT, Weekday.SUN)
_PART_TIME_WINDOWS = (
    ("06:00", "10:00"),
    ("09:00", "13:00"),
    ("10:00", "15:00"),
    ("13:00", "18:00"),
    ("17:00", "22:00"),
    ("18:00", "23:00"),
)

_T = TypeVar("_T")


@dataclass(frozen=True)
class DemoSize:
    """How much demo data to create."""

    workers: int = 5000
    jobs: int = 500

    def __post_init__(self) -> None:
        if self.workers < 0 or self.jobs < 0:
            raise ValueError("Demo sizes cannot be negative.")


@dataclass
class DemoRows:
    """Every row of the demo data, per table, in insert (foreign-key) order."""

    users: list[dict[str, Any]] = field(default_factory=list)
    organizations: list[dict[str, Any]] = field(default_factory=list)
    memberships: list[dict[str, Any]] = field(default_factory=list)
    profiles: list[dict[str, Any]] = field(default_factory=list)
    worker_skills: list[dict[str, Any]] = field(default_factory=list)
    jobs: list[dict[str, Any]] = field(default_factory=list)
    job_skills: list[dict[str, Any]] = field(default_factory=list)
    job_status_changes: list[dict[str, Any]] = field(default_factory=list)

    def by_table(self) -> list[tuple[Table, list[dict[str, Any]]]]:
        return [
            (_table(User), self.users),
            (_table(Organization), self.organizations),
            (_table(Membership), self.memberships),
            (_table(WorkerProfile), self.profiles),
            (_table(WorkerSkill), self.worker_skills),
            (_table(Job), self.jobs),
            (_table(JobSkill), self.job_skills),
            (_table(JobStatusChange), self.job_status_changes),
        ]

    def row_count(self) -> int:
        return sum(len(rows) for _, rows in self.by_table())

    def take(self) -> DemoRows:
        """The rows so far, as a batch of their own; this object starts empty again (the
        generators keep appending to it)."""
        batch = DemoRows(**{name: list(rows) for name, rows in vars(self).items()})
        for rows in vars(self).values():
            rows.clear()
        return batch

    def counts(self) -> dict[str, int]:
        return {
            "users": len(self.users),
            "organizations": len(self.organizations),
            "workers": len(self.profiles),
            "worker skills": len(self.worker_skills),
            "jobs": len(self.jobs),
            "open jobs": sum(1 for job in self.jobs if job["status"] == JobStatus.OPEN),
            "job skills": len(self.job_skills),
            "job status changes": len(self.job_status_changes),
        }


async def seed_demo_data(
    session_factory: Callable[[], AsyncSession],
    size: DemoSize,
    seed: int = 42,
    batch_rows: int = BATCH_ROWS,
) -> dict[str, int]:
    """Create the demo data in one transaction and return how many rows of each kind.

    The rows are made and written a batch at a time (`iter_demo_rows`), so memory stays
    flat whatever the size: holding them all, 1,000,000 jobs took 22 GB.

    If the demo admin already exists nothing is written: the result then carries the
    `ALREADY_SEEDED` key and counts what the database already holds."""
    counts: Counter[str] = Counter()
    async with session_factory() as session, session.begin():
        await session.execute(select(func.pg_advisory_xact_lock(_ADVISORY_LOCK)))
        if await user_by_email(session, ADMIN_EMAIL) is not None:
            return {ALREADY_SEEDED: 1, **await existing_demo_counts(session)}
        rows = await session.execute(select(Skill))
        skills = {skill.id: skill for skill in rows.scalars()}
        password_hash = await hash_password(DEMO_PASSWORD)  # once: argon2 is slow on purpose
        for batch in iter_demo_rows(size, seed, skills, password_hash, batch_rows):
            for table, table_rows in batch.by_table():
                for start in range(0, len(table_rows), CHUNK_ROWS):
                    await session.execute(insert(table), table_rows[start : start + CHUNK_ROWS])
            counts.update(batch.counts())
    return dict(counts)


async def existing_demo_counts(session: AsyncSession) -> dict[str, int]:
    """What an earlier run left: accounts on the demo domain and what they own."""
    users, memberships = _table(User), _table(Membership)
    profiles, jobs = _table(WorkerProfile), _table(Job)
    demo_user = users.c.email.endswith(f"@{DEMO_EMAIL_DOMAIN}")
    statements = {
        "users": select(func.count()).select_from(users).where(demo_user),
        "organizations": select(func.count(distinct(memberships.c.organization_id)))
        .join(users, users.c.id == memberships.c.user_id)
        .where(demo_user),
        "workers": select(func.count())
        .select_from(profiles.join(users, users.c.id == profiles.c.user_id))
        .where(demo_user),
        "jobs": select(func.count())
        .select_from(jobs.join(users, users.c.id == jobs.c.created_by))
        .where(demo_user),
    }
    return {name: (await session.execute(sql)).scalar_one() for name, sql in statements.items()}


def build_demo_rows(
    size: DemoSize, seed: int, skills: dict[uuid.UUID, Skill], password_hash: str
) -> DemoRows:
    """All demo rows, without touching the database: a pure function of size and seed."""
    return next(iter_demo_rows(size, seed, skills, password_hash, batch_rows=math.inf))


def iter_demo_rows(
    size: DemoSize,
    seed: int,
    skills: dict[uuid.UUID, Skill],
    password_hash: str,
    batch_rows: float = BATCH_ROWS,
) -> Iterator[DemoRows]:
    """The demo rows in batches of about `batch_rows`, each complete (a worker's or a
    job's rows are never split) and in foreign-key order after the batches before it.

    Workers, employers and the admin draw from separate random streams, so asking for more
    jobs does not change the workers (and vice versa); the batch size changes nothing."""
    missing = sorted(slug for slug in _all_slugs() if _skill_id(slug) not in skills)
    if missing:
        raise RuntimeError(f"The skills table lacks {missing[:5]}: run the migrations first.")
    demo = DemoRows()
    _add_admin(demo, random.Random(f"iworkz-demo:{seed}:admin"))
    units = chain(
        _add_workers(demo, random.Random(f"iworkz-demo:{seed}:workers"), size.workers, skills),
        _add_employers_and_jobs(demo, random.Random(f"iworkz-demo:{seed}:jobs"), size.jobs, skills),
    )
    for _ in units:
        if demo.row_count() >= batch_rows:
            yield _with_password(demo.take(), password_hash)
    yield _with_password(demo.take(), password_hash)


def _with_password(batch: DemoRows, password_hash: str) -> DemoRows:
    for row in batch.users:
        row["password_hash"] = password_hash
    return batch


# --- data files -------------------------------------------------------------------------


@cache
def _job_templates() -> tuple[dict[str, Any], ...]:
    return tuple(json.loads((_DATA / "job_templates.json").read_text(encoding="utf-8")))


@cache
def _people() -> dict[str, Any]:
    people: dict[str, Any] = json.loads((_DATA / "people.json").read_text(encoding="utf-8"))
    return people


@cache
def _templates_by_sector() -> dict[str, tuple[dict[str, Any], ...]]:
    return {
        sector: tuple(t for t in _job_templates() if t["sector"] == sector)
        for sector in _SECTOR_WEIGHTS
    }


@cache
def _slugs_by_sector() -> dict[str, tuple[str, ...]]:
    return {
        sector.value: tuple(entry["slug"] for entry in taxonomy() if entry["sector"] == sector)
        for sector in Sector
    }


@cache
def _skill_id(slug: str) -> uuid.UUID:
    return skill_id_for(slug)


@cache
def _all_slugs() -> tuple[str, ...]:
    return tuple(entry["slug"] for entry in taxonomy())


def _by_sector(items: Sequence[dict[str, Any]], sector: str) -> list[dict[str, Any]]:
    return [item for item in items if item["sector"] == sector]


# --- random helpers ---------------------------------------------------------------------


def _uuid(rng: random.Random) -> uuid.UUID:
    return uuid.UUID(int=rng.getrandbits(128), version=4)


def _weighted(rng: random.Random, weights: dict[_T, int] | dict[_T, float]) -> _T:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def _moment(rng: random.Random, after: datetime, before: datetime) -> datetime:
    """A whole second between two moments."""
    span = max(int((before - after).total_seconds()), 1)
    return after + timedelta(seconds=rng.randrange(span))


def _spread_prefectures(rng: random.Random, count: int) -> list[tuple[PrefectureInfo, bool]]:
    """`count` prefectures weighted by population; each prefecture at least once (flagged
    True) when there are enough to go round, so the demo covers all of Japan."""
    infos = list(prefectures().values())
    weights = [_POPULATION[info.code] for info in infos]
    firsts = infos if count >= len(infos) else []
    extra = rng.choices(infos, weights=weights, k=count - len(firsts))
    spread = [(info, True) for info in firsts] + [(info, False) for info in extra]
    rng.shuffle(spread)
    return spread


def _place(rng: random.Random, info: PrefectureInfo) -> tuple[City, float, float]:
    """A city of the prefecture (the first, largest one more often) and a point within
    about 3 km of its centre, so people and jobs do not sit on one pin."""
    weights = [3] + [1] * (len(info.cities) - 1)
    city = rng.choices(info.cities, weights=weights)[0]
    distance_km = 3.0 * math.sqrt(rng.random())
    bearing = rng.uniform(0, 2 * math.pi)
    lat = city.lat + distance_km * math.cos(bearing) / 111.0
    lon = city.lon + distance_km * math.sin(bearing) / (111.0 * math.cos(math.radians(city.lat)))
    return city, round(lat, 5), round(lon, 5)


def _round_pay(amount: float, period: PayPeriod) -> int:
    step = _PAY_STEP.get(period, 100_000)
    return int(round(amount / step) * step)


def _regional_pay(
    rng: random.Random, template: dict[str, Any], prefecture: str
) -> tuple[int, int, PayPeriod]:
    """The template's pay range moved to the prefecture's wage level, with a little noise."""
    period = PayPeriod(template["pay_period"])
    factor = _PAY_FACTOR.get(prefecture, _DEFAULT_PAY_FACTOR) * rng.uniform(0.96, 1.04)
    low = _round_pay(template["pay_min"] * factor, period)
    high = _round_pay(template["pay_max"] * factor, period)
    if period is PayPeriod.HOURLY:
        floor = _MIN_HOURLY.get(prefecture, _DEFAULT_MIN_HOURLY)
        low = max(low, math.ceil(floor / 10) * 10)
        high = max(high, low + 100)
    return low, max(low, high), period


def _japanese_name(rng: random.Random) -> str:
    people = _people()
    family, given = rng.choice(people["family_names"]), rng.choice(people["given_names"])
    return f"{family['ja']} {given['ja']}"


# --- accounts ---------------------------------------------------------------------------


def _user_row(
    rng: random.Random, email: str, display_name: str, role: Role, locale: str, at: datetime
) -> dict[str, Any]:
    return {
        "id": _uuid(rng),
        "email": email,
        "password_hash": "",  # filled in once for all rows
        "display_name": display_name,
        "roles": [role.value],
        "locale": locale,
        "created_at": at,
    }


def _add_admin(demo: DemoRows, rng: random.Random) -> None:
    at = REFERENCE_TIME - timedelta(days=730)
    demo.users.append(_user_row(rng, ADMIN_EMAIL, "iWORKZ Demo Admin", Role.ADMIN, "ja", at))


# --- workers ----------------------------------------------------------------------------


def _add_workers(
    demo: DemoRows, rng: random.Random, count: int, skills: dict[uuid.UUID, Skill]
) -> Iterator[None]:
    """Adds the workers to `demo`, pausing after each (a place to take a batch)."""
    for number, (info, _) in enumerate(_spread_prefectures(rng, count), start=1):
        _add_worker(demo, rng, number, info, skills)
        yield


def _add_worker(
    demo: DemoRows,
    rng: random.Random,
    number: int,
    info: PrefectureInfo,
    skills: dict[uuid.UUID, Skill],
) -> None:
    sector = _weighted(rng, _SECTOR_WEIGHTS)
    foreign = rng.random() < _FOREIGN_SHARE
    if foreign:
        person = rng.choice(_people()["foreign_names"])
        status = _residence_status(rng, sector)
        display_name, country = person["name"], person["country"]
        experience = rng.randint(1, 8)
        languages = _foreign_languages(rng, status, person["native_language"], country, sector)
        locale = "ja" if rng.random() < 0.3 else "en"
        writes_japanese = rng.random() < 0.3
        expires_on = (
            None if status in NO_EXPIRY else REFERENCE_DATE + timedelta(days=rng.randint(183, 1095))
        )
    else:
        status, expires_on = ResidenceStatus.JAPANESE_NATIONAL, None
        display_name = _japanese_name(rng)
        experience = rng.randint(1, 20)
        languages = [{"code": "ja", "level": "NATIVE"}]
        if rng.random() < (0.5 if sector == "IT" else 0.15):
            languages.append({"code": "en", "level": rng.choice(["A2", "B1", "B1", "B2", "C1"])})
        locale, writes_japanese = "ja", True
    part_time_only = status in _PART_TIME_ONLY
    template = _worker_template(rng, sector, part_time_only)
    city, lat, lon = _place(rng, info)
    lang = "ja" if writes_japanese else "en"
    city_name = city.name_ja if writes_japanese else city.name_en
    headline = rng.choice(_by_sector(_people()["headline_templates"], sector))[lang]
    bio = rng.choice(_by_sector(_people()["bio_templates"], sector))[lang]
    low, high, period = _regional_pay(rng, template, info.code)
    employment_types = (
        [EmploymentType.PART_TIME.value]
        if part_time_only
        else _worker_employment_types(rng, template)
    )
    draft = validated(
        ProfileDraft,
        {
            "headline": headline.format(years=experience, city=city_name),
            "bio": bio.format(years=experience, city=city_name),
            "skills": _worker_skills(rng, sector, template, experience),
            "languages": languages,
            "location": {"prefecture": info.code, "city": city_name, "lat": lat, "lon": lon},
            "travel_radius_km": rng.choices([5, 10, 15, 20, 30, 50], [10, 25, 25, 20, 12, 8])[0],
            "remote_ok": rng.random() < (0.75 if sector == "IT" else 0.03),
            "desired_pay": {
                "amount": _round_pay(low + (high - low) * rng.uniform(0.0, 0.8), period),
                "period": period,
            },
            "employment_types": employment_types,
            "weekly_availability": _availability(rng, sector, employment_types, part_time_only),
            "earliest_start": None
            if rng.random() < 0.1
            else REFERENCE_DATE + timedelta(days=rng.randint(0, 90)),
            "work_authorization": {"residence_status": status, "expires_on": expires_on},
            "visibility": "PUBLIC" if rng.random() < 0.9 else "HIDDEN",
        },
    )
    joined = _moment(rng, REFERENCE_TIME - timedelta(days=365), REFERENCE_TIME - timedelta(hours=1))
    user = _user_row(
        rng, f"worker{number:05d}@{DEMO_EMAIL_DOMAIN}", display_name, Role.WORKER, locale, joined
    )
    profile_id = _uuid(rng)
    demo.users.append(user)
    demo.profiles.append(
        {
            "id": profile_id,
            "user_id": user["id"],
            **profile_columns(draft, skills),
            "version": 1,
            "created_at": joined + timedelta(seconds=rng.randint(60, 3600)),
            "updated_at": None,
        }
    )
    demo.worker_skills.extend(
        {
            "profile_id": profile_id,
            "skill_id": item.skill_id,
            "level": item.level,
            "years": item.years,
            "position": position,
        }
        for position, item in enumerate(draft.skills)
    )


def _residence_status(rng: random.Random, sector: str) -> ResidenceStatus:
    allowed = {
        status: weight for status, weight, sectors in _RESIDENCE_STATUSES if sector in sectors
    }
    return _weighted(rng, allowed)


def _foreign_languages(
    rng: random.Random, status: ResidenceStatus, native: str, country: str, sector: str
) -> list[dict[str, str]]:
    if status in _SETTLED:
        weights = _JLPT_WEIGHTS_SETTLED
    elif status is ResidenceStatus.ENGINEER_SPECIALIST_IN_HUMANITIES:
        weights = _JLPT_WEIGHTS_PROFESSIONAL
    else:
        weights = _JLPT_WEIGHTS_DEFAULT
    japanese = rng.choices(["N5", "N4", "N3", "N2", "N1"], weights=weights)[0]
    languages = [{"code": "ja", "level": japanese}, {"code": native, "level": "NATIVE"}]
    english_chance = 0.7 if country in _ENGLISH_SPEAKING_COUNTRIES else 0.25
    if sector == "IT":
        english_chance = max(english_chance, 0.6)
    if native != "en" and rng.random() < english_chance:
        languages.append({"code": "en", "level": rng.choice(["A2", "B1", "B2", "B2", "C1"])})
    return languages


def _worker_template(rng: random.Random, sector: str, part_time_only: bool) -> dict[str, Any]:
    """A job template of the sector: the worker's pay expectations and skills follow it."""
    templates = list(_templates_by_sector()[sector])
    if part_time_only:
        part_time = [t for t in templates if "PART_TIME" in t["employment_types"]]
        hourly = [t for t in templates if t["pay_period"] == PayPeriod.HOURLY]
        templates = part_time or hourly or templates
    return rng.choice(templates)


def _worker_employment_types(rng: random.Random, template: dict[str, Any]) -> list[str]:
    types = list(template["employment_types"])
    if rng.random() < 0.25:
        types.append(rng.choice([t.value for t in EmploymentType]))
    return list(dict.fromkeys(types))


def _worker_skills(
    rng: random.Random, sector: str, template: dict[str, Any], experience: int
) -> list[dict[str, Any]]:
    """2–6 skills: the template's first, then others of the sector; now and then a general
    skill (a licence, Excel…) or one from another sector, as real careers go."""
    from_template = [
        s["slug"] for s in (*template["required_skills"], *template["nice_to_have_skills"])
    ]
    rng.shuffle(from_template)
    others = [slug for slug in _slugs_by_sector()[sector] if slug not in from_template]
    rng.shuffle(others)
    count = rng.randint(2, 6)
    chosen = (from_template[: rng.randint(1, count)] + others)[:count]
    outside = None
    if rng.random() < 0.3:
        outside = rng.choice(_slugs_by_sector()["GENERAL"])
    elif rng.random() < 0.1:
        other_sector = rng.choice([s for s in _SECTOR_WEIGHTS if s != sector])
        outside = rng.choice(_slugs_by_sector()[other_sector])
    if outside is not None and outside not in chosen:
        chosen[-1] = outside
    result = []
    for slug in chosen:
        level = 1 + round(experience / 4 + rng.gauss(0, 0.8))
        result.append(
            {
                "skill_id": _skill_id(slug),
                "level": min(max(level, 1), 5),
                "years": round(rng.uniform(0.5, experience) * 2) / 2,
            }
        )
    return result


def _availability(
    rng: random.Random, sector: str, employment_types: list[str], part_time_only: bool
) -> list[dict[str, str]]:
    """Weekly slots: office-hours weeks, part-time windows, or night shifts past midnight."""
    if part_time_only:  # students and dependants may work 28 hours a week at most
        days = rng.sample(_ALL_DAYS, rng.randint(2, 4))
        start, end = rng.choice([("17:00", "22:00"), ("18:00", "23:00"), ("10:00", "16:00")])
    elif sector in _NIGHT_WORK_SECTORS and rng.random() < (
        0.4 if "SHIFT" in employment_types else 0.12
    ):
        days = rng.sample(_ALL_DAYS, rng.randint(3, 5))
        start, end = rng.choice([("22:00", "07:00"), ("17:00", "09:00"), ("22:00", "06:00")])
    elif "FULL_TIME" in employment_types and rng.random() < 0.7:
        days = list(_WEEKDAYS) + ([Weekday.SAT] if rng.random() < 0.3 else [])
        start, end = rng.choice([("08:00", "17:00"), ("09:00", "18:00"), ("08:30", "17:30")])
    else:
        days = rng.sample(_ALL_DAYS, rng.randint(2, 5))
        start, end = rng.choice(_PART_TIME_WINDOWS)
    order = {day: index for index, day in enumerate(_ALL_DAYS)}
    return [{"day": day, "start": start, "end": end} for day in sorted(days, key=order.__getitem__)]


# --- employers and jobs -----------------------------------------------------------------


def _add_employers_and_jobs(
    demo: DemoRows,
    rng: random.Random,
    count: int,
    skills: dict[uuid.UUID, Skill],
) -> Iterator[None]:
    """About one organisation per four jobs. Jobs are laid out in prefecture (JIS, roughly
    north-to-south) order and cut into runs, so an employer's sites lie in one region.
    Pauses after each job (a place to take a batch: the job's organisation is already in)."""
    if count == 0:
        return
    slots = sorted(_spread_prefectures(rng, count), key=lambda slot: slot[0].jis)
    organizations = math.ceil(count / 4)
    cuts = sorted(rng.sample(range(1, count), organizations - 1)) if organizations > 1 else []
    names: set[str] = set()
    for number, (start, end) in enumerate(zip([0, *cuts], [*cuts, count], strict=True), start=1):
        sector = _weighted(rng, _SECTOR_WEIGHTS)
        home = slots[start][0]
        founded = _moment(
            rng, REFERENCE_TIME - timedelta(days=900), REFERENCE_TIME - timedelta(days=200)
        )
        organization_id = _uuid(rng)
        employer = _user_row(
            rng,
            f"employer{number:04d}@{DEMO_EMAIL_DOMAIN}",
            _japanese_name(rng),
            Role.EMPLOYER,
            "ja",
            founded,
        )
        demo.users.append(employer)
        demo.organizations.append(
            {
                "id": organization_id,
                "name": _organization_name(rng, sector, home, names),
                "kind": OrganizationKind.EMPLOYER.value,
                "created_at": founded,
            }
        )
        demo.memberships.append(
            {"user_id": employer["id"], "organization_id": organization_id, "created_at": founded}
        )
        templates = list(_templates_by_sector()[sector])
        rng.shuffle(templates)
        for index, (info, covers) in enumerate(slots[start:end]):
            _add_job(
                demo,
                rng,
                templates[index % len(templates)],
                info,
                covers,
                organization_id,
                employer["id"],
                founded,
                skills,
            )
            yield


def _organization_name(
    rng: random.Random, sector: str, home: PrefectureInfo, taken: set[str]
) -> str:
    parts = _people()["company_name_parts"]
    suffixes = _by_sector(parts["suffix"], sector)
    name = ""
    for _ in range(20):
        prefix, suffix = rng.choice(parts["prefix"]), rng.choice(suffixes)
        if sector == "IT" and rng.random() < 0.4:
            name = f"{prefix['en']} {suffix['en']} Inc."
        elif suffix["ja"] == "福祉会":
            name = f"社会福祉法人{prefix['ja']}{suffix['ja']}"
        else:
            form = rng.choices(["株式会社{}", "{}株式会社", "有限会社{}"], [60, 30, 10])[0]
            name = form.format(prefix["ja"] + suffix["ja"])
        if name not in taken:
            break
    else:
        name = f"{name}（{home.name_ja}）"
    taken.add(name)
    return name


def _add_job(
    demo: DemoRows,
    rng: random.Random,
    template: dict[str, Any],
    info: PrefectureInfo,
    covers: bool,
    organization_id: uuid.UUID,
    employer_id: uuid.UUID,
    founded: datetime,
    skills: dict[uuid.UUID, Skill],
) -> None:
    city, lat, lon = _place(rng, info)
    japanese = rng.random() < 0.5
    remote = bool(template["remote_possible"]) and rng.random() < 0.6
    # A prefecture's only guaranteed job is on site and open, so browsing any prefecture
    # finds something; other remote jobs are sometimes fully remote (no location).
    fully_remote = remote and not covers and rng.random() < 0.4
    openings = rng.choices([1, 2, 3, 4, 5], [40, 25, 15, 10, 10])[0]
    employment_type = rng.choice(template["employment_types"])
    low, high, period = _regional_pay(rng, template, info.code)
    if japanese:
        title = f"【{city.name_ja}】{template['title_ja']}"
        description = (
            f"{template['description_ja']}\n\n勤務地：{info.name_ja}{city.name_ja}"
            f"\n募集人数：{openings}名"
        )
        city_name = city.name_ja
    else:
        title = f"{template['title_en']} in {city.name_en}"
        description = (
            f"{template['description_en']}\n\nLocation: {city.name_en}, {info.name_en}"
            f"\nOpenings: {openings}"
        )
        city_name = city.name_en
    requirements = [
        {"skill_id": _skill_id(s["slug"]), "min_level": s["min_level"], "required": True}
        for s in template["required_skills"]
    ] + [
        {"skill_id": _skill_id(s["slug"]), "min_level": s["min_level"], "required": False}
        for s in template["nice_to_have_skills"]
    ]
    draft = validated(
        JobDraft,
        {
            "organization_id": organization_id,
            "title": title,
            "description": description,
            "employment_type": employment_type,
            "remote": remote,
            "location": None
            if fully_remote
            else {"prefecture": info.code, "city": city_name, "lat": lat, "lon": lon},
            "pay": {"min": low, "max": high, "period": period},
            "skills": requirements,
            "languages": template["languages"],
            "schedule": _schedule(rng, template, employment_type),
            "openings": openings,
            "start_date": None
            if rng.random() < 0.15
            else REFERENCE_DATE + timedelta(days=rng.randint(7, 120)),
        },
    )
    status = JobStatus.OPEN if covers else _weighted(rng, _JOB_STATUS_WEIGHTS)
    job_id = _uuid(rng)
    created = _moment(
        rng, max(founded, REFERENCE_TIME - timedelta(days=150)), REFERENCE_TIME - timedelta(days=2)
    )
    history = _status_history(rng, status, created)
    published = next((at for _, to, at in history if to is JobStatus.OPEN), None)
    demo.jobs.append(
        {
            "id": job_id,
            "organization_id": organization_id,
            "created_by": employer_id,
            "status": status.value,
            **job_columns(draft, skills),
            # As `transition_job` does: each status change bumps the version and updated_at.
            "version": len(history),
            "created_at": created,
            "updated_at": history[-1][2] if len(history) > 1 else None,
            "published_at": published,
        }
    )
    demo.job_skills.extend(
        {
            "job_id": job_id,
            "skill_id": requirement.skill_id,
            "min_level": requirement.min_level,
            "required": requirement.required,
            "position": position,
        }
        for position, requirement in enumerate(draft.skills)
    )
    demo.job_status_changes.extend(
        {
            "id": _uuid(rng),
            "job_id": job_id,
            "from_status": None if from_status is None else from_status.value,
            "to_status": to_status.value,
            "actor_id": employer_id,
            "changed_at": at,
        }
        for from_status, to_status, at in history
    )


def _status_history(
    rng: random.Random, status: JobStatus, created: datetime
) -> list[tuple[JobStatus | None, JobStatus, datetime]]:
    """The audit trail the real write path leaves on the way to `status`: created as a
    DRAFT, published, then paused, filled or closed."""
    history: list[tuple[JobStatus | None, JobStatus, datetime]] = [(None, JobStatus.DRAFT, created)]
    if status is JobStatus.DRAFT:
        return history
    published = _moment(rng, created + timedelta(minutes=10), created + timedelta(days=2))
    history.append((JobStatus.DRAFT, JobStatus.OPEN, published))
    if status is not JobStatus.OPEN:
        ended = _moment(rng, published + timedelta(hours=1), REFERENCE_TIME - timedelta(hours=1))
        history.append((JobStatus.OPEN, status, ended))
    return history


def _schedule(
    rng: random.Random, template: dict[str, Any], employment_type: str
) -> list[dict[str, str]]:
    """Working hours that fit the job: office weeks, part-time windows or night shifts."""
    night = "night" in template["title_en"].lower()
    if night or (
        employment_type == "SHIFT"
        and template["sector"] in _NIGHT_WORK_SECTORS
        and rng.random() < 0.5
    ):
        start, end = ("17:00", "09:00") if template["sector"] == "CARE" else ("22:00", "07:00")
        days = rng.sample(_ALL_DAYS, rng.randint(3, 5))
    elif employment_type in ("FULL_TIME", "CONTRACT"):
        days = list(_WEEKDAYS)
        start, end = (
            ("08:00", "17:00")
            if template["sector"] in ("CONSTRUCTION", "AGRICULTURE", "MANUFACTURING")
            else ("09:00", "18:00")
        )
    else:
        days = rng.sample(_ALL_DAYS, rng.randint(2, 5))
        start, end = rng.choice(_PART_TIME_WINDOWS)
    order = {day: index for index, day in enumerate(_ALL_DAYS)}
    return [{"day": day, "start": start, "end": end} for day in sorted(days, key=order.__getitem__)]


def _table(model: type[Any]) -> Table:
    table: Table = model.__table__
    return table
