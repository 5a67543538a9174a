"""`heterrec export`: a trained run -> a self-describing, versioned artifact folder.

ARTIFACTS_DIR/<version>/ manifest.json encoder_step.onnx item_vectors.npy output_vectors.npy
                         item_index.faiss catalog.json tokenizer.json
ARTIFACTS_DIR/latest     the newest version's folder name
"""

from __future__ import annotations

import logging
import os
import shutil
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import faiss
import numpy as np
import torch
from tqdm import tqdm

from export import contract
from export.catalog import write_catalog
from export.index import IndexOptions, build_index, resolve_kind
from export.onnx_export import export_step_onnx
from model.data import load_dataset
from model.run import load_run

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ExportOptions:
    keep_len: int = 0  # 0 = max_len // 2
    index: IndexOptions = field(default_factory=IndexOptions)
    opset: int = contract.OPSET
    data: Path | None = None  # dataset folder; default: the one recorded in the run


def export_run(run_dir: str | Path, out_root: str | Path, options: ExportOptions = ExportOptions()) -> Path:
    """Exports `run_dir` into `out_root/<version>/`, updates `out_root/latest`, returns the version folder."""
    run = load_run(run_dir)
    cfg = run.model_config
    keep_len = options.keep_len or cfg.max_len // 2
    if not 0 < keep_len < cfg.max_len:
        raise ValueError(f"keep_len must be in 1..{cfg.max_len - 1} (max_len {cfg.max_len}), got {keep_len}")
    data = options.data or Path(str(run.data_info.get("path", "")))
    if not data or not Path(data).is_dir():
        raise FileNotFoundError(f"dataset folder {data!s} not found: pass --data (the folder the run trained on)")
    weights_digest = contract.sha256(run.path / "model.pt")[:8]
    stamp = datetime.now(UTC)
    version = f"{cfg.name}-{stamp:%Y%m%d-%H%M%S}-{weights_digest}"
    root = Path(out_root)
    tmp = root / f".{version}.partial"
    if tmp.exists():
        shutil.rmtree(tmp)
    tmp.mkdir(parents=True)
    steps = tqdm(total=5, desc=f"export {version}", unit="step")
    model = run.load_model()

    steps.set_postfix_str("item vectors")
    with torch.no_grad():
        vecs = model.item_vectors()
    item_in, item_out = vecs.input.numpy().astype(np.float32), vecs.output.numpy().astype(np.float32)
    np.save(tmp / contract.ITEM_VECTORS, item_in)
    np.save(tmp / contract.OUTPUT_VECTORS, item_out)
    steps.update()

    steps.set_postfix_str("onnx")
    export_step_onnx(model, tmp / contract.ENCODER, opset=options.opset)
    steps.update()

    steps.set_postfix_str("faiss index")
    faiss.write_index(build_index(item_out, options.index), str(tmp / contract.INDEX))
    steps.update()

    steps.set_postfix_str("catalog")
    ds = load_dataset(data, fields=[f.name for f in run.tokenizer.fields])
    if ds.tokenizer.item_ids != run.tokenizer.item_ids:
        raise ValueError(f"{data} has a different item catalog than the run: pass the dataset it was trained on")
    popularity = np.bincount(np.concatenate(ds.sequences), minlength=cfg.n_items + 1)
    write_catalog(tmp / contract.CATALOG, tokenizer=run.tokenizer, token_table=ds.token_table, popularity=popularity)
    run.tokenizer.save(tmp / contract.TOKENIZER)
    steps.update()

    steps.set_postfix_str("manifest")
    files = [
        contract.ENCODER,
        contract.ITEM_VECTORS,
        contract.OUTPUT_VECTORS,
        contract.INDEX,
        contract.CATALOG,
        contract.TOKENIZER,
    ]
    manifest = contract.Manifest(
        version=version,
        created=stamp.isoformat(),
        model=cfg.name,
        dim=cfg.dim,
        max_len=cfg.max_len,
        keep_len=keep_len,
        layers=cfg.item_layers,
        heads=cfg.item_heads,
        head_dim=cfg.head_dim,
        n_items=cfg.n_items,
        opset=options.opset,
        index_kind=resolve_kind(options.index.kind, cfg.n_items),
        files={name: contract.sha256(tmp / name) for name in files},
        metrics=run.metrics(),
    )
    (tmp / contract.MANIFEST).write_text(manifest.to_json())
    final = root / version
    os.replace(tmp, final)  # the version appears whole or not at all
    (root / f".{contract.LATEST}.tmp").write_text(version)
    os.replace(root / f".{contract.LATEST}.tmp", root / contract.LATEST)
    steps.update()
    steps.close()
    log.info("exported %s to %s", run.path, final)
    return final
