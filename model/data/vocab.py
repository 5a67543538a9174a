"""Per-field vocabularies and the item token table (the HTFL input), saved as JSON beside a model.

Id conventions for every field: 0 = padding (an unused slot), 1 = `<none>` (value missing), 2.. = values.
The `item_id` field is special: its ids are catalog rows 1..n_items (0 = padding), so it has no value list.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import numpy as np

PAD = 0
NONE = 1
FIRST_VALUE = 2
MULTI_SEP = "|"

FieldKind = Literal["single", "multi"]


@dataclass(frozen=True)
class FieldVocab:
    """One catalog feature field: its values and how many token slots it occupies per item."""

    name: str
    kind: FieldKind
    slots: int
    values: tuple[str, ...]
    _index: dict[str, int] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.kind not in ("single", "multi"):
            raise ValueError(f"field '{self.name}': kind must be 'single' or 'multi', got {self.kind!r}")
        if self.slots < 1 or (self.kind == "single" and self.slots != 1):
            raise ValueError(f"field '{self.name}': slots must be 1 for single fields and >= 1 for multi")
        object.__setattr__(self, "_index", {v: i + FIRST_VALUE for i, v in enumerate(self.values)})

    @property
    def size(self) -> int:
        """Embedding table rows: padding, `<none>` and every value."""
        return len(self.values) + FIRST_VALUE

    def encode(self, cell: str) -> list[int]:
        """Token ids for one item's cell, exactly `slots` long (unknown values count as `<none>`)."""
        parts = [p for p in cell.split(MULTI_SEP)] if self.kind == "multi" else [cell]
        parts = [p.strip() for p in parts if p.strip()]
        ids = [self._index.get(p, NONE) for p in parts[: self.slots]]
        if not ids:
            ids = [NONE]
        return ids + [PAD] * (self.slots - len(ids))

    def to_json(self) -> dict[str, object]:
        return {"name": self.name, "kind": self.kind, "slots": self.slots, "values": list(self.values)}

    @classmethod
    def from_json(cls, obj: dict[str, object]) -> FieldVocab:
        values = obj["values"]
        slots = obj["slots"]
        assert isinstance(values, list) and isinstance(slots, int)
        return cls(name=str(obj["name"]), kind=obj["kind"], slots=slots, values=tuple(values))  # type: ignore[arg-type]


@dataclass(frozen=True)
class ItemTokenizer:
    """Maps external item ids to catalog rows and rows to their F tokens (item_id first, then fields).

    `item_ids[r - 1]` is the external id of catalog row r; row 0 is padding.
    """

    item_ids: tuple[int, ...]
    fields: tuple[FieldVocab, ...]
    _row: dict[int, int] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_row", {item: r + 1 for r, item in enumerate(self.item_ids)})

    @property
    def n_items(self) -> int:
        return len(self.item_ids)

    @property
    def n_tokens(self) -> int:
        """F: tokens per item (one item_id token plus every field's slots)."""
        return 1 + sum(f.slots for f in self.fields)

    @property
    def vocab_sizes(self) -> tuple[int, ...]:
        """Embedding table size per field, item_id first."""
        return (self.n_items + 1, *(f.size for f in self.fields))

    @property
    def token_field(self) -> np.ndarray:
        """(F,) field index of each token slot (0 = item_id); slots of one multi field share it."""
        out = [0]
        for i, f in enumerate(self.fields, start=1):
            out += [i] * f.slots
        return np.asarray(out, dtype=np.int64)

    def row(self, item_id: int) -> int:
        """Catalog row of an external item id; KeyError if unknown."""
        return self._row[item_id]

    def rows(self, item_ids: np.ndarray) -> np.ndarray:
        """Vectorised `row`; unknown ids map to 0."""
        return np.fromiter((self._row.get(int(i), 0) for i in item_ids), dtype=np.int64, count=len(item_ids))

    def token_table(self, cells: dict[str, list[str]]) -> np.ndarray:
        """(n_items + 1, F) int64 tokens; `cells[field][r - 1]` is row r's raw cell text ('' = missing)."""
        table = np.zeros((self.n_items + 1, self.n_tokens), dtype=np.int64)
        table[1:, 0] = np.arange(1, self.n_items + 1)
        col = 1
        for f in self.fields:
            column = cells[f.name]
            table[1:, col : col + f.slots] = np.asarray([f.encode(c) for c in column], dtype=np.int64)
            col += f.slots
        return table

    def to_json(self) -> dict[str, object]:
        return {"item_ids": list(self.item_ids), "fields": [f.to_json() for f in self.fields]}

    @classmethod
    def from_json(cls, obj: dict[str, object]) -> ItemTokenizer:
        item_ids = obj["item_ids"]
        fields = obj["fields"]
        assert isinstance(item_ids, list) and isinstance(fields, list)
        return cls(item_ids=tuple(int(i) for i in item_ids), fields=tuple(FieldVocab.from_json(f) for f in fields))

    def save(self, path: str | Path) -> None:
        Path(path).write_text(json.dumps(self.to_json()))

    @classmethod
    def load(cls, path: str | Path) -> ItemTokenizer:
        return cls.from_json(json.loads(Path(path).read_text()))


def build_field_vocab(name: str, cells: list[str], *, max_slots: int) -> FieldVocab:
    """A vocabulary from raw cells; values ordered by descending frequency then name (deterministic)."""
    multi = any(MULTI_SEP in c for c in cells)
    counts: dict[str, int] = {}
    longest = 1
    for c in cells:
        parts = [p.strip() for p in c.split(MULTI_SEP)] if multi else [c.strip()]
        parts = [p for p in parts if p]
        longest = max(longest, len(parts))
        for p in parts:
            counts[p] = counts.get(p, 0) + 1
    values = tuple(sorted(counts, key=lambda v: (-counts[v], v)))
    if multi:
        return FieldVocab(name=name, kind="multi", slots=min(longest, max_slots), values=values)
    return FieldVocab(name=name, kind="single", slots=1, values=values)
