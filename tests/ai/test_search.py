"""Search-box and voice queries to filters."""

from __future__ import annotations

from datetime import date

from domain.ai.search import parse_search_query
from domain.jobs.queries import JobFilter
from domain.values import PayPeriod

TODAY = date(2026, 3, 4)  # Wednesday


def test_japanese_care_query() -> None:
    intent = parse_search_query("大阪で夜勤の介護の仕事、時給1500円以上", today=TODAY)
    assert intent.prefecture == "OSAKA"
    assert intent.night_shift
    assert intent.sectors == ("CARE",)
    assert intent.pay_at_least is not None
    assert (intent.pay_at_least.amount, intent.pay_at_least.period) == (1500, PayPeriod.HOURLY)
    assert intent.text == "介護"
    assert "夜勤あり" in intent.understood and "時給1,500円以上" in intent.understood
    assert not intent.is_unknown
    JobFilter.model_validate(intent.to_job_filter())


def test_english_forklift_query_near_a_city() -> None:
    intent = parse_search_query("forklift jobs near Nagoya starting next week", today=TODAY)
    assert [s.slug for s in intent.skills] == ["forklift-operation"]
    assert intent.near is not None and intent.near.km == 15
    assert abs(intent.near.lat - 35.18) < 0.05
    assert intent.start_from == date(2026, 3, 9)
    assert intent.text is None
    assert any(piece.startswith("near Nagoya") for piece in intent.understood)
    wanted = JobFilter.model_validate(intent.to_job_filter())
    assert wanted.near is not None and wanted.skills is not None


def test_station_radius_and_explicit_radius() -> None:
    assert parse_search_query("名古屋駅の近くでフォークリフト", today=TODAY).near.km == 5  # type: ignore[union-attr]
    assert (
        parse_search_query("cleaning jobs within 10 km of Shinjuku Station", today=TODAY).near.km
        == 10
    )  # type: ignore[union-attr]


def test_remote_and_employment_type() -> None:
    intent = parse_search_query("remote part-time Python work", today=TODAY)
    assert intent.remote is True
    assert intent.to_job_filter()["employment_types"] == ["PART_TIME"]
    assert "remote" in intent.understood


def test_unknown_intent() -> None:
    for query in ("こんにちは", "what's the weather like", ""):
        intent = parse_search_query(query, today=TODAY)
        assert intent.is_unknown
        assert intent.skills == () and intent.prefecture is None and intent.pay_at_least is None
