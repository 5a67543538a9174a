"""HCT item level: a causal transformer over the history's item vectors, with an explicit KV cache.

`forward` (whole window) and `step` (new items on top of cached keys/values) are siblings; a test
proves them equal. Positions are absolute within the window (0..max_len-1), counted from its start.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from model.config import ModelConfig
from model.htfl import HTFL
from model.layers import Block, causal_mask


@dataclass(frozen=True)
class KVCache:
    """Per item-level layer keys and values, each (B, heads, P, head_dim)."""

    keys: tuple[torch.Tensor, ...]
    values: tuple[torch.Tensor, ...]

    @property
    def length(self) -> int:
        return int(self.keys[0].shape[2])

    @classmethod
    def empty(cls, cfg: ModelConfig, batch: int, device: torch.device | None = None) -> KVCache:
        z = torch.zeros(batch, cfg.item_heads, 0, cfg.head_dim, device=device)
        return cls(keys=(z,) * cfg.item_layers, values=(z,) * cfg.item_layers)


@dataclass(frozen=True)
class EncoderOutput:
    states: torch.Tensor  # (B, T, D): user state after each new item
    cache: KVCache


class ItemLevelEncoder(nn.Module):
    def __init__(self, cfg: ModelConfig) -> None:
        super().__init__()
        self.pos = nn.Embedding(cfg.max_len, cfg.dim)
        self.drop = nn.Dropout(cfg.dropout)
        self.blocks = nn.ModuleList(
            Block(cfg.dim, cfg.item_heads, cfg.ffn_mult, cfg.dropout) for _ in range(cfg.item_layers)
        )
        self.ln = nn.LayerNorm(cfg.dim)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """x: (B, L, D) item vectors of a right-padded window -> (B, L, D) states (causal)."""
        b, t, _ = x.shape
        positions = torch.arange(t, device=x.device).expand(b, t)
        h = self.drop(x + self.pos(positions))
        mask = causal_mask(t, x.device)
        for block in self.blocks:
            h, _, _ = block(h, mask)
        return self.ln(h)

    def step(self, x: torch.Tensor, positions: torch.Tensor, past: KVCache) -> EncoderOutput:
        """x: (B, T, D) new item vectors at `positions` (B, T), after the P cached items of `past`."""
        t = x.shape[1]
        p = past.keys[0].shape[2]
        h = self.drop(x + self.pos(positions))
        # New item i sees all P cached items and new items 0..i.
        new_part = causal_mask(t, x.device)  # (1, 1, T, T)
        mask = torch.cat([torch.ones(1, 1, t, p, dtype=torch.bool, device=x.device), new_part], dim=-1)
        keys, values = [], []
        for block, pk, pv in zip(self.blocks, past.keys, past.values, strict=True):
            h, k, v = block(h, mask, pk, pv)
            keys.append(k)
            values.append(v)
        return EncoderOutput(states=self.ln(h), cache=KVCache(keys=tuple(keys), values=tuple(values)))


class FlatEncoder(nn.Module):
    """Ablation "HCT off": one causal transformer over all L·F tokens of the window.

    The state after item t is the output at item t's last slot, which sees every token up to it.
    """

    def __init__(self, cfg: ModelConfig, htfl: HTFL) -> None:
        super().__init__()
        self.cfg = cfg
        self.htfl = htfl
        self.pos = nn.Embedding(cfg.max_len, cfg.dim)
        self.drop = nn.Dropout(cfg.dropout)
        self.blocks = nn.ModuleList(
            Block(cfg.dim, cfg.item_heads, cfg.ffn_mult, cfg.dropout) for _ in range(cfg.item_layers)
        )
        self.ln = nn.LayerNorm(cfg.dim)

    def forward(self, tokens: torch.Tensor) -> torch.Tensor:
        """tokens: (B, L, F) -> (B, L, D) states."""
        b, t, f = tokens.shape
        x = self.htfl(tokens.reshape(b * t, f)).view(b, t, f, -1)  # (B, L, F, D)
        x = x + self.pos(torch.arange(t, device=tokens.device))[None, :, None, :]
        h = self.drop(x.reshape(b, t * f, -1))  # (B, L·F, D)
        valid = (tokens != 0).reshape(b, 1, 1, t * f)
        eye = torch.eye(t * f, dtype=torch.bool, device=tokens.device)[None, None]
        mask = (causal_mask(t * f, tokens.device) & valid) | eye  # a padding query still sees itself
        for block in self.blocks:
            h, _, _ = block(h, mask)
        return self.ln(h).view(b, t, f, -1)[:, :, -1]  # (B, L, D)
