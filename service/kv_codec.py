"""KV cache <-> bytes for the state store: float16, layer-major (K of every layer, then V)."""

from __future__ import annotations

import numpy as np


def encode_kv(keys: tuple[np.ndarray, ...], values: tuple[np.ndarray, ...]) -> bytes:
    """One user's cache (each (1, heads, P, head_dim)) as float16 bytes."""
    return b"".join(np.ascontiguousarray(a, dtype=np.float16).tobytes() for a in (*keys, *values))


def decode_kv(
    blob: bytes, *, layers: int, heads: int, length: int, head_dim: int
) -> tuple[tuple[np.ndarray, ...], tuple[np.ndarray, ...]]:
    """Inverse of `encode_kv`; raises ValueError if the blob does not have the expected size."""
    per = heads * length * head_dim
    arr = np.frombuffer(blob, dtype=np.float16)
    if arr.size != 2 * layers * per:
        raise ValueError(f"KV blob holds {arr.size} values, expected {2 * layers * per}")
    parts = [
        arr[i * per : (i + 1) * per].astype(np.float32).reshape(1, heads, length, head_dim) for i in range(2 * layers)
    ]
    return tuple(parts[:layers]), tuple(parts[layers:])
