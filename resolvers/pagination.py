"""Connection arguments, shared by every list field."""

from __future__ import annotations

from domain.pagination import PageRequest


def page_request(
    first: int | None, after: str | None, last: int | None, before: str | None
) -> PageRequest:
    return PageRequest(first=first, after=after, last=last, before=before)
