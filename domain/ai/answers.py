"""The spoken answer to a search question, from templates, in Japanese or English.

Short and said aloud: what was searched and how many jobs there are —
"大阪府で夜勤のある時給1,500円以上の介護の求人が12件あります。" /
"I found 3 forklift operation jobs near Nagoya." When nothing matches, the answer
says which single condition to drop to find some; when nothing was understood,
it says what one can ask. The template is always complete and correct; a
language model may only reword it (`domain.ai.language_model.polish`).

Only our own words go into the answer (taxonomy names, place names, numbers):
never a free-text remainder of the question, which is the user's.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from domain.ai import labels
from domain.ai.search import SearchIntent
from domain.geo.prefectures import prefectures


class Locale(StrEnum):
    """The language an answer is given in."""

    JA = "ja"
    EN = "en"


EXAMPLES_JA = (
    "大阪で夜勤の介護の仕事、時給1500円以上",
    "名古屋駅の近くでフォークリフトの仕事",
    "東京でリモートのパートの仕事",
)
EXAMPLES_EN = (
    "Care jobs in Osaka with night shifts paying at least 1,500 yen an hour",
    "Forklift jobs near Nagoya starting next week",
    "Remote part-time IT work",
)
# What dropping each filter means, for "without …, there are 3 jobs".
_CONDITION_JA = {
    "text": "キーワード",
    "skills": "スキル",
    "prefecture": "場所",
    "near": "場所",
    "pay_at_least": "給与",
    "employment_types": "雇用形態",
    "remote": "リモート",
    "night_shift": "夜勤",
    "weekends_only": "土日のみ",
    "starts_from": "開始日",
}
_CONDITION_EN = {
    "text": "the keywords",
    "skills": "the skill",
    "prefecture": "the place",
    "near": "the place",
    "pay_at_least": "the pay condition",
    "employment_types": "the employment type",
    "remote": "the remote condition",
    "night_shift": "night shifts",
    "weekends_only": "weekends only",
    "starts_from": "the start date",
}


@dataclass(frozen=True, slots=True)
class Relaxation:
    """Dropping the filter `key` would find `count` jobs."""

    key: str
    count: int


def _city_name(prefecture: str | None, city: str, lang: str) -> str:
    info = prefectures().get(prefecture or "")
    for known in info.cities if info else ():
        if city in (known.name_ja, known.name_en):
            return known.name_ja if lang == "ja" else known.name_en
    return city


def place(intent: SearchIntent, lang: str) -> str | None:
    """The place searched, in `lang`: the user's own place words when the answer is in
    the question's language, else the gazetteer's name in the other language."""
    if intent.near is not None:
        name = intent.near.label
        if lang != intent.language:
            name = (
                _city_name(intent.prefecture, intent.city, lang)
                if intent.city
                else labels.prefecture_name(intent.prefecture or "", lang)
            )
        km = f"{intent.near.km:g}"
        return f"{name}の近く（{km}km以内）" if lang == "ja" else f"near {name}"
    if intent.prefecture:
        name = labels.prefecture_name(intent.prefecture, lang)
        return name if lang == "ja" else f"in {name}"
    return None


def _subject(intent: SearchIntent, lang: str) -> str:
    if intent.skills:
        names = [s.name_ja if lang == "ja" else s.name_en for s in intent.skills]
        return "・".join(names) if lang == "ja" else " or ".join(_lower_first(n) for n in names)
    if intent.sectors:
        table = labels.SECTOR_JA if lang == "ja" else labels.SECTOR_EN
        return "・".join(table[s] for s in intent.sectors if s in table)
    return ""


def _lower_first(name: str) -> str:
    return name if name[:2].isupper() else name[:1].lower() + name[1:]


def _ja_description(intent: SearchIntent) -> str:
    """ "大阪府で夜勤のある時給1,500円以上の介護の求人" (without a verb)."""
    parts: list[str] = []
    where = place(intent, "ja")
    if where:
        parts.append(f"{where}で")
    if intent.night_shift:
        parts.append("夜勤のある")
    if intent.weekends_only:
        parts.append("土日のみの")
    if intent.pay_at_least:
        floor = intent.pay_at_least
        parts.append(f"{labels.PERIOD_JA[floor.period]}{labels.yen(floor.amount)}円以上の")
    for kind in intent.employment_types:
        parts.append(f"{labels.EMPLOYMENT_JA[kind]}の")
    if intent.remote:
        parts.append("リモート可の")
    if intent.start_from:
        parts.append(f"{intent.start_from.month}月{intent.start_from.day}日以降に始まる")
    subject = _subject(intent, "ja")
    if subject:
        parts.append(f"{subject}の")
    return "".join(parts) + "求人"


def _en_jobs(intent: SearchIntent, count: int | None) -> str:
    """ "12 night-shift care jobs in Osaka paying at least ¥1,500 an hour"."""
    words: list[str] = [] if count is None else [f"{count:,}"]
    if intent.night_shift:
        words.append("night-shift")
    if intent.weekends_only:
        words.append("weekend")
    words += [labels.EMPLOYMENT_EN[kind] for kind in intent.employment_types]
    if intent.remote:
        words.append("remote")
    subject = _subject(intent, "en")
    if subject:
        words.append(subject)
    words.append("job" if count == 1 else "jobs")
    where = place(intent, "en")
    if where:
        words.append(where)
    if intent.pay_at_least:
        floor = intent.pay_at_least
        words.append(
            f"paying at least ¥{labels.yen(floor.amount)} {labels.PERIOD_EN[floor.period]}"
        )
    if intent.start_from:
        words.append(f"starting from {intent.start_from:%B} {intent.start_from.day}")
    return " ".join(words)


def found_answer(intent: SearchIntent, lang: str, total: int) -> str:
    if lang == "ja":
        return f"{_ja_description(intent)}が{labels.count_ja(total)}あります。"
    return f"I found {_en_jobs(intent, total)}."


def none_answer(intent: SearchIntent, lang: str, relaxations: list[Relaxation]) -> str:
    best = max(relaxations, key=lambda r: r.count, default=None)
    if lang == "ja":
        text = f"{_ja_description(intent)}は、今のところありません。"
        if best is not None and best.count > 0:
            text += (
                f"{_CONDITION_JA[best.key]}の条件を外すと{labels.count_ja(best.count)}あります。"
            )
        return text
    text = f"I couldn't find any {_en_jobs(intent, None)} right now."
    if best is not None and best.count > 0:
        verb = "is" if best.count == 1 else "are"
        text += f" Without {_CONDITION_EN[best.key]}, there {verb} {labels.jobs_en(best.count)}."
    return text


def keyword_answer(lang: str, total: int) -> str:
    """Nothing was understood, but the words themselves found jobs."""
    if lang == "ja":
        return f"キーワードに合う求人が{labels.count_ja(total)}あります。"
    return f"I found {labels.jobs_en(total)} matching your words."


def unknown_answer(lang: str) -> str:
    if lang == "ja":
        return (
            "すみません、どんなお仕事をお探しか分かりませんでした。"
            f"「{EXAMPLES_JA[0]}」のように、職種・場所・給与を話してみてください。"
            "新着の求人を表示します。"
        )
    return (
        "Sorry, I didn't catch what kind of work you are looking for. Try saying the job, "
        f'the place and the pay, like "{EXAMPLES_EN[1]}". Here are the newest jobs.'
    )


def relaxation_hints(relaxations: list[Relaxation], lang: str) -> list[str]:
    """ "給与の条件を外す（3件）" / "Drop the pay condition (3 jobs)", most jobs first."""
    hints = []
    for relaxation in sorted(relaxations, key=lambda r: -r.count):
        if relaxation.count <= 0:
            continue
        if lang == "ja":
            condition = _CONDITION_JA[relaxation.key]
            hints.append(f"{condition}の条件を外す（{labels.count_ja(relaxation.count)}）")
        else:
            condition = _CONDITION_EN[relaxation.key]
            hints.append(f"Drop {condition} ({labels.jobs_en(relaxation.count)})")
    return list(dict.fromkeys(hints))


def examples(lang: str) -> list[str]:
    return list(EXAMPLES_JA if lang == "ja" else EXAMPLES_EN)
