"""ONNX Runtime runner for the exported encoder: KV-cached step, prefill, and the window-overflow rule.

numpy + onnxruntime only. Provider choice is configuration (e.g. CUDA then CPU); providers that this
onnxruntime build lacks are skipped with a warning, CPU is always last.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import onnxruntime as ort

from export import contract

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class StepResult:
    state: np.ndarray  # (B, D) user state after the last new item
    keys: tuple[np.ndarray, ...]  # per layer (B, heads, P', head_dim)
    values: tuple[np.ndarray, ...]

    @property
    def length(self) -> int:
        return int(self.keys[0].shape[2])


@dataclass(frozen=True)
class Advance:
    """Result of adding items to a user's window."""

    window: np.ndarray  # (P',) catalog rows now in the window
    result: StepResult
    reprefilled: bool


def available_providers(wanted: list[str]) -> list[str]:
    have = set(ort.get_available_providers())
    chosen = [p for p in wanted if p in have]
    for p in wanted:
        if p not in have:
            log.warning("onnxruntime provider %s is not available here; skipping it", p)
    if "CPUExecutionProvider" not in chosen:
        chosen.append("CPUExecutionProvider")
    return chosen


class OnnxEncoder:
    def __init__(
        self,
        folder: Path,
        manifest: contract.Manifest,
        *,
        providers: list[str] | None = None,
        intra_op_threads: int = 0,
    ) -> None:
        opts = ort.SessionOptions()
        opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        if intra_op_threads:
            opts.intra_op_num_threads = intra_op_threads
        self.providers = available_providers(providers or ["CPUExecutionProvider"])
        self.session = ort.InferenceSession(str(folder / contract.ENCODER), opts, providers=self.providers)
        self.m = manifest
        self._outputs = contract.output_names(manifest.layers)
        self._keys_in = [contract.past_key(i) for i in range(manifest.layers)]
        self._values_in = [contract.past_value(i) for i in range(manifest.layers)]

    def empty_past(self, batch: int) -> tuple[tuple[np.ndarray, ...], tuple[np.ndarray, ...]]:
        z = np.zeros((batch, self.m.heads, 0, self.m.head_dim), dtype=np.float32)
        return (z,) * self.m.layers, (z,) * self.m.layers

    def step(
        self,
        rows: np.ndarray,  # (B, T) int64 catalog rows
        positions: np.ndarray,  # (B, T) int64
        keys: tuple[np.ndarray, ...],
        values: tuple[np.ndarray, ...],
    ) -> StepResult:
        if int(positions.max(initial=0)) >= self.m.max_len:
            raise ValueError(f"position {int(positions.max())} is past max_len {self.m.max_len}: re-prefill first")
        feed: dict[str, np.ndarray] = {
            contract.ITEM_ROWS: np.ascontiguousarray(rows, dtype=np.int64),
            contract.POSITIONS: np.ascontiguousarray(positions, dtype=np.int64),
        }
        for name, k in zip(self._keys_in, keys, strict=True):
            feed[name] = np.ascontiguousarray(k, dtype=np.float32)
        for name, v in zip(self._values_in, values, strict=True):
            feed[name] = np.ascontiguousarray(v, dtype=np.float32)
        out = self.session.run(self._outputs, feed)
        n = self.m.layers
        return StepResult(state=out[0], keys=tuple(out[1 : 1 + n]), values=tuple(out[1 + n :]))

    def prefill(self, rows: np.ndarray) -> StepResult:
        """(B, T) rows of whole windows (T <= max_len) -> state and cache, positions 0..T-1."""
        b, t = rows.shape
        keys, values = self.empty_past(b)
        return self.step(rows, np.broadcast_to(np.arange(t), (b, t)), keys, values)

    def advance(
        self,
        window: np.ndarray,  # (P,) rows currently cached
        keys: tuple[np.ndarray, ...] | None,
        values: tuple[np.ndarray, ...] | None,
        new_rows: np.ndarray,  # (T,) rows to add, oldest first
    ) -> Advance:
        """One user's update. With a cache and room in the window: one KV-cached step. When the window
        would pass max_len: keep the newest keep_len items and re-prefill (positions restart at 0,
        as in training). Without a cache (missing or foreign version): prefill the window."""
        p, t = len(window), len(new_rows)
        if keys is not None and values is not None and p + t <= self.m.max_len and p > 0:
            res = self.step(new_rows[None, :], np.arange(p, p + t)[None, :], keys, values)
            return Advance(window=np.concatenate([window, new_rows]), result=res, reprefilled=False)
        merged = np.concatenate([window, new_rows])
        overflow = len(merged) > self.m.max_len
        merged = merged[-self.m.keep_len :] if overflow else merged
        return Advance(window=merged, result=self.prefill(merged[None, :]), reprefilled=overflow or p > 0)
