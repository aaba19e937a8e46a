"""Objects built with `RowBacked.lazily` read every field as an eager conversion would."""

from __future__ import annotations

import dataclasses
import uuid
from datetime import UTC, date, datetime

import pytest
from sqlalchemy.orm import configure_mappers

from domain.jobs.models import Job as JobRow
from domain.skills.models import Skill as SkillRow
from domain.sql import detached
from schema.enums import EmploymentType, JobStatus, PayPeriod, Prefecture, Sector, Weekday
from schema.jobs import Job
from schema.shown import ShownPerRow
from schema.skills import Skill
from schema.values import Language, Location, PayRange, WeeklySlot

NOW = datetime(2026, 11, 29, 9, 0, tzinfo=UTC)


@pytest.fixture(scope="module", autouse=True)
def mapped() -> None:
    configure_mappers()


def job_row() -> JobRow:
    return detached(
        JobRow,
        {
            "id": uuid.UUID(int=7),
            "organization_id": uuid.UUID(int=8),
            "title": "倉庫内ピッキング",
            "description": "物流センターでの作業です。",
            "employment_type": "PART_TIME",
            "remote": False,
            "prefecture": "OSAKA",
            "city": "大阪市",
            "lat": 34.69,
            "lon": 135.50,
            "pay_min": 1200,
            "pay_max": 1500,
            "pay_period": "HOURLY",
            "languages": [{"code": "ja", "level": "N3"}],
            "schedule": [{"day": "MON", "start": "22:00", "end": "06:00"}],
            "openings": 3,
            "start_date": date(2026, 12, 1),
            "required_credential_types": ["ForkliftLicence"],
            "status": "OPEN",
            "created_at": NOW,
            "updated_at": None,
            "published_at": NOW,
            "matching_status": "DONE",
            "matched_at": NOW,
        },
    )


def test_every_job_field_reads_as_converted() -> None:
    job = Job.from_row(job_row())

    assert job.title == "倉庫内ピッキング"
    assert job.employment_type is EmploymentType.PART_TIME
    assert job.location == Location(
        prefecture=Prefecture.OSAKA, city="大阪市", lat=34.69, lon=135.5
    )
    assert job.pay == PayRange(min=1200, max=1500, period=PayPeriod.HOURLY)
    assert job.languages == Language.from_json([{"code": "ja", "level": "N3"}])
    assert job.schedule == [WeeklySlot(day=Weekday.MON, start="22:00", end="06:00")]
    assert job.status is JobStatus.OPEN
    assert job.start_date == date(2026, 12, 1)
    assert job.required_credential_types == ["ForkliftLicence"]
    # No field is left without a converter: every one of them reads.
    for field in dataclasses.fields(Job):
        getattr(job, field.name)


def test_a_converted_field_is_kept_and_the_row_read_once() -> None:
    row = job_row()
    job = Job.from_row(row)
    first = job.schedule
    row.__dict__["schedule"] = []  # a later change to the row is not seen again
    assert job.schedule is first


def test_an_unknown_attribute_still_raises() -> None:
    with pytest.raises(AttributeError, match="no attribute 'salary'"):
        Job.from_row(job_row()).salary  # type: ignore[attr-defined]  # noqa: B018


def test_every_skill_field_reads_as_converted() -> None:
    skill = Skill.from_row(
        detached(
            SkillRow,
            {
                "id": uuid.UUID(int=9),
                "slug": "forklift-operation",
                "sector": "LOGISTICS",
                "name_en": "Forklift operation",
                "name_ja": "フォークリフト運転",
                "aliases_en": ["forklift"],
                "aliases_ja": [],
            },
        )
    )
    assert skill.sector is Sector.LOGISTICS
    assert (skill.slug, skill.name_ja, skill.aliases_en) == (
        "forklift-operation",
        "フォークリフト運転",
        ["forklift"],
    )
    for field in dataclasses.fields(Skill):
        getattr(skill, field.name)


def skill_row(slug: str = "picking") -> SkillRow:
    return detached(
        SkillRow,
        {
            "id": uuid.uuid4(),
            "slug": slug,
            "sector": "LOGISTICS",
            "name_en": "Picking",
            "name_ja": "ピッキング",
            "aliases_en": [],
            "aliases_ja": [],
        },
    )


def test_links_sharing_a_skill_row_share_its_skill() -> None:
    """A page's skill links share their skill rows, and now the `Skill` made of each:
    made and converted once. Another row object, even of the same skill, gets its own."""
    row = skill_row()
    first = Skill.from_row(row)
    assert Skill.from_row(row) is first and first.slug == "picking"
    twin = detached(SkillRow, dict(vars(row)))
    assert Skill.from_row(twin) is not first and Skill.from_row(twin).id == first.id


def test_the_shared_skills_are_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    from schema import skills

    monkeypatch.setattr(skills, "_SHOWN", ShownPerRow(Skill, 3))
    rows = [skill_row(f"skill-{n}") for n in range(5)]
    made = [Skill.from_row(row) for row in rows]
    assert len(skills._SHOWN) == 3
    assert Skill.from_row(rows[-1]) is made[-1]  # kept
    assert Skill.from_row(rows[0]) is not made[0]  # let go, made again
    assert Skill.from_row(rows[0]).slug == "skill-0"


def test_a_detached_row_is_what_sqlmodel_makes_of_it_without_the_orm() -> None:
    """`detached` skips SQLModel's `__new__` for speed: the instance must hold exactly
    what that `__new__` sets, plus the values."""
    made_by_sqlmodel = SkillRow.__new__(SkillRow)
    values = {"id": uuid.UUID(int=3), "slug": "picking"}
    row = detached(SkillRow, values)
    for slot in ("__pydantic_fields_set__", "__pydantic_extra__", "__pydantic_private__"):
        assert getattr(row, slot) == getattr(made_by_sqlmodel, slot), slot
    assert row.__dict__ == {**made_by_sqlmodel.__dict__, **values}
    assert row.model_dump(include=set(values)) == values


def test_a_type_still_constructs_as_a_dataclass_once_it_converts_on_read() -> None:
    """The converted fields' descriptors are put on the class after strawberry made it a
    dataclass: built with every field, an instance reads what it was given; a field left
    out is still a missing argument, not a default."""
    Job.from_row(job_row())  # the descriptors exist from here on
    values = {
        "id": "U2tpbGw6MQ==",
        "pk": uuid.UUID(int=1),
        "slug": "picking",
        "sector": Sector.LOGISTICS,
        "name_en": "Picking",
        "name_ja": "ピッキング",
        "aliases_en": [],
        "aliases_ja": ["ピック"],
    }
    Skill.from_row(detached(SkillRow, {"id": uuid.UUID(int=2)}))
    built = Skill(**values)
    assert {name: getattr(built, name) for name in values} == values
    del values["name_ja"]
    with pytest.raises(TypeError, match="name_ja"):
        Skill(**values)
