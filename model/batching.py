"""Training windows: every position of a sequence is trained in one pass under the causal mask."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np


@dataclass(frozen=True)
class Windows:
    inputs: np.ndarray  # (W, L) catalog rows, right-padded with 0
    targets: np.ndarray  # (W, L, K) next K items after each input position, 0 = none


def training_windows(
    sequences: list[np.ndarray], *, max_len: int, steps_ahead: int, mode: Literal["last", "all"] = "all"
) -> Windows:
    """Cuts each training sequence into windows of at most `max_len` inputs, newest window first.

    Window inputs s[a:e] predict targets[t, k] = s[a + t + 1 + k] (0 past the sequence end). With
    mode="all" long sequences give several windows ending at n-1, n-1-L, ...; positions restart at 0
    in every window, as they do when serving re-prefills an overflowing history.
    """
    inputs: list[np.ndarray] = []
    targets: list[np.ndarray] = []
    for seq in sequences:
        n = len(seq)
        end = n - 1
        while end > 0:
            start = max(0, end - max_len)
            inp = np.zeros(max_len, dtype=np.int64)
            inp[: end - start] = seq[start:end]
            tgt = np.zeros((max_len, steps_ahead), dtype=np.int64)
            for k in range(steps_ahead):
                src = np.arange(start, end) + 1 + k
                ok = src < n
                tgt[: end - start][ok, k] = seq[src[ok]]
            inputs.append(inp)
            targets.append(tgt)
            if mode == "last":
                break
            end = start
    if not inputs:
        raise ValueError("no training pairs: every sequence has fewer than 2 training events")
    return Windows(inputs=np.stack(inputs), targets=np.stack(targets))


def right_pad(histories: list[np.ndarray], max_len: int) -> tuple[np.ndarray, np.ndarray]:
    """Last `max_len` items of each history, right-padded: ((B, L) rows, (B,) lengths)."""
    lengths = np.asarray([min(len(h), max_len) for h in histories], dtype=np.int64)
    out = np.zeros((len(histories), max(int(lengths.max(initial=1)), 1)), dtype=np.int64)
    for i, h in enumerate(histories):
        if lengths[i]:
            out[i, : lengths[i]] = h[-lengths[i] :]
    return out, lengths
