"""Leave-one-out full-ranking evaluation: rank all items, mask the user's earlier items."""

from __future__ import annotations

import numpy as np
import torch

from model.batching import right_pad
from model.heterrec import SeqRecModel
from model.metrics import KS, metrics_from_ranks, target_ranks


@torch.no_grad()
def user_states(model: SeqRecModel, histories: list[np.ndarray], item_input: torch.Tensor) -> torch.Tensor:
    """(B, D) state after the last item of each history's last `max_len` items."""
    device = item_input.device
    padded, lengths = right_pad(histories, model.cfg.max_len)
    hist = torch.from_numpy(padded).to(device)
    states = model.encode(hist, item_input)  # (B, L, D)
    last = torch.from_numpy(lengths - 1).to(device)
    return states[torch.arange(len(histories), device=device), last]


@torch.no_grad()
def evaluate(
    model: SeqRecModel,
    histories: list[np.ndarray],
    targets: np.ndarray,
    *,
    batch_size: int = 512,
    ks: tuple[int, ...] = KS,
) -> dict[str, float]:
    """Masked metrics (earlier items of the user removed from the ranking, the target kept) plus the
    same metrics unmasked under `unmasked/`."""
    was_training = model.training
    model.eval()
    device = model.token_table.device
    vecs = model.item_vectors()
    masked_ranks: list[np.ndarray] = []
    plain_ranks: list[np.ndarray] = []
    # Batches of similar length keep padding small; metrics are means, so the order does not matter.
    order = np.argsort([len(h) for h in histories], kind="stable")
    for lo in range(0, len(order), batch_size):
        sel = order[lo : lo + batch_size]
        hs = [histories[i] for i in sel]
        tgt = torch.from_numpy(targets[sel]).to(device)
        scores = user_states(model, hs, vecs.input) @ vecs.output[1:].T  # (B, n_items)
        plain_ranks.append(target_ranks(scores, tgt).cpu().numpy())
        seen = torch.from_numpy(right_pad(hs, max(len(h) for h in hs))[0]).to(device)  # (B, H), 0 = pad
        mask = torch.zeros(scores.shape[0], scores.shape[1] + 1, dtype=torch.bool, device=device)
        mask.scatter_(1, seen, True)
        mask[:, 0] = False
        mask[torch.arange(len(hs), device=device), tgt] = False  # a repeated target stays rankable
        scores = scores.masked_fill(mask[:, 1:], float("-inf"))
        masked_ranks.append(target_ranks(scores, tgt).cpu().numpy())
    model.train(was_training)
    out = metrics_from_ranks(np.concatenate(masked_ranks), ks)
    out.update({f"unmasked/{k}": v for k, v in metrics_from_ranks(np.concatenate(plain_ranks), ks).items()})
    return out
