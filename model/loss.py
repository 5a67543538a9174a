"""LMP: listwise multi-step prediction loss.

From the state at position t predict each of the next K items; step k is a softmax over the positive
and either the full catalog or negatives shared by the whole batch, weighted by decay**k.
K = 1 is the usual next-item cross-entropy.
"""

from __future__ import annotations

import torch


def step_weights(steps: int, decay: float, device: torch.device | None = None) -> torch.Tensor:
    """(K,) weights decay**k for k = 0..K-1."""
    return decay ** torch.arange(steps, dtype=torch.float32, device=device)


def _weighted_mean_nll(log_probs: torch.Tensor, targets: torch.Tensor, weights: torch.Tensor) -> torch.Tensor:
    """Mean over valid (target > 0) entries of -log p, each step weighted; (N, K) inputs -> scalar."""
    w = weights[None, :] * (targets > 0).to(log_probs.dtype)  # (N, K)
    total = w.sum()
    if total == 0:
        return log_probs.sum() * 0.0
    return -(torch.where(w > 0, log_probs, torch.zeros_like(log_probs)) * w).sum() / total


def full_softmax_lmp(
    states: torch.Tensor,  # (N, D)
    targets: torch.Tensor,  # (N, K) catalog rows, 0 = no target (masked)
    catalog_out: torch.Tensor,  # (n_items + 1, D) output vectors, row 0 = padding
    weights: torch.Tensor,  # (K,)
    temperature: float = 1.0,
) -> torch.Tensor:
    logits = states @ catalog_out[1:].T / temperature  # (N, n_items)
    log_z = torch.logsumexp(logits, dim=-1, keepdim=True)  # (N, 1)
    pos = logits.gather(1, (targets - 1).clamp(min=0))  # (N, K)
    return _weighted_mean_nll(pos - log_z, targets, weights)


def sampled_softmax_lmp(
    states: torch.Tensor,  # (N, D)
    targets: torch.Tensor,  # (N, K) catalog rows, 0 = masked
    target_out: torch.Tensor,  # (N, K, D) output vectors of the targets
    negatives: torch.Tensor,  # (S,) catalog rows shared by the batch
    negative_out: torch.Tensor,  # (S, D)
    weights: torch.Tensor,  # (K,)
    temperature: float = 1.0,
) -> torch.Tensor:
    pos = (states[:, None, :] * target_out).sum(-1) / temperature  # (N, K)
    neg = states @ negative_out.T / temperature  # (N, S)
    # A sampled negative that equals the step's positive is not a negative for that step.
    clash = negatives[None, None, :] == targets[:, :, None]  # (N, K, S)
    neg = neg[:, None, :].masked_fill(clash, float("-inf"))  # (N, K, S)
    log_z = torch.logsumexp(torch.cat([pos[..., None], neg], dim=-1), dim=-1)  # (N, K)
    return _weighted_mean_nll(pos - log_z, targets, weights)
