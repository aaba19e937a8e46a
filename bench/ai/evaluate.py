"""Precision and recall of domain/ai extraction on the labelled set, and its speed.

    .venv/bin/python -m bench.ai.evaluate            # table + bench/results/ai_extraction.json
    .venv/bin/python -m bench.ai.evaluate --errors   # also every mistake, to grow the set

Fields: skills and languages are sets (micro-averaged over all records);
pay, prefecture and city are one value per record (a wrong value counts as a
false positive and a false negative). Throughput is measured after warm-up,
single-threaded, on this machine (2 shared cores).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from domain.ai.embedding import embed
from domain.ai.extract import extract_job_requirements, extract_worker_profile
from domain.ai.results import Extraction
from domain.ai.skill_index import default_skill_index

DATA = Path(__file__).parent / "data"
RESULTS = Path(__file__).resolve().parents[1] / "results" / "ai_extraction.json"
TODAY = date(2026, 3, 1)
FIELDS = ("skills", "languages", "pay", "prefecture", "city")


@dataclass
class Counts:
    tp: int = 0
    fp: int = 0
    fn: int = 0

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


@dataclass
class Report:
    counts: dict[str, dict[str, Counts]] = field(
        default_factory=lambda: defaultdict(lambda: defaultdict(Counts))
    )
    errors: list[dict[str, Any]] = field(default_factory=list)


def load() -> list[dict[str, Any]]:
    records: list[dict[str, Any]] = []
    for path in sorted(DATA.glob("*.jsonl")):
        with path.open(encoding="utf-8") as lines:
            records += [json.loads(line) for line in lines if line.strip()]
    return records


def extract(record: dict[str, Any]) -> Extraction:
    index = default_skill_index()
    if record["kind"] == "job":
        return extract_job_requirements(record["text"], skills=index, today=TODAY)
    return extract_worker_profile(record["text"], skills=index, today=TODAY)


def predicted_values(record: dict[str, Any], found: Extraction) -> dict[str, Any]:
    pay = None
    if found.pay:
        top = found.pay.max if record["kind"] == "job" else None
        pay = (found.pay.min, top, found.pay.period.value)
    return {
        "skills": {m.slug for m in found.skills},
        "languages": {(m.code, m.level.value) for m in found.languages if m.level},
        "pay": pay,
        "prefecture": found.location.prefecture if found.location else None,
        "city": found.location.city if found.location else None,
    }


def expected_values(record: dict[str, Any]) -> dict[str, Any]:
    wanted = record["expected"]
    pay = wanted.get("pay")
    location = wanted.get("location") or {}
    return {
        "skills": set(wanted.get("skills", [])),
        "languages": {(x["code"], x["level"]) for x in wanted.get("languages", [])},
        "pay": (pay["min"], pay.get("max"), pay["period"]) if pay else None,
        "prefecture": location.get("prefecture"),
        "city": location.get("city"),
    }


def score(report: Report, record: dict[str, Any], found: Extraction) -> None:
    got, want = predicted_values(record, found), expected_values(record)
    source = "handwritten" if record["id"].startswith("hand") else "generated"
    for group in ("all", record["lang"], record["kind"], source, f"{source}/{record['lang']}"):
        for name in FIELDS:
            counts = report.counts[group][name]
            if name in ("skills", "languages"):
                counts.tp += len(got[name] & want[name])
                counts.fp += len(got[name] - want[name])
                counts.fn += len(want[name] - got[name])
            elif name == "city" and want["city"] is None:
                continue  # the label names no city: nothing to score
            else:
                if got[name] is not None and got[name] == want[name]:
                    counts.tp += 1
                else:
                    counts.fp += got[name] is not None
                    counts.fn += want[name] is not None
    for name in FIELDS:
        if name == "city" and want["city"] is None:
            continue
        if got[name] != want[name]:
            report.errors.append(
                {
                    "id": record["id"],
                    "field": name,
                    "expected": sorted(want[name]) if isinstance(want[name], set) else want[name],
                    "got": sorted(got[name]) if isinstance(got[name], set) else got[name],
                }
            )


def throughput(records: list[dict[str, Any]]) -> dict[str, float]:
    texts = [r["text"] for r in records]
    for record in records[:5]:
        extract(record)
    started = time.perf_counter()
    rounds = 3
    for _ in range(rounds):
        for record in records:
            extract(record)
    extraction = rounds * len(records) / (time.perf_counter() - started)
    embed(texts[:8])
    started = time.perf_counter()
    embed(texts)
    embedding = len(texts) / (time.perf_counter() - started)
    short = [t.splitlines()[0][:40] for t in texts]
    started = time.perf_counter()
    embed(short)
    embedding_short = len(short) / (time.perf_counter() - started)
    return {
        "extraction_texts_per_s": round(extraction, 1),
        "embedding_texts_per_s": round(embedding, 1),
        "embedding_short_phrases_per_s": round(embedding_short, 1),
        "mean_text_chars": round(sum(map(len, texts)) / len(texts)),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--errors", action="store_true", help="print every mistake")
    parser.add_argument("--no-speed", action="store_true", help="skip the throughput runs")
    args = parser.parse_args()
    records = load()
    report = Report()
    for record in records:
        score(report, record, extract(record))
    speed = {} if args.no_speed else throughput(records)

    languages = defaultdict(int)
    for record in records:
        languages[f"{record['kind']}/{record['lang']}"] += 1
        if record["id"].startswith("hand"):
            languages[f"handwritten {record['kind']}/{record['lang']}"] += 1
    print(f"{len(records)} records: {dict(sorted(languages.items()))}\n")
    print(f"{'group':<15} {'field':<11} {'precision':>9} {'recall':>7} {'f1':>6}   tp/fp/fn")
    table: dict[str, Any] = {}
    groups = ("all", "ja", "en", "job", "profile", "generated", "handwritten")
    for group in (*groups, "handwritten/ja", "handwritten/en"):
        for name in FIELDS:
            c = report.counts[group][name]
            table.setdefault(group, {})[name] = {
                "precision": round(c.precision, 3), "recall": round(c.recall, 3), "f1": round(c.f1, 3),
                "tp": c.tp, "fp": c.fp, "fn": c.fn,
            }  # fmt: skip
            print(
                f"{group:<15} {name:<11} {c.precision:>9.3f} {c.recall:>7.3f} {c.f1:>6.3f}   {c.tp}/{c.fp}/{c.fn}"
            )
        print()
    for key, value in speed.items():
        print(f"{key}: {value}")
    if args.errors:
        print()
        for error in report.errors:
            print(json.dumps(error, ensure_ascii=False))
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(
        json.dumps(
            {
                "records": len(records),
                "by_kind_and_language": languages,
                "scores": table,
                "throughput": speed,
                "machine": {
                    "cpus": os.cpu_count(),
                    "python": platform.python_version(),
                    "platform": platform.platform(),
                },
            },
            indent=2,
            ensure_ascii=False,
        ),
        encoding="utf-8",
    )
    print(f"\nwrote {RESULTS}")


if __name__ == "__main__":
    main()
