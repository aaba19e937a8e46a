"""A request header read straight from the ASGI scope.

Why: `Headers(scope=scope).get(name)` copies the scope's header list into a new one (and
stores it back), then finds a missing header by raising and catching `KeyError`; three
middlewares did it on every request. ASGI servers send header names in lower case, which
is what starlette's own lookup compares against, so the first value found here is the
one it finds.
"""

from __future__ import annotations

from starlette.types import Scope


def request_header(scope: Scope, name: bytes) -> str | None:
    """The first value of the header `name` (lower case), decoded as starlette does."""
    for key, value in scope["headers"]:
        if key == name:
            return value.decode("latin-1")  # type: ignore[no-any-return]
    return None
