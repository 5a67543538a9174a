"""Exports the item-level encoder as one ONNX graph with an explicit KV cache (prefill and step)."""

from __future__ import annotations

import logging
import warnings
from pathlib import Path

import torch
from torch import nn

from export import contract
from model.hct import ItemLevelEncoder, KVCache
from model.heterrec import SeqRecModel

log = logging.getLogger(__name__)


class StepGraph(nn.Module):
    """(item rows, positions, past K/V...) -> (user state of the last new item, present K/V...).

    Holds the catalog's input vectors, so the graph looks items up itself.
    """

    item_input: torch.Tensor

    def __init__(self, model: SeqRecModel) -> None:
        super().__init__()
        if model.cfg.hct != "hier":
            raise ValueError("only hierarchical (hct='hier') models have a per-item KV cache to export")
        assert isinstance(model.encoder, ItemLevelEncoder)
        self.encoder: ItemLevelEncoder = model.encoder
        self.layers = model.cfg.item_layers
        with torch.no_grad():
            self.register_buffer("item_input", model.item_vectors().input.detach().clone())

    def forward(
        self, item_rows: torch.Tensor, positions: torch.Tensor, past: tuple[torch.Tensor, ...]
    ) -> tuple[torch.Tensor, ...]:
        cache = KVCache(keys=tuple(past[: self.layers]), values=tuple(past[self.layers :]))
        out = self.encoder.step(self.item_input[item_rows], positions, cache)
        return (out.states[:, -1], *out.cache.keys, *out.cache.values)


def export_step_onnx(model: SeqRecModel, path: Path, *, opset: int = contract.OPSET) -> None:
    """Writes `path` with dynamic batch, T_new and past length P (P = 0 allowed)."""
    cfg = model.cfg
    graph = StepGraph(model.eval()).eval()
    b, t, p = 2, 2, 3
    rows = torch.ones(b, t, dtype=torch.int64)
    positions = torch.arange(p, p + t).expand(b, t).contiguous()
    past = tuple(torch.zeros(b, cfg.item_heads, p, cfg.head_dim) for _ in range(2 * cfg.item_layers))
    batch, t_new, past_len = torch.export.Dim("batch"), torch.export.Dim("t_new"), torch.export.Dim("past")
    seq_dims = {0: batch, 1: t_new}
    kv_dims = {0: batch, 2: past_len}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(
            graph,
            (rows, positions, past),
            str(path),
            dynamo=True,
            opset_version=opset,
            input_names=contract.input_names(cfg.item_layers),
            output_names=contract.output_names(cfg.item_layers),
            dynamic_shapes=(seq_dims, seq_dims, tuple(kv_dims for _ in past)),
            external_data=False,
            verbose=False,
        )
    log.info("wrote %s", path)
