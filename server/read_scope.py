"""Per-request read routing state: whether this request's reads must see the primary.

Reads may go to a read replica or the public cache, which may both be a little
behind the primary. That is fine for a request that has only read, but a request
that has committed a write must see it (read-your-writes), and a live connection
(WebSocket) reacts to events that were committed a moment ago. Both read the
primary, uncached.

The state is one mutable object per request, set in a ContextVar before the
request starts resolving. Strawberry resolves fields, and DataLoaders run their
batches, in tasks that copy the context: they all share the same object, so a
write committed in one resolver is seen by every later read of the request,
whichever task it runs in.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass


@dataclass
class RequestReads:
    """`wrote`: this request committed a write; `live`: a WebSocket connection."""

    wrote: bool = False
    live: bool = False

    @property
    def fresh_only(self) -> bool:
        return self.wrote or self.live


_CURRENT: ContextVar[RequestReads | None] = ContextVar("iworkz_request_reads", default=None)


def begin_request(*, live: bool = False) -> RequestReads:
    """Start a request's read state in the current context (the request's own task)."""
    reads = RequestReads(live=live)
    _CURRENT.set(reads)
    return reads


@contextmanager
def request_scope(*, live: bool = False) -> Iterator[RequestReads]:
    """`begin_request` for code that is not a request (scripts, tests): undone on exit."""
    token = _CURRENT.set(RequestReads(live=live))
    try:
        yield _CURRENT.get()  # type: ignore[misc]  # just set
    finally:
        _CURRENT.reset(token)


def note_write() -> None:
    """A transaction committed: this request's later reads go to the primary.

    Outside a request (no state) nothing is recorded: background jobs read through
    `Database.session()`, which is the primary anyway.
    """
    reads = _CURRENT.get()
    if reads is not None:
        reads.wrote = True


def fresh_reads_reason() -> str | None:
    """Why the current request must read the primary uncached, or None if it need not."""
    reads = _CURRENT.get()
    if reads is None:
        return None
    if reads.wrote:
        return "after_write"
    if reads.live:
        return "live"
    return None
