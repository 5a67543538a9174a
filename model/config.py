"""Typed model and training configuration, validated on construction and saved beside the weights."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any, Literal, TypeVar

T = TypeVar("T")

HctMode = Literal["hier", "flat"]
Pool = Literal["mean", "last"]
Device = Literal["cpu", "cuda"]


@dataclass(frozen=True)
class ModelConfig:
    """Architecture of HeterRec and its SASRec / ablation variants.

    SASRec is `htfl=False` with a single `item_id` field: the item vector is the ID embedding.
    Our reconstruction choices (not fixed by the paper) are switches here and are ablated in bench/:
    `htfl` (token-level tower vs summed field embeddings), `hct` (hierarchical vs one flat transformer
    over all L·F tokens), `token_causal`, `pool`, `output_head`, `tower_norm`, `tower_residual`,
    `tower_id`, `token_ffn_mult`, `token_dropout`.
    """

    vocab_sizes: tuple[int, ...]  # embedding rows per field, item_id first (n_items + 1)
    token_field: tuple[int, ...]  # (F,) field index of each token slot
    dim: int = 64
    max_len: int = 50
    item_layers: int = 1
    item_heads: int = 1
    token_layers: int = 1
    token_heads: int = 2
    ffn_mult: int = 4
    token_ffn_mult: int = 2  # the token tower runs on F tokens per item: a narrower FFN keeps it cheap
    dropout: float = 0.2
    # Dropout inside the token tower; None = `dropout`. Off by default: CPU dropout masks cost about as
    # much as the tower's matmuls, and 0.2 was no better on amazon-beauty validation (docs/model.md).
    token_dropout: float | None = 0.0
    htfl: bool = True
    hct: HctMode = "hier"
    token_causal: bool = True
    pool: Pool = "mean"
    output_head: bool = False
    # A final LayerNorm on the tower output fixes item-vector norms at ~sqrt(D), which makes the
    # initial logits huge and drowns the position embeddings; off by default (raw residual stream).
    tower_norm: bool = False
    # Add the item_id embedding to the pooled tower output, so the ID keeps full weight beside the
    # features (mean pooling alone dilutes it by the number of tokens).
    id_residual: bool = True
    # The item vector is the summed field embeddings (HTFL off's token) plus the pooled tower output
    # through a per-dimension gate that starts at zero: training starts from the summed token and the
    # tower learns a correction. Off = the pooled tower output replaces the sum (then `id_residual`).
    tower_residual: bool = True
    # Whether the tower sees the item_id token. Without it the tower's correction is a function of the
    # item's features only, shared by every item with the same features (the ID stays in the sum).
    tower_id: bool = False

    def __post_init__(self) -> None:
        object.__setattr__(self, "vocab_sizes", tuple(int(v) for v in self.vocab_sizes))
        object.__setattr__(self, "token_field", tuple(int(v) for v in self.token_field))
        if not self.vocab_sizes or self.vocab_sizes[0] < 2:
            raise ValueError("vocab_sizes[0] (item_id rows) must be >= 2: at least one item plus padding")
        if not self.token_field or self.token_field[0] != 0:
            raise ValueError("token_field must start with the item_id slot (field 0)")
        if any(b < a for a, b in zip(self.token_field, self.token_field[1:], strict=False)):
            raise ValueError("token_field must be non-decreasing: a field's slots are contiguous")
        if max(self.token_field) >= len(self.vocab_sizes):
            raise ValueError("token_field refers to a field with no vocabulary size")
        for name, heads in (("item", self.item_heads), ("token", self.token_heads)):
            if heads < 1 or self.dim % heads:
                raise ValueError(f"dim={self.dim} must be divisible by {name}_heads={heads}")
        if self.max_len < 2:
            raise ValueError("max_len must be >= 2")
        if self.ffn_mult < 1 or self.token_ffn_mult < 1:
            raise ValueError("ffn_mult and token_ffn_mult must be >= 1")
        if self.item_layers < 1 or self.token_layers < 0:
            raise ValueError("item_layers must be >= 1 and token_layers >= 0")
        if not 0.0 <= self.dropout < 1.0 or not 0.0 <= (self.token_dropout or 0.0) < 1.0:
            raise ValueError("dropout and token_dropout must be in [0, 1)")
        if self.hct not in ("hier", "flat") or self.pool not in ("mean", "last"):
            raise ValueError("hct must be 'hier' or 'flat'; pool must be 'mean' or 'last'")

    @property
    def n_tokens(self) -> int:
        return len(self.token_field)

    @property
    def n_items(self) -> int:
        return self.vocab_sizes[0] - 1

    @property
    def head_dim(self) -> int:
        return self.dim // self.item_heads

    @property
    def name(self) -> str:
        if len(self.vocab_sizes) == 1 and not self.htfl:
            return "sasrec"
        return "heterrec"


@dataclass(frozen=True)
class TrainConfig:
    """Optimisation and evaluation options of one training run."""

    epochs: int = 100
    batch_size: int = 128
    lr: float = 1e-3
    weight_decay: float = 0.0
    # Shared uniformly sampled negatives; 0 = full-catalog softmax. 1024 beat 256 for both models on
    # all three benchmark datasets (docs/benchmarks.md, `*-neg1024`); the benchmark budget pins 256.
    negatives: int = 1024
    steps_ahead: int = 1  # LMP's K: predict the next K items from each position
    step_decay: float = 0.5  # weight of step k is decay**k
    temperature: float = 1.0
    patience: int = 10  # epochs without validation NDCG@10 improvement before stopping
    eval_every: int = 1
    windows: Literal["last", "all"] = "all"  # long histories: last window only, or every window
    seed: int = 0
    device: Device = "cpu"
    max_train_seconds: float = 0.0  # 0 = no time budget
    eval_batch_size: int = 256
    threads: int = 0  # torch intra-op threads; 0 = every core
    extra: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.epochs < 1 or self.batch_size < 1 or self.eval_every < 1:
            raise ValueError("epochs, batch_size and eval_every must be >= 1")
        if self.lr <= 0 or self.temperature <= 0:
            raise ValueError("lr and temperature must be > 0")
        if self.negatives < 0 or self.steps_ahead < 1 or not 0 < self.step_decay <= 1:
            raise ValueError("negatives >= 0, steps_ahead >= 1 and 0 < step_decay <= 1 are required")
        if self.windows not in ("last", "all") or self.device not in ("cpu", "cuda"):
            raise ValueError("windows must be 'last' or 'all'; device 'cpu' or 'cuda'")


def save_config(cfg: Any, path: str | Path) -> None:
    Path(path).write_text(json.dumps(asdict(cfg), indent=2))


def load_config(cls: type[T], path: str | Path) -> T:
    raw = json.loads(Path(path).read_text())
    known = {f.name for f in fields(cls)}  # type: ignore[arg-type]
    return cls(**{k: v for k, v in raw.items() if k in known})
