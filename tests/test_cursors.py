"""Cursors: the same text for the same row whatever the sort key's offset, and they decode
back to the row's sort key and id (domain/pagination.py)."""

from __future__ import annotations

import base64
import json
import uuid
from datetime import UTC, datetime, timedelta, timezone

from hypothesis import given
from hypothesis import strategies as st

from domain.pagination import _decode_cursor, encode_cursor

aware_times = st.datetimes(
    timezones=st.sampled_from([UTC, timezone(timedelta(hours=9)), timezone(timedelta(hours=-5))])
)


@given(aware_times, st.uuids())
def test_a_time_cursor_is_the_json_encoding_and_decodes_back(when: datetime, row_id: uuid.UUID):
    cursor = encode_cursor(when, row_id)
    as_json = json.dumps(["t", when.isoformat(), str(row_id)]).encode()
    assert cursor == base64.urlsafe_b64encode(as_json).decode().rstrip("=")
    assert _decode_cursor(cursor) == (when, row_id)


@given(st.floats(allow_nan=False, allow_infinity=False), st.uuids())
def test_a_score_cursor_is_the_json_encoding_and_decodes_back(score: float, row_id: uuid.UUID):
    cursor = encode_cursor(score, row_id)
    as_json = json.dumps(["n", score, str(row_id)]).encode()
    assert cursor == base64.urlsafe_b64encode(as_json).decode().rstrip("=")
    assert _decode_cursor(cursor) == (score, row_id)
