"""Password hashing with argon2id (OWASP's minimum: 19 MiB, 2 passes, 1 lane).

Hashing is CPU-bound, so it runs in a thread and never stalls the event loop.
"""

from __future__ import annotations

import asyncio

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1)
# Verified against when the account does not exist, so timing does not reveal which emails exist.
_DUMMY_HASH = _hasher.hash("not a real password")


async def hash_password(password: str) -> str:
    return await asyncio.to_thread(_hasher.hash, password)


def verify_secret(secret_hash: str | None, secret: str) -> bool:
    """Blocking check; with no hash, still spends the time of one (no timing oracle)."""
    try:
        return _hasher.verify(secret_hash or _DUMMY_HASH, secret) and bool(secret_hash)
    except (VerificationError, InvalidHashError):
        return False


async def verify_password(password_hash: str | None, password: str) -> bool:
    return await asyncio.to_thread(verify_secret, password_hash, password)
