"""Full-ranking top-K metrics for leave-one-out evaluation (one target per user)."""

from __future__ import annotations

import numpy as np
import torch

KS = (5, 10, 20)


def target_ranks(scores: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    """0-based rank of each target among all items: how many items score strictly higher.

    scores: (B, n_items) for catalog rows 1..n_items; targets: (B,) catalog rows.
    """
    target_score = scores.gather(1, (targets - 1)[:, None])  # (B, 1)
    return (scores > target_score).sum(dim=1)


def metrics_from_ranks(ranks: np.ndarray, ks: tuple[int, ...] = KS) -> dict[str, float]:
    """Recall@k (= hit rate with one target) and NDCG@k, averaged over users."""
    out: dict[str, float] = {}
    for k in ks:
        hit = ranks < k
        out[f"recall@{k}"] = float(hit.mean()) if len(ranks) else 0.0
        out[f"ndcg@{k}"] = float(np.where(hit, 1.0 / np.log2(ranks + 2.0), 0.0).mean()) if len(ranks) else 0.0
    return out
