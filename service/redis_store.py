"""Redis implementation of the state store.

Keys (the `{user}` hash tag keeps a user's keys in one Redis Cluster slot, so the Lua script may touch both):
  hr:{<user>}:hist         hash  ver (history version), items (int64 external ids)
  hr:{<user>}:m:<model>    hash  hv (history version it was computed from), win, kv (float16), state (float32)
  <stream_key>             stream of every accepted event (the durable log to rebuild state from)
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import numpy as np
import redis.asyncio as aioredis
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import RedisError
from redis.exceptions import TimeoutError as RedisTimeoutError

from service.errors import StoreUnavailableError
from service.state_store import ModelState, UserRecord

log = logging.getLogger(__name__)
T = TypeVar("T")

CAS_SCRIPT = """
local cur = tonumber(redis.call('HGET', KEYS[1], 'ver') or '0')
if cur ~= tonumber(ARGV[1]) then return 0 end
local ver = cur
if ARGV[3] == '1' then
  ver = cur + 1
  redis.call('HSET', KEYS[1], 'ver', ver, 'items', ARGV[2])
end
redis.call('HSET', KEYS[2], 'hv', ver, 'win', ARGV[4], 'kv', ARGV[5], 'state', ARGV[6])
local ttl = tonumber(ARGV[7])
if ttl > 0 then
  redis.call('EXPIRE', KEYS[1], ttl)
  redis.call('EXPIRE', KEYS[2], ttl)
end
return 1
"""


def history_key(user_id: str) -> str:
    return f"hr:{{{user_id}}}:hist"


def model_key(user_id: str, model_version: str) -> str:
    return f"hr:{{{user_id}}}:m:{model_version}"


class RedisStore:
    def __init__(
        self,
        url: str,
        *,
        ttl_seconds: int = 0,
        stream_key: str = "hr:events",
        stream_maxlen: int = 1_000_000,
        timeout_seconds: float = 2.0,
    ) -> None:
        self.client = aioredis.Redis.from_url(
            url, socket_timeout=timeout_seconds, socket_connect_timeout=timeout_seconds, health_check_interval=10
        )
        self.ttl = ttl_seconds
        self.stream_key = stream_key
        self.stream_maxlen = stream_maxlen
        self._cas = self.client.register_script(CAS_SCRIPT)

    async def _call(self, what: str, fn: Callable[[], Awaitable[T]]) -> T:
        try:
            return await fn()
        except (RedisConnectionError, RedisTimeoutError, OSError) as exc:
            raise StoreUnavailableError(f"redis unreachable during {what}: {exc}") from exc
        except RedisError as exc:
            raise StoreUnavailableError(f"redis error during {what}: {exc}") from exc

    async def load(self, user_id: str, model_version: str) -> UserRecord:
        async def run() -> list[Any]:
            async with self.client.pipeline(transaction=True) as pipe:
                pipe.hmget(history_key(user_id), ["ver", "items"])
                pipe.hmget(model_key(user_id, model_version), ["hv", "win", "kv", "state"])
                return await pipe.execute()  # type: ignore[no-any-return]

        (ver, items), (hv, win, kv, state) = await self._call("load", run)
        version = int(ver or 0)
        hist = np.frombuffer(items, dtype=np.int64).copy() if items else np.zeros(0, dtype=np.int64)
        model = None
        if hv is not None and int(hv) == version and win is not None and state is not None:
            model = ModelState(
                history_version=version,
                window=np.frombuffer(win, dtype=np.int64).copy(),
                kv=bytes(kv or b""),
                state=np.frombuffer(state, dtype=np.float32).copy(),
            )
        return UserRecord(version=version, items=hist, model=model)

    async def save(
        self,
        user_id: str,
        model_version: str,
        *,
        expected_version: int,
        items: np.ndarray | None,
        model: ModelState,
    ) -> bool:
        args: list[bytes | str | int] = [
            expected_version,
            b"" if items is None else np.ascontiguousarray(items, dtype=np.int64).tobytes(),
            "0" if items is None else "1",
            np.ascontiguousarray(model.window, dtype=np.int64).tobytes(),
            model.kv,
            np.ascontiguousarray(model.state, dtype=np.float32).tobytes(),
            self.ttl,
        ]
        keys = [history_key(user_id), model_key(user_id, model_version)]
        result = await self._call("save", lambda: self._cas(keys=keys, args=args))
        return bool(result)

    async def append_events(self, events: list[dict[str, str]]) -> None:
        async def run() -> None:
            async with self.client.pipeline(transaction=False) as pipe:
                for e in events:
                    pipe.xadd(self.stream_key, e, maxlen=self.stream_maxlen, approximate=True)  # type: ignore[arg-type]
                await pipe.execute()

        await self._call("append_events", run)

    async def ping(self) -> None:
        await self._call("ping", self.client.ping)  # type: ignore[arg-type]

    async def close(self) -> None:
        await self.client.aclose()
