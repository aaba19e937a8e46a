"""Rows read by position into `Columns` (`domain.sql`): a page's items and the rows it
joins, made by generated readers."""

from __future__ import annotations

import uuid

import pytest

from domain.auth.models import Organization
from domain.jobs.models import Job
from domain.sql import PlainRows, all_but, plain_rows, with_related


def test_a_reader_takes_its_columns_from_its_place_in_the_row() -> None:
    jobs = plain_rows(Job, all_but(Job, {"id", "title"}))
    row = ("before", *(f"job {key}" for key in jobs.keys))
    columns = jobs.columns_reader(1)(row)
    assert vars(columns) == {key: f"job {key}" for key in jobs.keys}
    with pytest.raises(AttributeError):
        columns.description  # noqa: B018  (not read: raises, as on a detached row)


def test_a_joined_row_holds_its_related_row_under_its_name() -> None:
    jobs = plain_rows(Job, all_but(Job, {"id", "title", "organization_id"}))
    organizations = plain_rows(Organization, all_but(Organization, {"id", "name"}))
    joined = with_related(jobs, "organization", organizations)
    assert [column.key for column in joined.columns] == [*jobs.keys, *organizations.keys]
    organization_id = uuid.uuid4()
    values = {"id": uuid.uuid4(), "title": "溶接工", "organization_id": organization_id}
    row = ("match", *(values[key] for key in jobs.keys), organization_id, "Engine KK")
    job = joined.columns_reader(1)(row)
    assert {key: getattr(job, key) for key in jobs.keys} == values
    assert vars(job.organization) == {"id": organization_id, "name": "Engine KK"}


def test_a_related_row_may_not_hide_a_column() -> None:
    jobs = PlainRows(Job)
    with pytest.raises(ValueError, match="title"):
        with_related(jobs, "title", PlainRows(Organization))
