"""Helpers for the observability tests: read /metrics, capture the real log output, and a
fake Sentry that records the envelopes the SDK sends."""

from __future__ import annotations

import contextlib
import gzip
import io
import json
import logging
import threading
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
from prometheus_client.parser import text_string_to_metric_families

from server.observability.log_format import build_handler

Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


async def scrape(client: httpx.AsyncClient, **headers: str) -> Samples:
    response = await client.get("/metrics", headers=headers)
    assert response.status_code == 200, response.text
    samples: Samples = {}
    for family in text_string_to_metric_families(response.text):
        for sample in family.samples:
            samples[(sample.name, frozenset(sample.labels.items()))] = sample.value
    return samples


def value(samples: Samples, name: str, **labels: str) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


def family_names(text: str) -> set[str]:
    """Every name a PromQL expression may use for the exposed metrics: family names, their
    sample names (`_total`, `_bucket`, `_sum`, `_count`, …)."""
    names: set[str] = set()
    for family in text_string_to_metric_families(text):
        names.add(family.name)
        suffixes = {
            "counter": ["_total", "_created"],
            "histogram": ["_bucket", "_sum", "_count", "_created"],
            "summary": ["_sum", "_count", "_created"],
        }.get(family.type, [])
        names.update(family.name + suffix for suffix in suffixes)
        names.update(sample.name for sample in family.samples)
    return names


@dataclass
class CapturedLogs:
    stream: io.StringIO

    @property
    def text(self) -> str:
        return self.stream.getvalue()

    def lines(self) -> list[dict[str, Any]]:
        return [json.loads(line) for line in self.text.splitlines() if line.strip()]


@contextlib.contextmanager
def captured_logs(level: int = logging.INFO) -> Iterator[CapturedLogs]:
    """The root logger's output through the production handler (JSON, request id,
    redaction), at `level` for every library, for the duration of the block."""
    captured = CapturedLogs(io.StringIO())
    handler = build_handler("json", captured.stream)
    root = logging.getLogger()
    previous = root.level
    root.addHandler(handler)
    root.setLevel(level)
    try:
        yield captured
    finally:
        root.removeHandler(handler)
        root.setLevel(previous)


@dataclass
class FakeSentry:
    """A local HTTP server that accepts Sentry envelopes (gzip, deflate or brotli)."""

    bodies: list[bytes] = field(default_factory=list)
    port: int = 0

    @property
    def dsn(self) -> str:
        return f"http://public@127.0.0.1:{self.port}/1"

    def events(self, kind: str = "event") -> list[dict[str, Any]]:
        """The items of one type of every envelope received: `event` (errors and
        messages), `transaction` (traces)."""
        found = []
        for body in self.bodies:
            lines = body.split(b"\n")
            index = 1
            while index + 1 < len(lines):
                header = json.loads(lines[index] or b"{}")
                payload = lines[index + 1]
                if header.get("type") == kind:
                    found.append(json.loads(payload))
                index += 2
        return found


def _decoded(body: bytes, encoding: str) -> bytes:
    if encoding == "gzip":
        return gzip.decompress(body)
    if encoding == "deflate":
        return zlib.decompress(body)
    if encoding == "br":
        import brotli  # type: ignore[import-not-found]

        return bytes(brotli.decompress(body))
    return body


@contextlib.contextmanager
def fake_sentry() -> Iterator[FakeSentry]:
    sentry = FakeSentry()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            sentry.bodies.append(_decoded(body, self.headers.get("Content-Encoding", "")))
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(b"{}")

        def log_message(self, format: str, *args: Any) -> None:
            """Quiet."""

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    sentry.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield sentry
    finally:
        server.shutdown()
        server.server_close()
