"""Summary statistics of a dataset, as `heterrec data describe` prints them."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

import numpy as np

from model.data.loader import Dataset


def describe(ds: Dataset) -> dict[str, Any]:
    lengths = np.asarray([len(s) for s in ds.sequences])
    interacted = np.unique(np.concatenate(ds.sequences)) if ds.sequences else np.zeros(0)
    return {
        "path": str(ds.path),
        "users": ds.n_users,
        "items": ds.n_items,
        "items_with_interactions": int(len(interacted)),
        "interactions": ds.n_interactions,
        "avg_seq_len": round(float(lengths.mean()), 2),
        "median_seq_len": float(np.median(lengths)),
        "min_seq_len": int(lengths.min()),
        "max_seq_len": int(lengths.max()),
        "density": round(ds.n_interactions / (ds.n_users * ds.n_items), 6),
        "tokens_per_item": ds.tokenizer.n_tokens,
        "fields": [
            {**asdict(f), "coverage": round(f.covered / ds.n_items, 4), "avg_values": round(f.avg_values, 2)}
            for f in ds.field_stats
        ],
    }


def format_description(d: dict[str, Any]) -> str:
    lines = [
        f"dataset       {d['path']}",
        f"users         {d['users']:,}",
        f"items         {d['items']:,} ({d['items_with_interactions']:,} with interactions)",
        f"interactions  {d['interactions']:,}",
        f"seq length    avg {d['avg_seq_len']:.2f}, median {d['median_seq_len']:g}, "
        f"min {d['min_seq_len']}, max {d['max_seq_len']}",
        f"density       {d['density']:.6f}",
        f"tokens/item   {d['tokens_per_item']}",
        "fields:",
    ]
    for f in d["fields"]:
        note = "" if f["used"] else "  (not tokenized: identifier or free text)"
        lines.append(
            f"  {f['name']:<14} {f['kind']:<6} cardinality {f['cardinality']:>6,}  coverage "
            f"{f['covered']:,}/{d['items']:,} ({100 * f['coverage']:.1f}%)  avg {f['avg_values']:.2f}, "
            f"max {f['max_values']} per item{note}"
        )
    return "\n".join(lines)
