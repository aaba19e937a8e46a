"""Property tests for the rules with wide input spaces."""

from __future__ import annotations

import string

from hypothesis import given
from hypothesis import strategies as st

from domain.errors import ValidationFailed, validated
from domain.jobs.status import ALLOWED_TRANSITIONS, JobStatus, check_transition
from domain.text_search import grams, normalize, tokens
from domain.values import MAX_YEN, PayRange

yen = st.integers(min_value=-10, max_value=MAX_YEN + 10)


@given(low=yen, high=yen)
def test_pay_range_is_valid_exactly_when_ordered_and_in_bounds(low, high):
    expected = 0 <= low <= high <= MAX_YEN
    try:
        validated(PayRange, {"min": low, "max": high, "period": "HOURLY"})
        accepted = True
    except ValidationFailed as failure:
        accepted = False
        assert all(error.field in ("min", "max") for error in failure.errors)
    assert accepted == expected


@given(path=st.lists(st.sampled_from(list(JobStatus)), max_size=8))
def test_no_sequence_of_transitions_leaves_a_terminal_state(path):
    current = JobStatus.DRAFT
    for target in path:
        try:
            check_transition(current, target)
        except ValidationFailed:
            continue
        assert current not in (JobStatus.FILLED, JobStatus.CLOSED)
        current = target
    assert current in ALLOWED_TRANSITIONS


text = st.text(alphabet=string.ascii_letters + "フォークリフト運転介護ＡＢＣ　 ", max_size=40)


@given(haystack=text, start=st.integers(0, 40), length=st.integers(1, 10))
def test_every_substring_of_a_token_is_found_by_its_grams(haystack, start, length):
    """The index never misses: a query that is a substring of a stored token has all its grams."""
    stored = set(grams([haystack]))
    for token in tokens(haystack):
        query = token[start % len(token) : start % len(token) + length]
        query_grams = (
            {query} if len(query) == 1 else {query[i : i + 2] for i in range(len(query) - 1)}
        )
        assert query_grams <= stored
        assert query in normalize(haystack)
