"""Instance locks: two runs of one instance never execute at once, whatever the number of workers.

A Redis lock (redis-py's `Lock`: SET NX PX with a token, extended and released by Lua) with a short
expiry that the holder keeps extending: a worker that dies (SIGKILL) frees the instance when the
lock expires, without anyone having to clean up.
"""

from __future__ import annotations

from redis.asyncio import Redis
from redis.asyncio.lock import Lock
from redis.exceptions import LockError

LOCK_TTL_SECONDS = 30.0


class InstanceLock:
    def __init__(self, redis: Redis, instance_id: str, ttl: float = LOCK_TTL_SECONDS) -> None:
        self._lock: Lock = redis.lock(f"ezy:lock:instance:{instance_id}", timeout=ttl, blocking=False)

    async def acquire(self) -> bool:
        return bool(await self._lock.acquire(blocking=False))

    async def extend(self) -> bool:
        """Back to the full expiry; False when the lock was lost (expired and taken)."""
        try:
            return bool(await self._lock.reacquire())
        except LockError:
            return False

    async def release(self) -> None:
        try:
            await self._lock.release()
        except LockError:
            pass  # expired already: nothing of ours to release
