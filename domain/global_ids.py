"""Relay global IDs as clients see them: base64 of "TypeName:uuid".

Encoding lives here, in domain/, because IDs leave the API by other roads than
GraphQL too (webhook payloads, push data); `schema/ids.py` re-exports it and
adds the decoding that only GraphQL inputs need.
"""

from __future__ import annotations

import base64
import uuid


def to_global_id(type_name: str, pk: uuid.UUID) -> str:
    return base64.b64encode(f"{type_name}:{pk}".encode()).decode()
