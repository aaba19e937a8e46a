"""Whole ads and introductions: the drafts they pre-fill pass the platform's own validation."""

from __future__ import annotations

from dataclasses import fields
from datetime import date
from typing import Any

from domain.ai.extract import as_dict, extract_job_requirements, extract_worker_profile
from domain.ai.mentions import CredentialKind
from domain.ai.results import Extraction
from domain.jobs.inputs import JobDraft
from domain.profiles.inputs import ProfileDraft
from domain.values import LanguageLevel, PayPeriod

TODAY = date(2026, 3, 1)

AD_JA = """【急募】倉庫内フォークリフトオペレーター（正社員）
■仕事内容：物流センターでのフォークリフト運転、ピッキング、検品作業
■給与：時給１３００円～１５００円（研修期間中は時給1,200円）交通費支給
■勤務地：愛知県名古屋市港区 名古屋駅からバス15分
■勤務時間：8:30〜17:30（実働8時間）土日祝休み
■応募資格：フォークリフト運転技能講習修了者、日本語能力試験N3以上、特定技能の方歓迎
■入社日：2026年4月1日から"""

INTRO_EN = (
    "Hi, I'm Minh from Vietnam. I have 3 years of forklift experience and I can use Excel "
    "(intermediate). Japanese: JLPT N3, Vietnamese native. I live in Kawasaki, Kanagawa and want "
    "part-time work, at least ¥1,300 per hour, weekends only. I can start next week. "
    "I am a permanent resident."
)


def all_mentions(found: Extraction) -> list[Any]:
    mentions: list[Any] = []
    for field in fields(found):
        value = getattr(found, field.name)
        if isinstance(value, tuple):
            mentions += [m for m in value if hasattr(m, "span")]
        elif hasattr(value, "span"):
            mentions.append(value)
    return mentions


def test_japanese_job_ad() -> None:
    found = extract_job_requirements(AD_JA, today=TODAY)
    assert found.language == "ja"
    assert found.title == "倉庫内フォークリフトオペレーター（正社員）"
    assert {m.slug for m in found.skills} == {"forklift-operation", "picking", "goods-inspection"}
    assert found.pay is not None
    assert (found.pay.min, found.pay.max, found.pay.period) == (1300, 1500, PayPeriod.HOURLY)
    assert found.location is not None and found.location.city == "名古屋市"
    assert [(m.code, m.level) for m in found.languages] == [("ja", LanguageLevel.N3)]
    assert found.start_date is not None and found.start_date.date == date(2026, 4, 1)
    kinds = {c.kind for c in found.credentials}
    assert {CredentialKind.LICENCE, CredentialKind.LANGUAGE_TEST} <= kinds


def test_every_span_is_the_original_substring_and_confidence_is_a_probability() -> None:
    for found in (
        extract_job_requirements(AD_JA, today=TODAY),
        extract_worker_profile(INTRO_EN, today=TODAY),
    ):
        mentions = all_mentions(found)
        assert len(mentions) >= 8
        for mention in mentions:
            assert found.text[mention.span.start : mention.span.end] == mention.span.text
            assert mention.span.text
            assert 0.0 <= mention.confidence <= 1.0


def test_job_draft_validates() -> None:
    draft = extract_job_requirements(AD_JA, today=TODAY).to_job_draft()
    job = JobDraft.model_validate(draft)
    assert job.pay.min == 1300 and job.pay.max == 1500
    assert len(job.schedule) == 5  # weekdays 8:30–17:30
    assert "LICENCE" in job.required_credential_types
    assert job.location is not None and job.location.prefecture == "AICHI"


def test_open_ended_pay_becomes_a_range_of_one() -> None:
    draft = extract_job_requirements(
        "Warehouse staff in Osaka, ¥1,200/hour", today=TODAY
    ).to_job_draft()
    assert draft["pay"] == {"min": 1200, "max": 1200, "period": "HOURLY"}


def test_profile_draft_validates() -> None:
    found = extract_worker_profile(INTRO_EN, today=TODAY)
    profile = ProfileDraft.model_validate(found.to_profile_draft())
    assert profile.headline == "Hi, I'm Minh from Vietnam."
    assert {(lang.code, lang.level) for lang in profile.languages} == {
        ("ja", LanguageLevel.N3),
        ("vi", LanguageLevel.NATIVE),
    }
    assert profile.desired_pay is not None and profile.desired_pay.amount == 1300
    assert profile.earliest_start == date(2026, 3, 2)
    assert profile.work_authorization is not None
    forklift = next(s for s in profile.skills if s.years == 3)
    assert forklift.level == 3


def test_expiring_residence_status_is_not_guessed_into_the_draft() -> None:
    found = extract_worker_profile("特定技能1号で介護の仕事をしています。", today=TODAY)
    assert found.residence_statuses
    assert "work_authorization" not in found.to_profile_draft()


def test_as_dict_is_json_ready() -> None:
    import json

    json.dumps(as_dict(extract_job_requirements(AD_JA, today=TODAY)), ensure_ascii=False)


def test_empty_text() -> None:
    found = extract_job_requirements("", today=TODAY)
    assert found.skills == () and found.pay is None and found.location is None
