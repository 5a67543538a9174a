"""FAISS index vs brute force, manifest validation, and loading artifacts without torch."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

from export import contract
from export.contract import ManifestError, load_manifest, resolve_version
from export.index import IndexOptions, brute_force_topk, build_index, search
from model.config import TrainConfig
from model.data import leave_one_out, load_dataset
from model.evaluate import user_states
from model.run import load_run
from model.trainer import model_config_for, train
from tests.conftest import BUNDLED

ROOT = Path(__file__).resolve().parents[2]


def test_flat_index_equals_brute_force() -> None:
    rng = np.random.default_rng(0)
    vecs = rng.normal(size=(301, 12)).astype(np.float32)
    vecs[0] = 0
    queries = rng.normal(size=(9, 12)).astype(np.float32)
    index = build_index(vecs, IndexOptions(kind="flat"))
    scores, rows = search(index, queries, 10)
    ref_scores, ref_rows = brute_force_topk(vecs, queries, 10)
    np.testing.assert_array_equal(rows, ref_rows)
    np.testing.assert_allclose(scores, ref_scores, rtol=1e-5, atol=1e-5)
    assert rows.min() >= 1  # row 0 (padding) is never indexed


@pytest.fixture(scope="module")
def beauty_model(tmp_path_factory: pytest.TempPathFactory) -> tuple[np.ndarray, np.ndarray]:
    """The real amazon-beauty catalog (12,101 items) after one epoch of HeterRec training (about 15 s):
    output item vectors, and real user states (500 test users) as the queries serving would send."""
    ds = load_dataset(BUNDLED)
    out = tmp_path_factory.mktemp("beauty-run")
    train(ds, model_config_for(ds, "heterrec"), TrainConfig(epochs=1), out, progress=False)
    model = load_run(out).load_model()
    with torch.no_grad():
        vecs = model.item_vectors()
        states = user_states(model, leave_one_out(ds.sequences).test_history[:500], vecs.input)
    return vecs.output.numpy(), states.numpy()


@pytest.mark.parametrize("kind", ["hnsw", "ivf"])
def test_approximate_index_recall_on_real_catalog(beauty_model: tuple[np.ndarray, np.ndarray], kind: str) -> None:
    vectors, queries = beauty_model
    index = build_index(vectors, IndexOptions(kind=kind))  # type: ignore[arg-type]
    _, rows = search(index, queries, 10)
    _, ref = brute_force_topk(vectors, queries, 10)
    recall = np.mean([len(set(a) & set(b)) / 10 for a, b in zip(rows.tolist(), ref.tolist(), strict=True)])
    assert recall >= 0.98, recall


def _copy(artifacts: Path, tmp_path: Path) -> Path:
    src = resolve_version(artifacts)
    dst = tmp_path / src.name
    shutil.copytree(src, dst)
    return dst


def test_manifest_round_trip_and_latest_pointer(tiny_artifacts: Path) -> None:
    m = load_manifest(tiny_artifacts)
    assert (tiny_artifacts / contract.LATEST).read_text() == m.version
    assert m.max_len == 7 and m.keep_len == 4 and m.heads * m.head_dim == m.dim == 12
    assert m.metrics["test"]["ndcg@10"] >= 0
    catalog = json.loads((resolve_version(tiny_artifacts) / contract.CATALOG).read_text())
    assert len(catalog["item_ids"]) == len(catalog["popularity"]) == m.n_items
    assert set(catalog["features"]) == {"brand", "categories"}


def test_missing_file_is_named(tiny_artifacts: Path, tmp_path: Path) -> None:
    folder = _copy(tiny_artifacts, tmp_path)
    (folder / contract.INDEX).unlink()
    with pytest.raises(ManifestError, match=r"item_index.faiss: listed in the manifest but missing. Fix"):
        load_manifest(folder)


def test_sha256_mismatch_is_named(tiny_artifacts: Path, tmp_path: Path) -> None:
    folder = _copy(tiny_artifacts, tmp_path)
    with (folder / contract.CATALOG).open("a") as f:
        f.write(" ")
    with pytest.raises(ManifestError, match=r"catalog.json: sha256 does not match"):
        load_manifest(folder)


def _edit_manifest(folder: Path, **changes: object) -> None:
    raw = json.loads((folder / contract.MANIFEST).read_text())
    raw.update(changes)
    (folder / contract.MANIFEST).write_text(json.dumps(raw))


def test_wrong_opset_is_refused(tiny_artifacts: Path, tmp_path: Path) -> None:
    folder = _copy(tiny_artifacts, tmp_path)
    _edit_manifest(folder, opset=99)
    with pytest.raises(ManifestError, match=r"opset 99 is newer"):
        load_manifest(folder)


def test_dim_mismatch_is_refused(tiny_artifacts: Path, tmp_path: Path) -> None:
    folder = _copy(tiny_artifacts, tmp_path)
    _edit_manifest(folder, dim=16, head_dim=4, heads=4)
    with pytest.raises(ManifestError, match=r"item_vectors.npy: shape \(7, 12\) but the manifest says \(7, 16\)"):
        load_manifest(folder)


def test_no_manifest_anywhere(tmp_path: Path) -> None:
    with pytest.raises(ManifestError, match="run `heterrec export`"):
        load_manifest(tmp_path)


LOADER = """
import sys
sys.modules["torch"] = None
import numpy as np, faiss
from export.contract import load_manifest, resolve_version, INDEX
from service.encoder import OnnxEncoder
folder = resolve_version(sys.argv[1])
m = load_manifest(folder)
enc = OnnxEncoder(folder, m)
res = enc.prefill(np.array([[1, 2, 3]]))
index = faiss.read_index(str(folder / INDEX))
scores, rows = index.search(res.state.astype(np.float32), 3)
assert rows.shape == (1, 3) and rows.min() >= 1
print("ok")
"""


def test_fresh_process_loads_artifacts_without_torch(tiny_artifacts: Path) -> None:
    out = subprocess.run(
        [sys.executable, "-c", LOADER, str(tiny_artifacts)], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "ok"
