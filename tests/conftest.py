"""Shared fixtures: tiny datasets written to disk in the common layout."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SHARED_DATA = ROOT.parent / "shared" / "data"
BUNDLED = ROOT / "data" / "amazon-beauty"

TINY_ITEMS = """item_id,asin,brand,categories
1,A1,Acme,Makeup|Face
2,A2,Acme,Makeup|Eyes|Liner
3,A3,,Hair
4,A4,Zed,Hair|Shampoo
5,A5,Zed,Makeup
6,A6,Other,Skin|Face|Cream|Night
"""


def tiny_interactions(n_users: int = 9) -> str:
    rows = ["user_id,item_id,timestamp"]
    for u in range(1, n_users + 1):
        for t in range(3 + u % 4):
            rows.append(f"{u},{(u + 2 * t) % 6 + 1},{t}")
    return "\n".join(rows) + "\n"


def write_dataset(root: Path, items: str = TINY_ITEMS, interactions: str | None = None) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / "items.csv").write_text(items)
    (root / "interactions.csv").write_text(interactions if interactions is not None else tiny_interactions())
    return root


@pytest.fixture
def tiny_dir(tmp_path: Path) -> Path:
    return write_dataset(tmp_path / "tiny")
