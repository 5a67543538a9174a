"""HTFL (heterogeneous token flatten layer) and the token-level item tower.

An item is F tokens (item_id, then each feature field's slots). The tower turns them into one item
vector that depends only on the item, so the catalog's vectors are computed once and reused.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import cast

import torch
from torch import nn

from model.config import ModelConfig
from model.layers import Block, causal_mask


@dataclass(frozen=True)
class ItemVectors:
    """`input` feeds the item-level encoder; `output` is scored against user states (what FAISS indexes)."""

    input: torch.Tensor  # (N, D)
    output: torch.Tensor  # (N, D)


class HTFL(nn.Module):
    """Per-field embedding tables plus a field-type embedding: (N, F) token ids -> (N, F, D)."""

    def __init__(self, cfg: ModelConfig) -> None:
        super().__init__()
        self.tables = nn.ModuleList(nn.Embedding(v, cfg.dim, padding_idx=0) for v in cfg.vocab_sizes)
        self.field_type = nn.Embedding(len(cfg.vocab_sizes), cfg.dim)
        fields = torch.tensor(cfg.token_field)
        self.register_buffer("token_field", fields, persistent=False)
        # Slots of one field are contiguous (validated by ModelConfig), so per-field lookups concatenate
        # back into slot order.
        self.spans = [(int(f), int((fields < f).sum()), int((fields <= f).sum())) for f in fields.unique()]

    def forward(self, tokens: torch.Tensor) -> torch.Tensor:
        return self.add_type(self.lookup(tokens))

    def lookup(self, tokens: torch.Tensor) -> torch.Tensor:
        """(N, F) token ids -> (N, F, D) field embeddings without the field-type term; padding gives zeros."""
        parts = [self.tables[f](tokens[:, a:b]) for f, a, b in self.spans]  # each (N, slots_f, D)
        return torch.cat(parts, dim=1)

    def add_type(self, emb: torch.Tensor) -> torch.Tensor:
        return emb + self.field_type(self.token_field)  # (F, D) broadcast


class ItemTower(nn.Module):
    """Token-level tower: an item's F tokens -> its input and output vectors.

    With `htfl=False` the field embeddings are summed into one token (SASRec when only item_id exists).
    """

    feature_slots: torch.Tensor  # (F,) bool buffer: every slot but item_id

    def __init__(self, cfg: ModelConfig) -> None:
        super().__init__()
        self.cfg = cfg
        self.htfl = HTFL(cfg)
        use_tower = cfg.htfl and cfg.token_layers > 0
        self.blocks = nn.ModuleList(
            Block(
                cfg.dim,
                cfg.token_heads,
                cfg.token_ffn_mult,
                cfg.dropout if cfg.token_dropout is None else cfg.token_dropout,
            )
            for _ in range(cfg.token_layers if use_tower else 0)
        )
        self.ln = nn.LayerNorm(cfg.dim) if use_tower and cfg.tower_norm else nn.Identity()
        # Zero-initialised per-dimension gate of the tower's correction (`tower_residual`); init_weights
        # leaves bare parameters alone.
        self.gate = nn.Parameter(torch.zeros(cfg.dim)) if cfg.htfl and cfg.tower_residual else None
        self.head = nn.Linear(cfg.dim, cfg.dim) if cfg.output_head else None
        self.register_buffer("feature_slots", torch.arange(cfg.n_tokens) > 0, persistent=False)  # (F,)

    def forward(self, tokens: torch.Tensor) -> ItemVectors:
        """tokens: (N, F) int64 rows of the token table -> ItemVectors of (N, D); padding rows give zeros."""
        valid = tokens != 0  # (N, F)
        real = valid[:, :1].to(torch.float32)  # (N, 1) item_id present
        emb = self.htfl.lookup(tokens)  # (N, F, D)
        if not self.cfg.htfl:
            vec = emb.sum(dim=1)  # (N, D); padding rows embed to zero
        else:
            x = self.htfl.add_type(emb)  # (N, F, D)
            seen = valid if self.cfg.tower_id else valid & self.feature_slots  # tokens the tower reads
            if self.blocks:
                x = self._tower(x, seen)
            vec = self._pool(x, seen)  # (N, D)
            if self.gate is not None:
                vec = emb.sum(dim=1) + self.gate * vec
            elif self.cfg.id_residual:
                vec = vec + emb[:, 0]
        vec = vec * real
        out = self.head(vec) * real if self.head is not None else vec
        return ItemVectors(input=vec, output=out)

    def _tower(self, x: torch.Tensor, valid: torch.Tensor) -> torch.Tensor:
        """(N, F, D) typed token embeddings -> tower outputs; only existing tokens are computed (packed),
        padding slots keep their input and are never pooled."""
        n, f, d = x.shape
        mask = valid[:, None, None, :]  # (N, 1, 1, F) keys that exist
        if self.cfg.token_causal:
            mask = mask & causal_mask(f, x.device)
        index = valid.reshape(-1).nonzero().squeeze(1)  # (M,) flat positions of existing tokens
        xp = x.reshape(n * f, d)[index]  # (M, D)
        for block in self.blocks:
            xp = cast(Block, block).forward_packed(xp, index, (n, f), mask)
        xp = self.ln(xp)
        return x.reshape(n * f, d).index_copy(0, index, xp).view(n, f, d)

    def _pool(self, x: torch.Tensor, valid: torch.Tensor) -> torch.Tensor:
        w = valid.to(x.dtype)  # (N, F)
        if self.cfg.pool == "last":
            last = (w * torch.arange(1, w.shape[1] + 1, device=x.device)).argmax(dim=1)  # (N,)
            return x[torch.arange(x.shape[0], device=x.device), last]
        return (x * w[..., None]).sum(dim=1) / w.sum(dim=1, keepdim=True).clamp(min=1.0)
