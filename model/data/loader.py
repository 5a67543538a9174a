"""Reads a dataset folder in the common layout (`interactions.csv`, `items.csv`) into sequences and tokens.

Every problem with the files raises `DataError` naming the file, line and column, and how to fix it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from model.data.errors import DataError
from model.data.vocab import MULTI_SEP, FieldVocab, ItemTokenizer, build_field_vocab

log = logging.getLogger(__name__)

INTERACTION_COLUMNS = ("user_id", "item_id", "timestamp")
# A single-valued column with more distinct values than this share of items is an identifier or free
# text (asin, business_id, title), not a categorical feature; it is described but not tokenized.
ID_LIKE_SHARE = 0.5
DEFAULT_MAX_SLOTS = 6


@dataclass(frozen=True)
class FieldStats:
    name: str
    kind: str  # "single" | "multi"
    cardinality: int
    covered: int  # items with at least one value
    used: bool  # tokenized as a model feature
    avg_values: float
    max_values: int


@dataclass(frozen=True)
class Dataset:
    """A loaded dataset: per-user item-row sequences in time order plus the item token table."""

    path: Path
    user_ids: np.ndarray  # (n_users,) external user ids, ascending
    sequences: list[np.ndarray]  # per user, catalog rows (1..n_items) in chronological order
    tokenizer: ItemTokenizer
    token_table: np.ndarray  # (n_items + 1, F) int64, row 0 = padding
    field_stats: tuple[FieldStats, ...]

    @property
    def n_users(self) -> int:
        return len(self.sequences)

    @property
    def n_items(self) -> int:
        return self.tokenizer.n_items

    @property
    def n_interactions(self) -> int:
        return sum(len(s) for s in self.sequences)


def _read_csv(path: Path, required: tuple[str, ...]) -> pd.DataFrame:
    if not path.is_file():
        raise DataError(path, "file not found", f"put {path.name} in {path.parent} (see data/README.md)")
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    except pd.errors.EmptyDataError:
        raise DataError(path, "file is empty", f"write a header line ({','.join(required)}) and rows") from None
    except pd.errors.ParserError as exc:
        raise DataError(path, f"not valid CSV ({exc})", "fix the quoting or column count of that line") from None
    for col in required:
        if col not in frame.columns:
            raise DataError(
                path, f"missing column '{col}' (found {', '.join(frame.columns)})", f"add a '{col}' column",
                column=col,
            )
    if frame.empty:
        raise DataError(path, "file has a header but no rows", "add at least one data row")
    return frame


def _int_column(frame: pd.DataFrame, path: Path, column: str) -> np.ndarray:
    values = pd.to_numeric(frame[column], errors="coerce")
    bad = values.isna() | (values != values.round())
    if bad.any():
        i = int(np.flatnonzero(bad.to_numpy())[0])
        raise DataError(
            path, f"value {frame[column].iloc[i]!r} is not an integer", f"make every '{column}' a whole number",
            row=i + 2, column=column,
        )
    return values.to_numpy(dtype=np.int64)


def _field_stats(name: str, cells: list[str], n_items: int) -> tuple[FieldStats, bool]:
    multi = any(MULTI_SEP in c for c in cells)
    per_item = [[p for p in (c.split(MULTI_SEP) if multi else [c]) if p.strip()] for c in cells]
    distinct = {p.strip() for parts in per_item for p in parts}
    covered = sum(1 for parts in per_item if parts)
    used = multi or len(distinct) <= ID_LIKE_SHARE * n_items
    counts = [len(p) for p in per_item if p]
    stats = FieldStats(
        name=name, kind="multi" if multi else "single", cardinality=len(distinct), covered=covered, used=used,
        avg_values=float(np.mean(counts)) if counts else 0.0, max_values=max(counts, default=0),
    )
    return stats, used


def load_items(
    path: Path, *, fields: list[str] | None = None, max_slots: int = DEFAULT_MAX_SLOTS
) -> tuple[ItemTokenizer, np.ndarray, tuple[FieldStats, ...]]:
    """Reads items.csv: the tokenizer (vocabularies), the token table and per-column statistics.

    `fields` names the feature columns to tokenize; None picks every categorical column automatically
    (identifier-like and free-text columns are skipped).
    """
    frame = _read_csv(path, ("item_id",))
    ids = _int_column(frame, path, "item_id")
    dup = pd.Series(ids).duplicated()
    if dup.any():
        i = int(np.flatnonzero(dup.to_numpy())[0])
        raise DataError(
            path, f"item_id {ids[i]} appears more than once", "keep one row per item_id", row=i + 2, column="item_id"
        )
    order = np.argsort(ids, kind="stable")
    frame = frame.iloc[order].reset_index(drop=True)
    ids = ids[order]
    columns = [c for c in frame.columns if c != "item_id"]
    if fields is not None:
        for f in fields:
            if f not in columns:
                raise DataError(path, f"feature column '{f}' requested but absent", f"choose from {columns}", column=f)
    stats: list[FieldStats] = []
    vocabs: list[FieldVocab] = []
    cells: dict[str, list[str]] = {}
    for col in columns:
        column_cells = frame[col].tolist()
        st, auto_used = _field_stats(col, column_cells, len(ids))
        used = col in fields if fields is not None else auto_used
        stats.append(FieldStats(**{**st.__dict__, "used": used}))
        if used:
            cells[col] = column_cells
            vocabs.append(build_field_vocab(col, column_cells, max_slots=max_slots))
    tokenizer = ItemTokenizer(item_ids=tuple(int(i) for i in ids), fields=tuple(vocabs))
    return tokenizer, tokenizer.token_table(cells), tuple(stats)


def load_dataset(
    path: str | Path, *, fields: list[str] | None = None, max_slots: int = DEFAULT_MAX_SLOTS
) -> Dataset:
    """Loads `path/interactions.csv` and `path/items.csv`.

    Each user's events are sorted by timestamp, keeping file order on ties.
    """
    root = Path(path)
    if not root.is_dir():
        raise DataError(root, "dataset folder not found", "pass a folder holding interactions.csv and items.csv")
    tokenizer, table, stats = load_items(root / "items.csv", fields=fields, max_slots=max_slots)
    inter_path = root / "interactions.csv"
    frame = _read_csv(inter_path, INTERACTION_COLUMNS)
    users = _int_column(frame, inter_path, "user_id")
    items = _int_column(frame, inter_path, "item_id")
    times = pd.to_numeric(frame["timestamp"], errors="coerce")
    if times.isna().any():
        i = int(np.flatnonzero(times.isna().to_numpy())[0])
        raise DataError(
            inter_path, f"timestamp {frame['timestamp'].iloc[i]!r} is not a number",
            "use Unix seconds or a per-user order index", row=i + 2, column="timestamp",
        )
    rows = tokenizer.rows(items)
    if (rows == 0).any():
        i = int(np.flatnonzero(rows == 0)[0])
        raise DataError(
            inter_path, f"item_id {items[i]} is not in items.csv",
            "add the item to items.csv or drop its interactions", row=i + 2, column="item_id",
        )
    order = np.lexsort((np.arange(len(users)), times.to_numpy(), users))  # user, then time, then file order
    users, rows = users[order], rows[order]
    user_ids, starts = np.unique(users, return_index=True)
    sequences = np.split(rows, starts[1:])
    log.info("loaded %s: %d users, %d items, %d interactions", root, len(user_ids), tokenizer.n_items, len(rows))
    return Dataset(
        path=root, user_ids=user_ids, sequences=sequences, tokenizer=tokenizer, token_table=table,
        field_stats=stats,
    )
