"""Prometheus metrics shared across the process (exposed on /metrics with issue 8's work)."""

from __future__ import annotations

from prometheus_client import Counter, Gauge

EVENTS_PUBLISHED = Counter("iworkz_events_published_total", "Domain events published", ["name"])
EVENTS_PUBLISH_FAILURES = Counter(
    "iworkz_events_publish_failures_total", "Domain events that could not be published", ["name"]
)
EVENTS_DELIVERED = Counter(
    "iworkz_events_delivered_total", "Events handed to local listeners (subscriptions)"
)
EVENT_LISTENERS = Gauge("iworkz_event_listeners", "Local event listeners (open subscriptions)")
SLOW_SUBSCRIBERS = Counter(
    "iworkz_slow_subscribers_total", "Subscribers disconnected because their buffer overflowed"
)
BUS_RECONNECTS = Counter("iworkz_event_bus_reconnects_total", "Redis pub/sub reconnections")
WEBSOCKETS_OPEN = Gauge("iworkz_websocket_connections", "Open GraphQL WebSocket connections")
