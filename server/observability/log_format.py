"""Log records as one JSON object per line (production) or readable text (development).

Structured values travel in a record's `fields` (see `log_fields`), so the access
log and the job log are machine-readable without parsing messages. Two filters
run on the handler, for every record of every library: one stamps the current
request id, one redacts secrets and personal data (server/observability/redaction.py).
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from typing import Any

from server.observability.context import current_request_id
from server.observability.redaction import redact, redact_text

# Keys the JSON line sets itself; structured fields cannot overwrite them.
_BASE_KEYS = frozenset({"ts", "level", "logger", "message", "exc", "stack"})


def log_fields(**fields: Any) -> dict[str, Any]:
    """`extra=` for a structured log line: `log.info("request", extra=log_fields(...))`."""
    return {"fields": fields}


class RequestContextFilter(logging.Filter):
    """Stamps the current request id on every record (jobs restore theirs, see jobs.py)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "request_id", None) is None:
            record.request_id = current_request_id()
        return True


class RedactingFilter(logging.Filter):
    """Rewrites the record in place: message (arguments merged in), traceback, stack and
    structured fields all redacted, so no handler after it can see the originals."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a bad format string: keep what there is, redacted
            message = f"{record.msg} {record.args}"
        record.msg, record.args = redact_text(message), None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact_text(record.exc_text)
        if record.stack_info:
            record.stack_info = redact_text(record.stack_info)
        fields = getattr(record, "fields", None)
        if isinstance(fields, dict):
            record.fields = redact(fields)
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        request_id = getattr(record, "request_id", None)
        if request_id is not None:
            entry["request_id"] = request_id
        fields = getattr(record, "fields", None)
        if isinstance(fields, dict):
            entry.update((k, v) for k, v in fields.items() if k not in _BASE_KEYS)
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            entry["exc"] = record.exc_text
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        return json.dumps(entry, default=str, ensure_ascii=False)


class TextFormatter(logging.Formatter):
    """`time LEVEL logger [request id] message key=value …` for a terminal."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s%(request_tag)s %(message)s")

    def formatMessage(self, record: logging.LogRecord) -> str:
        request_id = getattr(record, "request_id", None)
        record.request_tag = f" [{request_id}]" if request_id is not None else ""
        line = super().formatMessage(record)
        fields = getattr(record, "fields", None)
        if isinstance(fields, dict):
            line += "".join(f" {k}={v}" for k, v in fields.items() if v is not None)
        return line


def build_handler(log_format: str, stream: Any = None) -> logging.Handler:
    """A stream handler with our format and both filters (also what the tests capture with)."""
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter() if log_format == "json" else TextFormatter())
    handler.addFilter(RequestContextFilter())
    handler.addFilter(RedactingFilter())
    return handler
