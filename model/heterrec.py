"""The sequential recommender: item tower (HTFL) + item-level encoder (HCT), scored by dot product.

One class serves HeterRec, SASRec and the ablations; `ModelConfig` says which.
"""

from __future__ import annotations

import torch
from torch import nn

from model.config import ModelConfig
from model.hct import EncoderOutput, FlatEncoder, ItemLevelEncoder, KVCache
from model.htfl import ItemTower, ItemVectors
from model.layers import init_weights


class SeqRecModel(nn.Module):
    token_table: torch.Tensor  # (n_items + 1, F) buffer

    def __init__(self, cfg: ModelConfig, token_table: torch.Tensor) -> None:
        super().__init__()
        if token_table.shape != (cfg.n_items + 1, cfg.n_tokens):
            raise ValueError(
                f"token table is {tuple(token_table.shape)} but the config wants ({cfg.n_items + 1}, {cfg.n_tokens})"
            )
        self.cfg = cfg
        self.register_buffer("token_table", token_table.to(torch.int64))
        self.tower = ItemTower(cfg)
        self.encoder: ItemLevelEncoder | FlatEncoder
        if cfg.hct == "flat":
            self.encoder = FlatEncoder(cfg, self.tower.htfl)
        else:
            self.encoder = ItemLevelEncoder(cfg)
        self.apply(init_weights)

    def item_vectors(self, rows: torch.Tensor | None = None) -> ItemVectors:
        """Vectors of catalog rows (N,) or of the whole catalog (n_items + 1 rows, row 0 = zeros)."""
        tokens = self.token_table if rows is None else self.token_table[rows]
        return self.tower(tokens)

    def encode(self, history: torch.Tensor, item_input: torch.Tensor | None = None) -> torch.Tensor:
        """history: (B, L) right-padded catalog rows -> (B, L, D) states.

        `item_input` (n_items + 1, D) are precomputed catalog input vectors; without them the tower
        runs once on the distinct rows of the batch (never once per occurrence).
        """
        if isinstance(self.encoder, FlatEncoder):
            return self.encoder(self.token_table[history])
        if item_input is None:
            rows, inverse = torch.unique(history, return_inverse=True)
            x = self.item_vectors(rows).input[inverse]  # (B, L, D)
        else:
            x = item_input[history]
        return self.encoder(x)

    def step(self, item_input: torch.Tensor, positions: torch.Tensor, past: KVCache) -> EncoderOutput:
        """KV-cached update: (B, T, D) new item input vectors at (B, T) positions after `past`."""
        if not isinstance(self.encoder, ItemLevelEncoder):
            raise TypeError("the flat (HCT off) ablation has no per-item KV cache; use encode()")
        return self.encoder.step(item_input, positions, past)
