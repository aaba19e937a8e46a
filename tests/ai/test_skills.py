"""Skill matching: dictionary, word boundaries, variants, typos, and what surrounds a skill."""

from __future__ import annotations

from datetime import date

from domain.ai.extract import extract_job_requirements, extract_worker_profile
from domain.ai.skill_index import default_skill_index
from domain.ai.text import FoldedText

TODAY = date(2026, 3, 1)


def slugs(text: str) -> set[str]:
    return {hit.entry.slug for hit in default_skill_index().find(FoldedText.of(text))}


def test_japanese_and_english_names_and_aliases() -> None:
    assert slugs("倉庫でのフォークリフト運転とピッキング") == {"forklift-operation", "picking"}
    assert slugs("Experience with order picking and a forklift") == {
        "picking",
        "forklift-operation",
    }


def test_no_match_inside_another_word() -> None:
    assert "cashier" not in slugs("レジャー施設での受付")  # レジ in レジャー
    assert "office-administration" not in slugs("事務所は駅前です")  # 事務 in 事務所
    assert "chinese-cuisine" not in slugs("横浜中華街のお店")  # 中華 in 中華街


def test_short_english_aliases_need_their_own_capitalisation() -> None:
    assert "go" in slugs("Backend in Go and TypeScript")
    assert "go" not in slugs("we go to the site by van")
    assert "ms-excel" not in slugs("you will excel at teamwork")


def test_person_and_object_forms_of_a_skill() -> None:
    assert "tig-welding" in slugs("Experienced TIG welder wanted")
    assert "tractor-operation" in slugs("Tractor skills are a plus")


def test_modifiers_sharing_one_head_word() -> None:
    assert slugs("自動車部品の溶接（半自動・TIG）") == {"co2-welding", "tig-welding"}
    assert slugs("アーク・CO2溶接") == {"arc-welding", "co2-welding"}
    assert slugs("Welder – MIG/TIG, shipyard") == {"mig-welding", "tig-welding"}
    assert slugs("Welder (CO2 and TIG)") == {"co2-welding", "tig-welding"}
    # Only names the taxonomy knows: "blue and red welding" names no skill.
    assert slugs("blue and red welding") == set()


def test_the_activity_before_its_object() -> None:
    assert "order-taking" in slugs("Taking orders at the ticket machine")
    assert "window-cleaning" in slugs("cleaning windows of offices")


def test_typos_are_caught_with_lower_confidence() -> None:
    [hit] = default_skill_index().find(FoldedText.of("I drive a forklft every day"))
    assert hit.entry.slug == "forklift-operation"
    assert hit.confidence < 0.8


def test_levels_years_and_requiredness_from_context() -> None:
    found = extract_worker_profile("フォークリフト経験5年、Excel（中級）", today=TODAY)
    by_slug = {m.slug: m for m in found.skills}
    assert by_slug["forklift-operation"].years == 5
    assert by_slug["forklift-operation"].level == 4  # 5–9 years
    assert by_slug["ms-excel"].level == 3  # 中級
    ad = extract_job_requirements("フォークリフト必須。介護福祉士の資格があれば尚可。", today=TODAY)
    required = {m.slug: m.required for m in ad.skills}
    assert required == {"forklift-operation": True, "certified-care-worker": False}


def test_spans_point_at_the_words() -> None:
    text = "【急募】ＴＩＧ溶接の経験者"
    found = extract_job_requirements(text, today=TODAY)
    [skill] = found.skills
    assert skill.slug == "tig-welding"
    assert text[skill.span.start : skill.span.end] == skill.span.text == "ＴＩＧ溶接"
