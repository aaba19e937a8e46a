"""Redaction of secrets and personal data, for log lines and Sentry events alike.

The first defence is not to log such values at all; this is the safety net for
what slips through anyway: a library logging a request, an exception message
quoting an input (pydantic's `input_value=…`, PostgreSQL's `Key (email)=(…)`),
a header dumped while debugging. Two rules:

- by key: a mapping entry (a log record's structured fields, a Sentry event's
  request, extra, breadcrumb data, …) whose key names a secret or a personal
  field loses its value;
- by shape: in free text, `key=value` / `"key": "value"` pairs with such keys,
  bearer credentials, JWTs, webhook secrets, e-mail addresses, phone numbers and
  residence-card numbers are replaced.

Both err on the side of removing too much: a log line missing a value costs a
little debugging time, a leaked one cannot be taken back.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

FILTERED = "[Filtered]"

# Names (normalised: lower case, no `_`/`-`) whose values are never kept.
_KEY_WORDS = (
    "password",
    "passwd",
    "secret",
    "token",
    "authorization",
    "cookie",
    "apikey",
    "privatekey",
    "dsn",
    "email",
    "phone",
    "birth",
    "address",
    "postal",
    "residencecard",
    "cardnumber",
    "document",
    "displayname",
    "fullname",
    "firstname",
    "lastname",
    "inputvalue",
    "variables",
)
# Keys of our own structured log fields that contain a listed word but are safe.
_SAFE_KEYS = frozenset({"clientip"})


def is_sensitive_key(key: object) -> bool:
    if not isinstance(key, str):
        return False
    normalised = key.lower().replace("_", "").replace("-", "")
    return normalised not in _SAFE_KEYS and any(word in normalised for word in _KEY_WORDS)


_KEY_PATTERN = (
    r"[A-Za-z_-]*(?:pass(?:word|wd)|secret|token|authorization|api_?key|private_?key|"
    r"phone|birth_?date|address|postal_?code|residence_?card[A-Za-z_]*|input_value|e-?mail)"
    r"[A-Za-z_-]*"
)
_RULES: tuple[tuple[re.Pattern[str], str], ...] = (
    # Credentials in an Authorization header or anywhere else they are quoted.
    (re.compile(r"(?i)\b(bearer|basic)\s+[A-Za-z0-9\-._~+/]+=*"), rf"\1 {FILTERED}"),
    (re.compile(r"\beyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*"), FILTERED),
    (re.compile(r"\bwhsec_[A-Za-z0-9_-]+"), FILTERED),
    # key=value, key: value, "key": "value", 'key': 'value' (and the value quoted or bare).
    (
        re.compile(
            rf"""(?i)(["']?\b{_KEY_PATTERN}["']?\s*[:=]\s*)"""
            r"""("(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|\([^)]*\)|[^\s,;&)}\]]+)"""
        ),
        rf"\1{FILTERED}",
    ),
    (re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}"), FILTERED),
    # Phone numbers: +81 90-1234-5678, 090-1234-5678, 09012345678, +819012345678.
    (
        re.compile(
            r"(?<![\w.+-])(?:\+\d{1,3}[- ]?|0)\d{1,4}[- ]\d{1,4}[- ]\d{3,4}(?![\w-])"
            r"|(?<![\w.+-])(?:\+\d{10,15}|0\d{9,10})(?![\w.])"
        ),
        FILTERED,
    ),
    # Residence-card numbers: two letters, eight digits, two letters.
    (re.compile(r"(?<![A-Za-z0-9])[A-Za-z]{2}\d{8}[A-Za-z]{2}(?![A-Za-z0-9])"), FILTERED),
)


def redact_text(text: str) -> str:
    for pattern, replacement in _RULES:
        text = pattern.sub(replacement, text)
    return text


def redact(value: Any, *, depth: int = 0) -> Any:
    """`value` with sensitive entries of mappings removed and every string redacted."""
    if depth > 12:
        return FILTERED
    if isinstance(value, str):
        return redact_text(value)
    if isinstance(value, Mapping):
        return {
            key: FILTERED if is_sensitive_key(key) else redact(item, depth=depth + 1)
            for key, item in value.items()
        }
    if isinstance(value, list | tuple):
        return type(value)(redact(item, depth=depth + 1) for item in value)
    return value
