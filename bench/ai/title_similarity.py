"""Do short texts discriminate across languages? Job titles and skills vs worker headlines.

Whole-text embeddings do not (README, "Embeddings for the matching engine's text factor"):
pay and place boilerplate dominate them. This measures the short texts a text factor could
embed instead, cross-lingually only (Japanese jobs × English profiles and the reverse —
same-language pairs already share n-grams for TF-IDF):

- `title`: the job's title vs the worker's headline, as stored;
- `skills`: the job's skill names vs the worker's, in each text's language (taxonomy names,
  joined with "、" / ", ");
- `title+skills`: both, one text each side.

Data: the demo generator (`build_demo_rows`, seed 42; sector = the job template's and the
headline template's) and the hand-written eval set (title = first line of an ad, headline
= first line of a self-introduction; sector = the most common taxonomy sector of the
expected skills, records without skills or with a tie left out).

Per pairing: median cosine of same-sector and different-sector pairs, the 90th percentile
of different-sector pairs, AUC (the chance a random same-sector pair scores above a
random different-sector one) and how often the nearest profile of the other language is
in the job's sector.

    .venv/bin/python -m bench.ai.title_similarity   # table; JSON to bench/results/
"""

from __future__ import annotations

import argparse
import json
import re
import uuid
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from domain.ai.embedding import embed
from domain.demo.seed import DemoSize, build_demo_rows
from domain.skills.models import Skill
from domain.skills.taxonomy import skill_id_for, taxonomy

DATA = Path(__file__).parent / "data"
PEOPLE = Path(__file__).resolve().parents[2] / "domain" / "demo" / "data" / "people.json"
RESULTS = Path(__file__).resolve().parents[1] / "results" / "ai_title_similarity.json"
_JAPANESE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")


@dataclass(frozen=True, slots=True)
class Side:
    """One job or profile: its sector, language and the short texts to compare."""

    sector: str
    japanese: bool
    title: str
    skills: str
    skill_ids: frozenset[str] = frozenset()


def _skills() -> dict[uuid.UUID, Skill]:
    return {
        skill_id_for(e["slug"]): Skill(
            id=skill_id_for(e["slug"]),
            slug=e["slug"],
            sector=e["sector"],
            name_en=e["name_en"],
            name_ja=e["name_ja"],
            aliases_en=e["aliases_en"],
            aliases_ja=e["aliases_ja"],
        )
        for e in taxonomy()
    }


def skill_text(names: Sequence[str], japanese: bool) -> str:
    return ("、" if japanese else ", ").join(names)


def demo_sides(workers: int, jobs: int, seed: int) -> tuple[list[Side], list[Side]]:
    skills = _skills()
    by_id = {skill.id: skill for skill in skills.values()}
    rows = build_demo_rows(DemoSize(workers=workers, jobs=jobs), seed, skills, "")
    templates = json.loads((PEOPLE.parent / "job_templates.json").read_text(encoding="utf-8"))
    job_sector = {t[key]: t["sector"] for t in templates for key in ("title_ja", "title_en")}
    people = json.loads(PEOPLE.read_text(encoding="utf-8"))
    headline_sector = [
        (re.compile(re.escape(h[lang]).replace(r"\{years\}", r"\d+") + "$"), h["sector"])
        for h in people["headline_templates"]
        for lang in ("en", "ja")
    ]
    names: dict[Any, list[uuid.UUID]] = {}
    for row in rows.job_skills:
        names.setdefault(row["job_id"], []).append(row["skill_id"])
    for row in rows.worker_skills:
        names.setdefault(row["profile_id"], []).append(row["skill_id"])

    def ids_of(owner: Any) -> frozenset[str]:
        return frozenset(str(s) for s in names.get(owner, []))

    def names_of(owner: Any, japanese: bool) -> str:
        skill_names = [
            by_id[s].name_ja if japanese else by_id[s].name_en for s in names.get(owner, [])
        ]
        return skill_text(skill_names, japanese)

    job_sides = []
    for job in rows.jobs:
        title = job["title"]
        japanese = title.startswith("【")
        core = re.sub(r"^【[^】]*】", "", title) if japanese else re.sub(r" in [^,]+$", "", title)
        job_sides.append(
            Side(
                job_sector[core], japanese, title, names_of(job["id"], japanese), ids_of(job["id"])
            )
        )
    worker_sides = []
    for profile in rows.profiles:
        headline = profile["headline"]
        sector = next(s for pattern, s in headline_sector if pattern.match(headline))
        japanese = bool(_JAPANESE.search(headline))
        worker_sides.append(
            Side(
                sector, japanese, headline, names_of(profile["id"], japanese), ids_of(profile["id"])
            )
        )
    return job_sides, worker_sides


def handwritten_sides() -> tuple[list[Side], list[Side]]:
    by_slug = {e["slug"]: e for e in taxonomy()}
    jobs: list[Side] = []
    profiles: list[Side] = []
    for line in (DATA / "handwritten.jsonl").read_text(encoding="utf-8").splitlines():
        record = json.loads(line)
        slugs = [s for s in record["expected"]["skills"] if s in by_slug]
        sectors = Counter(by_slug[s]["sector"] for s in slugs if by_slug[s]["sector"] != "GENERAL")
        top = sectors.most_common(2)
        if not top or (len(top) == 2 and top[0][1] == top[1][1]):
            continue
        japanese = record["lang"] == "ja"
        first = next(part for part in record["text"].splitlines() if part.strip()).strip()
        names = [by_slug[s]["name_ja" if japanese else "name_en"] for s in slugs]
        side = Side(top[0][0], japanese, first[:120], skill_text(names, japanese), frozenset(slugs))
        (jobs if record["kind"] == "job" else profiles).append(side)
    return jobs, profiles


VARIANTS: dict[str, Callable[[Side], str]] = {
    "title": lambda side: side.title,
    "skills": lambda side: side.skills,
    "title+skills": lambda side: f"{side.title}\n{side.skills}",
}


def _auc(same: np.ndarray, different: np.ndarray) -> float:
    """P(a same-sector pair scores above a different-sector pair), ties counting half."""
    scores = np.concatenate([same, different])
    ranks = np.empty(len(scores))
    order = np.argsort(scores, kind="mergesort")
    ranks[order] = np.arange(1, len(scores) + 1)
    # Average the ranks of ties.
    _, inverse, counts = np.unique(scores, return_inverse=True, return_counts=True)
    sums = np.bincount(inverse, weights=ranks)
    ranks = (sums / counts)[inverse]
    n_same = len(same)
    return float((ranks[:n_same].sum() - n_same * (n_same + 1) / 2) / (n_same * len(different)))


def measure(jobs: list[Side], profiles: list[Side], text: Callable[[Side], str]) -> dict[str, Any]:
    texts = sorted({text(side) for side in [*jobs, *profiles]})
    vectors = dict(zip(texts, embed(texts), strict=True))
    out: dict[str, Any] = {}
    for name, job_ja in (("ja jobs x en profiles", True), ("en jobs x ja profiles", False)):
        job_side = [s for s in jobs if s.japanese is job_ja]
        profile_side = [s for s in profiles if s.japanese is not job_ja]
        if not job_side or not profile_side:
            continue
        a = np.stack([vectors[text(s)] for s in job_side])
        b = np.stack([vectors[text(s)] for s in profile_side])
        cosine = a @ b.T
        same = np.array([s.sector for s in job_side])[:, None] == np.array(
            [s.sector for s in profile_side]
        )
        nearest = same[np.arange(len(job_side)), cosine.argmax(axis=1)]
        # Pairs sharing no skill: the skills factor (taxonomy IDs) gives them 0.
        disjoint = np.array(
            [[not (j.skill_ids & p.skill_ids) for p in profile_side] for j in job_side]
        )
        base = float(same.mean())
        out[name] = {
            "jobs": len(job_side),
            "profiles": len(profile_side),
            "same_median": round(float(np.median(cosine[same])), 3),
            "same_p10": round(float(np.percentile(cosine[same], 10)), 3),
            "same_p90": round(float(np.percentile(cosine[same], 90)), 3),
            "different_median": round(float(np.median(cosine[~same])), 3),
            "different_p90": round(float(np.percentile(cosine[~same], 90)), 3),
            "different_p95": round(float(np.percentile(cosine[~same], 95)), 3),
            "different_p99": round(float(np.percentile(cosine[~same], 99)), 3),
            "auc": round(_auc(cosine[same], cosine[~same]), 3),
            "same_sharing_no_skill": round(float(disjoint[same].mean()), 3),
            "auc_sharing_no_skill": round(
                _auc(cosine[same & disjoint], cosine[~same & disjoint]), 3
            ),
            "nearest_in_sector": round(float(nearest.mean()), 3),
            "base_rate": round(base, 3),
        }
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=3000)
    parser.add_argument("--jobs", type=int, default=600)
    parser.add_argument("--seed", type=int, default=42)
    arguments = parser.parse_args()
    sets = {
        "demo": demo_sides(arguments.workers, arguments.jobs, arguments.seed),
        "handwritten": handwritten_sides(),
    }
    result: dict[str, Any] = {}
    print(
        "| data | texts | pairing | same median (p10) | different median (p90) | AUC "
        "| AUC, pairs sharing no skill | nearest in sector (base) |"
    )
    print("| --- | --- | --- | ---: | ---: | ---: | ---: | ---: |")
    for data, (jobs, profiles) in sets.items():
        for variant, text in VARIANTS.items():
            measured = measure(jobs, profiles, text)
            result[f"{data}/{variant}"] = measured
            for pairing, m in measured.items():
                print(
                    f"| {data} | {variant} | {pairing} ({m['jobs']}×{m['profiles']}) "
                    f"| {m['same_median']} ({m['same_p10']}) "
                    f"| {m['different_median']} ({m['different_p90']}) | {m['auc']} "
                    f"| {m['auc_sharing_no_skill']} ({m['same_sharing_no_skill']:.0%}) "
                    f"| {m['nearest_in_sector']:.0%} ({m['base_rate']:.0%}) |"
                )
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2))
    print(f"\nwrote {RESULTS}")


if __name__ == "__main__":
    main()
