"""catalog.json: external item id <-> catalog row, per-item feature values for filters, popularity."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from model.data.vocab import FIRST_VALUE, ItemTokenizer


def item_features(tokenizer: ItemTokenizer, token_table: np.ndarray) -> dict[str, list[list[str]]]:
    """Per field, per catalog row (row 0 excluded), the item's values decoded from the token table."""
    out: dict[str, list[list[str]]] = {}
    col = 1
    for f in tokenizer.fields:
        ids = token_table[1:, col : col + f.slots]
        out[f.name] = [[f.values[i - FIRST_VALUE] for i in row if i >= FIRST_VALUE] for row in ids.tolist()]
        col += f.slots
    return out


def write_catalog(path: Path, *, tokenizer: ItemTokenizer, token_table: np.ndarray, popularity: np.ndarray) -> None:
    """popularity: (n_items + 1,) interaction counts per catalog row (row 0 unused)."""
    if token_table.shape[1] != tokenizer.n_tokens:
        raise ValueError("the token table must hold every field's tokens to decode item features")
    payload = {
        "item_ids": list(tokenizer.item_ids),
        "features": item_features(tokenizer, token_table),
        "popularity": popularity[1:].astype(int).tolist(),
    }
    path.write_text(json.dumps(payload))
