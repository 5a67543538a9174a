"""Shared fixtures: tiny datasets written to disk in the common layout."""

from __future__ import annotations

from pathlib import Path

import pytest

from export.exporter import ExportOptions, export_run
from model.config import TrainConfig
from model.data import load_dataset
from model.trainer import model_config_for, train

ROOT = Path(__file__).resolve().parent.parent
SHARED_DATA = ROOT.parent / "shared" / "data"
BUNDLED = ROOT / "data" / "amazon-beauty"
MAX_LEN = 7  # the tiny model's L_max

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


@pytest.fixture(scope="session")
def tiny_data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_dataset(tmp_path_factory.mktemp("data") / "tiny")


@pytest.fixture(scope="session")
def tiny_run(tmp_path_factory: pytest.TempPathFactory, tiny_data: Path) -> Path:
    ds = load_dataset(tiny_data)
    mcfg = model_config_for(ds, "heterrec", dim=12, item_layers=2, item_heads=3, token_heads=3, max_len=MAX_LEN)
    out = tmp_path_factory.mktemp("run")
    train(ds, mcfg, TrainConfig(epochs=2, negatives=3, steps_ahead=2), out, progress=False)
    return out


@pytest.fixture(scope="session")
def tiny_artifacts(tmp_path_factory: pytest.TempPathFactory, tiny_run: Path) -> Path:
    root = tmp_path_factory.mktemp("artifacts")
    export_run(tiny_run, root, ExportOptions(keep_len=4))
    return root
