"""The public cache: hot reads that are the same for every viewer, in Redis (or in memory
when embedded), invalidated explicitly when what they hold changes.

What is cached, and only this (nothing personal, nothing that depends on who asks):

- skill searches (`skills(search, sector, first)`), keyed by a fingerprint of the
  whole taxonomy: the taxonomy changes only by migration, and a new fingerprint
  makes every older entry unreachable;
- public job rows (what `node(id:)` shows an anonymous visitor: any job that is no
  longer a draft), without `created_by` and the search columns, and the skills of
  those jobs. Drafts are never stored: a job row goes in only if an anonymous
  visitor may see it, its skills only next to such a row;
- organisation rows (every column of one is public: its name, kind, when it was
  trusted): the `organization` of every job a page or `node` shows.

Correctness rules:

- Every committed change to a `jobs`, `job_skills` or `organizations` row
  (server/database.py reports them after commit) bumps the row's generation counter
  (the job's, for its skills) and deletes its entry before the writing request
  answers. Entries carry the generation read *before* the database read that filled
  them, so a fill that raced with a write is never served.
- Fills read the primary (the caller's job): a replica a moment behind would put an
  old row under the new generation.
- A request that has written, or a live connection, bypasses the cache (it reads
  fresh, like it bypasses the replica).
- An outage only costs speed: every call has a short timeout (CACHE_TIMEOUT_SECONDS),
  errors are logged and counted, and the cache is left alone for a few seconds
  after one. An invalidation that fails is retried before this process reads the
  cache again; entries expire anyway (CACHE_JOB_TTL_SECONDS).
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import logging
import time
import uuid
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cache as memoize
from typing import Any, Generic, TypeVar

import orjson
from pydantic import TypeAdapter
from sqlalchemy import Boolean, Date, DateTime, Float, Integer, String
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, UUID
from sqlmodel import SQLModel

from domain.auth.models import Organization
from domain.auth.principal import ANONYMOUS
from domain.bounded import keep
from domain.jobs.models import Job
from domain.jobs.queries import SkillLink
from domain.jobs.service import can_see_job
from domain.skills.models import Skill
from domain.sql import detached
from server import metrics
from server.cache_store import CacheStore
from server.database import ChangedRows
from server.read_scope import fresh_reads_reason

log = logging.getLogger(__name__)

T = TypeVar("T")
V = TypeVar("V")
R = TypeVar("R")
M = TypeVar("M", bound=SQLModel)
JobLinks = list[SkillLink]
JOB, ORGANIZATION = "job", "organization"  # the kinds of cached rows, in their keys

OUTAGE_BACKOFF_SECONDS = 5.0  # after a failed call, the cache is skipped this long
TAXONOMY_RECHECK_SECONDS = 300.0  # the fingerprint is recomputed this often (one query)
# Columns that are not for the public or not needed to show a job or skill.
JOB_PRIVATE_COLUMNS = frozenset({"created_by", "search_text", "search_grams"})
SKILL_UNUSED_COLUMNS = frozenset({"search_text", "search_grams"})
_SHAPES = hashlib.sha256(
    repr(
        [
            *(
                sorted((name, str(field.annotation)) for name, field in model.model_fields.items())
                for model in (Job, Organization, Skill)
            ),
            SkillLink.__annotations__,
        ]
    ).encode()
).hexdigest()[:8]


class _Unavailable(Exception):
    """The cache cannot be used for this call (outage, backoff): read the database."""


@dataclass
class Cached(Generic[V]):
    """A lookup: `hits`, and for misses that may be filled the generation to store with."""

    hits: dict[uuid.UUID, V]
    fillable: dict[uuid.UUID, int] = field(default_factory=dict)


class PublicCache:
    def __init__(
        self,
        store: CacheStore,
        *,
        prefix: str,
        taxonomy_fingerprint: Callable[[], Awaitable[str]],
        timeout_seconds: float = 0.1,
        job_ttl_seconds: int = 300,
        taxonomy_ttl_seconds: int = 3600,
        outage_backoff_seconds: float = OUTAGE_BACKOFF_SECONDS,
    ) -> None:
        self.store = store
        # Entries carry the row shapes in their keys: a deploy that adds a column never
        # reads entries written without it. Generation counters do not, so that old and
        # new processes of a rolling deploy invalidate each other's entries.
        self._counters = f"{prefix}cache:"
        self._prefix = f"{prefix}cache:{_SHAPES}:"
        self._taxonomy_fingerprint = taxonomy_fingerprint
        self._timeout = timeout_seconds
        self._row_ttl = job_ttl_seconds  # jobs, their skills, organisations
        self._taxonomy_ttl = taxonomy_ttl_seconds
        # A generation must outlive every entry filled with it.
        self._generation_ttl = 2 * max(job_ttl_seconds, taxonomy_ttl_seconds) + 60
        self._backoff = outage_backoff_seconds
        self._down_until = 0.0
        self._failing = False
        self._taxonomy: tuple[str, float] | None = None  # fingerprint, when taken
        self._refresh: asyncio.Future[None] | None = None
        self._unforgotten: set[tuple[str, uuid.UUID]] = set()  # (kind, id) still to forget
        self._recent = RecentEntries()

    async def start(self) -> None:
        """Take the taxonomy's fingerprint now rather than in the first request."""
        with contextlib.suppress(_Unavailable):
            await self._fingerprint_taxonomy()

    # -- skills ------------------------------------------------------------------------

    async def skill_search_key(self, search: str, sector: str | None, first: int) -> str | None:
        """The entry for these arguments, or None when the cache is not to be used now."""
        if self._bypassed("skills"):
            return None
        try:
            taxonomy = await self._taxonomy_version()
        except _Unavailable:
            return None
        digest = hashlib.sha256(json.dumps([search, sector, first]).encode()).hexdigest()
        return f"{self._prefix}skills:{taxonomy}:{digest[:32]}"

    async def get_skills(self, key: str) -> list[Skill] | None:
        try:
            (raw,) = await self._call("get", lambda: self.store.get_many([key]))
        except _Unavailable:
            return None
        try:
            rows = None if raw is None else [_load(Skill, row) for row in orjson.loads(raw)]
        except (ValueError, TypeError):  # unreadable: a miss, stored again
            rows = None
        metrics.labelled(metrics.CACHE_LOOKUPS, "skills", "miss" if rows is None else "hit").inc()
        return rows

    async def put_skills(self, key: str, rows: Sequence[Skill]) -> None:
        value = _encoded([_dump(row, SKILL_UNUSED_COLUMNS) for row in rows])
        if value is not None:
            await self._put([(key, value)], self._taxonomy_ttl)

    # -- jobs --------------------------------------------------------------------------

    async def jobs(self, ids: Sequence[uuid.UUID]) -> Cached[Job] | None:
        """Cached public job rows; None when the cache is not to be used now."""
        return await self._rows(JOB, ids, _load_job)

    async def store_jobs(self, rows: Iterable[Job], fillable: dict[uuid.UUID, int]) -> None:
        """Store the public ones among freshly read rows (drafts never)."""
        public = [row for row in rows if is_public(row)]
        await self._store_rows(JOB, public, fillable, JOB_PRIVATE_COLUMNS)

    # -- organisations -----------------------------------------------------------------

    async def organizations(self, ids: Sequence[uuid.UUID]) -> Cached[Organization] | None:
        """Cached organisation rows (every column of one is public); None when the cache
        is not to be used now."""
        return await self._rows(ORGANIZATION, ids, _load_organization)

    async def store_organizations(
        self, rows: Iterable[Organization], fillable: dict[uuid.UUID, int]
    ) -> None:
        await self._store_rows(ORGANIZATION, rows, fillable, frozenset())

    async def _rows(
        self, kind: str, ids: Sequence[uuid.UUID], decode: Callable[[Any], R]
    ) -> Cached[R] | None:
        if self._bypassed(kind):
            return None
        try:
            raw = await self._get_many(self._rows_keys(kind, ids))
        except _Unavailable:
            return None
        found: Cached[R] = Cached({})
        for index, pk in enumerate(ids):
            generation = _generation(raw[2 * index])
            if generation < 0:
                continue  # an unreadable counter: read the database, store nothing
            row = self._recent.decoded(raw[2 * index + 1], generation, decode)
            if row is None:
                found.fillable[pk] = generation
            else:
                found.hits[pk] = row
        _count(kind, len(found.hits), len(ids))
        return found

    async def _store_rows(
        self,
        kind: str,
        rows: Iterable[SQLModel],
        fillable: dict[uuid.UUID, int],
        private_columns: frozenset[str],
    ) -> None:
        items = []
        for row in rows:
            pk: uuid.UUID = row.id  # type: ignore[attr-defined]
            if pk in fillable:
                entry = _encoded({"g": fillable[pk], "v": _dump(row, private_columns)})
                if entry is not None:
                    items.append((self._row_key(kind, pk), entry))
        await self._put(items, self._row_ttl)

    async def job_skills(self, ids: Sequence[uuid.UUID]) -> Cached[JobLinks] | None:
        """Cached skills of public jobs; a miss is fillable only next to a valid public row."""
        if self._bypassed("job_skills"):
            return None
        try:
            taxonomy = await self._taxonomy_version()
            counter, entry = self._row_prefixes(JOB)
            links = self._job_skills_prefix(taxonomy)
            keys = [k for pk in map(str, ids) for k in (counter + pk, entry + pk, links + pk)]
            raw = await self._get_many(keys)
        except _Unavailable:
            return None
        found: Cached[JobLinks] = Cached({})
        for index, pk in enumerate(ids):
            generation = _generation(raw[3 * index])
            job = self._recent.decoded(raw[3 * index + 1], generation, _load_job)
            if generation < 0 or job is None:
                continue  # no public row cached (a draft, or not yet): not ours to store
            skill_links = self._recent.decoded(raw[3 * index + 2], generation, _load_links)
            if skill_links is None:
                found.fillable[pk] = generation
            else:
                found.hits[pk] = skill_links
        _count("job_skills", len(found.hits), len(ids))
        return found

    async def store_job_skills(
        self, found: dict[uuid.UUID, JobLinks], fillable: dict[uuid.UUID, int]
    ) -> None:
        try:
            taxonomy = await self._taxonomy_version()
        except _Unavailable:
            return
        items = []
        for pk, generation in fillable.items():
            links = [
                [min_level, required, _dump(skill, SKILL_UNUSED_COLUMNS)]
                for min_level, required, skill in found.get(pk, [])
            ]
            entry = _encoded({"g": generation, "v": links})
            if entry is not None:
                items.append((self._job_skills_key(taxonomy, pk), entry))
        await self._put(items, self._row_ttl)

    # -- invalidation ------------------------------------------------------------------

    async def on_commit(self, changed: ChangedRows) -> None:
        """After-commit hook (server/database.py): forget every job and organisation whose
        rows changed."""
        if "skills" in changed:
            self._taxonomy = None  # a taxonomy change in this process: fingerprint again
        jobs = {key[0] for key in changed.get("jobs", ())}
        jobs |= {key[0] for key in changed.get("job_skills", ())}
        organizations = {key[0] for key in changed.get("organizations", ())}
        if jobs or organizations:
            await self._forget(
                {(JOB, pk) for pk in jobs} | {(ORGANIZATION, pk) for pk in organizations}
            )

    async def forget_jobs(self, ids: Iterable[uuid.UUID]) -> None:
        await self._forget({(JOB, pk) for pk in ids})

    async def forget_organizations(self, ids: Iterable[uuid.UUID]) -> None:
        await self._forget({(ORGANIZATION, pk) for pk in ids})

    async def _forget(self, rows: set[tuple[str, uuid.UUID]]) -> None:
        """Bump the rows' generations and drop their entries; on failure, try again later
        (before this process next reads the cache)."""
        self._unforgotten.update(rows)
        try:
            await self._forget_unforgotten()
        except _Unavailable:
            log.warning("cache invalidation postponed for %d row(s)", len(self._unforgotten))

    async def close(self) -> None:
        with contextlib.suppress(_Unavailable):
            await self._forget_unforgotten()
        await self.store.close()

    # -- internals ---------------------------------------------------------------------

    def _row_key(self, kind: str, pk: uuid.UUID) -> str:
        return f"{self._row_prefixes(kind)[1]}{pk}"

    def _row_keys(self, kind: str, pk: uuid.UUID) -> tuple[str, str]:
        """The row's generation counter, then its entry."""
        counter, entry = self._row_prefixes(kind)
        return f"{counter}{pk}", f"{entry}{pk}"

    def _rows_keys(self, kind: str, ids: Sequence[uuid.UUID]) -> list[str]:
        """`_row_keys` of each id in turn, made in one go (a page asks for ~100 rows), each
        id made text once (`uuid.UUID.__str__` is Python code, ~1.5 K instructions)."""
        counter, entry = self._row_prefixes(kind)
        return [key for pk in map(str, ids) for key in (counter + pk, entry + pk)]

    def _row_prefixes(self, kind: str) -> tuple[str, str]:
        """What a row's generation counter key and entry key are, before its id."""
        return f"{self._counters}{kind}-gen:", f"{self._prefix}{kind}:"

    def _job_skills_key(self, taxonomy: str, pk: uuid.UUID) -> str:
        return f"{self._job_skills_prefix(taxonomy)}{pk}"

    def _job_skills_prefix(self, taxonomy: str) -> str:
        return f"{self._prefix}job-skills:{taxonomy}:"

    def _bypassed(self, cache: str) -> bool:
        if fresh_reads_reason() is None:
            return False
        metrics.labelled(metrics.CACHE_LOOKUPS, cache, "bypass").inc()
        return True

    async def _taxonomy_version(self) -> str:
        """The taxonomy's fingerprint: taken at start-up, then refreshed in the background
        (a request never waits for it, except the first if start-up could not take it)."""
        held = self._taxonomy
        if held is None:
            return await self._fingerprint_taxonomy()
        stale = time.monotonic() - held[1] >= TAXONOMY_RECHECK_SECONDS
        if stale and (self._refresh is None or self._refresh.done()):
            self._refresh = asyncio.ensure_future(self._refresh_taxonomy())
        return held[0]

    async def _refresh_taxonomy(self) -> None:
        with contextlib.suppress(_Unavailable):
            await self._fingerprint_taxonomy()

    async def _fingerprint_taxonomy(self) -> str:
        try:
            fingerprint = await asyncio.wait_for(self._taxonomy_fingerprint(), 5.0)
        except Exception as error:  # the database is the caller's problem, not ours
            raise _Unavailable from error
        self._taxonomy = (fingerprint[:16], time.monotonic())
        return fingerprint[:16]

    async def _get_many(self, keys: Sequence[str]) -> list[bytes | None]:
        if self._unforgotten:
            await self._forget_unforgotten()  # never read what may still need forgetting
        return await self._call("get", lambda: self.store.get_many(keys))

    async def _put(self, items: Sequence[tuple[str, bytes]], ttl: int) -> None:
        if not items:
            return
        with contextlib.suppress(_Unavailable):  # not stored: read again next time
            await self._call("put", lambda: self.store.put_many(items, ttl))

    async def _forget_unforgotten(self) -> None:
        rows = list(self._unforgotten)
        if not rows:
            return
        counters, entries = zip(*(self._row_keys(kind, pk) for kind, pk in rows), strict=True)
        await self._call(
            "invalidate",
            lambda: self.store.invalidate(counters, entries, self._generation_ttl),
        )
        self._unforgotten.difference_update(rows)

    async def _call(self, operation: str, make: Callable[[], Awaitable[T]]) -> T:
        if time.monotonic() < self._down_until:
            raise _Unavailable
        try:
            if self.store.remote:
                # Not `wait_for`: on Python 3.11 it runs the call as a task of its own,
                # ~10-15 µs of CPU and an event-loop turn more, on every cache read.
                async with asyncio.timeout(self._timeout):
                    result = await make()
            else:  # an in-process store never waits: a timer would only cost (5 % of `node`)
                result = await make()
        except Exception as error:
            self._down_until = time.monotonic() + self._backoff
            metrics.CACHE_ERRORS.labels(operation).inc()
            if not self._failing:
                self._failing = True
                log.warning("cache unavailable (%s: %r): reading the database", operation, error)
            raise _Unavailable from error
        if self._failing:
            self._failing = False
            log.info("cache available again")
        return result


def is_public(job: Job) -> bool:
    """What an anonymous visitor may see is the same for everyone: only that is shared."""
    return can_see_job(job, is_member_of_owner=False, actor=ANONYMOUS)


def _count(cache: str, hits: int, asked: int) -> None:
    if hits:
        metrics.labelled(metrics.CACHE_LOOKUPS, cache, "hit").inc(hits)
    if asked > hits:
        metrics.labelled(metrics.CACHE_LOOKUPS, cache, "miss").inc(asked - hits)


def _generation(raw: bytes | None) -> int:
    try:
        return int(raw) if raw is not None else 0
    except ValueError:
        return -1  # unreadable: matches no entry


class RecentEntries:
    """Entries read lately, decoded, by their bytes.

    Why: every view of a cached job decoded its row again (JSON, then each UUID and time
    column), and its skills, and the job's entry a second time to check the skills'
    generation: 0.3 M instructions, 9 % of a `node` lookup. The entry's bytes are the
    key, so a changed entry is a miss and decoding the same bytes again could give
    nothing else; what is decoded is shared by the requests that read it, which only
    read it (a detached row, skill links). Bounded: the oldest entry goes first."""

    def __init__(self, max_entries: int = 2048) -> None:
        self._max_entries = max_entries
        self._entries: dict[tuple[Callable[[Any], Any], bytes], tuple[Any, Any]] = {}

    def decoded(self, raw: bytes | None, generation: int, decode: Callable[[Any], T]) -> T | None:
        """The decoded value of an entry filled under `generation`; None for anything else
        (absent, older generation, unreadable: a miss, filled again)."""
        if raw is None:
            return None
        key = (decode, raw)
        entry = self._entries.get(key)
        if entry is None:
            try:
                data = orjson.loads(raw)
                entry = (data["g"], decode(data["v"]))
            except (ValueError, KeyError, TypeError):  # pydantic's ValidationError too
                return None
            keep(self._entries, key, entry, self._max_entries)
        generation_filled, value = entry
        return value if generation_filled == generation else None  # type: ignore[no-any-return]


def _encoded(value: Any) -> bytes | None:
    """An entry as JSON: orjson, UTF-8 (json's `\\u` escapes made a cached job's Japanese
    text slow to decode: 100 cached jobs cost ~6 ms). None, and nothing stored, for what
    orjson refuses (an integer beyond 64 bits): a miss reads the database."""
    try:
        return orjson.dumps(value)
    except TypeError:
        return None


def _load_job(value: Any) -> Job:
    return _load(Job, value)


def _load_organization(value: Any) -> Organization:
    return _load(Organization, value)


def _load_links(value: Any) -> JobLinks:
    return [
        SkillLink(min_level, required, _load(Skill, skill)) for min_level, required, skill in value
    ]


def _dump(row: SQLModel, exclude: frozenset[str] = frozenset()) -> dict[str, Any]:
    return row.model_dump(mode="json", exclude=set(exclude))


def _load(model: type[M], data: dict[str, Any]) -> M:
    """A row back from JSON (a fresh `orjson.loads` result, converted in place): each
    column through its own type (UUIDs, times, dates), made as a loaded row is
    (`detached`): `model(**values)` cost 320 µs a row, which made a cached page slower
    than reading it from PostgreSQL. An entry with a key that is not a column is
    unreadable (KeyError: a miss)."""
    decoding = _decoding(model)
    if not data.keys() <= decoding.columns:
        raise KeyError(f"not columns of {model.__name__}: {data.keys() - decoding.columns}")
    for name, decode in decoding.conversions:
        if name in data:
            data[name] = decode(data[name])
    return detached(model, data)


@dataclass(frozen=True)
class _Decoding:
    columns: frozenset[str]
    conversions: tuple[tuple[str, Callable[[Any], Any]], ...]
    """Only the columns whose JSON value is not already the row's value: a page of 100
    cached jobs made ~2,600 decoder calls, most of them returning their argument."""


@memoize
def _decoding(model: type[SQLModel]) -> _Decoding:
    columns = model.__table__.columns  # type: ignore[attr-defined]
    conversions = tuple(
        (column.key, decode)
        for column in columns
        if (decode := _decoder(model, column.key, column.type)) is not None
    )
    return _Decoding(frozenset(column.key for column in columns), conversions)


def _decoder(model: type[SQLModel], name: str, column_type: Any) -> Callable[[Any], Any] | None:
    """How a column's JSON value becomes the column's value; None when it already is.

    Why not pydantic for every column: a `TypeAdapter` per value cost ~6 µs, so a page
    of 100 cached jobs spent longer decoding than PostgreSQL took to read them. The
    column's SQL type says what JSON made of it: UUIDs and times are strings to parse,
    numbers, text, booleans, JSONB and text arrays are already what the row holds.
    Any other type goes through pydantic as before."""
    if isinstance(column_type, UUID):
        return _optional(uuid.UUID)
    if isinstance(column_type, DateTime):
        return _optional(datetime.fromisoformat)
    if isinstance(column_type, Date):
        return _optional(date.fromisoformat)
    if isinstance(column_type, String | Integer | Boolean | Float | JSONB | ARRAY):
        return None
    annotation: Any = model.model_fields[name].annotation
    adapter: TypeAdapter[Any] = TypeAdapter(annotation)
    return adapter.validate_python


def _optional(parse: Callable[[str], Any]) -> Callable[[Any], Any]:
    return lambda value: None if value is None else parse(value)
