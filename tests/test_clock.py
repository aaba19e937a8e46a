"""`domain.clock.iso_text` writes every time exactly as `isoformat` does, remembered or not."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, timezone

from hypothesis import given
from hypothesis import strategies as st

from domain.clock import iso_text

OFFSETS = st.sampled_from(
    [None, UTC, timezone(timedelta(hours=9)), timezone(timedelta(hours=-3, minutes=-30))]
)


@given(moments=st.lists(st.datetimes(timezones=OFFSETS), max_size=6))
def test_times_are_written_as_isoformat_writes_them(moments: list[datetime]) -> None:
    for moment in moments * 2:  # the second time, remembered
        assert iso_text(moment) == moment.isoformat()


def test_the_same_instant_at_another_offset_is_written_with_its_own_offset() -> None:
    utc = datetime(2026, 11, 30, 0, 0, tzinfo=UTC)
    tokyo = utc.astimezone(timezone(timedelta(hours=9)))
    assert utc == tokyo
    assert iso_text(utc) == "2026-11-30T00:00:00+00:00"
    assert iso_text(tokyo) == "2026-11-30T09:00:00+09:00"


def test_other_kinds_of_time_are_written_by_their_own_isoformat() -> None:
    class Shown(datetime):
        def isoformat(self, *args: object, **kwargs: object) -> str:
            return "shown"

    moment = datetime(2026, 11, 30, tzinfo=UTC)
    assert iso_text(moment) == moment.isoformat()
    assert iso_text(Shown(2026, 11, 30, tzinfo=UTC)) == "shown"
    assert iso_text(date(2026, 11, 30)) == "2026-11-30"  # type: ignore[arg-type]
    assert iso_text(time(9, 30)) == "09:30:00"  # type: ignore[arg-type]
