"""The AI agent through GraphQL: reading ads and profiles, the search assistant, suggestions,
and who may see what."""

from __future__ import annotations

import time
from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from domain.ai import ad_quality, suggestions
from domain.ai.assistant import japan_today
from domain.ai.memo import Memo
from domain.ai.models import AiExtraction
from tests.factories import (
    CREATE_JOB,
    CREATE_PROFILE,
    NAGOYA,
    OSAKA_KITA,
    TOKYO_SHINJUKU,
    UPDATE_JOB,
    create_job,
    create_profile,
    skill_gid,
)
from tests.graphql_client import data, error_codes, gql, register

SPAN_FIELDS = "kind labelJa labelEn value confidence span { start end text } skill { slug }"
EXTRACT_JOB = f"""
query($text: String!) {{
  extractJobRequirements(text: $text) {{
    language draft items {{ {SPAN_FIELDS} }} draftErrors {{ field code message }}
  }}
}}
"""
EXTRACT_PROFILE = f"""
query($text: String!) {{
  extractWorkerProfile(text: $text) {{
    language draft items {{ {SPAN_FIELDS} }} draftErrors {{ field code message }}
  }}
}}
"""
ASK = """
query($text: String!, $locale: Locale) {
  ask(text: $text, locale: $locale) {
    answer locale understood filters matchCount suggestions understoodNothing reworded
    jobs { totalCount edges { node { id title } } }
  }
}
"""
JOBS = """
query($filter: JobFilter) { jobs(filter: $filter) { edges { node { id } } } }
"""
JOB_SUGGESTIONS = """
query($id: ID!) {
  node(id: $id) {
    ... on Job {
      id
      paySuggestion {
        period basis sampleSize sufficient median low high minimum maximum position
        explanationJa explanationEn explanation(locale: EN)
      }
      adQualityHints {
        kind severity workersExcluded workersOtherwiseQualified candidatePool
        explanationJa explanationEn
        requirement { kind level label(locale: EN) skill { slug } language { code level } }
        spans { start end text }
        skills { slug }
      }
    }
  }
}
"""
GAPS = """
query {
  me {
    workerProfile {
      skillGapSuggestions {
        radiusKm jobsNearby jobsQualified wellPaidFrom explanationJa explanationEn
        gaps {
          jobsUnlocked wellPaidJobsUnlocked jobsAsking medianHourlyPay explanationJa explanationEn
          requirement { kind level labelJa skill { slug } }
        }
        closeJobs { hourlyPay explanation(locale: EN) missing { kind skill { slug } } job { id title } }
      }
    }
  }
}
"""
WORKER_SUGGESTIONS = """
query($id: ID!) {
  node(id: $id) { ... on Worker { id skillGapSuggestions { jobsNearby } aiExtraction { status } } }
}
"""

CARE_AD = """【急募】介護スタッフ（夜勤あり）
大阪府大阪市北区の特別養護老人ホームでの介護業務です。
時給1,300円〜1,600円。介護職員初任者研修をお持ちの方。日本語能力試験N3以上。
週3日〜、夜勤22:00〜翌7:00。正社員。"""
FORKLIFT_AD_EN = """Forklift operator - Nagoya, Aichi
Load and unload trucks at our logistics centre. Forklift licence required.
Pay: ¥1,400-1,700 per hour. Full-time. Business-level Japanese."""
PROFILE_TEXT = """倉庫でフォークリフト（経験5年）の仕事をしています。
愛知県名古屋市に住んでいます。日本語能力試験N2を持っています。時給1,300円以上を希望します。"""


@pytest.fixture
async def people(client) -> dict[str, Any]:
    return {
        "employer": await register(client, "hr@a.example", "EMPLOYER", "Org A"),
        "other_employer": await register(client, "hr@b.example", "EMPLOYER", "Org B"),
        "worker": await register(client, "worker@example.com"),
        "other_worker": await register(client, "other@example.com"),
    }


def _slugs(items: list[dict[str, Any]]) -> set[str]:
    return {item["skill"]["slug"] for item in items if item["kind"] == "SKILL"}


# ---- extraction --------------------------------------------------------------------


async def test_extract_job_requirements_gives_items_with_spans_and_a_draft_that_creates_the_job(
    client, people
) -> None:
    token = people["employer"].token
    result = data(await gql(client, EXTRACT_JOB, {"text": CARE_AD}, token))[
        "extractJobRequirements"
    ]
    assert result["language"] == "ja"
    kinds = {item["kind"] for item in result["items"]}
    assert {"SKILL", "PAY", "LOCATION", "LANGUAGE", "EMPLOYMENT_TYPE", "SCHEDULE"} <= kinds
    for item in result["items"]:
        span = item["span"]
        assert CARE_AD[span["start"] : span["end"]] == span["text"]
        assert 0 <= item["confidence"] <= 1
    assert "caregiver-initial-training" in _slugs(result["items"])
    pay = next(item for item in result["items"] if item["kind"] == "PAY")
    assert pay["value"] == {"min": 1300, "max": 1600, "period": "HOURLY"}
    assert pay["labelJa"] == "時給1,300円〜1,600円" and pay["labelEn"] == "¥1,300–1,600 an hour"

    draft = result["draft"]
    assert draft["employmentType"] == "FULL_TIME"
    assert draft["location"]["prefecture"] == "OSAKA"
    assert draft["skills"][0]["skillId"] == skill_gid("caregiver-initial-training")
    assert result["draftErrors"] == []
    created = data(await gql(client, CREATE_JOB, {"input": draft}, token))["createJob"]
    assert created["errors"] == []
    assert created["job"]["pay"] == {"min": 1300, "max": 1600, "period": "HOURLY"}
    assert created["job"]["languages"] == [{"code": "ja", "level": "N3"}]


async def test_english_ad_and_what_a_draft_still_lacks(client, people) -> None:
    token = people["employer"].token
    result = data(await gql(client, EXTRACT_JOB, {"text": FORKLIFT_AD_EN}, token))[
        "extractJobRequirements"
    ]
    assert result["language"] == "en"
    assert "forklift-operation" in _slugs(result["items"])
    assert result["draft"]["pay"] == {"min": 1400, "max": 1700, "period": "HOURLY"}
    assert result["draft"]["location"]["prefecture"] == "AICHI"
    assert result["draftErrors"] == []

    short = data(await gql(client, EXTRACT_JOB, {"text": "Forklift driver wanted."}, token))[
        "extractJobRequirements"
    ]
    missing = {error["field"] for error in short["draftErrors"]}
    assert {"employmentType", "pay"} <= missing  # what the app must still ask for


async def test_extract_worker_profile_draft_creates_the_profile(client, people) -> None:
    token = people["worker"].token
    result = data(await gql(client, EXTRACT_PROFILE, {"text": PROFILE_TEXT}, token))[
        "extractWorkerProfile"
    ]
    assert "forklift-operation" in _slugs(result["items"])
    draft = result["draft"]
    assert draft["desiredPay"] == {"amount": 1300, "period": "HOURLY"}
    assert {"code": "ja", "level": "N2"} in draft["languages"]
    assert result["draftErrors"] == []
    created = data(await gql(client, CREATE_PROFILE, {"input": draft}, token))[
        "createWorkerProfile"
    ]
    assert created["errors"] == []
    assert created["worker"]["skills"][0]["skill"]["slug"] == "forklift-operation"
    assert (created["worker"]["skills"][0]["years"], created["worker"]["skills"][0]["level"]) == (
        5,
        4,
    )


async def test_extraction_needs_the_right_account(client, people) -> None:
    assert error_codes(await gql(client, EXTRACT_JOB, {"text": CARE_AD})) == ["UNAUTHENTICATED"]
    worker = people["worker"].token
    assert error_codes(await gql(client, EXTRACT_JOB, {"text": CARE_AD}, worker)) == ["FORBIDDEN"]
    employer = people["employer"].token
    assert error_codes(await gql(client, EXTRACT_PROFILE, {"text": "x"}, employer)) == ["FORBIDDEN"]


async def test_too_long_text_is_a_clear_input_error_and_changes_nothing(
    client, services, people
) -> None:
    result = await gql(client, EXTRACT_JOB, {"text": "あ" * 10_001}, people["employer"].token)
    assert error_codes(result) == ["BAD_USER_INPUT"]
    assert result["errors"][0]["extensions"]["fields"][0]["field"] == "text"
    assert result["errors"][0]["extensions"]["fields"][0]["code"] == "TOO_LONG"
    assert "10,000" in result["errors"][0]["message"]
    asked = await gql(client, ASK, {"text": "介護" * 251})
    assert error_codes(asked) == ["BAD_USER_INPUT"]
    async with services.database.session() as session:
        assert (await session.execute(select(func.count()).select_from(AiExtraction))).scalar() == 0


# ---- ask ---------------------------------------------------------------------------


async def _care_jobs(client, token: str) -> dict[str, str]:
    night = [{"day": "MON", "start": "22:00", "end": "07:00"}]
    day = [{"day": "MON", "start": "09:00", "end": "18:00"}]
    care = [{"skillId": skill_gid("caregiver-initial-training"), "minLevel": 1}]
    common = {"description": "特別養護老人ホームでの介護業務です。", "skills": care}
    seeds = {
        "match": {"location": OSAKA_KITA, "schedule": night, "pay": {"min": 1500, "max": 1800, "period": "HOURLY"}},
        "days": {"location": OSAKA_KITA, "schedule": day, "pay": {"min": 1500, "max": 1800, "period": "HOURLY"}},
        "tokyo": {"location": TOKYO_SHINJUKU, "schedule": night, "pay": {"min": 1500, "max": 1800, "period": "HOURLY"}},
        "cheap": {"location": OSAKA_KITA, "schedule": night, "pay": {"min": 1100, "max": 1300, "period": "HOURLY"}},
    }  # fmt: skip
    ids = {}
    for name, fields in seeds.items():
        job = await create_job(
            client, token, publish=True, title=f"介護スタッフ {name}", **common, **fields
        )
        ids[name] = job["id"]
    return ids


async def test_ask_in_japanese_runs_the_job_search_with_the_filters_it_understood(
    client, people
) -> None:
    ids = await _care_jobs(client, people["employer"].token)
    answer = data(await gql(client, ASK, {"text": "大阪で夜勤の介護の仕事、時給1500円以上"}))["ask"]
    assert answer["answer"] == "大阪府で夜勤のある時給1,500円以上の介護の求人が1件あります。"
    assert answer["locale"] == "JA"
    assert answer["matchCount"] == 1 and answer["jobs"]["totalCount"] == 1
    assert [edge["node"]["id"] for edge in answer["jobs"]["edges"]] == [ids["match"]]
    assert "夜勤あり" in answer["understood"] and "時給1,500円以上" in answer["understood"]
    assert answer["filters"] == {
        "text": "介護",
        "prefecture": "OSAKA",
        "payAtLeast": {"amount": 1500, "period": "HOURLY"},
        "nightShift": True,
    }
    assert not answer["understoodNothing"] and not answer["reworded"]
    # The filters are the job board's own: the app can edit them and search again.
    again = data(await gql(client, JOBS, {"filter": answer["filters"]}))["jobs"]["edges"]
    assert [edge["node"]["id"] for edge in again] == [ids["match"]]
    without_night = {**answer["filters"], "nightShift": False}
    days = data(await gql(client, JOBS, {"filter": without_night}))["jobs"]["edges"]
    assert [edge["node"]["id"] for edge in days] == [ids["days"]]


async def test_ask_in_english_and_in_the_other_language(client, people) -> None:
    token = people["employer"].token
    nagoya = await create_job(client, token, publish=True, location=NAGOYA)
    await create_job(client, token, publish=True)  # forklift in Tokyo
    await create_job(
        client,
        token,
        publish=True,
        location=NAGOYA,
        title="Office cleaning",
        skills=[{"skillId": skill_gid("slinging"), "minLevel": 1}],
    )
    answer = data(await gql(client, ASK, {"text": "forklift jobs near Nagoya"}))["ask"]
    assert answer["answer"] == "I found 1 forklift operation job near Nagoya."
    assert answer["locale"] == "EN"
    assert [edge["node"]["id"] for edge in answer["jobs"]["edges"]] == [nagoya["id"]]
    assert answer["filters"]["skills"] == {
        "skillIds": [skill_gid("forklift-operation")],
        "match": "ANY",
    }
    assert answer["filters"]["near"]["km"] == 15
    in_japanese = data(
        await gql(client, ASK, {"text": "forklift jobs near Nagoya", "locale": "JA"})
    )["ask"]
    assert (
        in_japanese["answer"]
        == "名古屋市の近く（15km以内）でフォークリフト運転の求人が1件あります。"
    )


async def test_ask_filters_by_the_start_date_it_understood(client, people) -> None:
    token = people["employer"].token
    today = japan_today()
    next_month = date(today.year + (today.month == 12), today.month % 12 + 1, 1)
    starts = {
        "early": today,  # starts before the worker can
        "on_the_day": next_month,
        "later": next_month + timedelta(days=20),
        "open": None,  # no start date stated: starts when hired
    }
    ids = {}
    for name, start in starts.items():
        job = await create_job(
            client,
            token,
            publish=True,
            title=f"フォークリフト {name}",
            startDate=start.isoformat() if start else None,
        )
        ids[job["id"]] = name
    answer = data(await gql(client, ASK, {"text": "来月からフォークリフトの仕事"}))["ask"]
    assert answer["filters"]["startsFrom"] == next_month.isoformat()
    assert f"{next_month:%Y年%m月%d日}以降に開始" in answer["understood"]
    found = {ids[edge["node"]["id"]] for edge in answer["jobs"]["edges"]}
    assert found == {"on_the_day", "later", "open"} and answer["matchCount"] == 3
    assert f"{next_month.month}月{next_month.day}日以降に始まる" in answer["answer"]
    # The same filter through the job board, and a later day that leaves out more.
    again = data(await gql(client, JOBS, {"filter": answer["filters"]}))["jobs"]["edges"]
    assert {ids[edge["node"]["id"]] for edge in again} == found
    later = {**answer["filters"], "startsFrom": (next_month + timedelta(days=1)).isoformat()}
    edges = data(await gql(client, JOBS, {"filter": later}))["jobs"]["edges"]
    assert {ids[edge["node"]["id"]] for edge in edges} == {"later", "open"}


async def test_nothing_matching_says_which_condition_to_drop(client, people) -> None:
    night = [{"day": "FRI", "start": "21:00", "end": "06:00"}]
    await create_job(
        client, people["employer"].token, publish=True, location=NAGOYA, schedule=night
    )
    answer = data(await gql(client, ASK, {"text": "札幌で夜勤のフォークリフトの仕事"}))["ask"]
    assert answer["matchCount"] == 0 and answer["jobs"]["edges"] == []
    assert answer["answer"].endswith("場所の条件を外すと1件あります。")
    assert answer["suggestions"] == ["場所の条件を外す（1件）"]
    english = data(await gql(client, ASK, {"text": "night shift forklift jobs in Sapporo"}))["ask"]
    assert english["answer"].endswith("Without the place, there is 1 job.")


async def test_unknown_intent_gets_help_and_the_newest_jobs_never_an_error(client, people) -> None:
    await create_job(client, people["employer"].token, publish=True)
    for text, start in (
        ("こんにちは", "すみません"),
        ("what's the weather like", "Sorry, I didn't catch"),
        ("", "すみません"),
    ):
        result = await gql(client, ASK, {"text": text}, people["worker"].token)
        answer = data(result)["ask"]
        assert answer["answer"].startswith(start), answer["answer"]
        assert answer["understoodNothing"]
        assert answer["filters"] == {} and answer["understood"] == []
        assert len(answer["suggestions"]) == 3
        assert answer["matchCount"] == 1 and len(answer["jobs"]["edges"]) == 1


# ---- suggestions -------------------------------------------------------------------


def _pay(low: int, high: int) -> dict[str, Any]:
    return {"min": low, "max": high, "period": "HOURLY"}


async def test_pay_suggestion_from_comparable_open_jobs(client, people) -> None:
    token = people["employer"].token
    for low in (1200, 1300, 1400, 1500, 1600, 1700):  # forklift jobs in Tokyo, mid = low + 50
        await create_job(client, token, publish=True, pay=_pay(low, low + 100))
    await create_job(
        client, token, publish=True, pay={"min": 250_000, "max": 300_000, "period": "MONTHLY"}
    )
    mine = await create_job(
        client,
        token,
        title="フォークリフト作業",
        description="倉庫でフォークリフト作業。やる気のある方。玉掛けができる方歓迎。",
        pay=_pay(1000, 1000),
    )
    job = data(await gql(client, JOB_SUGGESTIONS, {"id": mine["id"]}, token))["node"]
    pay = job["paySuggestion"]
    assert pay["basis"] == "SAME_SKILLS_IN_PREFECTURE"
    assert pay["period"] == "HOURLY"
    assert (pay["sampleSize"], pay["sufficient"]) == (6, True)  # the monthly job is not compared
    assert (pay["low"], pay["median"], pay["high"]) == (1380, 1500, 1630)  # quartiles of mids
    assert (pay["minimum"], pay["maximum"]) == (1200, 1800)
    assert pay["position"] == "BELOW"
    assert "6 jobs" in pay["explanationEn"] and "東京都" in pay["explanationJa"]
    assert pay["explanation"] == pay["explanationEn"]

    kinds = [hint["kind"] for hint in job["adQualityHints"]]
    assert {
        "PAY_BELOW_MARKET",
        "NO_PAY_RANGE",
        "SHORT_DESCRIPTION",
        "VAGUE_WORDING",
        "SKILLS_ONLY_IN_TEXT",
        "FEW_WORKERS_NEARBY",
    } <= set(kinds)
    severities = [hint["severity"] for hint in job["adQualityHints"]]
    assert severities == sorted(severities, key=lambda s: s != "WARNING")  # warnings first
    unlisted = next(h for h in job["adQualityHints"] if h["kind"] == "SKILLS_ONLY_IN_TEXT")
    assert [skill["slug"] for skill in unlisted["skills"]] == ["slinging"]
    vague = next(h for h in job["adQualityHints"] if h["kind"] == "VAGUE_WORDING")
    assert [span["text"] for span in vague["spans"]] == ["やる気"]


async def test_suggestions_are_memoised_until_the_job_or_profile_changes(
    client, people, monkeypatch
) -> None:
    token = people["employer"].token
    for low in (1200, 1300, 1400):
        await create_job(client, token, publish=True, pay=_pay(low, low + 100))
    mine = await create_job(client, token, title="フォークリフト作業", pay=_pay(1000, 1000))
    counted = {"pay": 0, "hints": 0, "gaps": 0}

    def counting(name: str, compute: Any) -> Any:
        async def wrapper(*args: Any) -> Any:
            counted[name] += 1
            return await compute(*args)

        return wrapper

    monkeypatch.setattr(suggestions, "_pay", counting("pay", suggestions._pay))
    monkeypatch.setattr(ad_quality, "_hints", counting("hints", ad_quality._hints))
    monkeypatch.setattr(suggestions, "_gap_report", counting("gaps", suggestions._gap_report))

    first = data(await gql(client, JOB_SUGGESTIONS, {"id": mine["id"]}, token))["node"]
    second = data(await gql(client, JOB_SUGGESTIONS, {"id": mine["id"]}, token))["node"]
    assert first == second and counted == {"pay": 1, "hints": 1, "gaps": 0}
    # Others still get null: authorisation runs before the memo, on every request.
    other = people["other_employer"].token
    assert data(await gql(client, JOB_SUGGESTIONS, {"id": mine["id"]}, other))["node"] is None
    # An edit bumps the job's version: both are computed again, from the new pay.
    edit = {"input": {"id": mine["id"], "pay": _pay(1600, 1700)}}
    assert data(await gql(client, UPDATE_JOB, edit, token))["updateJob"]["errors"] == []
    third = data(await gql(client, JOB_SUGGESTIONS, {"id": mine["id"]}, token))["node"]
    assert counted == {"pay": 2, "hints": 2, "gaps": 0}
    assert third["paySuggestion"]["position"] != first["paySuggestion"]["position"]

    worker = people["worker"].token
    await create_profile(client, worker)
    for _ in range(2):
        assert data(await gql(client, GAPS, {}, worker))["me"]["workerProfile"]
    assert counted["gaps"] == 1
    # The market view expires: after the TTL the same version is computed again.
    memo = suggestions.GAP_MEMO
    monkeypatch.setattr(memo, "clock", lambda: time.monotonic() + memo.ttl_seconds + 1)
    assert data(await gql(client, GAPS, {}, worker))["me"]["workerProfile"]
    assert counted["gaps"] == 2


def test_memo_expires_and_evicts_the_least_recently_used() -> None:
    now = [0.0]
    memo: Memo[int] = Memo(ttl_seconds=10, max_entries=2, clock=lambda: now[0])
    memo.put("a", 1)
    memo.put("b", 2)
    assert memo.get("a") == (True, 1)  # "a" is now the most recently used
    memo.put("c", 3)
    assert memo.get("b") == (False, None) and len(memo) == 2
    now[0] = 10.0
    assert memo.get("a") == (False, None) and memo.get("c") == (False, None)


async def test_too_small_a_sample_is_said_so(client, people) -> None:
    token = people["employer"].token
    crane = [{"skillId": skill_gid("small-mobile-crane"), "minLevel": 1}]
    await create_job(client, token, publish=True, skills=crane, pay=_pay(1500, 1700))
    mine = await create_job(client, token, skills=crane, location=OSAKA_KITA, pay=_pay(1400, 1600))
    pay = data(await gql(client, JOB_SUGGESTIONS, {"id": mine["id"]}, token))["node"][
        "paySuggestion"
    ]
    assert pay["basis"] == "SAME_SKILLS_NATIONWIDE"
    assert (pay["sampleSize"], pay["sufficient"]) == (1, False)
    assert pay["explanationEn"].startswith("Only 1 job to compare with: too few to rely on.")
    assert pay["explanationJa"].startswith("比較できる求人が1件しかなく")


async def test_requirements_that_shrink_the_candidate_pool_most(client, people) -> None:
    token = people["employer"].token
    forklift = skill_gid("forklift-operation")
    workers = [  # (forklift level or None, Japanese level); all in Shinjuku, radius 15 km
        (4, "N1"), (2, "N1"), (2, "N1"), (4, "N3"), (None, "N3"), (5, "NATIVE"),
    ]  # fmt: skip
    for number, (level, japanese) in enumerate(workers):
        account = await register(client, f"w{number}@example.com")
        skills = [{"skillId": forklift, "level": level, "years": 1}] if level else []
        await create_profile(
            client, account.token, skills=skills, languages=[{"code": "ja", "level": japanese}]
        )
    job = await create_job(
        client,
        token,
        skills=[{"skillId": forklift, "minLevel": 3}],
        languages=[{"code": "ja", "level": "N2"}],
    )
    hints = data(await gql(client, JOB_SUGGESTIONS, {"id": job["id"]}, token))["node"][
        "adQualityHints"
    ]
    restrictive = [h for h in hints if h["kind"] == "RESTRICTIVE_REQUIREMENT"]
    assert [
        (h["requirement"]["kind"], h["workersExcluded"], h["workersOtherwiseQualified"])
        for h in restrictive
    ] == [("SKILL", 3, 2), ("LANGUAGE", 2, 1)]
    assert {h["candidatePool"] for h in restrictive} == {6}
    top = restrictive[0]
    assert top["severity"] == "WARNING"
    assert top["requirement"]["skill"]["slug"] == "forklift-operation"
    assert top["requirement"]["level"] == 3
    assert top["requirement"]["label"] == "Forklift operation (level 3+)"
    assert "rules out 3 of the 6 workers" in top["explanationEn"]
    assert restrictive[1]["requirement"]["language"] == {"code": "ja", "level": "N2"}


async def test_skill_gaps_for_a_worker_from_the_open_jobs_around_them(client, people) -> None:
    token = people["employer"].token
    forklift = {"skillId": skill_gid("forklift-operation"), "minLevel": 2}
    slinging = {"skillId": skill_gid("slinging"), "minLevel": 1}
    crane = {"skillId": skill_gid("small-mobile-crane"), "minLevel": 1}
    seeds = [
        ("qualified", [forklift], _pay(1300, 1500), TOKYO_SHINJUKU),
        ("level", [{**forklift, "minLevel": 3}], _pay(1300, 1500), TOKYO_SHINJUKU),
        ("slinging-a", [forklift, slinging], _pay(1600, 1800), TOKYO_SHINJUKU),
        ("slinging-b", [forklift, slinging], _pay(1500, 1700), TOKYO_SHINJUKU),
        ("two-away", [slinging, crane], _pay(1500, 1700), TOKYO_SHINJUKU),
        ("far", [forklift, slinging], _pay(2000, 2200), OSAKA_KITA),
    ]
    for title, skills, pay, place in seeds:
        await create_job(
            client, token, publish=True, title=title, skills=skills, pay=pay, location=place
        )
    worker = people["worker"].token
    await create_profile(
        client,
        worker,
        skills=[{"skillId": forklift["skillId"], "level": 2, "years": 3}],
        desiredPay={"amount": 1200, "period": "HOURLY"},
    )
    report = data(await gql(client, GAPS, token=worker))["me"]["workerProfile"][
        "skillGapSuggestions"
    ]
    assert (report["radiusKm"], report["jobsNearby"], report["jobsQualified"]) == (15, 5, 1)
    assert report["wellPaidFrom"] == 1200
    first = report["gaps"][0]
    assert first["requirement"]["skill"]["slug"] == "slinging"
    assert (first["jobsUnlocked"], first["wellPaidJobsUnlocked"], first["jobsAsking"]) == (2, 2, 3)
    assert first["medianHourlyPay"] == 1650
    assert first["explanationEn"].startswith(
        "With Slinging (tamakake), you would qualify for 2 more open jobs within 15 km"
    )
    assert "あと2件" in first["explanationJa"]
    second = report["gaps"][1]
    assert (second["requirement"]["skill"]["slug"], second["requirement"]["level"]) == (
        "forklift-operation",
        3,
    )
    assert [c["job"]["title"] for c in report["closeJobs"]] == ["slinging-a", "slinging-b", "level"]
    assert report["closeJobs"][2]["explanation"] == (
        "You meet every requirement of this job except Forklift operation (level 3+)."
    )
    assert "条件を満たしているのは1件" in report["explanationJa"]


async def test_suggestions_are_private_to_their_owners(client, people) -> None:
    job = await create_job(client, people["employer"].token, publish=True)
    for who in ("other_employer", "worker"):
        seen = data(await gql(client, JOB_SUGGESTIONS, {"id": job["id"]}, people[who].token))
        assert seen["node"]["id"] == job["id"]  # the open job is public …
        assert seen["node"]["paySuggestion"] is None  # … its market advice is not
        assert seen["node"]["adQualityHints"] is None
    anonymous = data(await gql(client, JOB_SUGGESTIONS, {"id": job["id"]}))["node"]
    assert anonymous["paySuggestion"] is None and anonymous["adQualityHints"] is None

    profile = await create_profile(client, people["worker"].token)
    other = data(
        await gql(client, WORKER_SUGGESTIONS, {"id": profile["id"]}, people["other_worker"].token)
    )
    assert other["node"] is None  # another worker cannot even see the profile
    employer = data(
        await gql(client, WORKER_SUGGESTIONS, {"id": profile["id"]}, people["employer"].token)
    )["node"]
    assert employer["id"] == profile["id"]  # public profile …
    assert employer["skillGapSuggestions"] is None and employer["aiExtraction"] is None
    own = data(
        await gql(client, WORKER_SUGGESTIONS, {"id": profile["id"]}, people["worker"].token)
    )["node"]
    assert own["skillGapSuggestions"] == {"jobsNearby": 1}


def test_suggestions_are_priced_in_the_query_cost() -> None:
    from graphql import parse

    from schema.cost import QueryCostCalculator
    from schema.schema import schema

    calculator = QueryCostCalculator(schema._schema)
    page = "query { jobs(first: 50) { edges { node { id paySuggestion { median } } } } }"
    assert calculator.cost(parse(page)) > 50 * 10  # every job's suggestion is paid for
    assert calculator.cost(parse('query { ask(text: "x") { answer } }')) >= 10
