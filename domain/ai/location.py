"""Where: prefecture, city and station, in Japanese or English.

The gazetteer is domain/geo's 47 prefectures and their cities, plus a small
table of major stations (data/stations.json: name, prefecture, city and
approximate coordinates). Any other "〇〇駅" / "X Station" is kept as a
station name without coordinates. When a text names several places, the one
on a 勤務地 / "Location:" line wins, then the first; pieces on the same line
("愛知県名古屋市中村区 名古屋駅徒歩5分") are combined into one location.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from domain.ai.mentions import LocationMention, clamp
from domain.ai.text import FoldedText, fold, is_ascii_word_char
from domain.ai.tokenizer import segment
from domain.geo.prefectures import prefectures

_STATIONS = Path(__file__).parent / "data" / "stations.json"
_LABEL = re.compile(
    r"勤務地|勤務先|就業場所|勤務場所|所在地|住所|居住地|在住|住まい|アクセス|"
    r"work location|location|workplace|place of work|based in|located in|live in|living in|"
    r"i live|address|access"
)
# "沖縄県浦添市に住んでいます": a residence said after the place counts like a label before it.
_RESIDENCE_AFTER = re.compile(r"\s*(?:に|で)?\s*(?:住んで|住み|在住|暮らして|居住)")
# "出身は大阪ですが…", "大阪出身", "born in Osaka": where someone is from is not where they are.
_ORIGIN_BEFORE = re.compile(r"(?:出身は|出身地は|born in|grew up in|originally from)\s*$")
_ORIGIN_AFTER = re.compile(r"\s*(?:の)?出身")
# A municipality the gazetteer lacks, right after its prefecture: "愛知県小牧市", "北海道 別海町".
_JA_MUNICIPALITY = re.compile(
    r"[ \u3000]?([\u4e00-\u9fff\u30a1-\u30fa\u30fc-\u30ff]{1,5}?[市町村区])"
)
_FULL_PREFECTURE = re.compile(r".+[都道府県]$")
# ... or right before it in English: "— Niseko, Hokkaido", "in Obihiro, Hokkaido".
_EN_MUNICIPALITY = re.compile(
    r"(?:^|(?<=\n)|(?<=\()|(?<=[-:] )|(?<=\bin )|(?<=\bat )|(?<=\bnear ))"
    r"([a-z]{3,}(?:-[a-z]+)?)(?:,\s*|\s+\()$"
)
_NOT_PLACES = frozenset({"city", "prefecture", "japan", "area", "town", "village", "location"})
_JA_STATION = re.compile(r"([\u30a0-\u30ff\u4e00-\u9fffー]{1,8})駅")
_EN_STATION = re.compile(r"([a-z][a-z-]+(?: [a-z][a-z-]+)?) (?:station|sta\.)")
_STATION_NOISE = ("最寄", "最寄り", "各", "主要", "当", "近隣", "近く", "前", "徒歩", "から")


@dataclass(frozen=True, slots=True)
class Place:
    prefecture: str
    city_ja: str | None
    city_en: str | None
    station: str | None
    station_en: str | None
    lat: float
    lon: float
    rank: int  # 0 prefecture, 1 city, 2 station: more specific wins


@dataclass(frozen=True, slots=True)
class _Term:
    folded: str
    place: Place
    confidence: float
    needs_capital: bool
    alternatives: tuple[Place, ...] = ()  # same name elsewhere ("Sakai": Osaka and Fukui)


@dataclass(frozen=True, slots=True)
class _Hit:
    start: int
    end: int
    place: Place | None
    station_name: str | None
    confidence: float
    alternatives: tuple[Place, ...] = ()


@cache
def _gazetteer() -> tuple[_Term, ...]:
    terms: dict[str, _Term] = {}

    def add(name: str, place: Place, confidence: float) -> None:
        key = fold(name)
        if len(key) < 2:
            return
        if key in terms:
            known = terms[key]
            if known.place.rank == place.rank == 1 and known.place.prefecture != place.prefecture:
                terms[key] = _Term(key, known.place, known.confidence - 0.1, known.needs_capital,
                                   (*known.alternatives, place))  # fmt: skip
            return
        needs_capital = key.isascii() and len(key) <= 4
        terms[key] = _Term(key, place, confidence, needs_capital)

    prefecture_stems: set[str] = set()
    for info in prefectures().values():
        place = Place(info.code, None, None, None, None, info.lat, info.lon, 0)
        stem = info.name_ja[:-1] if info.name_ja[-1] in "都府県" else info.name_ja
        prefecture_stems.add(stem)
        for name in (info.name_ja, stem, f"{info.name_en} prefecture", f"{info.name_en}-ken",
                     f"{info.name_en}-fu", f"{info.name_en}-to", info.name_en):  # fmt: skip
            add(name, place, 0.95 if name != stem else 0.9)
    city_stems: dict[str, int] = {}
    for info in prefectures().values():
        for city in info.cities:
            stem = city.name_ja[:-1]
            city_stems[stem] = city_stems.get(stem, 0) + 1
    stations = json.loads(_STATIONS.read_text(encoding="utf-8"))
    for name_ja, name_en, code, city_ja, city_en, lat, lon in stations:
        place = Place(code, city_ja, city_en, name_ja, name_en, lat, lon, 2)
        add(f"{name_ja}駅", place, 0.95)
        add(f"{name_en} station", place, 0.95)
        add(f"{name_en} sta.", place, 0.9)
    for info in prefectures().values():
        for city in info.cities:
            place = Place(info.code, city.name_ja, city.name_en, None, None, city.lat, city.lon, 1)
            add(city.name_ja, place, 0.95)
            stem = city.name_ja[:-1]
            if len(stem) >= 2 and city_stems[stem] == 1 and stem not in prefecture_stems:
                add(stem, place, 0.85)
            suffix = "ku" if city.name_ja.endswith("区") else "shi"
            add(f"{city.name_en} city", place, 0.95)
            add(f"{city.name_en}-{suffix}", place, 0.95)
            add(city.name_en, place, 0.9)
    for name_ja, name_en, code, city_ja, city_en, lat, lon in stations:
        place = Place(code, city_ja, city_en, name_ja, name_en, lat, lon, 2)
        add(name_ja, place, 0.75)  # "梅田エリア": a bare station name that is no city
        add(name_en, place, 0.7)
    return tuple(sorted(terms.values(), key=lambda term: -len(term.folded)))


def _known_hits(text: FoldedText, taken: bytearray) -> list[_Hit]:
    folded = text.text
    japanese = any("\u3040" <= ch <= "\u9fff" for ch in folded)
    boundaries = segment(folded).boundaries if japanese else frozenset()
    hits: list[_Hit] = []
    for term in _gazetteer():
        start = folded.find(term.folded)
        while start != -1:
            end = start + len(term.folded)
            if not any(taken[start:end]) and _acceptable(text, term, start, end, boundaries):
                station = term.place.station if text.language == "ja" else term.place.station_en
                hits.append(
                    _Hit(start, end, term.place, station, term.confidence, term.alternatives)
                )
                taken[start:end] = b"\x01" * (end - start)
            start = folded.find(term.folded, start + 1)
    return hits


def _disambiguate(hits: list[_Hit]) -> list[_Hit]:
    """A city name found in two prefectures takes the one a nearby prefecture names."""
    result: list[_Hit] = []
    for hit in hits:
        if hit.alternatives and hit.place is not None:
            nearby = {
                other.place.prefecture
                for other in hits
                if other is not hit and other.place is not None and abs(other.start - hit.end) <= 30
            }
            choice = next(
                (p for p in (hit.place, *hit.alternatives) if p.prefecture in nearby), hit.place
            )
            hit = _Hit(hit.start, hit.end, choice, hit.station_name, hit.confidence)
        result.append(hit)
    return result


def _prefecture_name_as_city(text: FoldedText, hits: list[_Hit]) -> list[_Hit]:
    """ "Toyama Prefecture (Toyama)", "静岡県・静岡": a prefecture named twice, once plainly,
    means its capital city the second time, when a city of that name exists."""
    result: list[_Hit] = []
    seen_prefectures: set[str] = set()
    for hit in sorted(hits, key=lambda h: h.start):
        place = hit.place
        if place is not None and place.rank == 0 and place.prefecture in seen_prefectures:
            surface = text.text[hit.start : hit.end]
            city = next(
                (c for c in prefectures()[place.prefecture].cities
                 if fold(c.name_en) == surface or fold(c.name_ja[:-1]) == surface),
                None,
            )  # fmt: skip
            if city is not None:
                city_place = Place(
                    place.prefecture, city.name_ja, city.name_en, None, None, city.lat, city.lon, 1
                )
                hit = _Hit(hit.start, hit.end, city_place, None, hit.confidence - 0.1)
        if place is not None and place.rank == 0:
            seen_prefectures.add(place.prefecture)
        result.append(hit)
    return result


def _acceptable(
    text: FoldedText, term: _Term, start: int, end: int, boundaries: frozenset[int]
) -> bool:
    folded = text.text
    if term.folded.isascii():
        if start > 0 and is_ascii_word_char(folded[start - 1]):
            return False
        if end < len(folded) and is_ascii_word_char(folded[end]):
            return False
        if not term.needs_capital:
            return True
        surface = text.span(start, end).text
        # "Ota" is a city, "OTA" (online travel agency) is not.
        return surface[:1].isupper() and not (len(surface) > 2 and surface.isupper())
    return start in boundaries or folded[start - 1 : start] in "県府都道市区町 ,、・/"


def _other_stations(text: FoldedText, taken: bytearray) -> list[_Hit]:
    """Stations not in the table: their name only."""
    hits: list[_Hit] = []
    folded = text.text
    for match in _JA_STATION.finditer(folded):
        if any(taken[match.start() : match.end()]):
            continue
        name = match.group(1)
        tokens = [t for t in segment(folded).coarse if t.end <= match.end() - 1 + 1]
        last = next((t for t in reversed(tokens) if t.start < match.end() - 1), None)
        if last is not None and match.start(1) <= last.start:
            name = folded[last.start : match.end() - 1]
        if not name or any(name.startswith(noise) or name == noise for noise in _STATION_NOISE):
            continue
        start = match.end() - 1 - len(name)
        hits.append(
            _Hit(
                start,
                match.end(),
                None,
                text.original[
                    text.span(start, match.end() - 1).start : text.span(start, match.end() - 1).end
                ],
                0.7,
            )
        )
    for match in _EN_STATION.finditer(folded):
        if any(taken[match.start() : match.end()]):
            continue
        words = match.group(1).split(" ")
        original = text.span(match.start(1), match.end(1))
        kept = [w for w in original.text.split(" ") if w[:1].isupper()]
        if not kept or (len(kept) < len(words) and not original.text.split(" ")[-1][:1].isupper()):
            continue
        name = " ".join(kept)
        start = match.end(1) - len(name)
        hits.append(_Hit(start, match.end(), None, name, 0.65))
    return hits


def _unlisted_municipalities(text: FoldedText, hits: list[_Hit], taken: bytearray) -> list[_Hit]:
    """Municipalities missing from the gazetteer, read next to an explicit prefecture name.

    The name is kept as written (Japanese "小牧市", English "Niseko") with the prefecture's
    coordinates; the gazetteer has only each prefecture's largest cities."""
    folded = text.text
    found: list[_Hit] = []
    for hit in hits:
        place = hit.place
        if place is None or place.rank != 0:
            continue
        if text.language == "ja" and _FULL_PREFECTURE.match(folded[hit.start : hit.end]):
            match = _JA_MUNICIPALITY.match(folded, hit.end)
            if match is None or any(taken[match.start(1) : match.end(1)]):
                continue
            name = match.group(1)
            if name.endswith("区") and place.prefecture != "TOKYO":
                continue  # a ward elsewhere belongs to a city that should have been named
            city = Place(place.prefecture, name, None, None, None, place.lat, place.lon, 1)
            found.append(_Hit(match.start(1), match.end(1), city, None, 0.7))
            taken[match.start(1) : match.end(1)] = b"\x01" * len(name)
        elif text.language == "en":
            match = _EN_MUNICIPALITY.search(folded, max(0, hit.start - 30), hit.start)
            if match is None or any(taken[match.start(1) : match.end(1)]):
                continue
            name = text.span(match.start(1), match.end(1)).text
            if not name[:1].isupper() or name.isupper() or name.lower() in _NOT_PLACES:
                continue
            city = Place(place.prefecture, None, name, None, None, place.lat, place.lon, 1)
            found.append(_Hit(match.start(1), match.end(1), city, None, 0.65))
            taken[match.start(1) : match.end(1)] = b"\x01" * (match.end(1) - match.start(1))
    return found


def _contradicted(text: FoldedText, hits: list[_Hit]) -> list[_Hit]:
    """ "Osaki, Shinagawa-ku, Tokyo": a city name of one prefecture followed on its line by
    another prefecture's explicit name (and not its own) is a place of that other one."""
    kept: list[_Hit] = []
    for hit in hits:
        place = hit.place
        if place is not None and place.rank == 1 and not hit.alternatives:
            line = _line_of(text.text, hit.start)
            named = {
                other.place.prefecture
                for other in hits
                if other.place is not None
                and other.place.rank == 0
                and _line_of(text.text, other.start) == line
                and 0 <= other.start - hit.end <= 40
            }
            if named and place.prefecture not in named:
                continue
        kept.append(hit)
    return kept


def _line_of(folded: str, position: int) -> tuple[int, int]:
    start = folded.rfind("\n", 0, position) + 1
    end = folded.find("\n", position)
    return start, len(folded) if end == -1 else end


def _merge(text: FoldedText, hits: list[_Hit]) -> LocationMention:
    """One location from pieces that agree: the most specific coordinates, all names."""
    anchor_pref = next((h.place.prefecture for h in hits if h.place), None)
    agreeing = [h for h in hits if h.place is None or h.place.prefecture == anchor_pref]
    placed = [h for h in agreeing if h.place]
    best = max(placed, key=lambda h: h.place.rank if h.place else -1) if placed else None
    city_hit = next((h for h in placed if h.place and (h.place.city_ja or h.place.city_en)), None)
    station = next((h.station_name for h in agreeing if h.station_name), None)
    japanese = text.language == "ja"
    city: str | None = None
    if city_hit and city_hit.place:
        city = city_hit.place.city_ja if japanese else city_hit.place.city_en
    start = min(h.start for h in agreeing)
    end = max(h.end for h in agreeing)
    confidence = max(h.confidence for h in agreeing) + 0.03 * (len(agreeing) - 1)
    return LocationMention(
        prefecture=anchor_pref,
        city=city,
        station=station,
        lat=best.place.lat if best and best.place else None,
        lon=best.place.lon if best and best.place else None,
        span=text.span(start, end),
        confidence=clamp(confidence),
    )


def find_locations(text: FoldedText) -> list[LocationMention]:
    """Every place, grouped by line, the labelled (勤務地 / Location:) line's first."""
    taken = bytearray(len(text.text))
    hits = sorted(_known_hits(text, taken) + _other_stations(text, taken), key=lambda h: h.start)
    hits = _prefecture_name_as_city(text, _disambiguate(hits))
    hits = _contradicted(text, hits)
    hits = sorted(hits + _unlisted_municipalities(text, hits, taken), key=lambda h: h.start)
    # "名古屋市港区": a ward right after a city of another prefecture is that city's ward.
    hits = [
        hit
        for i, hit in enumerate(hits)
        if not (
            i
            and hits[i - 1].end == hit.start
            and hit.place is not None
            and hits[i - 1].place is not None
            and hits[i - 1].place.prefecture != hit.place.prefecture  # type: ignore[union-attr]
        )
    ]
    groups: list[list[_Hit]] = []
    for hit in hits:
        if groups and _together(text.text, groups[-1], hit):
            groups[-1].append(hit)
        else:
            groups.append([hit])

    def labelled(group: list[_Hit]) -> bool:
        start, end = group[0].start, group[-1].end
        line_start, _ = _line_of(text.text, start)
        return bool(_LABEL.search(text.text[max(line_start, start - 40) : start])) or bool(
            _RESIDENCE_AFTER.match(text.text, end)
        )

    def origin(group: list[_Hit]) -> bool:
        start, end = group[0].start, group[-1].end
        line_start, _ = _line_of(text.text, start)
        before = text.text[max(line_start, start - 20) : start]
        return bool(_ORIGIN_BEFORE.search(before) or _ORIGIN_AFTER.match(text.text, end))

    ordered = sorted(groups, key=lambda group: (not labelled(group), origin(group), group[0].start))
    mentions = [_merge(text, group) for group in ordered]
    if mentions and mentions[0].city is None:
        # "a hotel in Okinawa … a job in Naha": a later, more precise mention of the same
        # prefecture gives the city.
        better = next(
            (m for m in mentions[1:] if m.prefecture == mentions[0].prefecture and m.city), None
        )
        if better is not None:
            mentions[0] = better
    return mentions


def _together(folded: str, group: list[_Hit], hit: _Hit) -> bool:
    """Same line, close by, and not a different prefecture."""
    last = group[-1]
    if _line_of(folded, last.start) != _line_of(folded, hit.start) or hit.start - last.end > 30:
        return False
    prefecture = next((h.place.prefecture for h in group if h.place), None)
    return hit.place is None or prefecture is None or hit.place.prefecture == prefecture
