"""FAISS index over the catalog's output item vectors; FAISS ids are catalog rows (1..n_items).

Flat (exact maximum inner product) by default; HNSW or IVF are options for large catalogs.
Torch-free: the service uses `search` and `brute_force_topk` from here too.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

import faiss
import numpy as np

IndexKind = Literal["auto", "flat", "hnsw", "ivf"]
AUTO_APPROX_ABOVE = 200_000  # catalogs larger than this get HNSW under kind="auto"


@dataclass(frozen=True)
class IndexOptions:
    kind: IndexKind = "auto"
    hnsw_m: int = 32
    hnsw_ef_construction: int = 200
    hnsw_ef_search: int = 256
    ivf_nlist: int = 0  # 0 = about 4·sqrt(n)
    ivf_nprobe: int = 0  # 0 = nlist / 4


def resolve_kind(kind: IndexKind, n_items: int) -> str:
    if kind == "auto":
        return "hnsw" if n_items > AUTO_APPROX_ABOVE else "flat"
    if kind not in ("flat", "hnsw", "ivf"):
        raise ValueError(f"index kind must be auto, flat, hnsw or ivf, not {kind!r}")
    return kind


def build_index(output_vectors: np.ndarray, options: IndexOptions = IndexOptions()) -> faiss.Index:
    """output_vectors: (n_items + 1, D) float32, row 0 = padding (not indexed)."""
    vecs = np.ascontiguousarray(output_vectors[1:], dtype=np.float32)
    n, d = vecs.shape
    ids = np.arange(1, n + 1, dtype=np.int64)
    kind = resolve_kind(options.kind, n)
    base: faiss.Index
    if kind == "flat":
        base = faiss.IndexFlatIP(d)
    elif kind == "hnsw":
        hnsw = faiss.IndexHNSWFlat(d, options.hnsw_m, faiss.METRIC_INNER_PRODUCT)
        hnsw.hnsw.efConstruction = options.hnsw_ef_construction
        hnsw.hnsw.efSearch = options.hnsw_ef_search
        base = hnsw
    else:
        nlist = options.ivf_nlist or max(1, min(n // 39, int(4 * math.sqrt(n))))
        ivf = faiss.IndexIVFFlat(faiss.IndexFlatIP(d), d, nlist, faiss.METRIC_INNER_PRODUCT)
        ivf.train(vecs)
        ivf.nprobe = options.ivf_nprobe or max(1, nlist // 4)
        base = ivf
    index = faiss.IndexIDMap2(base)
    index.add_with_ids(vecs, ids)
    return index


def search(index: faiss.Index, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """(B, D) queries -> ((B, k) scores, (B, k) catalog rows); rows are -1 where fewer than k exist."""
    scores, rows = index.search(np.ascontiguousarray(queries, dtype=np.float32), k)
    return scores, rows


def brute_force_topk(output_vectors: np.ndarray, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """The slow reference beside `search`: exact top-k by numpy over rows 1..n_items."""
    scores = queries.astype(np.float32) @ output_vectors[1:].T.astype(np.float32)  # (B, n_items)
    k = min(k, scores.shape[1])
    top = np.argpartition(-scores, k - 1, axis=1)[:, :k]
    top_scores = np.take_along_axis(scores, top, axis=1)
    order = np.argsort(-top_scores, axis=1, kind="stable")
    return np.take_along_axis(top_scores, order, axis=1), np.take_along_axis(top, order, axis=1) + 1
