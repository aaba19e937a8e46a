"""Every statement the app sends to one database, however it sends it: through SQLAlchemy
(its engine events) or to asyncpg itself (`domain.sql.CompiledRead`'s driver hooks)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.pool import Pool

from domain.sql import around_driver_statements

Record = Callable[[str, Any], None]  # (sql, parameters)


@contextmanager
def statements_sent(engine: AsyncEngine, record: Record) -> Iterator[None]:
    """Call `record(sql, parameters)` for each statement sent on `engine`'s pool while
    inside."""

    def through_sqlalchemy(
        conn: Any, cursor: Any, statement: str, parameters: Any, *args: Any
    ) -> None:
        record(statement, parameters)

    @contextmanager
    def to_the_driver(pool: Pool, sql: str, parameters: tuple[Any, ...]) -> Iterator[None]:
        if pool is engine.sync_engine.pool:
            record(sql, parameters)
        yield

    event.listen(engine.sync_engine, "before_cursor_execute", through_sqlalchemy)
    remove_hook = around_driver_statements(to_the_driver)
    try:
        yield
    finally:
        remove_hook()
        event.remove(engine.sync_engine, "before_cursor_execute", through_sqlalchemy)
