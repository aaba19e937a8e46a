"""Writes bench/ai/data/generated.jsonl: job ads and self-introductions with their labels.

Each record is composed from pieces whose meaning is known (a duty phrase and
its taxonomy skills, a pay statement and its yen range, a place and its
prefecture), written the way Japanese and English ads write them, so the
labels are right by construction. The generator is seeded: re-running it gives
the same file. Hand-written records live in bench/ai/data/handwritten.jsonl.

    .venv/bin/python -m bench.ai.make_dataset
"""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

from domain.geo.prefectures import prefectures

OUT = Path(__file__).parent / "data" / "generated.jsonl"
_FULL_WIDTH = str.maketrans("0123456789,", "０１２３４５６７８９，")

# (Japanese phrase, English phrase, skill slugs); titles are (title, skill slugs it names)
Duty = tuple[str, str, list[str]]
ROLES: list[dict[str, Any]] = [
    {
        "sector": "care",
        "title_ja": [
            ("介護スタッフ", []),
            ("特別養護老人ホームの介護職員", []),
            ("グループホーム介護職", []),
            ("デイサービス介護員", ["day-service-care"]),
        ],
        "title_en": [
            ("Care Worker", []),
            ("Caregiver at a nursing home", []),
            ("Elderly care staff", []),
            ("Care assistant", []),
        ],
        "duties": [
            ("入浴介助", "bathing assistance", ["bathing-assistance"]),
            ("食事介助", "meal assistance", ["meal-assistance"]),
            ("排泄介助", "toileting assistance", ["toileting-assistance"]),
            ("移乗介助", "patient transfer", ["transfer-assistance"]),
            ("レクリエーション", "recreation planning", ["senior-recreation"]),
            ("介護記録の作成", "care documentation", ["care-records"]),
            ("バイタルチェック", "vital signs measurement", ["vital-signs-check"]),
            ("認知症ケア", "dementia care", ["dementia-care"]),
        ],
        "quals": [
            (
                "介護職員初任者研修",
                "caregiver initial training certificate",
                ["caregiver-initial-training"],
            ),
            ("介護福祉士", "Certified care worker (Kaigo Fukushishi)", ["certified-care-worker"]),
            ("実務者研修", "practical care training", ["caregiver-practical-training"]),
        ],
        "pay": [("HOURLY", 1150, 1600), ("MONTHLY", 210000, 280000)],
    },
    {
        "sector": "logistics",
        "title_ja": [
            ("倉庫内作業スタッフ", []),
            ("物流センターのフォークリフトオペレーター", ["forklift-operation"]),
            ("倉庫スタッフ", []),
            ("入出荷スタッフ", ["shipping-receiving"]),
        ],
        "title_en": [
            ("Warehouse Staff", []),
            ("Forklift Operator", ["forklift-operation"]),
            ("Logistics Centre Associate", []),
            ("Warehouse Worker", []),
        ],
        "duties": [
            ("ピッキング", "order picking", ["picking"]),
            ("検品作業", "goods inspection", ["goods-inspection"]),
            ("梱包作業", "packing", ["packing"]),
            ("仕分け作業", "parcel sorting", ["parcel-sorting"]),
            ("フォークリフト運転", "forklift operation", ["forklift-operation"]),
            (
                "ハンディターミナルを使った在庫管理",
                "inventory control with an RF scanner",
                ["handheld-scanner", "inventory-management"],
            ),
            ("トラックへの積み込み", "loading and unloading trucks", ["loading-unloading"]),
            ("ラベル貼り", "labeling", ["labeling"]),
        ],
        "quals": [
            ("フォークリフト運転技能講習修了", "forklift licence", ["forklift-operation"]),
            ("リーチリフトの経験", "reach truck experience", ["reach-truck"]),
            ("普通自動車免許", "driver's license", ["ordinary-license"]),
        ],
        "pay": [("HOURLY", 1100, 1500), ("DAILY", 9000, 13000), ("MONTHLY", 200000, 260000)],
    },
    {
        "sector": "construction",
        "title_ja": [
            ("建設作業員", []),
            ("とび職人見習い", ["steeplejack"]),
            ("解体工事スタッフ", ["demolition"]),
            ("内装工事スタッフ", ["interior-finishing"]),
        ],
        "title_en": [
            ("Construction Worker", []),
            ("Scaffolding Crew", ["scaffolding"]),
            ("Demolition Labourer", ["demolition"]),
            ("Interior Finishing Worker", ["interior-finishing"]),
        ],
        "duties": [
            ("足場の組立て", "scaffolding", ["scaffolding"]),
            ("解体作業", "demolition", ["demolition"]),
            ("内装仕上げ", "interior finishing work", ["interior-finishing"]),
            ("図面の読み取り", "blueprint reading", ["drawing-reading"]),
            ("土木作業", "groundwork", ["earthwork"]),
            ("型枠工事", "concrete formwork", ["formwork-carpentry"]),
        ],
        "quals": [
            ("玉掛け技能講習", "slinging (tamakake)", ["slinging"]),
            ("フルハーネス特別教育", "full harness training", ["full-harness-training"]),
            ("車両系建設機械（ユンボ）", "excavator", ["construction-equipment-operation"]),
        ],
        "pay": [("DAILY", 11000, 18000), ("MONTHLY", 250000, 380000)],
    },
    {
        "sector": "restaurant",
        "title_ja": [
            ("ホールスタッフ", ["floor-service"]),
            ("キッチンスタッフ", []),
            ("居酒屋スタッフ", []),
            ("ラーメン店スタッフ", []),
        ],
        "title_en": [
            ("Restaurant Server", ["floor-service"]),
            ("Kitchen Staff", []),
            ("Izakaya Crew", []),
            ("Line Cook", []),
        ],
        "duties": [
            ("ホール接客", "restaurant floor service", ["floor-service"]),
            ("オーダー取り", "order taking", ["order-taking"]),
            ("仕込み", "kitchen prep", ["kitchen-prep"]),
            ("盛り付け", "food plating", ["food-plating"]),
            ("洗い場", "dishwashing", ["dishwashing"]),
            ("レジ対応", "cashier", ["cashier"]),
            ("焼き場担当", "grill station (yakitori)", ["grill-station"]),
        ],
        "quals": [
            ("調理師免許", "licensed cook", ["licensed-cook"]),
            ("食品衛生責任者", "food hygiene manager", ["food-hygiene-manager"]),
        ],
        "pay": [("HOURLY", 1100, 1450)],
    },
    {
        "sector": "factory",
        "title_ja": [
            ("製造スタッフ", []),
            ("工場内ライン作業員", ["assembly-line"]),
            ("溶接工", []),
            ("食品工場スタッフ", ["food-factory-line"]),
        ],
        "title_en": [
            ("Factory Worker", []),
            ("Production Line Operator", ["assembly-line"]),
            ("Welder", []),
            ("Food Factory Staff", ["food-factory-line"]),
        ],
        "duties": [
            ("ライン作業", "production line work", ["assembly-line"]),
            ("目視検査", "visual inspection", ["visual-inspection"]),
            ("TIG溶接", "TIG welding", ["tig-welding"]),
            ("NC旋盤の操作", "CNC lathe operation", ["cnc-lathe"]),
            ("食品加工", "food processing line", ["food-factory-line"]),
            ("はんだ付け", "soldering", ["soldering"]),
            ("プレス加工", "metal stamping", ["press-operation"]),
        ],
        "quals": [
            ("フォークリフト運転技能講習", "forklift licence", ["forklift-operation"]),
            ("品質管理の経験", "quality control experience", ["quality-control"]),
        ],
        "pay": [("HOURLY", 1200, 1700), ("MONTHLY", 220000, 300000)],
    },
    {
        "sector": "it",
        "title_ja": [
            ("Webエンジニア", []),
            ("バックエンドエンジニア", []),
            ("インフラエンジニア", []),
            ("ヘルプデスク", ["it-helpdesk"]),
        ],
        "title_en": [
            ("Software Engineer", []),
            ("Backend Developer", []),
            ("Infrastructure Engineer", []),
            ("IT Support Specialist", ["it-helpdesk"]),
        ],
        "duties": [
            ("Pythonでのバックエンド開発", "backend development in Python", ["python"]),
            ("AWSの構築・運用", "running services on AWS", ["aws"]),
            ("Dockerによるコンテナ運用", "Docker containers", ["docker"]),
            ("Reactでのフロントエンド開発", "frontend work with React", ["react"]),
            ("ヘルプデスク対応", "IT helpdesk", ["it-helpdesk"]),
            ("Linuxサーバーの運用", "Linux server administration", ["linux"]),
            ("SQLでのデータ抽出", "SQL queries", ["sql"]),
        ],
        "quals": [
            ("基本情報技術者", "Fundamental Information Technology Engineer", ["fe-exam"]),
            ("Gitでのチーム開発経験", "Git", ["git"]),
        ],
        "pay": [("MONTHLY", 280000, 450000), ("YEARLY", 4000000, 7000000)],
    },
    {
        "sector": "hotel",
        "title_ja": [
            ("ホテルフロントスタッフ", ["hotel-front-desk"]),
            ("客室清掃スタッフ", ["hotel-room-cleaning"]),
            ("旅館の仲居", ["ryokan-nakai"]),
            ("ホテル朝食スタッフ", ["breakfast-service"]),
        ],
        "title_en": [
            ("Hotel Front Desk Agent", ["hotel-front-desk"]),
            ("Room Attendant", ["hotel-room-cleaning"]),
            ("Ryokan Attendant", ["ryokan-nakai"]),
            ("Banquet Staff", ["banquet-service"]),
        ],
        "duties": [
            ("フロント業務", "front desk work", ["hotel-front-desk"]),
            ("チェックイン対応", "check-in", ["check-in-out"]),
            ("客室清掃", "hotel room cleaning", ["hotel-room-cleaning"]),
            ("ベッドメイク", "bed making", ["bed-making"]),
            ("予約管理", "reservation management", ["reservation-management"]),
            ("宴会サービス", "banquet service", ["banquet-service"]),
            ("インバウンド対応", "inbound guest support", ["inbound-tourism"]),
        ],
        "quals": [("ホテル業務の経験", "hotel experience", [])],
        "pay": [("HOURLY", 1100, 1400), ("MONTHLY", 200000, 250000)],
    },
    {
        "sector": "agriculture",
        "title_ja": [
            ("農作業スタッフ", []),
            ("野菜の収穫スタッフ", ["harvesting"]),
            ("酪農スタッフ", ["dairy-farming"]),
            ("ハウス栽培スタッフ", ["greenhouse-cultivation"]),
        ],
        "title_en": [
            ("Farm Worker", []),
            ("Harvest Crew", ["harvesting"]),
            ("Dairy Farm Hand", ["dairy-farming"]),
            ("Greenhouse Worker", ["greenhouse-cultivation"]),
        ],
        "duties": [
            ("収穫作業", "harvest work", ["harvesting"]),
            ("選果", "produce packing", ["produce-grading-packing"]),
            ("トラクター運転", "tractor operation", ["tractor-operation"]),
            ("搾乳作業", "milking", ["milking"]),
            ("ハウス栽培", "greenhouse farming", ["greenhouse-cultivation"]),
            ("草刈り", "brush cutter work", ["brush-cutter"]),
        ],
        "quals": [("普通自動車免許（AT限定可）", "a driver's license", ["ordinary-license"])],
        "pay": [("HOURLY", 1000, 1300), ("MONTHLY", 180000, 230000)],
    },
    {
        "sector": "retail",
        "title_ja": [
            ("コンビニスタッフ", ["convenience-store-operations"]),
            ("スーパーの品出しスタッフ", ["shelf-stocking"]),
            ("ドラッグストアスタッフ", ["drugstore-operations"]),
            ("アパレル販売スタッフ", ["apparel-sales"]),
        ],
        "title_en": [
            ("Convenience Store Clerk", ["convenience-store-operations"]),
            ("Supermarket Stocker", ["shelf-stocking"]),
            ("Drugstore Staff", ["drugstore-operations"]),
            ("Apparel Sales Associate", ["apparel-sales"]),
        ],
        "duties": [
            ("レジ", "cashier", ["cashier"]),
            ("品出し", "shelf stocking", ["shelf-stocking"]),
            ("発注業務", "store ordering", ["store-ordering"]),
            ("陳列", "store display", ["visual-merchandising"]),
            ("接客", "customer service", ["customer-service"]),
            ("免税対応", "tax-free sales", ["duty-free-sales"]),
        ],
        "quals": [("登録販売者", "registered seller", ["registered-drug-seller"])],
        "pay": [("HOURLY", 1050, 1350)],
    },
    {
        "sector": "cleaning",
        "title_ja": [
            ("清掃スタッフ", []),
            ("ビル清掃員", []),
            ("病院清掃スタッフ", ["hospital-cleaning"]),
        ],
        "title_en": [
            ("Cleaning Staff", []),
            ("Office Cleaner", ["daily-cleaning"]),
            ("Hospital Cleaner", ["hospital-cleaning"]),
        ],
        "duties": [
            ("日常清掃", "routine cleaning", ["daily-cleaning"]),
            ("トイレ清掃", "restroom cleaning", ["restroom-cleaning"]),
            ("ポリッシャー作業", "floor polisher", ["polisher-operation"]),
            ("ゴミ回収", "waste collection", ["waste-collection"]),
            ("窓ガラス清掃", "window cleaning", ["window-cleaning"]),
        ],
        "quals": [
            (
                "ビルクリーニング技能士",
                "building cleaning technician",
                ["building-cleaning-technician"],
            )
        ],
        "pay": [("HOURLY", 1050, 1300)],
    },
]

NATIVE = [("ベトナム", "Vietnam", "vi", "ベトナム語", "Vietnamese"), ("フィリピン", "the Philippines", "tl", "タガログ語", "Tagalog"),
          ("インドネシア", "Indonesia", "id", "インドネシア語", "Indonesian"), ("ネパール", "Nepal", "ne", "ネパール語", "Nepali"),
          ("ミャンマー", "Myanmar", "my", "ミャンマー語", "Burmese"), ("中国", "China", "zh", "中国語", "Chinese"),
          ("ブラジル", "Brazil", "pt", "ポルトガル語", "Portuguese"), ("タイ", "Thailand", "th", "タイ語", "Thai")]  # fmt: skip
NAMES = [
    "Nguyen",
    "Maria",
    "Budi",
    "Ram",
    "Aung",
    "Li Wei",
    "Carlos",
    "Somchai",
    "Tran",
    "Siti",
    "Bikash",
    "Joy",
]


def _stations() -> list[list[Any]]:
    path = Path(__file__).resolve().parents[2] / "domain" / "ai" / "data" / "stations.json"
    return json.loads(path.read_text(encoding="utf-8"))


def _place(rng: random.Random, ja: bool) -> tuple[str, dict[str, Any]]:
    """A place phrase and its label {prefecture, city}."""
    if rng.random() < 0.25:
        name_ja, name_en, code, city_ja, city_en, *_ = rng.choice(_stations())
        minutes = rng.randint(2, 15)
        info = prefectures()[code]
        if ja:
            phrase = rng.choice(
                [
                    f"{info.name_ja}{city_ja}（{name_ja}駅から徒歩{minutes}分）",
                    f"{name_ja}駅から徒歩{minutes}分（{city_ja}）",
                ]
            )
            return phrase, {"prefecture": code, "city": city_ja}
        phrase = rng.choice(
            [
                f"{city_en}, {info.name_en} ({minutes} min walk from {name_en} Station)",
                f"near {name_en} Station, {city_en}",
            ]
        )
        return phrase, {"prefecture": code, "city": city_en}
    info = rng.choice(list(prefectures().values()))
    city = rng.choice(info.cities)
    if ja:
        phrase = rng.choice(
            [
                f"{info.name_ja}{city.name_ja}",
                f"{info.name_ja}{city.name_ja}{rng.randint(1, 5)}丁目",
                f"{city.name_ja}（{info.name_ja}）",
            ]
        )
        return phrase, {"prefecture": info.code, "city": city.name_ja}
    phrase = rng.choice(
        [
            f"{city.name_en}, {info.name_en}",
            f"{city.name_en} City, {info.name_en} Prefecture",
            f"{info.name_en} Prefecture ({city.name_en})",
        ]
    )
    return phrase, {"prefecture": info.code, "city": city.name_en}


def _round(value: int, period: str) -> int:
    step = {"HOURLY": 50, "DAILY": 500, "MONTHLY": 10000, "YEARLY": 500000}[period]
    return max(step, value // step * step)


def _pay(
    rng: random.Random, role: dict[str, Any], ja: bool, profile: bool = False
) -> tuple[str, dict[str, Any]]:
    period, low, high = rng.choice(role["pay"])
    a = _round(rng.randint(low, high), period)
    b = (
        _round(a + rng.randint(1, 4) * (high - low) // 8, period)
        if not profile and rng.random() < 0.6
        else None
    )
    if b is not None and b <= a:
        b = None
    label = {"min": a, "max": b, "period": period}
    if ja:
        kw = {"HOURLY": "時給", "DAILY": "日給", "MONTHLY": "月給", "YEARLY": "年収"}[period]
        if period in ("MONTHLY", "YEARLY") and rng.random() < 0.6:
            fa, fb = f"{a / 10000:g}万円", (f"{b / 10000:g}万円" if b else "")
        else:
            fa, fb = f"{a:,}円", (f"{b:,}円" if b else "")
        tilde = rng.choice(["〜", "～", "~"])
        text = (
            f"{kw}{fa}{tilde}{fb}"
            if b
            else rng.choice([f"{kw}{fa}{tilde}", f"{kw}{fa}以上", f"{kw}{fa}"])
        )
        if profile:
            text = rng.choice([f"{kw}{fa}以上", f"{kw}{fa}くらい"])
        if rng.random() < 0.3:
            text = text.translate(_FULL_WIDTH)
        return text, label
    unit = {"HOURLY": "hour", "DAILY": "day", "MONTHLY": "month", "YEARLY": "year"}[period]
    if profile:
        return rng.choice(
            [
                f"at least ¥{a:,} per {unit}",
                f"¥{a:,}/{unit} or more",
                f"around {a:,} yen per {unit}",
            ]
        ), label
    if b:
        return rng.choice(
            [
                f"¥{a:,}–¥{b:,} per {unit}",
                f"¥{a:,} - {b:,}/{unit}",
                f"{a:,} to {b:,} yen per {unit}",
            ]
        ), label
    return rng.choice([f"¥{a:,}/{unit}", f"from ¥{a:,} per {unit}", f"{a:,} yen a {unit}"]), label


JLPT_JA = ["日本語能力試験N{n}以上", "JLPT N{n}程度の日本語力", "日本語N{n}レベル以上"]
JLPT_EN = ["JLPT N{n} or above", "Japanese at JLPT N{n} level", "Japanese: N{n} or higher"]
WORDS_JA = [
    ("日本語：日常会話レベル", "N3"),
    ("ビジネスレベルの日本語", "N2"),
    ("簡単な日本語が話せる方", "N4"),
]
WORDS_EN = [
    ("Conversational Japanese", "N3"),
    ("Business-level Japanese", "N2"),
    ("Basic Japanese is enough", "N4"),
]


def _japanese_requirement(rng: random.Random, ja: bool) -> tuple[str, list[dict[str, str]]]:
    if rng.random() < 0.15:
        return "", []
    if rng.random() < 0.6:
        n = rng.choice([2, 3, 3, 4])
        return rng.choice(JLPT_JA if ja else JLPT_EN).format(n=n), [
            {"code": "ja", "level": f"N{n}"}
        ]
    text, level = rng.choice(WORDS_JA if ja else WORDS_EN)
    return text, [{"code": "ja", "level": level}]


def job(rng: random.Random, ja: bool) -> dict[str, Any]:
    role = rng.choice(ROLES)
    duties = rng.sample(role["duties"], rng.randint(2, 3))
    qual = rng.choice(role["quals"]) if rng.random() < 0.6 else None
    pay_text, pay = _pay(rng, role, ja)
    place_text, place = _place(rng, ja)
    lang_text, languages = _japanese_requirement(rng, ja)
    title_ja, title_ja_skills = rng.choice(role["title_ja"])
    title_en, title_en_skills = rng.choice(role["title_en"])
    title_skills = title_ja_skills if ja else title_en_skills
    skills = sorted(
        {slug for duty in duties for slug in duty[2]}
        | set(qual[2] if qual else [])
        | set(title_skills)
    )
    emp_ja, emp_en = rng.choice(
        [
            ("正社員", "Full-time"),
            ("パート・アルバイト", "Part-time"),
            ("契約社員", "Contract"),
            ("派遣社員", "Temporary (agency)"),
        ]
    )
    night = rng.random() < 0.3
    if ja:
        title = title_ja
        duty_text = "、".join(d[0] for d in duties)
        tag = rng.choice(["急募", "未経験歓迎", "高収入", "寮完備", "外国籍の方活躍中"])
        hours = rng.choice(
            ["9:00〜18:00（休憩60分）", "8:30～17:30", "シフト制（1日4時間〜OK）", "7:00〜16:00"]
        )
        if night:
            hours += "\n夜勤あり（22:00〜翌7:00）"
        reqs = "\n".join(
            x
            for x in [
                f"・{qual[0]}をお持ちの方" if qual else "",
                f"・{lang_text}" if lang_text else "",
                "・外国籍の方も歓迎します",
            ]
            if x
        )
        if rng.random() < 0.5:
            text = (
                f"【{tag}】{title}（{emp_ja}）\n■仕事内容\n{duty_text}などをお願いします。\n■給与\n{pay_text}\n交通費支給（月2万円まで）\n"
                f"■勤務地\n{place_text}\n■勤務時間\n{hours}\n■応募資格\n{reqs}\n■待遇\n社会保険完備／制服貸与／昇給あり"
            )
        else:
            text = (
                f"{place_text}で{title}を募集しています。雇用形態は{emp_ja}です。主なお仕事は{duty_text}です。"
                f"{pay_text}、交通費は規定により支給します。{'夜勤もあります。' if night else ''}"
                f"{f'{qual[0]}をお持ちの方は優遇します。' if qual else ''}{f'{lang_text}が必要です。' if lang_text else ''}ご応募お待ちしています！"
            )
    else:
        title = title_en
        duty_text = ", ".join(d[1] for d in duties)
        hours = rng.choice(
            ["9:00-18:00 (1 hour break)", "8:30 to 17:30", "Shifts of 4 hours or more", "7am-4pm"]
        )
        if night:
            hours += "; night shifts available (22:00-7:00)"
        if rng.random() < 0.5:
            text = (
                f"{title} ({emp_en}) - {place_text}\n\nWhat you will do: {duty_text}.\nPay: {pay_text}, transport allowance paid.\n"
                f"Hours: {hours}\nRequirements:\n"
                + "".join(
                    f"- {x}\n"
                    for x in [
                        f"{qual[1]} required" if qual else "",
                        lang_text,
                        "Foreign nationals welcome",
                    ]
                    if x
                )
                + "Benefits: social insurance, uniform provided."
            )
        else:
            text = (
                f"We are hiring a {title.lower()} in {place_text}. This is a {emp_en.lower()} position. "
                f"Your main tasks will be {duty_text}. We pay {pay_text} plus transport costs. "
                f"{'Night shifts are part of the rota. ' if night else ''}{f'Having a {qual[1]} is a plus. ' if qual else ''}"
                f"{f'{lang_text}. ' if lang_text else ''}Apply today!"
            )
    return {"kind": "job", "lang": "ja" if ja else "en", "sector": role["sector"], "text": text,
            "expected": {"skills": skills, "languages": languages, "pay": pay, "location": place}}  # fmt: skip


def profile(rng: random.Random, ja: bool) -> dict[str, Any]:
    role = rng.choice(ROLES)
    duties = rng.sample(role["duties"], rng.randint(1, 3))
    country_ja, country_en, code, lang_ja, lang_en = rng.choice(NATIVE)
    name = rng.choice(NAMES)
    years = rng.randint(1, 6)
    place_text, place = _place(rng, ja)
    pay_text, pay = _pay(rng, role, ja, profile=True)
    n = rng.choice([2, 3, 3, 4])
    skills = sorted({slug for duty in duties for slug in duty[2]})
    languages = [{"code": code, "level": "NATIVE"}, {"code": "ja", "level": f"N{n}"}]
    english = rng.random() < 0.4
    if english:
        languages.append({"code": "en", "level": "B1"})
    if ja:
        duty_text = "や".join(d[0] for d in duties)
        text = (
            f"はじめまして。{country_ja}出身の{name}です。日本に来て{years}年になります。現在は{place_text}に住んでいます。"
            f"これまで{duty_text}の仕事をしてきました。日本語能力試験N{n}を持っています。{lang_ja}はネイティブです。"
            f"{'英語は日常会話ができます。' if english else ''}希望の給料は{pay_text}です。よろしくお願いします。"
        )
    else:
        duty_text = ", ".join(d[1] for d in duties)
        text = (
            f"Hello! My name is {name} and I am from {country_en}. I have lived in Japan for {years} years and now live in {place_text}. "
            f"My experience: {duty_text}. I passed JLPT N{n}. My native language is {lang_en}"
            f"{', and I speak conversational English' if english else ''}. I am looking for {pay_text}. Thank you for reading."
        )
    pay["max"] = None
    return {"kind": "profile", "lang": "ja" if ja else "en", "sector": role["sector"], "text": text,
            "expected": {"skills": skills, "languages": languages, "pay": pay, "location": place}}  # fmt: skip


def main() -> None:
    rng = random.Random(20260301)
    records = [job(rng, ja=i % 2 == 0) for i in range(100)] + [
        profile(rng, ja=i % 2 == 0) for i in range(56)
    ]
    for number, record in enumerate(records):
        record["id"] = f"gen-{number:03d}"
    OUT.parent.mkdir(parents=True, exist_ok=True)
    with OUT.open("w", encoding="utf-8") as out:
        for record in records:
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
    print(f"wrote {len(records)} records to {OUT}")


if __name__ == "__main__":
    main()
