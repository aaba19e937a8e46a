"""Short Japanese and English wording for what the agent found, suggests and answers.

One place for the phrases the API shows and speaks ("時給1,300円〜1,600円",
"¥1,300–1,600 an hour", "日本語 N3", "Forklift operation (level 2+)"), so the
extraction items, the suggestions and the spoken answers always word a thing alike.
"""

from __future__ import annotations

from domain.ai.languages import _NAMES as _LANGUAGE_NAMES  # same package: the one name table
from domain.geo.prefectures import prefectures
from domain.profiles.inputs import ResidenceStatus
from domain.values import EmploymentType, PayPeriod, Weekday

PERIOD_JA = {
    PayPeriod.HOURLY: "時給",
    PayPeriod.DAILY: "日給",
    PayPeriod.MONTHLY: "月給",
    PayPeriod.YEARLY: "年収",
}
PERIOD_EN = {
    PayPeriod.HOURLY: "an hour",
    PayPeriod.DAILY: "a day",
    PayPeriod.MONTHLY: "a month",
    PayPeriod.YEARLY: "a year",
}
EMPLOYMENT_JA = {
    EmploymentType.FULL_TIME: "正社員",
    EmploymentType.PART_TIME: "パート・アルバイト",
    EmploymentType.CONTRACT: "契約・派遣",
    EmploymentType.SHIFT: "シフト制",
}
EMPLOYMENT_EN = {
    EmploymentType.FULL_TIME: "full-time",
    EmploymentType.PART_TIME: "part-time",
    EmploymentType.CONTRACT: "contract",
    EmploymentType.SHIFT: "shift",
}
WEEKDAY_JA = {
    Weekday.MON: "月",
    Weekday.TUE: "火",
    Weekday.WED: "水",
    Weekday.THU: "木",
    Weekday.FRI: "金",
    Weekday.SAT: "土",
    Weekday.SUN: "日",
}
RESIDENCE_JA = {
    ResidenceStatus.JAPANESE_NATIONAL: "日本国籍",
    ResidenceStatus.PERMANENT_RESIDENT: "永住者",
    ResidenceStatus.SPOUSE_OR_CHILD_OF_JAPANESE: "日本人の配偶者等",
    ResidenceStatus.LONG_TERM_RESIDENT: "定住者",
    ResidenceStatus.SPECIFIED_SKILLED_WORKER_1: "特定技能1号",
    ResidenceStatus.SPECIFIED_SKILLED_WORKER_2: "特定技能2号",
    ResidenceStatus.TECHNICAL_INTERN_TRAINING: "技能実習",
    ResidenceStatus.ENGINEER_SPECIALIST_IN_HUMANITIES: "技術・人文知識・国際業務",
    ResidenceStatus.STUDENT: "留学",
    ResidenceStatus.DESIGNATED_ACTIVITIES: "特定活動",
    ResidenceStatus.DEPENDENT: "家族滞在",
    ResidenceStatus.OTHER: "その他の在留資格",
}
CREDENTIAL_KIND_JA = {
    "LICENCE": "免許",
    "CERTIFICATE": "資格",
    "LANGUAGE_TEST": "語学試験",
    "EMPLOYMENT_HISTORY": "職歴証明",
    "RESIDENCE_STATUS": "在留資格",
}
CREDENTIAL_KIND_EN = {
    "LICENCE": "licence",
    "CERTIFICATE": "certificate",
    "LANGUAGE_TEST": "language test",
    "EMPLOYMENT_HISTORY": "employment history",
    "RESIDENCE_STATUS": "status of residence",
}


def yen(amount: int | float) -> str:
    return f"{round(amount):,}"


def pay_ja(low: int | float, high: int | float | None, period: PayPeriod) -> str:
    """時給1,300円〜1,600円 (or 時給1,300円〜 for an open range)."""
    if high is None:
        return f"{PERIOD_JA[period]}{yen(low)}円〜"
    if round(high) == round(low):
        return f"{PERIOD_JA[period]}{yen(low)}円"
    return f"{PERIOD_JA[period]}{yen(low)}円〜{yen(high)}円"


def pay_en(low: int | float, high: int | float | None, period: PayPeriod) -> str:
    """¥1,300–1,600 an hour (or from ¥1,300 an hour)."""
    if high is None:
        return f"from ¥{yen(low)} {PERIOD_EN[period]}"
    if round(high) == round(low):
        return f"¥{yen(low)} {PERIOD_EN[period]}"
    return f"¥{yen(low)}–{yen(high)} {PERIOD_EN[period]}"


def language_name(code: str, lang: str) -> str:
    names = _LANGUAGE_NAMES.get(code)
    if names is None:
        return code.upper()
    return names[0] if lang == "ja" else names[1].title()


def prefecture_name(code: str, lang: str) -> str:
    info = prefectures().get(code)
    if info is None:
        return code
    return info.name_ja if lang == "ja" else info.name_en


def credential_type_label(credential_type: str, lang: str) -> str:
    table = CREDENTIAL_KIND_JA if lang == "ja" else CREDENTIAL_KIND_EN
    return table.get(credential_type, credential_type)


def residence_label(status: ResidenceStatus, lang: str) -> str:
    if lang == "ja":
        return RESIDENCE_JA[status]
    return status.value.replace("_", " ").lower().capitalize()


def days_label(days: tuple[Weekday, ...], lang: str) -> str:
    if lang == "ja":
        return "・".join(WEEKDAY_JA[day] for day in days)
    return ", ".join(day.value.title() for day in days)


def skill_label(name: str, level: int | None, lang: str, *, required: bool = True) -> str:
    """'フォークリフト運転（レベル2以上）' / 'Forklift operation (level 2+)'; optional
    requirements say so."""
    notes: list[str] = []
    if level is not None and level > 1:
        notes.append(f"レベル{level}以上" if lang == "ja" else f"level {level}+")
    if not required:
        notes.append("歓迎" if lang == "ja" else "preferred")
    if not notes:
        return name
    return f"{name}（{'・'.join(notes)}）" if lang == "ja" else f"{name} ({', '.join(notes)})"


def count_ja(count: int) -> str:
    return f"{count:,}件"


def jobs_en(count: int) -> str:
    return f"{count:,} job" if count == 1 else f"{count:,} jobs"


def workers_en(count: int) -> str:
    return f"{count:,} worker" if count == 1 else f"{count:,} workers"


SECTOR_JA = {
    "CARE": "介護",
    "LOGISTICS": "物流",
    "CONSTRUCTION": "建設",
    "FOOD_SERVICE": "飲食",
    "MANUFACTURING": "製造",
    "HOSPITALITY": "宿泊",
    "AGRICULTURE": "農業",
    "CLEANING": "清掃",
    "RETAIL": "販売",
    "IT": "IT",
    "GENERAL": "一般",
}
SECTOR_EN = {
    "CARE": "care",
    "LOGISTICS": "logistics",
    "CONSTRUCTION": "construction",
    "FOOD_SERVICE": "restaurant",
    "MANUFACTURING": "manufacturing",
    "HOSPITALITY": "hotel",
    "AGRICULTURE": "farm",
    "CLEANING": "cleaning",
    "RETAIL": "retail",
    "IT": "IT",
    "GENERAL": "general",
}
