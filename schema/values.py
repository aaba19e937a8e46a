"""Value types shared by jobs and workers, as outputs and as inputs."""

from __future__ import annotations

from typing import Any

import strawberry

from schema.enums import (
    LanguageLevel,
    PayPeriod,
    Prefecture,
    Weekday,
    as_language_level,
    as_pay_period,
    as_prefecture,
    as_weekday,
)
from schema.row_backed import Composed


@strawberry.type(description="A place in Japan.")
class Location:
    prefecture: Prefecture = strawberry.field(description="The prefecture.")
    city: str = strawberry.field(description="City, ward, town or village; may be empty.")
    lat: float = strawberry.field(description="Latitude, WGS 84 degrees.")
    lon: float = strawberry.field(description="Longitude, WGS 84 degrees.")

    @classmethod
    def from_columns(cls, row: Any) -> Location | None:
        """The place held by a row's `prefecture`, `city`, `lat` and `lon`; None without
        a prefecture (a fully remote job)."""
        return LOCATION_OF_ROW(row)  # type: ignore[no-any-return]


LOCATION_OF_ROW = Composed(
    Location,
    (
        ("prefecture", "prefecture", as_prefecture),
        ("city", "city", None),
        ("lat", "lat", None),
        ("lon", "lon", None),
    ),
    absent_when_null="prefecture",
)


@strawberry.input(description="A place in Japan.")
class LocationInput:
    prefecture: Prefecture = strawberry.field(description="The prefecture.")
    city: str = strawberry.field(default="", description="City, ward, town or village.")
    lat: float = strawberry.field(description="Latitude, WGS 84 degrees.")
    lon: float = strawberry.field(description="Longitude, WGS 84 degrees.")


@strawberry.type(description="A pay range in whole yen.")
class PayRange:
    min: int = strawberry.field(description="The lowest amount, in yen.")
    max: int = strawberry.field(description="The highest amount, in yen.")
    period: PayPeriod = strawberry.field(description="What the amounts are paid for.")


# A job's pay, held by its columns `pay_min`, `pay_max` and `pay_period`.
PAY_OF_ROW = Composed(
    PayRange,
    (("min", "pay_min", None), ("max", "pay_max", None), ("period", "pay_period", as_pay_period)),
)


@strawberry.input(description="A pay range in whole yen; `min` ≤ `max`.")
class PayRangeInput:
    min: int = strawberry.field(description="The lowest amount, in yen.")
    max: int = strawberry.field(description="The highest amount, in yen; at least `min`.")
    period: PayPeriod = strawberry.field(description="What the amounts are paid for.")


@strawberry.type(description="An amount of pay in whole yen.")
class Pay:
    amount: int = strawberry.field(description="The amount, in yen.")
    period: PayPeriod = strawberry.field(description="What the amount is paid for.")


@strawberry.input(description="An amount of pay in whole yen.")
class PayInput:
    amount: int = strawberry.field(description="The amount, in yen.")
    period: PayPeriod = strawberry.field(description="What the amount is paid for.")


@strawberry.type(description="A language and the level spoken.")
class Language:
    code: str = strawberry.field(description="ISO 639-1 code, e.g. `ja`.")
    level: LanguageLevel = strawberry.field(description="How well it is spoken.")

    @classmethod
    def from_json(cls, items: list[dict[str, Any]]) -> list[Language]:
        return [cls(code=item["code"], level=as_language_level(item["level"])) for item in items]


@strawberry.input(description="A language and the level spoken.")
class LanguageInput:
    code: str = strawberry.field(description="ISO 639-1 code, e.g. `ja`.")
    level: LanguageLevel = strawberry.field(description="How well it is spoken.")


@strawberry.type(description="A weekly time window; `end` before `start` runs past midnight.")
class WeeklySlot:
    day: Weekday = strawberry.field(description="The day the window starts on.")
    start: str = strawberry.field(description="24-hour HH:MM.")
    end: str = strawberry.field(description="24-hour HH:MM.")

    @classmethod
    def from_json(cls, items: list[dict[str, Any]]) -> list[WeeklySlot]:
        return [
            cls(day=as_weekday(item["day"]), start=item["start"], end=item["end"]) for item in items
        ]


@strawberry.input(description="A weekly time window; `end` before `start` runs past midnight.")
class WeeklySlotInput:
    day: Weekday = strawberry.field(description="The day the window starts on.")
    start: str = strawberry.field(description="24-hour HH:MM.")
    end: str = strawberry.field(
        description="24-hour HH:MM; before `start` when the window runs past midnight.",
    )


@strawberry.input(description="Within `km` kilometres of a point.")
class NearInput:
    lat: float = strawberry.field(description="Latitude of the centre, WGS 84 degrees.")
    lon: float = strawberry.field(description="Longitude of the centre, WGS 84 degrees.")
    km: float = strawberry.field(description="Radius in kilometres, more than 0 and at most 500.")
