"""The arq worker's liveness: a Redis key the worker refreshes while its loop runs.

Kept free of the task imports so that `iworkz worker --check` (a Kubernetes exec
probe and the compose healthcheck, run every few seconds) starts in a blink.
arq's own key is one per queue, which says only that *some* worker is alive; this
one is per host (pod or container), so each probe judges its own process.
"""

from __future__ import annotations

import socket

from redis import Redis
from redis.exceptions import RedisError

from server.settings import Settings

# The worker writes the key this often; it lives one second longer.
HEALTH_CHECK_INTERVAL_SECONDS = 10


def health_check_key(settings: Settings) -> str:
    return f"{settings.job_queue_name}:health-check:{socket.gethostname()}"


def worker_is_alive(settings: Settings) -> bool:
    """True when this host's worker refreshed its key within the last interval."""
    if not settings.redis_url:
        return False
    client = Redis.from_url(settings.redis_url, socket_timeout=3, socket_connect_timeout=3)
    try:
        return bool(client.exists(health_check_key(settings)))
    except RedisError:
        return False
    finally:
        client.close()
