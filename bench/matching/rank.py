"""Ranking speed and memory of the matching engine, against a bare numpy baseline.

Builds a population with the `seed-demo` generator scaled up (100,000 workers and 10,000
open jobs by default, fixed seed; credentials are synthetic, since the demo has none yet;
each row carries the short-text embedding the background reading would store — title or
headline plus skill names — unless `--no-short-vectors`),
turns it into feature columns (`FeatureCache.build`: time, and peak memory traced with
tracemalloc), then times — median of `--runs` different jobs / workers —

- ranking all workers for one job, and all jobs for one worker (top 20 with breakdowns and
  facts for the explanations), and the scoring pass alone;
- the same computation as a bare numpy matrix product in the same run: the N × S skill-level
  matrix (float32) @ the job's requirement vector, and the M × S requirement matrix @ the
  worker's level vector;
- replacing one worker's and one job's row.

Each job or worker is timed `--repeats` times and the fastest kept (the least disturbed by
the rest of the machine); the table shows the median over the `--runs` jobs or workers.

Prints a table and writes bench/results/matching_rank.json. Run from the repository root:
`.venv/bin/python bench/matching/rank.py` (`--workers 20000 --jobs 2000` for a quick look).
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import resource
import statistics
import sys
import time
import tracemalloc
import uuid
from collections import defaultdict
from collections.abc import Callable
from dataclasses import replace
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from domain.ai.embedding import embed  # noqa: E402
from domain.ai.saved import SavedText  # noqa: E402
from domain.ai.text import FoldedText  # noqa: E402
from domain.demo.seed import REFERENCE_DATE, DemoSize, build_demo_rows  # noqa: E402
from domain.jobs.status import JobStatus  # noqa: E402
from domain.matching.cache import FeatureCache  # noqa: E402
from domain.matching.constraints import eligible_rows  # noqa: E402
from domain.matching.factors import soft_factors  # noqa: E402
from domain.matching.pairs import WorkersForJob  # noqa: E402
from domain.matching.records import JobRecord, WorkerRecord, job_record, worker_record  # noqa: E402
from domain.matching.short_text import encode  # noqa: E402
from domain.matching.staffing import propose_staffing  # noqa: E402
from domain.skills.models import Skill  # noqa: E402
from domain.skills.taxonomy import skill_id_for, taxonomy  # noqa: E402

CREDENTIAL_TYPES = (
    "FORKLIFT_LICENSE",
    "CAREGIVER_BASIC_TRAINING",
    "FOOD_HYGIENE_MANAGER",
    "MEDIUM_VEHICLE_LICENSE",
    "WELDING_CERTIFICATE",
    "JLPT_CERTIFICATE",
)
OPEN_SHARE = 0.8  # about 80 % of demo jobs are OPEN


def _skills() -> dict[uuid.UUID, Skill]:
    return {
        skill_id_for(entry["slug"]): Skill(
            id=skill_id_for(entry["slug"]),
            slug=entry["slug"],
            sector=entry["sector"],
            name_en=entry["name_en"],
            name_ja=entry["name_ja"],
            aliases_en=entry["aliases_en"],
            aliases_ja=entry["aliases_ja"],
        )
        for entry in taxonomy()
    }


def short_vectors(
    rows: list[dict[str, Any]], heading: str, body: str, skills: dict[uuid.UUID, list[Any]]
) -> list[bytes]:
    """What `domain.ai.saved` would store for each row (distinct short texts embedded once)."""
    names = {s.id: (s.name_en, s.name_ja) for s in _skills().values()}
    texts = []
    for row in rows:
        saved = SavedText(
            1,
            row[heading] or "",
            row[body] or "",
            tuple(names[s["skill_id"]] for s in sorted(skills[row["id"]], key=_position)),
        )
        texts.append(saved.short_text(FoldedText.of(saved.text).language))
    distinct = sorted(set(texts))
    vectors: dict[str, npt.NDArray[np.float32]] = dict(zip(distinct, embed(distinct), strict=True))
    return [encode(vectors[text]) for text in texts]


def _position(row: dict[str, Any]) -> int:
    return int(row["position"])


def population(
    workers: int, jobs: int, seed: int, with_vectors: bool = True
) -> tuple[list[WorkerRecord], list[JobRecord]]:
    """The demo generator's workers and OPEN jobs, as the engine's records."""
    rows = build_demo_rows(
        DemoSize(workers=workers, jobs=int(jobs / OPEN_SHARE * 1.1) + 50), seed, _skills(), ""
    )
    worker_skills: dict[uuid.UUID, list[dict[str, Any]]] = defaultdict(list)
    for row in rows.worker_skills:
        worker_skills[row["profile_id"]].append(row)
    job_skills: dict[uuid.UUID, list[dict[str, Any]]] = defaultdict(list)
    for row in rows.job_skills:
        job_skills[row["job_id"]].append(row)
    rng = np.random.default_rng(seed)
    held = rng.random((len(rows.profiles), len(CREDENTIAL_TYPES))) < 0.1
    open_jobs = [job for job in rows.jobs if job["status"] == JobStatus.OPEN][:jobs]
    worker_vectors: list[bytes | None] = [None] * len(rows.profiles)
    job_vectors: list[bytes | None] = [None] * len(open_jobs)
    if with_vectors:
        worker_vectors = list(short_vectors(rows.profiles, "headline", "bio", worker_skills))
        job_vectors = list(short_vectors(open_jobs, "title", "description", job_skills))
    worker_records = [
        worker_record(
            profile,
            worker_skills[profile["id"]],
            credential_types=[t for t, has in zip(CREDENTIAL_TYPES, held[i], strict=True) if has],
            short_vector=worker_vectors[i],
        )
        for i, profile in enumerate(rows.profiles)
    ]
    required = rng.integers(0, len(CREDENTIAL_TYPES), len(open_jobs))
    asks = rng.random((len(open_jobs), 2))
    job_records = []
    for i, job in enumerate(open_jobs):
        record = job_record(job, job_skills[job["id"]], short_vector=job_vectors[i])
        if asks[i, 0] < 0.1:
            record = replace(
                record, required_credential_types=frozenset({CREDENTIAL_TYPES[required[i]]})
            )
        elif asks[i, 1] < 0.1:
            record = replace(
                record, preferred_credential_types=frozenset({CREDENTIAL_TYPES[required[i]]})
            )
        job_records.append(record)
    return worker_records, job_records


def median_ms(samples: list[float]) -> float:
    return round(statistics.median(samples) * 1000, 3)


def timed(function: Callable[..., Any], *args: Any, **kwargs: Any) -> tuple[float, Any]:
    start = time.perf_counter()
    result = function(*args, **kwargs)
    return time.perf_counter() - start, result


def best_of(repeats: int, function: Callable[..., Any], *args: Any, **kwargs: Any) -> float:
    """The fastest of `repeats` calls: the least disturbed by the rest of the machine."""
    return min(timed(function, *args, **kwargs)[0] for _ in range(repeats))


def main(
    workers: int,
    jobs: int,
    seed: int,
    runs: int,
    top_k: int,
    repeats: int,
    with_vectors: bool = True,
) -> dict[str, Any]:
    print(f"generating {workers:,} workers and {jobs:,} open jobs (seed {seed})…", flush=True)
    generate_s, (worker_records, job_records) = timed(population, workers, jobs, seed, with_vectors)
    gc.collect()

    print("building the feature matrices…", flush=True)
    build_s, cache = timed(FeatureCache.build, worker_records, job_records)
    del cache
    gc.collect()
    tracemalloc.start()
    cache = FeatureCache.build(worker_records, job_records)
    _, build_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    as_of = REFERENCE_DATE
    vocabulary = cache.vocabulary
    skills = len(vocabulary.skills)

    # The baselines: dense float32 matrices over the same skill vocabulary.
    level_matrix = np.ascontiguousarray(
        cache.workers.skill_levels[: cache.workers.size, :skills], dtype=np.float32
    )
    requirement_matrix = np.zeros((cache.jobs.size, skills), dtype=np.float32)
    slots = cache.jobs.slot_skills[: cache.jobs.size]
    filled = slots >= 0
    requirement_matrix[np.nonzero(filled)[0], slots[filled]] = cache.jobs.slot_min_levels[
        : cache.jobs.size
    ][filled]

    rng = np.random.default_rng(seed + 1)
    job_sample = rng.choice(len(job_records), runs, replace=False)
    worker_sample = rng.choice(len(worker_records), runs, replace=False)

    print("timing…", flush=True)
    rank_job, score_job, base_job = [], [], []
    stages: dict[str, list[float]] = defaultdict(list)
    eligible_per_job = []
    for index in job_sample:
        job_id = job_records[index].id
        row = cache.jobs.row_of[job_id]
        base_job.append(best_of(repeats, np.matmul, level_matrix, requirement_matrix[row]))
        rank_job.append(
            best_of(repeats, cache.rank_workers_for_job, job_id, top_k=top_k, as_of=as_of)
        )
        score_job.append(best_of(repeats, cache.score_workers_for_job, job_id, as_of=as_of))
        seconds, survivors = timed(
            eligible_rows,
            partial(WorkersForJob, cache.jobs, row, cache.workers, as_of),
            cache.workers.active[: cache.workers.size],
        )
        stages["hard constraints (eligible_rows)"].append(seconds)
        eligible_per_job.append(len(survivors))
        subset = WorkersForJob(cache.jobs, row, cache.workers, as_of, survivors)
        stages["soft factors, eligible rows"].append(timed(soft_factors, subset, len(survivors))[0])
        full = WorkersForJob(cache.jobs, row, cache.workers, as_of)
        stages["soft factors, all rows"].append(timed(soft_factors, full, full.count)[0])

    rank_worker, score_worker, base_worker = [], [], []
    eligible_per_worker = []
    for index in worker_sample:
        worker_id = worker_records[index].id
        row = cache.workers.row_of[worker_id]
        base_worker.append(best_of(repeats, np.matmul, requirement_matrix, level_matrix[row]))
        rank_worker.append(
            best_of(repeats, cache.rank_jobs_for_worker, worker_id, top_k=top_k, as_of=as_of)
        )
        score_worker.append(best_of(repeats, cache.score_jobs_for_worker, worker_id, as_of=as_of))
        scored = cache.score_jobs_for_worker(worker_id, as_of=as_of)
        eligible_per_worker.append(int(scored.eligible.sum()))

    put_worker = [timed(cache.put_worker, worker_records[i])[0] for i in worker_sample]
    put_job = [timed(cache.put_job, job_records[i])[0] for i in job_sample]

    # Staffing: the five shift jobs with the most eligible workers, staffed together.
    shift_jobs = [j for j in job_records if j.employment_type == "SHIFT" and j.schedule][:200]
    candidates = []
    for job in shift_jobs:
        ranked = cache.rank_workers_for_job(job.id, top_k=100, as_of=as_of)
        candidates.append((len(ranked), job, ranked))
    candidates.sort(key=lambda item: -item[0])
    chosen = candidates[:5]
    table = {(job.id, m.worker_id): m.score for _, job, ranked in chosen for m in ranked}
    people = {m.worker_id for _, _, ranked in chosen for m in ranked}
    staffing_s, proposal = timed(propose_staffing, [job for _, job, _ in chosen], people, table)

    rank_job_ms, base_job_ms = median_ms(rank_job), median_ms(base_job)
    rank_worker_ms, base_worker_ms = median_ms(rank_worker), median_ms(base_worker)
    result: dict[str, Any] = {
        "machine": {
            "cpus": os.cpu_count(),
            "platform": platform.platform(),
            "python": platform.python_version(),
            "numpy": np.__version__,
        },
        "population": {
            "workers": len(worker_records),
            "jobs": len(job_records),
            "skills_in_vocabulary": skills,
            "text_vocabulary": vocabulary.text.size,
            "short_vectors": with_vectors,
            "seed": seed,
            "generate_s": round(generate_s, 1),
        },
        "build": {
            "seconds": round(build_s, 2),
            "tracemalloc_peak_mb": round(build_peak / 2**20, 1),
            "matrices_mb": round(cache.nbytes / 2**20, 1),
            "worker_matrices_mb": round(cache.workers.nbytes / 2**20, 1),
            "job_matrices_mb": round(cache.jobs.nbytes / 2**20, 1),
            "short_vector_mb": round(
                (cache.workers.short_vector.nbytes + cache.jobs.short_vector.nbytes) / 2**20, 1
            ),
            "process_max_rss_mb": round(
                resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1
            ),
        },
        "runs": runs,
        "repeats": repeats,
        "top_k": top_k,
        "workers_for_one_job": {
            "rank_ms": rank_job_ms,
            "score_only_ms": median_ms(score_job),
            "numpy_matmul_baseline_ms": base_job_ms,
            "ratio": round(rank_job_ms / base_job_ms, 2),
            "score_only_ratio": round(median_ms(score_job) / base_job_ms, 2),
            "stages_ms": {name: median_ms(samples) for name, samples in stages.items()},
            "eligible_median": int(statistics.median(eligible_per_job)),
        },
        "jobs_for_one_worker": {
            "rank_ms": rank_worker_ms,
            "score_only_ms": median_ms(score_worker),
            "numpy_matmul_baseline_ms": base_worker_ms,
            "ratio": round(rank_worker_ms / base_worker_ms, 2),
            "score_only_ratio": round(median_ms(score_worker) / base_worker_ms, 2),
            "eligible_median": int(statistics.median(eligible_per_worker)),
        },
        "replace_row_ms": {"worker": median_ms(put_worker), "job": median_ms(put_job)},
        "staffing": {
            "jobs": len(chosen),
            "openings": sum(job.openings for _, job, _ in chosen),
            "candidates": len(people),
            "assigned": len(proposal.assignments),
            "ms": round(staffing_s * 1000, 2),
        },
    }
    return result


def report(result: dict[str, Any]) -> None:
    build, one_job, one_worker = (
        result["build"],
        result["workers_for_one_job"],
        result["jobs_for_one_worker"],
    )
    population = result["population"]
    print(
        f"\n{population['workers']:,} workers × {population['jobs']:,} jobs, "
        f"{population['skills_in_vocabulary']} skills, {population['text_vocabulary']:,} text terms"
    )
    print(
        f"build {build['seconds']} s · matrices {build['matrices_mb']} MiB "
        f"(short vectors {build['short_vector_mb']}) · "
        f"tracemalloc peak {build['tracemalloc_peak_mb']} MiB · max RSS {build['process_max_rss_mb']} MiB"
    )
    print("\n| pass | rank top-k (ms) | score only (ms) | numpy matmul (ms) | ratio | eligible |")
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    for name, row in (
        ("all workers for one job", one_job),
        ("all jobs for one worker", one_worker),
    ):
        print(
            f"| {name} | {row['rank_ms']} | {row['score_only_ms']} | "
            f"{row['numpy_matmul_baseline_ms']} | {row['ratio']}× | {row['eligible_median']} |"
        )
    print(f"\nstages (one job): {one_job['stages_ms']}")
    print(f"replace one row (ms): {result['replace_row_ms']}")
    print(f"staffing: {result['staffing']}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--workers", type=int, default=100_000)
    parser.add_argument("--jobs", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--top-k", type=int, default=20)
    parser.add_argument("--repeats", type=int, default=3, help="best of, per job or worker")
    parser.add_argument(
        "--no-short-vectors",
        action="store_true",
        help="rows without short-text embeddings (TF-IDF only, as before they are read)",
    )
    arguments = parser.parse_args()
    outcome = main(
        arguments.workers,
        arguments.jobs,
        arguments.seed,
        arguments.runs,
        arguments.top_k,
        arguments.repeats,
        not arguments.no_short_vectors,
    )
    report(outcome)
    out = ROOT / "bench" / "results"
    out.mkdir(parents=True, exist_ok=True)
    (out / "matching_rank.json").write_text(json.dumps(outcome, indent=2))
    print(f"\nwrote {out / 'matching_rank.json'}")
