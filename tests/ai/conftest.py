"""Each test starts with empty suggestion memos (they are per process, like the models)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from domain.ai.ad_quality import HINTS_MEMO
from domain.ai.suggestions import GAP_MEMO, PAY_MEMO


@pytest.fixture(autouse=True)
def _empty_suggestion_memos() -> Iterator[None]:
    for memo in (PAY_MEMO, HINTS_MEMO, GAP_MEMO):
        memo.clear()
    yield
