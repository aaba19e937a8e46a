"""Whether the read replica may serve reads now: reachable, and no further behind the
primary than DATABASE_REPLICA_MAX_LAG_SECONDS.

The lag is measured at most once per DATABASE_REPLICA_CHECK_INTERVAL_SECONDS and
cached; concurrent readers share one measurement. What matters is how old the newest
data the replica may be missing can be, and each measurement gives two upper bounds
on it; the smaller wins:

- every check samples the primary's WAL position (`pg_current_wal_lsn()`): a replica
  that has replayed past the sample taken at time t has everything committed before
  t (0 when it is past the sample just taken);
- `now() - pg_last_xact_replay_timestamp()`: it has everything committed up to its
  last replayed transaction.

The second alone is wrong on a quiet primary (nothing to replay, so the last
transaction gets old while the replica is current); the first alone over-estimates
right after a quiet spell (the previous sample is old). Both err towards the primary.
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
from collections import deque
from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from server import metrics

log = logging.getLogger(__name__)

CHECK_TIMEOUT_SECONDS = 2.0  # a replica that cannot answer this fast is treated as down
CATCH_UP_WAIT_SECONDS = 0.1  # how long a check waits for WAL in flight to be replayed


@dataclass(frozen=True, slots=True)
class ReplicaState:
    """`reason` is "ok", "lagging" or "down"; `lag_seconds` is None when unknown."""

    usable: bool
    reason: str
    lag_seconds: float | None
    checked_at: float  # time.monotonic()


class ReplicaMonitor:
    def __init__(
        self,
        primary: AsyncEngine,
        replica: AsyncEngine,
        *,
        max_lag_seconds: float,
        check_interval_seconds: float,
    ) -> None:
        self._primary = primary
        self._replica = replica
        self.max_lag_seconds = max_lag_seconds
        self.check_interval_seconds = check_interval_seconds
        self._state: ReplicaState | None = None
        self._check: asyncio.Future[ReplicaState] | None = None
        self._samples: deque[tuple[float, int]] = deque(maxlen=64)  # (when, primary LSN)

    @property
    def state(self) -> ReplicaState | None:
        """The last measurement, without measuring."""
        return self._state

    async def current(self) -> ReplicaState:
        """The last measurement; one older than the check interval is renewed in the
        background, so no read waits for it (only the very first measurement is awaited)."""
        state = self._state
        if state is None:
            return await self.refresh()
        if time.monotonic() - state.checked_at >= self.check_interval_seconds:
            self._measuring()
        return state

    async def refresh(self) -> ReplicaState:
        """Measure now (joining a measurement already under way)."""
        # Shielded: a reader that is cancelled must not cancel the others' measurement.
        return await asyncio.shield(self._measuring())

    def _measuring(self) -> asyncio.Future[ReplicaState]:
        check = self._check
        if check is None or check.done() or check.get_loop() is not asyncio.get_running_loop():
            check = self._check = asyncio.ensure_future(self._measure())
        return check

    async def close(self) -> None:
        """Let a measurement under way finish before the engines go."""
        if self._check is not None and not self._check.done():
            await asyncio.wait([self._check], timeout=CHECK_TIMEOUT_SECONDS)

    def mark_down(self, error: BaseException) -> None:
        """A reader could not reach the replica: stop using it until the next check."""
        self._set(ReplicaState(False, "down", None, time.monotonic()), error)

    async def _measure(self) -> ReplicaState:
        try:
            lag = await asyncio.wait_for(self._lag_seconds(), CHECK_TIMEOUT_SECONDS)
        except Exception as error:  # unreachable, timed out, not PostgreSQL: all mean down
            state = ReplicaState(False, "down", None, time.monotonic())
            self._set(state, error)
            return state
        usable = lag <= self.max_lag_seconds
        state = ReplicaState(usable, "ok" if usable else "lagging", lag, time.monotonic())
        self._set(state)
        return state

    async def _lag_seconds(self) -> float:
        # The primary's position first: a replica that has replayed up to it has
        # everything committed before this check.
        sampled_at = time.monotonic()
        async with self._primary.connect() as connection:
            lsn = await connection.execute(text("SELECT pg_current_wal_lsn()::text"))
            current = _lsn(str(lsn.scalar_one()))
        self._samples.append((sampled_at, current))
        async with self._replica.connect() as connection:
            row = (
                await connection.execute(
                    text(
                        "SELECT pg_is_in_recovery(), pg_last_wal_replay_lsn()::text, "
                        "EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp())"
                    )
                )
            ).one()
            in_recovery, replayed, replay_age = row
            if not in_recovery:
                return 0.0  # not a standby: a primary, or a pooler in front of one
            # WAL in flight takes milliseconds: give a healthy replica a moment to reach
            # the position just sampled rather than judge it by an older bound.
            deadline = sampled_at + CATCH_UP_WAIT_SECONDS
            while replayed is not None and _lsn(replayed) < current:
                if time.monotonic() >= deadline:
                    break
                await asyncio.sleep(0.01)
                position = await connection.execute(text("SELECT pg_last_wal_replay_lsn()::text"))
                replayed = position.scalar_one()
        observed_at = time.monotonic()
        bounds = [max(float(replay_age), 0.0)] if replay_age is not None else []
        if replayed is not None:
            passed = [at for at, position in self._samples if position <= _lsn(replayed)]
            if passed:  # it has everything committed before that sample was taken
                bounds.append(observed_at - max(passed))
        return min(bounds, default=math.inf)

    def _set(self, state: ReplicaState, error: BaseException | None = None) -> None:
        before = self._state
        self._state = state
        metrics.DB_REPLICA_USABLE.set(1 if state.usable else 0)
        if state.lag_seconds is not None and math.isfinite(state.lag_seconds):
            metrics.DB_REPLICA_LAG.set(state.lag_seconds)
        if before is not None and before.reason == state.reason:
            return
        if state.usable:
            log.info("read replica in use (lag %.3f s)", state.lag_seconds or 0.0)
        elif state.reason == "lagging":
            log.warning(
                "read replica %.1f s behind (bound %.1f s): reads go to the primary",
                state.lag_seconds,
                self.max_lag_seconds,
            )
        else:
            log.warning("read replica unreachable (%r): reads go to the primary", error)


def _lsn(position: str) -> int:
    """A WAL position as PostgreSQL prints it (`16/B374D848`) as a number."""
    high, _, low = position.partition("/")
    return (int(high, 16) << 32) + int(low, 16)
