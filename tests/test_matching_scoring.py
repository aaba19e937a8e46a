"""The scoring engine (domain/matching): hard constraints, soft factors, ranking, the
feature cache, explanations and shift staffing. Pure functions, no database."""

from __future__ import annotations

import itertools
import math
import random
import uuid
from dataclasses import replace
from datetime import date, timedelta
from types import SimpleNamespace

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from domain.geo.distance import haversine_km
from domain.matching.assignment import linear_sum_assignment
from domain.matching.cache import FeatureCache
from domain.matching.constraints import Constraint
from domain.matching.explain import Audience, explain, explanations
from domain.matching.features import JobFeatures, WorkerFeatures
from domain.matching.geometry import haversine_km_array
from domain.matching.pay import HOURS_PER_MONTH, hourly_equivalent
from domain.matching.records import (
    JobRecord,
    LanguageSkill,
    SkillHeld,
    SkillWanted,
    TimeWindow,
    WorkerRecord,
    job_record,
    worker_record,
)
from domain.matching.schedule import (
    SLOTS_PER_DAY,
    availability_bits,
    popcount,
    schedule_bits,
    unpack,
    weekly_hours,
)
from domain.matching.scoring import (
    rank_jobs_for_worker,
    rank_workers_for_job,
    score_pair,
    score_workers_for_job,
)
from domain.matching.staffing import propose_staffing, shifts_conflict, staffing_scores
from domain.matching.text_similarity import TextVocabulary, similarity_to
from domain.matching.vocabulary import Vocabulary
from domain.matching.weights import DEFAULT_WEIGHTS, Factor, MatchingWeights

TODAY = date(2026, 10, 1)
KM_PER_DEGREE = 111.1950802335329  # along a meridian, at the radius haversine_km uses
SHINJUKU = (35.6938, 139.7034)

FORKLIFT = uuid.UUID(int=101)
PICKING = uuid.UUID(int=102)
INVENTORY = uuid.UUID(int=103)
DRIVING = uuid.UUID(int=104)
SAFETY = uuid.UUID(int=105)
CARE = uuid.UUID(int=106)
SKILL_NAMES = {
    FORKLIFT: ("Forklift operation", "フォークリフト運転"),
    PICKING: ("Order picking", "ピッキング"),
    INVENTORY: ("Inventory control", "在庫管理"),
    DRIVING: ("Medium truck driving", "中型トラック運転"),
    SAFETY: ("Workplace safety", "安全衛生"),
    CARE: ("Personal care", "身体介護"),
}
POOL = list(SKILL_NAMES)
WEEKDAYS = ("MON", "TUE", "WED", "THU", "FRI")


def north_of(origin: tuple[float, float], km: float) -> tuple[float, float]:
    return origin[0] + km / KM_PER_DEGREE, origin[1]


def week(start: str, end: str, days: tuple[str, ...] = WEEKDAYS) -> tuple[TimeWindow, ...]:
    return tuple(TimeWindow(day, start, end) for day in days)


def make_worker(number: int = 1, **changes: object) -> WorkerRecord:
    lat, lon = north_of(SHINJUKU, 2.0)
    base = WorkerRecord(
        id=uuid.UUID(int=1_000 + number),
        skills=(SkillHeld(FORKLIFT, 3, 2.0),),
        languages=(LanguageSkill("ja", "NATIVE"),),
        lat=lat,
        lon=lon,
        travel_radius_km=20,
        desired_pay_amount=1200,
        desired_pay_period="HOURLY",
        employment_types=frozenset({"FULL_TIME"}),
        availability=week("08:00", "18:00"),
        earliest_start=TODAY,
        residence_status="JAPANESE_NATIONAL",
        text="倉庫でフォークリフト運転の経験があります。Forklift operator in a warehouse.",
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def make_job(number: int = 1, **changes: object) -> JobRecord:
    base = JobRecord(
        id=uuid.UUID(int=9_000 + number),
        skills=(SkillWanted(FORKLIFT, 2, True),),
        languages=(LanguageSkill("ja", "N3"),),
        lat=SHINJUKU[0],
        lon=SHINJUKU[1],
        pay_min=1200,
        pay_max=1400,
        pay_period="HOURLY",
        employment_type="FULL_TIME",
        schedule=week("09:00", "17:00"),
        start_date=TODAY + timedelta(days=14),
        text="倉庫内でのフォークリフト作業。Forklift work in a logistics warehouse.",
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def features(workers: list[WorkerRecord], jobs: list[JobRecord] = ()) -> WorkerFeatures:  # type: ignore[assignment]
    return WorkerFeatures.build(workers, Vocabulary.fit(workers, list(jobs)))


def ranked_ids(job: JobRecord, workers: list[WorkerRecord], **options: object) -> list[uuid.UUID]:
    table = features(workers, [job])
    matches = rank_workers_for_job(job, table, top_k=None, as_of=TODAY, **options)  # type: ignore[arg-type]
    return [match.worker_id for match in matches]


def eligible(worker: WorkerRecord, job: JobRecord) -> bool:
    return ranked_ids(job, [worker]) == [worker.id]


def failed(worker: WorkerRecord, job: JobRecord) -> tuple[Constraint, ...]:
    return score_pair(worker, job, as_of=TODAY).failed


def breakdown(worker: WorkerRecord, job: JobRecord) -> dict[str, float]:
    return score_pair(worker, job, as_of=TODAY).breakdown


# --- units --------------------------------------------------------------------------------


def test_pay_is_compared_per_hour_with_documented_factors():
    assert hourly_equivalent(1200, "HOURLY") == 1200
    assert hourly_equivalent(9600, "DAILY") == 1200
    assert hourly_equivalent(173_800, "MONTHLY") == pytest.approx(1000)
    assert hourly_equivalent(2_085_600, "YEARLY") == pytest.approx(1000)
    assert HOURS_PER_MONTH == 173.8
    with pytest.raises(ValueError):
        hourly_equivalent(1, "WEEKLY")


def test_a_night_shift_runs_into_the_next_day_and_sunday_into_monday():
    bits = unpack(schedule_bits([TimeWindow("SUN", "22:00", "06:00")]))
    sunday_22 = 6 * SLOTS_PER_DAY + 44
    assert bits[sunday_22:].all() and bits[:12].all()  # Sunday 22–24 and Monday 0–6
    assert bits.sum() == 16
    assert (
        weekly_hours([TimeWindow("SUN", "22:00", "06:00"), TimeWindow("MON", "05:00", "07:00")])
        == 9
    )


def test_schedules_round_outwards_and_availability_inwards():
    window = [TimeWindow("MON", "08:45", "12:15")]
    assert popcount(schedule_bits(window)) == 8  # 08:30–12:30 touched
    assert popcount(availability_bits(window)) == 6  # 09:00–12:00 covered
    assert popcount(availability_bits([])) == 7 * SLOTS_PER_DAY  # none stated: any time


def test_vectorised_haversine_agrees_with_the_scalar_one():
    rng = np.random.default_rng(1)
    lat1, lat2 = rng.uniform(24, 45, 50), rng.uniform(24, 45, 50)
    lon1, lon2 = rng.uniform(123, 146, 50), rng.uniform(123, 146, 50)
    expected = [haversine_km(*args) for args in zip(lat1, lon1, lat2, lon2, strict=True)]
    assert haversine_km_array(lat1, lon1, lat2, lon2) == pytest.approx(expected, rel=1e-9)


def test_records_are_read_from_orm_rows_and_column_mappings_alike():
    profile = {
        "id": uuid.UUID(int=5),
        "headline": "Forklift operator",
        "bio": "Ten years in warehouses.",
        "lat": 35.0,
        "lon": 139.0,
        "travel_radius_km": 15,
        "remote_ok": False,
        "desired_pay_amount": 250_000,
        "desired_pay_period": "MONTHLY",
        "employment_types": ["FULL_TIME", "SHIFT"],
        "languages": [{"code": "ja", "level": "N2"}],
        "weekly_availability": [{"day": "MON", "start": "22:00", "end": "06:00"}],
        "earliest_start": TODAY,
        "residence_status": "SPECIFIED_SKILLED_WORKER_1",
        "work_authorization_expires_on": TODAY + timedelta(days=400),
    }
    skills = [
        {"skill_id": PICKING, "level": 2, "years": 1.5, "position": 1},
        {"skill_id": FORKLIFT, "level": 4, "years": 10, "position": 0},
    ]
    record = worker_record(profile, skills, credential_types=["FORKLIFT_LICENSE"])
    assert [s.skill_id for s in record.skills] == [FORKLIFT, PICKING]
    assert record.availability == (TimeWindow("MON", "22:00", "06:00"),)
    assert record.credential_types == {"FORKLIFT_LICENSE"}
    assert record.text == "Forklift operator\nTen years in warehouses."

    row = SimpleNamespace(  # attribute access, as an ORM row gives
        id=uuid.UUID(int=6),
        title="Warehouse",
        description="Forklift work",
        employment_type="SHIFT",
        remote=False,
        lat=35.0,
        lon=139.0,
        pay_min=1100,
        pay_max=1300,
        pay_period="HOURLY",
        languages=[{"code": "ja", "level": "N3"}],
        schedule=[{"day": "TUE", "start": "09:00", "end": "13:00"}],
        openings=3,
        start_date=None,
        required_credential_types=["FORKLIFT_LICENSE"],
    )
    job = job_record(row, [{"skill_id": FORKLIFT, "min_level": 2, "required": True}])
    assert job.openings == 3 and job.required_credential_types == {"FORKLIFT_LICENSE"}
    assert job.skills == (SkillWanted(FORKLIFT, 2, True),)


def test_weights_are_validated_and_normalised():
    assert sum(DEFAULT_WEIGHTS.normalized().values()) == pytest.approx(1)
    assert (
        MatchingWeights(
            skills=2,
            distance=0,
            pay=0,
            languages=0,
            schedule=0,
            start_date=0,
            text=0,
            credentials=0,
            employment_type=0,
        ).normalized()[Factor.SKILLS]
        == 1
    )
    with pytest.raises(ValueError):
        MatchingWeights(skills=-1)
    with pytest.raises(ValueError):
        MatchingWeights(**{factor.value: 0 for factor in Factor})
    with pytest.raises(ValueError):
        MatchingWeights(pay=math.nan)


# --- hard constraints, one by one ------------------------------------------------------------


def test_the_default_pair_is_eligible():
    assert failed(make_worker(), make_job()) == ()
    assert eligible(make_worker(), make_job())


def test_work_authorization_must_be_valid_on_the_first_day():
    job = make_job(start_date=TODAY + timedelta(days=30))
    expires = lambda days: make_worker(  # noqa: E731
        residence_status="SPECIFIED_SKILLED_WORKER_1",
        authorization_expires_on=TODAY + timedelta(days=days),
    )
    assert not eligible(expires(29), job)
    assert failed(expires(29), job) == (Constraint.WORK_AUTHORIZATION,)
    assert eligible(expires(30), job)
    assert eligible(make_worker(residence_status="PERMANENT_RESIDENT"), job)
    assert not eligible(make_worker(residence_status=None), job)
    # A status that expires needs its expiry date.
    assert not eligible(make_worker(residence_status="LONG_TERM_RESIDENT"), job)


def test_without_a_start_date_work_authorization_must_be_valid_today():
    job = make_job(start_date=None)
    expiring = lambda day: make_worker(  # noqa: E731
        residence_status="ENGINEER_SPECIALIST_IN_HUMANITIES", authorization_expires_on=day
    )
    assert not eligible(expiring(TODAY - timedelta(days=1)), job)
    assert eligible(expiring(TODAY), job)


def test_students_and_dependants_only_for_part_time_or_shifts_up_to_28_hours():
    student = make_worker(
        residence_status="STUDENT", authorization_expires_on=TODAY + timedelta(days=365)
    )
    five_hours = week("17:00", "22:00")  # 25 h a week
    six_hours = week("16:00", "22:00")  # 30 h a week
    student = replace(student, availability=week("08:00", "23:00"))
    assert not eligible(student, make_job(employment_type="FULL_TIME", schedule=five_hours))
    assert eligible(student, make_job(employment_type="PART_TIME", schedule=five_hours))
    assert eligible(student, make_job(employment_type="SHIFT", schedule=five_hours))
    assert not eligible(student, make_job(employment_type="PART_TIME", schedule=six_hours))
    dependant = replace(student, residence_status="DEPENDENT")
    assert failed(dependant, make_job(employment_type="CONTRACT", schedule=five_hours)) == (
        Constraint.WORK_AUTHORIZATION,
    )


def test_required_credentials_must_be_held_verified():
    job = make_job(required_credential_types=frozenset({"FORKLIFT_LICENSE"}))
    assert failed(make_worker(), job) == (Constraint.CREDENTIALS,)
    assert eligible(make_worker(credential_types=frozenset({"FORKLIFT_LICENSE"})), job)
    # Preferred ones are only a soft factor.
    wish = make_job(preferred_credential_types=frozenset({"FORKLIFT_LICENSE", "FIRST_AID"}))
    assert eligible(make_worker(), wish)
    assert breakdown(make_worker(), wish)["credentials"] == 0
    held = make_worker(credential_types=frozenset({"FIRST_AID"}))
    assert breakdown(held, wish)["credentials"] == 0.5


def test_languages_must_reach_the_level_asked():
    job = make_job(languages=(LanguageSkill("ja", "N3"), LanguageSkill("en", "B1")))
    speaks = lambda ja, en: make_worker(  # noqa: E731
        languages=(LanguageSkill("ja", ja), LanguageSkill("en", en))
    )
    assert failed(speaks("N4", "C1"), job) == (Constraint.LANGUAGES,)
    assert failed(speaks("N2", "A2"), job) == (Constraint.LANGUAGES,)
    assert eligible(speaks("N3", "B1"), job)
    assert not eligible(make_worker(languages=(LanguageSkill("ja", "N1"),)), job)  # no English


def test_on_site_jobs_must_lie_within_the_travel_radius():
    job = make_job()
    at = lambda km, radius=20: make_worker(  # noqa: E731
        lat=north_of(SHINJUKU, km)[0], lon=SHINJUKU[1], travel_radius_km=radius
    )
    assert eligible(at(19.9), job)
    assert failed(at(20.1), job) == (Constraint.DISTANCE,)
    assert not eligible(at(4, radius=3), job)
    assert not eligible(make_worker(lat=None, lon=None), job)  # nowhere: never within


def test_remote_jobs_need_remote_ok_or_a_location_within_the_radius():
    far = north_of(SHINJUKU, 300)
    remote_only = make_job(remote=True, lat=None, lon=None)
    hybrid = make_job(remote=True)
    assert eligible(make_worker(remote_ok=True, lat=far[0], lon=far[1]), remote_only)
    assert not eligible(make_worker(remote_ok=False), remote_only)
    assert eligible(make_worker(remote_ok=False), hybrid)
    assert not eligible(make_worker(remote_ok=False, lat=far[0], lon=far[1]), hybrid)
    assert breakdown(make_worker(remote_ok=True, lat=far[0], lon=far[1]), hybrid)["distance"] == 1


def test_availability_must_cover_the_schedule():
    job = make_job(schedule=week("09:00", "17:00"))
    assert eligible(make_worker(availability=week("09:00", "17:00")), job)
    late = make_worker(availability=week("10:00", "17:00"))
    assert failed(late, job) == (Constraint.AVAILABILITY,)
    assert breakdown(late, job)["schedule"] == pytest.approx(7 / 8)
    four_days = make_worker(availability=week("08:00", "18:00", WEEKDAYS[:4]))
    assert not eligible(four_days, job)
    assert eligible(make_worker(availability=()), job)  # nothing stated: any time
    assert eligible(late, make_job(schedule=()))  # no schedule: not constrained


def test_night_shifts_are_covered_across_midnight():
    job = make_job(schedule=(TimeWindow("SUN", "22:00", "06:00"),))
    assert eligible(make_worker(availability=(TimeWindow("SUN", "20:00", "08:00"),)), job)
    split = (TimeWindow("SUN", "21:00", "23:30"), TimeWindow("MON", "00:00", "07:00"))
    assert not eligible(make_worker(availability=split), job)  # 23:30–24:00 missing
    whole = (TimeWindow("SUN", "21:00", "00:00"), TimeWindow("MON", "00:00", "07:00"))
    assert eligible(make_worker(availability=whole), job)
    assert not eligible(make_worker(availability=(TimeWindow("SUN", "22:00", "23:59"),)), job)


# --- soft factors, one by one ----------------------------------------------------------------


def test_skill_credit_follows_the_documented_formula():
    job = make_job(skills=(SkillWanted(FORKLIFT, 3, True),))
    credit = lambda level, years: breakdown(  # noqa: E731
        make_worker(skills=(SkillHeld(FORKLIFT, level, years),)), job
    )["skills"]
    assert credit(3, 0) == pytest.approx(0.9 * 0.75, abs=1e-4)
    assert credit(5, 0) == pytest.approx(1.0 * 0.75, abs=1e-4)
    assert credit(2, 0) == pytest.approx(0.45 * 0.75, abs=1e-4)  # half per missing level
    assert credit(1, 0) == pytest.approx(0.225 * 0.75, abs=1e-4)
    assert breakdown(make_worker(skills=()), job)["skills"] == 0
    # Diminishing returns on years.
    assert credit(3, 3) - credit(3, 0) > credit(3, 6) - credit(3, 3) > 0
    assert credit(3, 60) < 0.9 + 1e-6


def test_required_skills_weigh_twice_nice_to_have_ones():
    job = make_job(skills=(SkillWanted(FORKLIFT, 1, True), SkillWanted(PICKING, 1, False)))
    has_required = make_worker(skills=(SkillHeld(FORKLIFT, 1, 0),))
    has_nice = make_worker(skills=(SkillHeld(PICKING, 1, 0),))
    assert breakdown(has_required, job)["skills"] == pytest.approx(2 / 3 * 0.675, abs=1e-4)
    assert breakdown(has_nice, job)["skills"] == pytest.approx(1 / 3 * 0.675, abs=1e-4)
    assert breakdown(make_worker(), make_job(skills=()))["skills"] == 1


def test_language_fit_rewards_levels_above_those_asked():
    job = make_job(languages=(LanguageSkill("ja", "N3"),))
    fit = lambda level: breakdown(make_worker(languages=(LanguageSkill("ja", level),)), job)[  # noqa: E731
        "languages"
    ]
    assert fit("N3") == pytest.approx(0.8)
    assert fit("N2") == pytest.approx(0.9)
    assert fit("N1") == fit("NATIVE") == 1
    assert breakdown(make_worker(), make_job(languages=()))["languages"] == 1


def test_distance_fit_halves_at_half_the_radius():
    job = make_job()
    at = lambda km: breakdown(  # noqa: E731
        make_worker(lat=north_of(SHINJUKU, km)[0], lon=SHINJUKU[1], travel_radius_km=20), job
    )["distance"]
    assert at(0) == 1
    assert at(10) == pytest.approx(0.5, abs=1e-4)
    assert at(20) == pytest.approx(0.25, abs=1e-4)
    assert at(1) > at(5) > at(15)


def test_pay_fit_is_one_at_the_wish_and_falls_smoothly_below():
    fit = lambda pay_max, period="HOURLY": breakdown(  # noqa: E731
        make_worker(desired_pay_amount=1000, desired_pay_period="HOURLY"),
        make_job(pay_min=0, pay_max=pay_max, pay_period=period),
    )["pay"]
    assert fit(1000) == fit(5000) == 1
    assert fit(900) == pytest.approx(0.729, abs=1e-4)
    assert fit(800) == pytest.approx(0.512, abs=1e-4)
    assert fit(173_800, "MONTHLY") == 1  # ¥1,000/h
    assert fit(8_000, "DAILY") == 1
    assert breakdown(make_worker(desired_pay_amount=None), make_job())["pay"] == 1


def test_start_date_fit_halves_every_thirty_days_late():
    job = make_job(start_date=TODAY + timedelta(days=10))
    fit = lambda start: breakdown(make_worker(earliest_start=start), job)["start_date"]  # noqa: E731
    assert fit(TODAY) == fit(TODAY + timedelta(days=10)) == fit(None) == 1
    assert fit(TODAY + timedelta(days=40)) == pytest.approx(0.5)
    assert fit(TODAY + timedelta(days=70)) == pytest.approx(0.25)


def test_employment_type_fit():
    job = make_job(employment_type="CONTRACT")
    assert breakdown(make_worker(), job)["employment_type"] == 0
    assert breakdown(make_worker(employment_types=frozenset()), job)["employment_type"] == 1
    wants = make_worker(employment_types=frozenset({"CONTRACT", "SHIFT"}))
    assert breakdown(wants, job)["employment_type"] == 1


def test_text_similarity_prefers_related_profiles_in_japanese_and_english():
    job = make_job(text="フォークリフトでの入出庫作業。Forklift loading in the warehouse.")
    related = make_worker(
        1, text="倉庫でフォークリフトの入出庫を担当。Forklift and warehouse loading."
    )
    cooking = make_worker(2, text="居酒屋の調理スタッフとして勤務。Kitchen staff at a restaurant.")
    other = make_worker(3, text="介護施設で入浴介助を担当しました。Care worker at a nursing home.")
    table = features([related, cooking, other], [job])
    scored = score_workers_for_job(job, table, as_of=TODAY)
    text = scored.factors[Factor.TEXT]
    assert text[0] > text[1] and text[0] > text[2]
    assert text.min() >= 0 and text.max() <= 1


def _short_vector(heading: str, skills: tuple[uuid.UUID, ...], language: str) -> bytes:
    """What the background reading stores for a job or profile (`domain.ai.saved`)."""
    from domain.ai.embedding import embed
    from domain.ai.saved import SavedText
    from domain.matching.short_text import encode

    saved = SavedText(1, heading, "", tuple(SKILL_NAMES[s] for s in skills))
    return encode(embed([saved.short_text(language)])[0])


def test_a_japanese_ad_and_an_english_profile_about_the_same_work_share_text():
    """TF-IDF finds no common n-gram; the short-text embeddings do, and rank the related
    profile above an unrelated one that is the same in every other respect."""
    job = make_job(
        text="倉庫内でのフォークリフト作業。入出庫と棚卸しをお願いします。",
        skills=(SkillWanted(FORKLIFT, 2, True), SkillWanted(PICKING, 1, False)),
        short_vector=_short_vector(
            "物流倉庫のフォークリフトオペレーター", (FORKLIFT, PICKING), "ja"
        ),
    )
    related = make_worker(
        1,
        text="Forklift operator, five years in logistics warehouses.",
        skills=(SkillHeld(FORKLIFT, 3, 2.0), SkillHeld(CARE, 3, 2.0)),
        short_vector=_short_vector("Forklift operator in a warehouse", (FORKLIFT, PICKING), "en"),
    )
    unrelated = make_worker(
        2,
        text="Care worker at a nursing home, bathing and meal assistance.",
        skills=(SkillHeld(FORKLIFT, 3, 2.0), SkillHeld(CARE, 3, 2.0)),
        short_vector=_short_vector("Caregiver at a nursing home", (CARE,), "en"),
    )
    plain = [replace(w, short_vector=None) for w in (related, unrelated)]
    tfidf_only = score_workers_for_job(job, features(plain, [job]), as_of=TODAY)
    assert list(tfidf_only.factors[Factor.TEXT]) == [0, 0]  # no shared n-gram

    table = features([unrelated, related], [job])
    text = score_workers_for_job(job, table, as_of=TODAY).factors[Factor.TEXT]
    assert text[1] > 0 and text[0] == 0
    ranked = rank_workers_for_job(job, table, top_k=None, as_of=TODAY)
    assert [m.worker_id for m in ranked] == [related.id, unrelated.id]
    assert ranked[0].score > ranked[1].score
    # The same pair scores the same from the worker's side.
    jobs_table = JobFeatures.build([job], table.vocabulary)
    from_worker = rank_jobs_for_worker(related, jobs_table, top_k=None, as_of=TODAY)
    assert from_worker[0].breakdown == ranked[0].breakdown
    assert from_worker[0].score == ranked[0].score


def test_rows_without_a_short_vector_keep_the_tfidf_text_factor():
    job = make_job(short_vector=_short_vector("フォークリフト作業", (FORKLIFT,), "ja"))
    worker = make_worker(1)
    with_vector = score_workers_for_job(job, features([worker], [job]), as_of=TODAY)
    without = score_workers_for_job(
        replace(job, short_vector=None), features([worker], [job]), as_of=TODAY
    )
    assert with_vector.factors[Factor.TEXT][0] == without.factors[Factor.TEXT][0] > 0


def test_short_vectors_grow_a_table_that_had_none():
    table = features([make_worker(1)], [make_job()])
    assert table.short_vector.shape[1] == 0  # no memory until a vector exists
    table.put(make_worker(2, short_vector=_short_vector("Forklift operator", (FORKLIFT,), "en")))
    assert table.short_vector.shape[1] == 512 and not table.short_vector[0].any()


def test_text_rows_are_cosines_the_same_from_either_side():
    texts = [
        "フォークリフト運転の経験",
        "Forklift operator",
        "倉庫でフォークリフトを運転",
        "forklift in a warehouse",
        "",
    ]
    vocabulary = TextVocabulary.fit(texts)
    rows = vocabulary.rows(texts)
    similarity = np.array(
        [similarity_to(vocabulary.dense(rows.terms[i], rows.weights[i]), rows) for i in range(5)]
    )
    assert np.allclose(similarity, similarity.T)
    assert similarity.max() <= 1 + 1e-6 and similarity.min() >= 0
    assert similarity[0, 2] > similarity[0, 1]


# --- ranking --------------------------------------------------------------------------------


def test_ranking_keeps_the_best_eligible_ones_first_with_a_breakdown():
    job = make_job()
    near = make_worker(1, lat=north_of(SHINJUKU, 1)[0])
    far = make_worker(2, lat=north_of(SHINJUKU, 15)[0])
    out = make_worker(3, lat=north_of(SHINJUKU, 25)[0])
    unskilled = make_worker(4, skills=())
    matches = rank_workers_for_job(
        job, features([out, far, unskilled, near], [job]), top_k=10, as_of=TODAY
    )
    assert [m.worker_id for m in matches] == [near.id, far.id, unskilled.id]
    assert all(0 <= m.score <= 1 for m in matches)
    assert set(matches[0].breakdown) == {factor.value for factor in Factor}
    assert (
        rank_workers_for_job(job, features([near, far], [job]), top_k=1, as_of=TODAY)[0].worker_id
        == near.id
    )
    assert rank_workers_for_job(job, features([near], [job]), top_k=0, as_of=TODAY) == []
    strict = rank_workers_for_job(
        job, features([near, unskilled], [job]), top_k=5, as_of=TODAY, min_score=0.8
    )
    assert [m.worker_id for m in strict] == [near.id]


def test_weights_change_the_order():
    job = make_job()
    skilled_far = make_worker(
        1, lat=north_of(SHINJUKU, 15)[0], skills=(SkillHeld(FORKLIFT, 5, 10),)
    )
    unskilled_near = make_worker(2, skills=())
    table = features([skilled_far, unskilled_near], [job])
    by_skill = MatchingWeights(
        skills=1,
        distance=0,
        pay=0,
        languages=0,
        schedule=0,
        start_date=0,
        text=0,
        credentials=0,
        employment_type=0,
    )
    by_distance = replace(by_skill, skills=0, distance=1)
    first = lambda weights: rank_workers_for_job(job, table, weights, as_of=TODAY)[0].worker_id  # noqa: E731
    assert first(by_skill) == skilled_far.id
    assert first(by_distance) == unskilled_near.id


def test_jobs_for_a_worker_and_workers_for_a_job_agree():
    jobs = [
        make_job(1),
        make_job(2, pay_max=1100, lat=north_of(SHINJUKU, 5)[0]),
        make_job(3, skills=(SkillWanted(FORKLIFT, 5, True), SkillWanted(PICKING, 1, False))),
        make_job(4, languages=(LanguageSkill("en", "C1"),)),
    ]
    workers = [make_worker(1), make_worker(2, skills=(SkillHeld(PICKING, 2, 1),))]
    cache = FeatureCache.build(workers, jobs)
    for worker in workers:
        by_worker = {
            m.job_id: m.score
            for m in cache.rank_jobs_for_worker(worker.id, top_k=None, as_of=TODAY)
        }
        by_job = {
            job.id: m.score
            for job in jobs
            for m in cache.rank_workers_for_job(job.id, top_k=None, as_of=TODAY)
            if m.worker_id == worker.id
        }
        assert by_worker == by_job
        assert jobs[3].id not in by_worker  # English C1 asked
    transient = rank_jobs_for_worker(workers[0], cache.jobs, top_k=None, as_of=TODAY)
    assert [m.job_id for m in transient] == [
        m.job_id for m in cache.rank_jobs_for_worker(workers[0].id, top_k=None, as_of=TODAY)
    ]


def test_the_cache_replaces_and_removes_rows_without_a_rebuild():
    workers = [make_worker(i, lat=north_of(SHINJUKU, i)[0]) for i in range(1, 6)]
    job = make_job()
    cache = FeatureCache.build(workers, [job])
    before = cache.rank_workers_for_job(job.id, top_k=None, as_of=TODAY)
    assert [m.worker_id for m in before] == [w.id for w in workers]
    moved = replace(workers[4], lat=SHINJUKU[0])
    cache.put_worker(moved)  # replaced in place
    assert cache.workers.size == 5
    assert cache.rank_workers_for_job(job.id, top_k=1, as_of=TODAY)[0].worker_id == moved.id
    assert cache.remove_worker(workers[0].id) and not cache.remove_worker(workers[0].id)
    newcomer = make_worker(99, skills=(SkillHeld(CARE, 2, 1), SkillHeld(FORKLIFT, 5, 9)))
    cache.put_worker(newcomer)  # takes the freed row; brings a new skill column
    assert cache.workers.size == 5
    after = cache.rank_workers_for_job(job.id, top_k=None, as_of=TODAY)
    assert workers[0].id not in {m.worker_id for m in after}
    fresh = FeatureCache.build([moved, *workers[1:4], newcomer], [job])
    expected = fresh.rank_workers_for_job(job.id, top_k=None, as_of=TODAY)
    assert [(m.worker_id, m.score) for m in after] == [(m.worker_id, m.score) for m in expected]
    # A job asking for a skill nobody had yet, and jobs coming and going.
    caring = make_job(2, skills=(SkillWanted(CARE, 1, True), SkillWanted(DRIVING, 1, True)))
    cache.put_job(caring)
    top = cache.rank_workers_for_job(caring.id, top_k=1, as_of=TODAY)[0]
    assert top.worker_id == newcomer.id and top.facts.required_met == 1
    assert cache.remove_job(caring.id)
    with pytest.raises(KeyError):
        cache.rank_workers_for_job(caring.id)


def test_the_cache_grows_past_its_capacity():
    job = make_job()
    cache = FeatureCache.build([make_worker(1)], [job])
    for number in range(2, 60):
        cache.put_worker(make_worker(number, lat=north_of(SHINJUKU, number / 10)[0]))
    matches = cache.rank_workers_for_job(job.id, top_k=None, as_of=TODAY)
    assert len(matches) == 59 and matches[0].worker_id == make_worker(2).id  # 0.2 km away


# --- explanations ---------------------------------------------------------------------------


def test_explanations_read_like_the_example_in_both_languages():
    job = make_job(
        skills=tuple(
            SkillWanted(skill, 1, True) for skill in (FORKLIFT, PICKING, INVENTORY, DRIVING, SAFETY)
        ),
        pay_min=1200,
        pay_max=1400,
        start_date=None,
    )
    worker = make_worker(
        skills=tuple(SkillHeld(skill, 2, 1) for skill in (PICKING, INVENTORY, DRIVING, SAFETY)),
        lat=north_of(SHINJUKU, 3.2)[0],
        desired_pay_amount=1200,
        desired_pay_period="HOURLY",
    )
    [match] = rank_workers_for_job(job, features([worker], [job]), as_of=TODAY)
    english = match.explanation(SKILL_NAMES, "en")
    japanese = match.explanation(SKILL_NAMES, "ja")
    assert english.startswith(
        "Meets 4 of 5 required skills (missing: Forklift operation); 3.2 km away; "
        "pay ¥1,400/h ≥ your minimum ¥1,200/h"
    )
    assert japanese.startswith(
        "必須スキル5件中4件を満たしています（不足: フォークリフト運転）; 距離3.2km; "
        "時給¥1,400 ≥ 希望¥1,200"
    )
    assert "Japanese native (N3 asked)" in english and "日本語ネイティブ（募集N3以上）" in japanese
    assert "can start now" in english and "すぐに勤務開始可能" in japanese
    assert "their minimum" in match.explanation(SKILL_NAMES, "en", Audience.EMPLOYER)
    assert explanations(match.facts, SKILL_NAMES) == {"en": english, "ja": japanese}


def test_explanations_of_shortfalls_conversions_and_late_starts():
    job = make_job(
        skills=(SkillWanted(FORKLIFT, 3, True),),
        pay_min=200_000,
        pay_max=208_560,
        pay_period="MONTHLY",
        start_date=TODAY + timedelta(days=10),
    )
    worker = make_worker(
        skills=(SkillHeld(FORKLIFT, 2, 1),),
        desired_pay_amount=1300,
        earliest_start=TODAY + timedelta(days=24),
    )
    result = score_pair(worker, job, as_of=TODAY)
    english = explain(result.facts, SKILL_NAMES, "en")
    japanese = explain(result.facts, SKILL_NAMES, "ja")
    assert "missing: Forklift operation (level 2 of 3)" in english
    assert "不足: フォークリフト運転（レベル2/3）" in japanese
    assert "pay ≈¥1,200/h < your minimum ¥1,300/h" in english
    assert "時給換算¥1,200 < 希望¥1,300" in japanese
    assert "can start 14 days after the start date (11 Oct 2026)" in english
    assert "開始日（2026年10月11日）の14日後から勤務可能" in japanese


# --- properties -----------------------------------------------------------------------------

WINDOW_SETS = [
    (),
    week("09:00", "17:00"),
    week("08:00", "18:00"),
    week("17:00", "22:00"),
    week("22:00", "07:00", ("MON", "WED", "FRI")),
    week("06:00", "10:00", ("SAT", "SUN")),
    (TimeWindow("SUN", "20:00", "08:00"),),
]
TEXTS = [
    "倉庫でフォークリフト運転の経験があります",
    "Forklift operator in a logistics warehouse",
    "介護施設で入浴介助と食事介助を担当",
    "Kitchen staff at an izakaya, prep and cooking",
    "ピッキングと検品、在庫管理",
    "",
]
STATUSES = [
    ("JAPANESE_NATIONAL", None),
    ("PERMANENT_RESIDENT", None),
    ("SPECIFIED_SKILLED_WORKER_1", 5),
    ("SPECIFIED_SKILLED_WORKER_1", 400),
    ("STUDENT", 300),
    ("DEPENDENT", 300),
    ("TECHNICAL_INTERN_TRAINING", 60),
    (None, None),
]
JA_LEVELS = ["N5", "N4", "N3", "N2", "N1", "NATIVE"]
EN_LEVELS = ["A1", "A2", "B1", "B2", "C1", "C2", "NATIVE"]
CREDENTIALS = ["FORKLIFT_LICENSE", "FIRST_AID", "FOOD_HYGIENE"]
PAY = [None, (1100, "HOURLY"), (9000, "DAILY"), (230_000, "MONTHLY"), (3_000_000, "YEARLY")]

skill_held = st.builds(
    SkillHeld,
    skill_id=st.sampled_from(POOL),
    level=st.integers(1, 5),
    years=st.integers(0, 40).map(lambda halves: halves / 2),
)
skill_wanted = st.builds(
    SkillWanted, skill_id=st.sampled_from(POOL), min_level=st.integers(1, 5), required=st.booleans()
)


@st.composite
def languages(draw: st.DrawFn) -> tuple[LanguageSkill, ...]:
    spoken = [LanguageSkill("ja", draw(st.sampled_from(JA_LEVELS)))]
    if draw(st.booleans()):
        spoken.append(LanguageSkill("en", draw(st.sampled_from(EN_LEVELS))))
    return tuple(spoken)


@st.composite
def places(draw: st.DrawFn, centre: tuple[float, float] = SHINJUKU) -> tuple[float, float]:
    km = draw(st.floats(0, 60, allow_nan=False))
    bearing = draw(st.floats(0, 2 * math.pi, allow_nan=False))
    return (
        centre[0] + km * math.cos(bearing) / KM_PER_DEGREE,
        centre[1] + km * math.sin(bearing) / (KM_PER_DEGREE * math.cos(math.radians(centre[0]))),
    )


@st.composite
def workers(draw: st.DrawFn, number: int | None = None) -> WorkerRecord:
    lat, lon = draw(places())
    status, expiry = draw(st.sampled_from(STATUSES))
    pay = draw(st.sampled_from(PAY))
    return WorkerRecord(
        id=uuid.UUID(int=draw(st.integers(1, 2**128 - 1)))
        if number is None
        else uuid.UUID(int=number),
        skills=tuple(draw(st.lists(skill_held, max_size=4, unique_by=lambda s: s.skill_id))),
        languages=draw(languages()),
        lat=lat,
        lon=lon,
        travel_radius_km=draw(st.sampled_from([0, 5, 10, 20, 50])),
        remote_ok=draw(st.booleans()),
        desired_pay_amount=None if pay is None else pay[0],
        desired_pay_period=None if pay is None else pay[1],
        employment_types=frozenset(
            draw(st.sets(st.sampled_from(["FULL_TIME", "PART_TIME", "CONTRACT", "SHIFT"])))
        ),
        availability=draw(st.sampled_from(WINDOW_SETS)),
        earliest_start=draw(
            st.sampled_from([None, TODAY, TODAY + timedelta(days=20), TODAY + timedelta(days=90)])
        ),
        residence_status=status,
        authorization_expires_on=None if expiry is None else TODAY + timedelta(days=expiry),
        credential_types=frozenset(draw(st.sets(st.sampled_from(CREDENTIALS)))),
        text=draw(st.sampled_from(TEXTS)),
    )


@st.composite
def jobs(draw: st.DrawFn) -> JobRecord:
    remote = draw(st.booleans())
    placed = not remote or draw(st.booleans())
    lat, lon = draw(places()) if placed else (None, None)
    pay_min, pay_max, period = draw(
        st.sampled_from(
            [(1100, 1300, "HOURLY"), (9000, 11000, "DAILY"), (200_000, 260_000, "MONTHLY")]
        )
    )
    return JobRecord(
        id=uuid.UUID(int=draw(st.integers(1, 2**128 - 1))),
        skills=tuple(draw(st.lists(skill_wanted, max_size=4, unique_by=lambda s: s.skill_id))),
        languages=draw(
            st.sampled_from(
                [
                    (),
                    (LanguageSkill("ja", "N3"),),
                    (LanguageSkill("ja", "N2"), LanguageSkill("en", "B1")),
                ]
            )
        ),
        remote=remote,
        lat=lat,
        lon=lon,
        pay_min=pay_min,
        pay_max=pay_max,
        pay_period=period,
        employment_type=draw(st.sampled_from(["FULL_TIME", "PART_TIME", "CONTRACT", "SHIFT"])),
        schedule=draw(st.sampled_from(WINDOW_SETS[:-1])),
        start_date=draw(
            st.sampled_from([None, TODAY + timedelta(days=10), TODAY + timedelta(days=100)])
        ),
        required_credential_types=frozenset(
            draw(st.sets(st.sampled_from(CREDENTIALS), max_size=1))
        ),
        preferred_credential_types=frozenset(
            draw(st.sets(st.sampled_from(CREDENTIALS), max_size=1))
        ),
        text=draw(st.sampled_from(TEXTS)),
    )


population = st.lists(workers(), min_size=1, max_size=12, unique_by=lambda w: w.id)
fast = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _rank(job: JobRecord, people: list[WorkerRecord]) -> list[tuple[uuid.UUID, float]]:
    matches = rank_workers_for_job(job, features(people, [job]), top_k=None, as_of=TODAY)
    return [(m.worker_id, m.score) for m in matches]


def _oracle_eligible(worker: WorkerRecord, job: JobRecord) -> bool:
    """The hard constraints, written again independently (minute sets, plain Python)."""
    start = max(job.start_date or TODAY, TODAY)
    never_expires = worker.residence_status in ("JAPANESE_NATIONAL", "PERMANENT_RESIDENT")
    if worker.residence_status is None:
        return False
    if not never_expires and (
        worker.authorization_expires_on is None or worker.authorization_expires_on < start
    ):
        return False

    def minutes(windows: tuple[TimeWindow, ...]) -> set[int]:
        covered: set[int] = set()
        for w in windows:
            begin = WEEK_DAYS.index(w.day) * 1440 + int(w.start[:2]) * 60 + int(w.start[3:])
            finish = WEEK_DAYS.index(w.day) * 1440 + int(w.end[:2]) * 60 + int(w.end[3:])
            if finish <= begin:
                finish += 1440
            covered |= {m % 10080 for m in range(begin, finish)}
        return covered

    if worker.residence_status in ("STUDENT", "DEPENDENT") and (
        job.employment_type not in ("PART_TIME", "SHIFT") or len(minutes(job.schedule)) > 28 * 60
    ):
        return False
    if not job.required_credential_types <= worker.credential_types:
        return False
    ranks = {
        spoken.code: (JA_LEVELS if spoken.code == "ja" else EN_LEVELS).index(spoken.level)
        for spoken in worker.languages
    }
    for asked in job.languages:
        scale = JA_LEVELS if asked.code == "ja" else EN_LEVELS
        if ranks.get(asked.code, -1) < scale.index(asked.level):
            return False
    within = (
        worker.lat is not None
        and job.lat is not None
        and haversine_km(worker.lat, worker.lon, job.lat, job.lon) <= worker.travel_radius_km  # type: ignore[arg-type]
    )
    if not ((job.remote and worker.remote_ok) or within):
        return False
    available = minutes(worker.availability) if worker.availability else set(range(10080))
    return minutes(job.schedule) <= available


WEEK_DAYS = ("MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN")


@fast
@given(job=jobs(), people=population)
def test_scores_and_factors_lie_in_the_unit_interval(job, people):
    scored = score_workers_for_job(job, features(people, [job]), as_of=TODAY)
    assert np.all((scored.scores >= 0) & (scored.scores <= 1))
    for values in scored.factors.values():
        assert np.all((values >= 0) & (values <= 1))


@fast
@given(job=jobs(), people=population)
def test_exactly_the_candidates_meeting_every_hard_constraint_appear(job, people):
    ranked = {worker_id for worker_id, _ in _rank(job, people)}
    assert ranked == {w.id for w in people if _oracle_eligible(w, job)}


BREAKERS = {
    "authorization": lambda w, j: replace(
        w,
        residence_status="SPECIFIED_SKILLED_WORKER_1",
        authorization_expires_on=max(j.start_date or TODAY, TODAY) - timedelta(days=1),
    ),
    "credential": lambda w, j: replace(
        w, credential_types=w.credential_types - {"FORKLIFT_LICENSE"}
    ),
    "language": lambda w, j: replace(w, languages=(LanguageSkill("ja", "N4"),)),
    "distance": lambda w, j: replace(
        w, lat=north_of(SHINJUKU, 80)[0], lon=SHINJUKU[1], remote_ok=False
    ),
    "availability": lambda w, j: replace(w, availability=(TimeWindow("SAT", "10:00", "11:00"),)),
}


@fast
@given(
    good=st.lists(workers(), min_size=1, max_size=8, unique_by=lambda w: w.id),
    broken=st.lists(
        st.tuples(workers(), st.sampled_from(sorted(BREAKERS))), min_size=1, max_size=8
    ),
)
def test_a_candidate_breaking_a_hard_constraint_never_appears(good, broken):
    job = make_job(
        languages=(LanguageSkill("ja", "N3"),),
        required_credential_types=frozenset({"FORKLIFT_LICENSE"}),
        schedule=week("09:00", "17:00"),
    )
    breakers = [BREAKERS[name](worker, job) for worker, name in broken]
    breakers = [replace(w, id=uuid.UUID(int=10**30 + i)) for i, w in enumerate(breakers)]
    people = good + breakers
    random.Random(len(people)).shuffle(people)
    ranked = {worker_id for worker_id, _ in _rank(job, people)}
    assert ranked.isdisjoint({w.id for w in breakers})


@fast
@given(job=jobs(), people=population, data=st.data())
def test_raising_a_skill_level_or_years_never_lowers_the_score(job, people, data):
    table = features(people, [job])
    before = score_workers_for_job(job, table, as_of=TODAY)
    index = data.draw(st.integers(0, len(people) - 1))
    worker = people[index]
    skill = data.draw(st.sampled_from(POOL))
    held = {s.skill_id: s for s in worker.skills}
    current = held.get(skill, SkillHeld(skill, 0, 0.0))
    raised = SkillHeld(
        skill,
        data.draw(st.integers(max(current.level, 1), 5)),
        current.years + data.draw(st.integers(0, 20)) / 2,
    )
    held[skill] = raised
    table.put(replace(worker, skills=tuple(held.values())))
    after = score_workers_for_job(job, table, as_of=TODAY)
    row = table.row_of[worker.id]
    assert after.scores[row] >= before.scores[row]
    assert after.eligible[row] == before.eligible[row]  # skills are no hard constraint


@fast
@given(job=jobs().filter(lambda j: j.lat is not None), people=population, data=st.data())
def test_coming_closer_never_lowers_the_score(job, people, data):
    table = features(people, [job])
    before = score_workers_for_job(job, table, as_of=TODAY)
    worker = people[data.draw(st.integers(0, len(people) - 1))]
    share = data.draw(st.floats(0, 1, allow_nan=False))
    closer = replace(
        worker,
        lat=job.lat + share * (worker.lat - job.lat),  # type: ignore[operator]
        lon=job.lon + share * (worker.lon - job.lon),  # type: ignore[operator]
    )
    assume(
        haversine_km(closer.lat, closer.lon, job.lat, job.lon)  # type: ignore[arg-type]
        <= haversine_km(worker.lat, worker.lon, job.lat, job.lon)  # type: ignore[arg-type]
    )
    table.put(closer)
    after = score_workers_for_job(job, table, as_of=TODAY)
    row = table.row_of[worker.id]
    assert after.scores[row] >= before.scores[row]
    assert after.eligible[row] >= before.eligible[row]


@fast
@given(
    job=jobs(),
    originals=st.lists(workers(), min_size=1, max_size=5, unique_by=lambda w: w.id),
    copies=st.integers(1, 3),
    seed=st.integers(0, 1000),
)
def test_ties_are_broken_by_id_whatever_the_input_order(job, originals, copies, seed):
    people = [
        replace(worker, id=uuid.UUID(int=(copy * 7919 + index * 104729 + seed) % 2**128 + 1))
        for index, worker in enumerate(originals)
        for copy in range(copies)
    ]
    assume(len({w.id for w in people}) == len(people))
    expected = _rank(job, people)
    shuffled = people[:]
    random.Random(seed).shuffle(shuffled)
    assert _rank(job, shuffled) == expected
    for (first_id, first_score), (second_id, second_score) in itertools.pairwise(expected):
        assert first_score > second_score or (
            first_score == second_score and first_id.int < second_id.int
        )


@fast
@given(job=jobs(), people=population)
def test_both_directions_give_a_pair_the_same_score(job, people):
    cache = FeatureCache.build(people, [job])
    by_job = {
        m.worker_id: m.score for m in cache.rank_workers_for_job(job.id, top_k=None, as_of=TODAY)
    }
    by_worker = {}
    for worker in people:
        for match in cache.rank_jobs_for_worker(worker.id, top_k=None, as_of=TODAY):
            by_worker[worker.id] = match.score
    assert by_job == by_worker


@fast
@given(
    wanted=st.lists(st.sampled_from(POOL), min_size=1, max_size=5, unique=True),
    held=st.sets(st.sampled_from(POOL)),
    level=st.integers(1, 5),
)
def test_explanations_name_every_missing_required_skill(wanted, held, level):
    job = make_job(skills=tuple(SkillWanted(skill, 3, True) for skill in wanted))
    worker = make_worker(skills=tuple(SkillHeld(skill, level, 1) for skill in held))
    result = score_pair(worker, job, as_of=TODAY)
    missing = [s for s in wanted if s not in held or level < 3]
    english = explain(result.facts, SKILL_NAMES, "en")
    japanese = explain(result.facts, SKILL_NAMES, "ja")
    assert f"Meets {len(wanted) - len(missing)} of {len(wanted)} required skills" in english
    assert f"必須スキル{len(wanted)}件中{len(wanted) - len(missing)}件" in japanese
    for skill in missing:
        assert SKILL_NAMES[skill][0] in english
        assert SKILL_NAMES[skill][1] in japanese
    for skill in set(wanted) - set(missing):
        assert SKILL_NAMES[skill][0] not in english


# --- staffing -------------------------------------------------------------------------------


@settings(max_examples=200, deadline=None)
@given(
    matrix=st.integers(1, 5).flatmap(
        lambda rows: st.integers(1, 5).flatmap(
            lambda columns: st.lists(
                st.lists(st.integers(-20, 20), min_size=columns, max_size=columns),
                min_size=rows,
                max_size=rows,
            )
        )
    ),
    maximize=st.booleans(),
)
def test_the_hungarian_method_is_optimal_against_brute_force(matrix, maximize):
    cost = np.array(matrix, dtype=float)
    rows, columns = linear_sum_assignment(cost, maximize=maximize)
    n, m = cost.shape
    assert len(rows) == min(n, m) == len(set(rows.tolist())) == len(set(columns.tolist()))
    sign = -1 if maximize else 1
    if n <= m:
        best = min(
            sign * sum(cost[i, p[i]] for i in range(n)) for p in itertools.permutations(range(m), n)
        )
    else:
        best = min(
            sign * sum(cost[p[j], j] for j in range(m)) for p in itertools.permutations(range(n), m)
        )
    assert sign * cost[rows, columns].sum() == pytest.approx(best)


DISJOINT_SHIFTS = [week("06:00", "14:00"), week("14:00", "22:00"), week("22:00", "06:00", ("SAT",))]
OVERLAPPING_SHIFTS = [week("09:00", "17:00"), week("13:00", "21:00"), week("17:00", "01:00"), ()]


def _brute_force(
    shift_jobs: list[JobRecord],
    people: list[uuid.UUID],
    scores: dict[tuple[uuid.UUID, uuid.UUID], float],
) -> float:
    """The true optimum: each worker takes any set of pairwise non-conflicting jobs."""
    options: list[list[tuple[JobRecord, ...]]] = []
    for person in people:
        allowed = [j for j in shift_jobs if (j.id, person) in scores]
        choices: list[tuple[JobRecord, ...]] = [()]
        for size in range(1, len(allowed) + 1):
            for subset in itertools.combinations(allowed, size):
                if all(not shifts_conflict(a, b) for a, b in itertools.combinations(subset, 2)):
                    choices.append(subset)
        options.append(choices)
    best = 0.0
    for plan in itertools.product(*options):
        taken: dict[uuid.UUID, int] = {}
        for subset in plan:
            for job in subset:
                taken[job.id] = taken.get(job.id, 0) + 1
        if all(taken.get(j.id, 0) <= j.openings for j in shift_jobs):
            best = max(
                best,
                sum(
                    scores[(j.id, p)]
                    for p, subset in zip(people, plan, strict=True)
                    for j in subset
                ),
            )
    return best


@st.composite
def staffing_cases(draw: st.DrawFn, shifts: list[tuple[TimeWindow, ...]]):
    shift_jobs = [
        make_job(i, schedule=draw(st.sampled_from(shifts)), openings=draw(st.integers(1, 2)))
        for i in range(draw(st.integers(1, 3)))
    ]
    people = [uuid.UUID(int=500 + i) for i in range(draw(st.integers(1, 4)))]
    scores = {
        (job.id, person): draw(st.integers(1, 100)) / 100
        for job in shift_jobs
        for person in people
        if draw(st.booleans())
    }
    return shift_jobs, people, scores


def _check_feasible(shift_jobs, proposal, scores):
    by_worker: dict[uuid.UUID, list[uuid.UUID]] = {}
    for assignment in proposal.assignments:
        assert (assignment.job_id, assignment.worker_id) in scores
        assert assignment.score == scores[(assignment.job_id, assignment.worker_id)]
        by_worker.setdefault(assignment.worker_id, []).append(assignment.job_id)
    jobs_by_id = {job.id: job for job in shift_jobs}
    for taken in by_worker.values():
        assert len(taken) == len(set(taken))  # never two openings of one job
        for a, b in itertools.combinations(taken, 2):
            assert not shifts_conflict(jobs_by_id[a], jobs_by_id[b])  # never double-booked
    for job in shift_jobs:
        filled = sum(1 for a in proposal.assignments if a.job_id == job.id)
        assert filled + proposal.unfilled.get(job.id, 0) == job.openings


@settings(max_examples=120, deadline=None)
@given(case=staffing_cases(DISJOINT_SHIFTS))
def test_staffing_is_optimal_against_brute_force(case):
    shift_jobs, people, scores = case
    proposal = propose_staffing(shift_jobs, people, scores)
    _check_feasible(shift_jobs, proposal, scores)
    assert proposal.total_score == pytest.approx(_brute_force(shift_jobs, people, scores))


@settings(max_examples=120, deadline=None)
@given(case=staffing_cases(OVERLAPPING_SHIFTS))
def test_staffing_never_double_books_overlapping_shifts(case):
    shift_jobs, people, scores = case
    proposal = propose_staffing(shift_jobs, people, scores)
    _check_feasible(shift_jobs, proposal, scores)
    assert proposal.total_score <= _brute_force(shift_jobs, people, scores) + 1e-9
    assert proposal == propose_staffing(list(reversed(shift_jobs)), list(reversed(people)), scores)


def test_staffing_lets_a_worker_take_shifts_that_do_not_overlap():
    morning, evening = (
        make_job(1, schedule=week("06:00", "14:00")),
        make_job(2, schedule=week("14:00", "22:00")),
    )
    also_morning = make_job(3, schedule=week("09:00", "13:00"))
    alice, bob = uuid.UUID(int=1), uuid.UUID(int=2)
    scores = {
        (morning.id, alice): 0.9,
        (evening.id, alice): 0.8,
        (also_morning.id, alice): 0.95,
        (morning.id, bob): 0.5,
    }
    proposal = propose_staffing([morning, evening, also_morning], [alice, bob], scores)
    taken = {(a.job_id, a.worker_id) for a in proposal.assignments}
    # Alice works the evening and one of the two overlapping morning jobs; Bob the other.
    assert taken == {(evening.id, alice), (also_morning.id, alice), (morning.id, bob)}
    assert proposal.total_score == pytest.approx(0.8 + 0.95 + 0.5)
    assert proposal.unfilled == {}


def test_staffing_from_the_engine_scores():
    shift_jobs = [
        make_job(i, employment_type="SHIFT", schedule=week("09:00", "17:00"), openings=2)
        for i in (1, 2)
    ]
    people = [make_worker(i, lat=north_of(SHINJUKU, i)[0]) for i in range(1, 6)]
    table = features(people, shift_jobs)
    scores = staffing_scores(shift_jobs, table, as_of=TODAY)
    proposal = propose_staffing(shift_jobs, [p.id for p in people], scores)
    assert len(proposal.assignments) == 4 and proposal.unfilled == {}
    assert len({a.worker_id for a in proposal.assignments}) == 4  # same hours: four people
    assert make_worker(5).id not in {a.worker_id for a in proposal.assignments}  # the farthest
