"""The columns both sides share: which skill, language and credential type is which column,
and the text vocabulary. Skills, languages and credential types are added as they appear
(a column is never renumbered); the text vocabulary is fixed when fitted."""

from __future__ import annotations

import uuid
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Generic, TypeVar

from domain.matching.records import JobRecord, WorkerRecord
from domain.matching.text_similarity import TextVocabulary

K = TypeVar("K", bound=Hashable)


class ColumnIndex(Generic[K]):
    """Keys numbered 0, 1, 2… in the order they were first seen."""

    def __init__(self, keys: Iterable[K] = ()) -> None:
        self._columns: dict[K, int] = {}
        self.keys: list[K] = []
        for key in keys:
            self.add(key)

    def __len__(self) -> int:
        return len(self.keys)

    def __contains__(self, key: object) -> bool:
        return key in self._columns

    def add(self, key: K) -> int:
        column = self._columns.get(key)
        if column is None:
            column = self._columns[key] = len(self.keys)
            self.keys.append(key)
        return column

    def get(self, key: K) -> int:
        """The key's column, or -1."""
        return self._columns.get(key, -1)


@dataclass(slots=True)
class Vocabulary:
    skills: ColumnIndex[uuid.UUID] = field(default_factory=ColumnIndex)
    languages: ColumnIndex[str] = field(default_factory=ColumnIndex)
    credentials: ColumnIndex[str] = field(default_factory=ColumnIndex)
    text: TextVocabulary = field(default_factory=lambda: TextVocabulary.fit(()))

    @classmethod
    def fit(cls, workers: Sequence[WorkerRecord], jobs: Sequence[JobRecord]) -> Vocabulary:
        texts = [worker.text for worker in workers] + [job.text for job in jobs]
        vocabulary = cls(text=TextVocabulary.fit(texts))
        for worker in workers:
            vocabulary.register_worker(worker)
        for job in jobs:
            vocabulary.register_job(job)
        return vocabulary

    def register_worker(self, worker: WorkerRecord) -> None:
        for skill in worker.skills:
            self.skills.add(skill.skill_id)
        for language in worker.languages:
            self.languages.add(language.code)
        for credential in sorted(worker.credential_types):
            self.credentials.add(credential)

    def register_job(self, job: JobRecord) -> None:
        for skill in job.skills:
            self.skills.add(skill.skill_id)
        for language in job.languages:
            self.languages.add(language.code)
        for credential in sorted(job.required_credential_types | job.preferred_credential_types):
            self.credentials.add(credential)
