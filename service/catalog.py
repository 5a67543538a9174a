"""The served catalog: external item id <-> row, feature masks for filters, the popularity order."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from export import contract
from service.errors import BadFilterError, UnknownItemError
from service.schemas import Filters


@dataclass
class Catalog:
    item_ids: np.ndarray  # (n_items + 1,) external id per row, row 0 = -1
    row_of: dict[int, int]
    features: dict[str, list[list[str]]]  # field -> per row (from row 1) values
    popularity: np.ndarray  # (n_items + 1,) counts, row 0 = 0
    popular_rows: np.ndarray  # rows by descending popularity
    _value_masks: dict[tuple[str, str], np.ndarray]

    @classmethod
    def load(cls, folder: Path) -> Catalog:
        raw = json.loads((folder / contract.CATALOG).read_text())
        ids = np.asarray([-1, *raw["item_ids"]], dtype=np.int64)
        pop = np.asarray([0, *raw["popularity"]], dtype=np.int64)
        order = np.argsort(-pop[1:], kind="stable") + 1
        masks: dict[tuple[str, str], np.ndarray] = {}
        for field, per_item in raw["features"].items():
            for r, values in enumerate(per_item, start=1):
                for v in values:
                    mask = masks.setdefault((field, v), np.zeros(len(ids), dtype=bool))
                    mask[r] = True
        return cls(
            item_ids=ids,
            row_of={int(i): r for r, i in enumerate(ids) if r},
            features=raw["features"],
            popularity=pop,
            popular_rows=order,
            _value_masks=masks,
        )

    @property
    def n_items(self) -> int:
        return len(self.item_ids) - 1

    def rows(self, item_ids: list[int]) -> np.ndarray:
        """Catalog rows of external ids; UnknownItemError lists every unknown one."""
        unknown = [i for i in item_ids if i not in self.row_of]
        if unknown:
            raise UnknownItemError(unknown)
        return np.asarray([self.row_of[i] for i in item_ids], dtype=np.int64)

    def known_rows(self, item_ids: np.ndarray) -> np.ndarray:
        """Rows of the ids this catalog knows, dropping the others (history from an older catalog)."""
        return np.asarray([self.row_of[i] for i in item_ids.tolist() if i in self.row_of], dtype=np.int64)

    def allowed_mask(self, filters: Filters | None) -> np.ndarray | None:
        """(n_items + 1,) bool of rows passing the filters, or None when there are none."""
        if filters is None or (not filters.include and not filters.exclude):
            return None
        allowed = np.ones(len(self.item_ids), dtype=bool)
        allowed[0] = False
        for kind, spec in (("include", filters.include), ("exclude", filters.exclude)):
            for field, values in spec.items():
                if field not in self.features:
                    raise BadFilterError(
                        f"filters.{kind}: unknown field '{field}'; filterable fields: {sorted(self.features)}"
                    )
                hit = np.zeros(len(self.item_ids), dtype=bool)
                for v in values:
                    m = self._value_masks.get((field, v))
                    if m is not None:
                        hit |= m
                allowed &= hit if kind == "include" else ~hit
        return allowed
