"""Transformer building blocks shared by the token-level and item-level towers.

Attention is written out (no fused kernel) so the same code exports to ONNX with an explicit KV cache.
"""

from __future__ import annotations

import math

import torch
from torch import nn


class SelfAttention(nn.Module):
    """Multi-head self-attention that can extend past keys/values (the item-level KV cache)."""

    def __init__(self, dim: int, heads: int, dropout: float) -> None:
        super().__init__()
        self.heads = heads
        self.head_dim = dim // heads
        self.qkv = nn.Linear(dim, 3 * dim)
        self.proj = nn.Linear(dim, dim)
        self.drop = nn.Dropout(dropout)

    def forward(
        self,
        x: torch.Tensor,  # (B, T, D)
        mask: torch.Tensor,  # (B or 1, 1, T, P + T) bool, True = may attend
        past_k: torch.Tensor | None = None,  # (B, H, P, hd)
        past_v: torch.Tensor | None = None,
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        y, k, v = self.attend(self.qkv(x), mask, past_k, past_v)
        return self.proj(y), k, v

    def attend(
        self,
        qkv: torch.Tensor,  # (B, T, 3D) projected queries, keys and values
        mask: torch.Tensor,
        past_k: torch.Tensor | None = None,
        past_v: torch.Tensor | None = None,
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """Attention without the output projection: ((B, T, D) mixed values, keys, values)."""
        b, t, d3 = qkv.shape
        d = d3 // 3
        q, k, v = qkv.split(d, dim=-1)
        q = q.view(b, t, self.heads, self.head_dim).transpose(1, 2)  # (B, H, T, hd)
        k = k.view(b, t, self.heads, self.head_dim).transpose(1, 2)
        v = v.view(b, t, self.heads, self.head_dim).transpose(1, 2)
        if past_k is not None and past_v is not None:
            k = torch.cat([past_k, k], dim=2)  # (B, H, P + T, hd)
            v = torch.cat([past_v, v], dim=2)
        att = (q @ k.transpose(-2, -1)) / math.sqrt(self.head_dim)  # (B, H, T, P + T)
        att = att.masked_fill(~mask, torch.finfo(att.dtype).min)
        att = self.drop(torch.softmax(att, dim=-1))
        return (att @ v).transpose(1, 2).reshape(b, t, d), k, v


class Block(nn.Module):
    """Pre-LayerNorm transformer block."""

    def __init__(self, dim: int, heads: int, ffn_mult: int, dropout: float) -> None:
        super().__init__()
        self.ln1 = nn.LayerNorm(dim)
        self.attn = SelfAttention(dim, heads, dropout)
        self.ln2 = nn.LayerNorm(dim)
        self.ffn = nn.Sequential(
            nn.Linear(dim, ffn_mult * dim), nn.GELU(), nn.Linear(ffn_mult * dim, dim), nn.Dropout(dropout)
        )
        self.drop = nn.Dropout(dropout)

    def forward(
        self,
        x: torch.Tensor,  # (B, T, D)
        mask: torch.Tensor,
        past_k: torch.Tensor | None = None,
        past_v: torch.Tensor | None = None,
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        a, k, v = self.attn(self.ln1(x), mask, past_k, past_v)
        x = x + self.drop(a)
        x = x + self.ffn(self.ln2(x))
        return x, k, v

    def forward_packed(
        self,
        xp: torch.Tensor,  # (M, D) the existing tokens of a padded (N, T) layout, packed
        index: torch.Tensor,  # (M,) their flat positions in N·T
        shape: tuple[int, int],  # (N, T)
        mask: torch.Tensor,  # (N, 1, T, T)
    ) -> torch.Tensor:
        """The block on existing tokens only: the per-token layers (LayerNorm, projections, FFN) skip
        padding, and only the attention itself runs on the padded layout. Equals forward() at the
        existing tokens (a padding slot is never a key, so its value never matters)."""
        n, t = shape
        qkv = self.attn.qkv(self.ln1(xp))  # (M, 3D)
        padded = qkv.new_zeros(n * t, qkv.shape[1]).index_copy(0, index, qkv).view(n, t, -1)
        y, _, _ = self.attn.attend(padded, mask)  # (N, T, D)
        xp = xp + self.drop(self.attn.proj(y.reshape(n * t, -1)[index]))
        return xp + self.ffn(self.ln2(xp))


def causal_mask(t: int, device: torch.device) -> torch.Tensor:
    """(1, 1, T, T) lower-triangular bool mask."""
    return torch.ones(t, t, dtype=torch.bool, device=device).tril().view(1, 1, t, t)


def init_weights(module: nn.Module) -> None:
    if isinstance(module, nn.Linear):
        nn.init.normal_(module.weight, std=0.02)
        if module.bias is not None:
            nn.init.zeros_(module.bias)
    elif isinstance(module, nn.Embedding):
        nn.init.normal_(module.weight, std=0.02)
        if module.padding_idx is not None:
            with torch.no_grad():
                module.weight[module.padding_idx].zero_()
