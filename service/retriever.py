"""Top-k retrieval over the FAISS index with exclusions and filters, never short of k when k items qualify."""

from __future__ import annotations

from dataclasses import dataclass

import faiss
import numpy as np

# Below this many allowed items, scoring them directly is cheaper and exact.
DIRECT_SCORING_MAX = 4096


@dataclass(frozen=True)
class Hits:
    rows: np.ndarray  # (k',) catalog rows, best first
    scores: np.ndarray  # (k',)


class Retriever:
    def __init__(self, index: faiss.Index, output_vectors: np.ndarray) -> None:
        self.index = index
        self.vectors = np.ascontiguousarray(output_vectors, dtype=np.float32)  # (n_items + 1, D)
        self.n_items = len(output_vectors) - 1

    def top_k(
        self, state: np.ndarray, k: int, *, exclude: np.ndarray | None = None, allowed: np.ndarray | None = None
    ) -> Hits:
        """state: (D,). exclude: rows to drop; allowed: (n_items + 1,) bool mask or None."""
        blocked = np.zeros(self.n_items + 1, dtype=bool)
        blocked[0] = True
        if exclude is not None and len(exclude):
            blocked[exclude] = True
        if allowed is not None:
            blocked |= ~allowed
        n_ok = self.n_items + 1 - int(blocked.sum())
        k = min(k, n_ok)
        if k <= 0:
            return Hits(rows=np.zeros(0, dtype=np.int64), scores=np.zeros(0, dtype=np.float32))
        if allowed is not None and n_ok <= DIRECT_SCORING_MAX:
            rows = np.flatnonzero(~blocked)
            scores = self.vectors[rows] @ state.astype(np.float32)
            top = np.argsort(-scores, kind="stable")[:k]
            return Hits(rows=rows[top], scores=scores[top])
        fetch = k + int(blocked[1:].sum()) if allowed is None else 4 * k
        query = np.ascontiguousarray(state[None, :], dtype=np.float32)
        while True:
            fetch = min(fetch, self.n_items)
            scores, rows = self.index.search(query, fetch)
            keep = (rows[0] > 0) & ~blocked[np.maximum(rows[0], 0)]
            if keep.sum() >= k or fetch >= self.n_items:
                sel = np.flatnonzero(keep)[:k]
                return Hits(rows=rows[0][sel].astype(np.int64), scores=scores[0][sel])
            fetch *= 2
