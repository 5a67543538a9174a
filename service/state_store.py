"""Per-user state: the item history (source of truth) and, per model version, the encoder's K/V cache,
window and state vector. Writes are compare-and-set on a history version counter.

`InMemoryStore` is the embedded default; `service.redis_store.RedisStore` has the same interface.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from typing import Protocol

import numpy as np


@dataclass(frozen=True)
class ModelState:
    """What one model version derived from history version `history_version`."""

    history_version: int
    window: np.ndarray  # (P,) int64 catalog rows in the encoder's window
    kv: bytes  # float16 K/V of the window (service.kv_codec)
    state: np.ndarray  # (D,) float32 user state after the last event


@dataclass(frozen=True)
class UserRecord:
    version: int  # history version; 0 = unknown user
    items: np.ndarray  # (n,) int64 external item ids, oldest first
    model: ModelState | None  # None when missing or computed from an older history

    @classmethod
    def new(cls) -> UserRecord:
        return cls(version=0, items=np.zeros(0, dtype=np.int64), model=None)


class StateStore(Protocol):
    async def load(self, user_id: str, model_version: str) -> UserRecord: ...

    async def save(
        self,
        user_id: str,
        model_version: str,
        *,
        expected_version: int,
        items: np.ndarray | None,
        model: ModelState,
    ) -> bool:
        """Atomically: if the history version still equals `expected_version`, write `items` (bumping the
        version; None keeps the history as is) and the model state. False when another writer won."""
        ...

    async def append_events(self, events: list[dict[str, str]]) -> None: ...

    async def ping(self) -> None: ...

    async def close(self) -> None: ...


class InMemoryStore:
    """In-process store for one replica (the demo and tests). Each method runs without awaiting, so
    on one event loop every call is atomic."""

    def __init__(self, *, event_log_cap: int = 100_000) -> None:
        self._history: dict[str, tuple[int, np.ndarray]] = {}
        self._models: dict[tuple[str, str], ModelState] = {}
        self.events: deque[dict[str, str]] = deque(maxlen=event_log_cap)

    async def load(self, user_id: str, model_version: str) -> UserRecord:
        version, items = self._history.get(user_id, (0, np.zeros(0, dtype=np.int64)))
        model = self._models.get((user_id, model_version))
        if model is not None and model.history_version != version:
            model = None
        return UserRecord(version=version, items=items, model=model)

    async def save(
        self,
        user_id: str,
        model_version: str,
        *,
        expected_version: int,
        items: np.ndarray | None,
        model: ModelState,
    ) -> bool:
        version, _ = self._history.get(user_id, (0, None))
        if version != expected_version:
            return False
        if items is not None:
            version += 1
            self._history[user_id] = (version, items.copy())
        self._models[(user_id, model_version)] = ModelState(
            history_version=version, window=model.window, kv=model.kv, state=model.state
        )
        return True

    async def append_events(self, events: list[dict[str, str]]) -> None:
        self.events.extend(events)

    async def ping(self) -> None:
        return None

    async def close(self) -> None:
        return None
