"""Garbage-collector settings for a serving process.

Why (measured, bench/README.md): answering a page of 100 jobs allocates tens of
thousands of container objects — rows, strawberry objects, response dicts — that all
live until the response is written. With CPython's default threshold (a young
collection every 700 net allocations) one page paid for dozens of young collections
and, every so often, a full one that walked the whole application (schema,
SQLAlchemy's and pydantic's metadata: hundreds of thousands of objects). Under load
that was a third of the jobs page's time.

So, once the app has started: everything alive then is moved out of the collector's
sight (`gc.freeze`: those objects live as long as the process), and young collections
run every `YOUNG_THRESHOLD` net allocations. Reference counting still frees almost
everything at once; the collector only finds cycles, which now wait a little longer.
"""

from __future__ import annotations

import gc

YOUNG_THRESHOLD = 50_000  # 200,000 measured no faster and lets cycles pile up longer


def tune_for_serving() -> None:
    """Call once, after start-up, in a process that serves requests."""
    gc.collect()
    gc.freeze()
    _, middle, old = gc.get_threshold()
    gc.set_threshold(YOUNG_THRESHOLD, middle, old)
