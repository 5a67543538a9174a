"""The artifact contract between export and service: file names, ONNX tensor names, the manifest.

Torch-free on purpose (json, hashlib, numpy only): the service reads this module and nothing else
from the offline side.

ONNX encoder `encoder_step.onnx` (one graph for prefill and step):
  inputs   item_rows   int64   [B, T_new]           catalog rows (1..n_items) of the new items
           positions   int64   [B, T_new]           window positions of the new items (P .. P+T_new-1)
           past_key_i, past_value_i  float32 [B, heads, P, head_dim]   for each item-level layer i (P may be 0)
  outputs  user_state  float32 [B, D]               state after the last new item
           present_key_i, present_value_i  float32 [B, heads, P+T_new, head_dim]
The graph holds the catalog's input item vectors, so callers pass catalog rows, not vectors.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

MANIFEST = "manifest.json"
ENCODER = "encoder_step.onnx"
ITEM_VECTORS = "item_vectors.npy"  # (n_items + 1, D) float32 input vectors, row 0 = padding
OUTPUT_VECTORS = "output_vectors.npy"  # (n_items + 1, D) float32 vectors scored against states
INDEX = "item_index.faiss"  # FAISS index over output vectors; FAISS id = catalog row
CATALOG = "catalog.json"
TOKENIZER = "tokenizer.json"
LATEST = "latest"  # file in the artifacts root holding the newest version's folder name
MANIFEST_SCHEMA = 1
OPSET = 18

ITEM_ROWS = "item_rows"
POSITIONS = "positions"
USER_STATE = "user_state"


def past_key(layer: int) -> str:
    return f"past_key_{layer}"


def past_value(layer: int) -> str:
    return f"past_value_{layer}"


def present_key(layer: int) -> str:
    return f"present_key_{layer}"


def present_value(layer: int) -> str:
    return f"present_value_{layer}"


def input_names(layers: int) -> list[str]:
    return [ITEM_ROWS, POSITIONS, *(past_key(i) for i in range(layers)), *(past_value(i) for i in range(layers))]


def output_names(layers: int) -> list[str]:
    return [USER_STATE, *(present_key(i) for i in range(layers)), *(present_value(i) for i in range(layers))]


class ManifestError(ValueError):
    """An artifact folder is incomplete or inconsistent; the message names the file and the fix."""


@dataclass(frozen=True)
class Manifest:
    version: str
    created: str
    model: str  # heterrec | sasrec
    dim: int
    max_len: int  # L_max: positions 0..max_len-1
    keep_len: int  # L_keep: items kept when a window overflows and is re-prefilled
    layers: int
    heads: int
    head_dim: int
    n_items: int
    opset: int
    index_kind: str
    files: dict[str, str]  # file name -> sha256
    metrics: dict[str, Any] = field(default_factory=dict)
    schema: int = MANIFEST_SCHEMA

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2)


def sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def resolve_version(root: str | Path) -> Path:
    """An artifact folder: `root` itself if it holds a manifest, else `root/<latest>`."""
    base = Path(root)
    if (base / MANIFEST).is_file():
        return base
    pointer = base / LATEST
    if pointer.is_file():
        return base / pointer.read_text().strip()
    raise ManifestError(f"{base}: no {MANIFEST} and no '{LATEST}' pointer. Fix: run `heterrec export` into it first")


def load_manifest(folder: str | Path, *, verify_hashes: bool = True) -> Manifest:
    """Reads and validates `folder/manifest.json`: every listed file present with its sha256, the opset
    supported, and the vector files' shapes matching the declared dims."""
    root = resolve_version(folder)
    path = root / MANIFEST
    try:
        raw = json.loads(path.read_text())
        manifest = Manifest(**raw)
    except (OSError, json.JSONDecodeError, TypeError) as exc:
        raise ManifestError(f"{path}: unreadable manifest ({exc}). Fix: re-run `heterrec export`") from None
    if manifest.schema != MANIFEST_SCHEMA:
        raise ManifestError(f"{path}: schema {manifest.schema}, this service reads {MANIFEST_SCHEMA}. Fix: re-export")
    if manifest.opset > OPSET:
        raise ManifestError(
            f"{path}: ONNX opset {manifest.opset} is newer than the supported {OPSET}. Fix: export with --opset {OPSET}"
        )
    for required in (ENCODER, ITEM_VECTORS, OUTPUT_VECTORS, INDEX, CATALOG, TOKENIZER):
        if required not in manifest.files:
            raise ManifestError(f"{path}: '{required}' is not listed. Fix: re-run `heterrec export`")
    for name, digest in manifest.files.items():
        file = root / name
        if not file.is_file():
            raise ManifestError(f"{file}: listed in the manifest but missing. Fix: copy the whole artifact folder")
        if verify_hashes and sha256(file) != digest:
            raise ManifestError(f"{file}: sha256 does not match the manifest (corrupt or replaced). Fix: re-export")
    _check_vectors(root, manifest)
    return manifest


def _check_vectors(root: Path, m: Manifest) -> None:
    import numpy as np

    for name in (ITEM_VECTORS, OUTPUT_VECTORS):
        shape = np.load(root / name, mmap_mode="r").shape
        if shape != (m.n_items + 1, m.dim):
            raise ManifestError(
                f"{root / name}: shape {shape} but the manifest says ({m.n_items + 1}, {m.dim}). Fix: re-export"
            )
    if m.heads * m.head_dim != m.dim or not 0 < m.keep_len < m.max_len:
        raise ManifestError(f"{root / MANIFEST}: inconsistent dims (heads·head_dim != dim or keep_len out of range)")
