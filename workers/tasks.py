"""Background tasks: thin wrappers that open a database session and call domain/.

Each task is safe to run twice: enqueuers pass a job id keyed by the object and
its version, and every task re-reads current state before acting.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy import text

log = logging.getLogger(__name__)
Task = Callable[..., Awaitable[Any]]


async def heartbeat(ctx: dict[str, Any]) -> None:
    """Once a minute: prove the worker can reach the database (a failure shows in arq's log)."""
    async with ctx["database"].session() as session:
        await session.execute(text("SELECT 1"))


TASKS: dict[str, Task] = {}
