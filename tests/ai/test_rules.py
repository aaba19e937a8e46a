"""Each extraction rule on its own, in Japanese and English."""

from __future__ import annotations

from datetime import date

import pytest

from domain.ai.dates import find_start_dates
from domain.ai.employment import find_employment_types, find_remote, primary_employment_type
from domain.ai.languages import find_languages
from domain.ai.location import find_locations
from domain.ai.mentions import ScheduleKind
from domain.ai.numbers import parse_amount
from domain.ai.pay import find_pay
from domain.ai.residence import find_residence_statuses
from domain.ai.schedule import find_schedule, weekly_slots
from domain.ai.text import FoldedText
from domain.profiles.inputs import ResidenceStatus
from domain.values import EmploymentType, LanguageLevel, PayPeriod, Weekday

TODAY = date(2026, 3, 4)  # a Wednesday


def folded(text: str) -> FoldedText:
    return FoldedText.of(text)


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("1,300", 1300),
        ("25万", 250_000),
        ("25.5万", 255_000),
        ("2万5千", 25_000),
        ("30万5000", 305_000),
        ("二十五万", 250_000),
        ("3千", 3000),
    ],
)
def test_amounts_in_japanese_notation(text: str, value: int) -> None:
    assert parse_amount(text) == value


def test_folding_keeps_offsets_into_the_original() -> None:
    text = folded("時給１３００円～１５００円")
    assert text.text == "時給1300円~1500円"
    assert text.span(2, 6).text == "１３００"


@pytest.mark.parametrize(
    ("text", "low", "high", "period"),
    [
        ("時給1,300円〜", 1300, None, PayPeriod.HOURLY),
        ("時給１３００円～１５００円", 1300, 1500, PayPeriod.HOURLY),
        ("月給25万円以上", 250_000, None, PayPeriod.MONTHLY),
        ("月給22万円~28万円", 220_000, 280_000, PayPeriod.MONTHLY),
        ("日給1万2千円〜1万6千円", 12_000, 16_000, PayPeriod.DAILY),
        ("年収400万円〜600万円", 4_000_000, 6_000_000, PayPeriod.YEARLY),
        ("¥250,000/month", 250_000, None, PayPeriod.MONTHLY),
        ("Hourly wage: ¥1,300–¥1,500", 1300, 1500, PayPeriod.HOURLY),
        ("290,000 to 350,000 yen per month", 290_000, 350_000, PayPeriod.MONTHLY),
        ("Salary: 4.5 million yen per year", 4_500_000, None, PayPeriod.YEARLY),
    ],
)
def test_pay(text: str, low: int, high: int | None, period: PayPeriod) -> None:
    [pay] = find_pay(folded(text))
    assert (pay.min, pay.max, pay.period) == (low, high, period)
    assert text[pay.span.start : pay.span.end] == pay.span.text
    assert 0 <= pay.confidence <= 1


def test_pay_is_yen_only_and_dates_are_not_pay() -> None:
    assert find_pay(folded("$20/hour")) == []
    assert find_pay(folded("4月1日から勤務")) == []


@pytest.mark.parametrize(
    ("text", "code", "level"),
    [
        ("日本語能力試験N2以上", "ja", LanguageLevel.N2),
        ("ＪＬＰＴ　Ｎ３程度", "ja", LanguageLevel.N3),
        ("business-level Japanese required", "ja", LanguageLevel.N2),
        ("英語：日常会話", "en", LanguageLevel.B1),
        ("Fluent English", "en", LanguageLevel.C1),
        ("TOEIC 820点", "en", LanguageLevel.B2),
        ("ベトナム語ネイティブ", "vi", LanguageLevel.NATIVE),
    ],
)
def test_language_levels(text: str, code: str, level: LanguageLevel) -> None:
    [mention] = find_languages(folded(text))
    assert (mention.code, mention.level) == (code, level)
    assert text[mention.span.start : mention.span.end] == mention.span.text


def test_languages_joined_by_a_conjunction_share_the_level() -> None:
    found = {
        m.code: m.level
        for m in find_languages(folded("タガログ語と英語はネイティブです。日本語はN2"))
    }
    assert found == {"tl": LanguageLevel.NATIVE, "en": LanguageLevel.NATIVE, "ja": LanguageLevel.N2}


def test_business_level_means_n2_for_japanese_and_b2_for_english() -> None:
    found = {
        m.code: m.level for m in find_languages(folded("English and Japanese at business level"))
    }
    assert found == {"en": LanguageLevel.B2, "ja": LanguageLevel.N2}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # The level right after one language is not also the next one's.
        (
            "日本語N2、ネパール語ネイティブ、ヒンディー語も話せます",
            {"ja": "N2", "ne": "NATIVE", "hi": None},
        ),
        ("Nepali native, Hindi and English good.", {"ne": "NATIVE", "hi": None, "en": None}),
        ("English fluent required, Japanese not required.", {"en": "C1", "ja": None}),
        # A level before a list break belongs to what precedes it.
        ("日本語：N1またはネイティブ、英語：ドキュメントが読める程度", {"ja": "N1", "en": None}),
        ("日本語：ビジネスレベル必須／英語：読み書きできれば尚可", {"ja": "N2", "en": None}),
        # ... and a level after a list break, right before the next language, is that one's.
        ("native English speaker, fluent Japanese", {"en": "NATIVE", "ja": "N1"}),
    ],
)
def test_each_level_belongs_to_one_language(text: str, expected: dict[str, str | None]) -> None:
    found = {m.code: m.level.value if m.level else None for m in find_languages(folded(text))}
    assert found == expected


def test_pay_per_shift_is_a_days_pay_below_a_stated_wage() -> None:
    [pay] = find_pay(folded("夜勤手当込みで1回２万２千円"))
    assert (pay.min, pay.max, pay.period) == (22_000, None, PayPeriod.DAILY)
    monthly, allowance = find_pay(folded("月給19万8千円＋夜勤手当（1回5,000円）"))
    assert (monthly.min, monthly.period) == (198_000, PayPeriod.MONTHLY)
    assert allowance.confidence < monthly.confidence  # the wage stays the primary pay
    assert find_pay(folded("月4回〜OK")) == [] and find_pay(folded("11回2万円")) == []


def test_an_acronym_is_no_city() -> None:
    [place] = find_locations(folded("OTAの在庫調整もできます。宮城県仙台市に住んでいます。"))
    assert (place.prefecture, place.city) == ("MIYAGI", "仙台市")
    assert find_locations(folded("I live in Ota, Gunma."))[0].city == "Ota"


def test_where_someone_lives_wins_over_where_they_are_from() -> None:
    [first, *_] = find_locations(folded("出身は大阪ですが、今は沖縄県浦添市に住んでいます。"))
    assert (first.prefecture, first.city) == ("OKINAWA", "浦添市")
    [first, *_] = find_locations(folded("大阪出身です。福岡県久留米市で働いています。"))
    assert first.prefecture == "FUKUOKA"


def test_a_city_of_another_prefecture_than_the_one_named_is_not_that_city() -> None:
    [place] = find_locations(folded("IT Helpdesk — Osaki, Shinagawa-ku, Tokyo."))
    assert place.prefecture == "TOKYO"  # not Osaki, Miyagi


@pytest.mark.parametrize(
    ("text", "prefecture", "city"),
    [
        ("愛知県小牧市の物流センター", "AICHI", "小牧市"),
        ("北海道 別海町", "HOKKAIDO", "別海町"),
        ("東京都豊島区", "TOKYO", "豊島区"),
        ("Housekeeping leader — Niseko, Hokkaido (winter)", "HOKKAIDO", "Niseko"),
        ("2 years in Obihiro, Hokkaido.", "HOKKAIDO", "Obihiro"),
        # Not a place: no boundary before the word, or no municipality after the prefecture.
        ("Forklift Operator, Aichi", "AICHI", None),
        ("大阪府内の各現場", "OSAKA", None),
    ],
)
def test_municipalities_the_gazetteer_lacks_next_to_their_prefecture(
    text: str, prefecture: str, city: str | None
) -> None:
    [place] = find_locations(folded(text))
    assert (place.prefecture, place.city) == (prefecture, city)


def test_station_gives_city_and_coordinates() -> None:
    [place] = find_locations(folded("名古屋駅から徒歩5分"))
    assert (place.prefecture, place.city, place.station) == ("AICHI", "名古屋市", "名古屋")
    assert place.lat == pytest.approx(35.17, abs=0.02)


def test_a_ward_after_a_city_belongs_to_that_city() -> None:
    [place, *_] = find_locations(folded("勤務地：愛知県名古屋市港区"))
    assert (place.prefecture, place.city) == ("AICHI", "名古屋市")
    assert all(m.prefecture != "TOKYO" for m in find_locations(folded("愛知県名古屋市港区")))


def test_labelled_work_location_wins_over_an_earlier_place() -> None:
    [first, *_] = find_locations(folded("本社は東京、勤務地は福岡県福岡市"))
    assert (first.prefecture, first.city) == ("FUKUOKA", "福岡市")


def test_city_names_shared_by_two_prefectures_follow_the_prefecture_named() -> None:
    [place] = find_locations(folded("I live in Sakai, Osaka."))
    assert place.prefecture == "OSAKA"


def test_unknown_station_keeps_its_name() -> None:
    [place] = find_locations(folded("JR草薙駅から徒歩10分"))
    assert place.station == "草薙"
    assert place.prefecture is None


def test_employment_types() -> None:
    found = find_employment_types(folded("正社員・パート同時募集（シフト制）"))
    assert [m.value for m in found] == [
        EmploymentType.FULL_TIME,
        EmploymentType.PART_TIME,
        EmploymentType.SHIFT,
    ]
    assert (
        primary_employment_type(find_employment_types(folded("シフト制の派遣社員"))).detail
        == "DISPATCH"
    )  # type: ignore[union-attr]
    assert find_employment_types(folded("Part-time, weekends"))[0].value is EmploymentType.PART_TIME


def test_remote_and_its_negation() -> None:
    assert find_remote(folded("フルリモート可")) is not None
    assert find_remote(folded("No remote work, on-site only")) is None


def test_night_shift_weekends_and_hours() -> None:
    kinds = {m.kind for m in find_schedule(folded("夜勤あり、土日のみOK"))}
    assert {ScheduleKind.NIGHT_SHIFT, ScheduleKind.WEEKENDS_ONLY} <= kinds
    assert ScheduleKind.NIGHT_SHIFT not in {m.kind for m in find_schedule(folded("夜勤なし"))}
    [hours] = [m for m in find_schedule(folded("22:00〜翌7:00")) if m.kind is ScheduleKind.HOURS]
    assert (hours.start, hours.end) == ("22:00", "07:00")
    [english] = [m for m in find_schedule(folded("9am-6pm")) if m.kind is ScheduleKind.HOURS]
    assert (english.start, english.end) == ("09:00", "18:00")


def test_weekly_slots_need_days_and_hours() -> None:
    slots = weekly_slots(find_schedule(folded("Monday to Friday, 9:00-18:00")))
    assert [slot["day"] for slot in slots] == [
        d.value for d in (Weekday.MON, Weekday.TUE, Weekday.WED, Weekday.THU, Weekday.FRI)
    ]
    assert slots[0]["start"] == "09:00"
    assert weekly_slots(find_schedule(folded("9:00-18:00"))) == []


@pytest.mark.parametrize(
    ("text", "status"),
    [
        ("特定技能1号の方", ResidenceStatus.SPECIFIED_SKILLED_WORKER_1),
        ("特定技能2号", ResidenceStatus.SPECIFIED_SKILLED_WORKER_2),
        ("技能実習生として3年", ResidenceStatus.TECHNICAL_INTERN_TRAINING),
        ("永住者です", ResidenceStatus.PERMANENT_RESIDENT),
        ("I hold a specified skilled worker (ii) visa", ResidenceStatus.SPECIFIED_SKILLED_WORKER_2),
        ("permanent resident", ResidenceStatus.PERMANENT_RESIDENT),
    ],
)
def test_residence_status(text: str, status: ResidenceStatus) -> None:
    [mention] = find_residence_statuses(folded(text))
    assert mention.status is status


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("即日勤務OK", date(2026, 3, 4)),
        ("来週から働けます", date(2026, 3, 9)),
        ("2026年4月1日入社", date(2026, 4, 1)),
        ("4月から勤務開始", date(2026, 4, 1)),
        ("available from April", date(2026, 4, 1)),
        ("start date: 1 February", date(2027, 2, 1)),
        ("starting next week", date(2026, 3, 9)),
    ],
)
def test_start_dates(text: str, expected: date) -> None:
    [mention] = find_start_dates(folded(text), TODAY)
    assert mention.date == expected


def test_a_date_without_start_wording_is_not_a_start_date() -> None:
    assert find_start_dates(folded("掲載日 2026年3月1日"), TODAY) == []
