"""The recommender core (no FastAPI here): ingest events into user state, recommend from it.

ORT and FAISS run in a worker thread so the event loop never blocks on them.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import Literal

import numpy as np
from starlette.concurrency import run_in_threadpool

from export.contract import Manifest
from service import metrics
from service.catalog import Catalog
from service.encoder import Advance, OnnxEncoder
from service.errors import ConflictError
from service.kv_codec import decode_kv, encode_kv
from service.retriever import Retriever
from service.schemas import Filters
from service.state_store import ModelState, StateStore, UserRecord

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Recommendation:
    item_ids: list[int]
    scores: list[float]
    source: Literal["personal", "popular"]


class Recommender:
    def __init__(
        self,
        *,
        manifest: Manifest,
        encoder: OnnxEncoder,
        retriever: Retriever,
        catalog: Catalog,
        store: StateStore,
        history_cap: int = 1000,
        cas_retries: int = 50,
    ) -> None:
        self.m = manifest
        self.encoder = encoder
        self.retriever = retriever
        self.catalog = catalog
        self.store = store
        self.history_cap = history_cap
        self.cas_retries = cas_retries

    @property
    def model_version(self) -> str:
        return self.m.version

    def _history_window(self, record: UserRecord) -> np.ndarray:
        """The newest max_len known items of the history: what a (re-)prefill encodes."""
        return self.catalog.known_rows(record.items)[-self.m.max_len :]

    def _advance(self, record: UserRecord, new_rows: np.ndarray) -> Advance:
        """Runs in a worker thread: one cached step, or a (re-)prefill when the cache is unusable."""
        model = record.model
        if model is not None and len(model.window) and model.kv:
            keys, values = decode_kv(
                model.kv, layers=self.m.layers, heads=self.m.heads, length=len(model.window), head_dim=self.m.head_dim
            )
            return self.encoder.advance(model.window, keys, values, new_rows)
        window = self._history_window(record)
        return self.encoder.advance(window, None, None, new_rows)

    async def ingest_batch(self, events: list[tuple[str, int, dict[str, str]]]) -> dict[str, int]:
        """(user_id, item_id, log record) triples, in arrival order. Every item is validated before any
        user is touched (all or nothing); then each user's events are applied in order.
        Returns each user's sequence length."""
        rows = self.catalog.rows([item for _, item, _ in events])
        by_user: dict[str, list[int]] = {}
        for i, (user, _, _) in enumerate(events):
            by_user.setdefault(user, []).append(i)
        lengths: dict[str, int] = {}
        for user, idx in by_user.items():
            lengths[user] = await self._ingest_user(
                user, [events[i][1] for i in idx], rows[idx], [events[i][2] for i in idx]
            )
        return lengths

    async def _ingest_user(
        self, user_id: str, item_ids: list[int], new_rows: np.ndarray, events: list[dict[str, str]]
    ) -> int:
        """Appends the events to the log, then applies them to the user's state. Returns the sequence length."""
        await self.store.append_events(events)
        for attempt in range(self.cas_retries):
            record = await self.store.load(user_id, self.model_version)
            cached = record.model is not None
            adv = await run_in_threadpool(self._advance, record, new_rows)
            items = np.concatenate([record.items, np.asarray(item_ids, dtype=np.int64)])[-self.history_cap :]
            state = ModelState(
                history_version=record.version + 1,
                window=adv.window,
                kv=encode_kv(adv.result.keys, adv.result.values),
                state=adv.result.state[0],
            )
            if await self.store.save(
                user_id, self.model_version, expected_version=record.version, items=items, model=state
            ):
                metrics.EVENTS.inc(len(item_ids))
                (metrics.CACHE_HITS if cached else metrics.CACHE_MISSES).inc()
                if adv.reprefilled:
                    metrics.REPREFILLS.inc()
                return len(items)
            metrics.CAS_RETRIES.inc()
            log.debug("cas conflict for user %s (attempt %d)", user_id, attempt + 1)
        raise ConflictError(f"user {user_id}: {self.cas_retries} concurrent updates collided; retry the request")

    async def _user_state(self, user_id: str, record: UserRecord) -> np.ndarray | None:
        if record.model is not None:
            metrics.CACHE_HITS.inc()
            return record.model.state
        rows = self._history_window(record)
        if not len(rows):
            return None
        # State made by another model version (or lost): rebuild from history and keep it.
        metrics.CACHE_MISSES.inc()
        metrics.REPREFILLS.inc()
        res = await run_in_threadpool(self.encoder.prefill, rows[None, :])
        state = ModelState(
            history_version=record.version, window=rows, kv=encode_kv(res.keys, res.values), state=res.state[0]
        )
        await self.store.save(user_id, self.model_version, expected_version=record.version, items=None, model=state)
        return state.state

    async def recommend(
        self, user_id: str, k: int, *, exclude_seen: bool = True, filters: Filters | None = None
    ) -> Recommendation:
        allowed = self.catalog.allowed_mask(filters)
        record = await self.store.load(user_id, self.model_version)
        state = await self._user_state(user_id, record) if record.version else None
        seen = self.catalog.known_rows(record.items) if exclude_seen else None
        if state is None:
            return self._popular(k, exclude=seen, allowed=allowed)
        t0 = time.perf_counter()
        hits = await run_in_threadpool(self.retriever.top_k, state, k, exclude=seen, allowed=allowed)
        metrics.RETRIEVAL_SECONDS.observe(time.perf_counter() - t0)
        return Recommendation(
            item_ids=self.catalog.item_ids[hits.rows].tolist(),
            scores=hits.scores.astype(float).tolist(),
            source="personal",
        )

    def _popular(self, k: int, *, exclude: np.ndarray | None, allowed: np.ndarray | None) -> Recommendation:
        rows = self.catalog.popular_rows
        ok = np.ones(self.catalog.n_items + 1, dtype=bool)
        if exclude is not None and len(exclude):
            ok[exclude] = False
        if allowed is not None:
            ok &= allowed
        rows = rows[ok[rows]][:k]
        return Recommendation(
            item_ids=self.catalog.item_ids[rows].tolist(),
            scores=self.catalog.popularity[rows].astype(float).tolist(),
            source="popular",
        )
