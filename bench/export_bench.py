"""Export benchmark: per-event cost of the KV-cached ONNX step vs recomputing the window, ORT vs PyTorch.

Trains (once, cached) an amazon-beauty HeterRec with L_max = 200 for a couple of epochs — timings do not
depend on quality — exports it, then for history lengths 10, 50 and 200 and batch 1 and 32 times:
  ort_step        KV-cached ORT step: one new item on top of P-1 cached items
  ort_recompute   ORT prefill of the whole window of P items (what serving without a cache would do)
  torch_step      the same cached step in PyTorch eager
  torch_recompute PyTorch eager full forward over the window

    python -m bench.export_bench [--repeat 200]
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import platform
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import torch

from bench.report import replace_section
from bench.timing import measure
from export.contract import load_manifest, resolve_version
from export.exporter import ExportOptions, export_run
from model.config import TrainConfig
from model.data import load_dataset
from model.hct import KVCache
from model.heterrec import SeqRecModel
from model.run import load_run
from model.trainer import model_config_for, train
from service.encoder import OnnxEncoder

ROOT = Path(__file__).resolve().parent.parent
RUN = ROOT / "bench" / "runs" / "export-beauty-L200"
ARTIFACTS = ROOT / "bench" / "runs" / "export-beauty-L200-artifacts"
RESULTS = ROOT / "bench" / "results" / "export.json"
L_MAX = 200
log = logging.getLogger("bench.export")


def ensure_artifacts() -> Path:
    if not (RUN / "metrics.json").is_file():
        ds = load_dataset(ROOT / "data" / "amazon-beauty")
        train(ds, model_config_for(ds, "heterrec", max_len=L_MAX), TrainConfig(epochs=2), RUN, progress=False)
    try:
        return resolve_version(ARTIFACTS)
    except ValueError:
        return export_run(RUN, ARTIFACTS, ExportOptions())


def time_case(
    enc: OnnxEncoder, model: SeqRecModel, item_input: torch.Tensor, rows: np.ndarray, repeat: int
) -> dict[str, Any]:
    """rows: (B, H) histories; times adding the last item on top of the first H - 1."""
    batch, hist = rows.shape
    past = enc.prefill(rows[:, :-1])
    new, pos = rows[:, -1:], np.full((batch, 1), hist - 1)
    t_rows = torch.from_numpy(rows)
    t_cache = KVCache(
        keys=tuple(torch.from_numpy(k) for k in past.keys), values=tuple(torch.from_numpy(v) for v in past.values)
    )
    t_new, t_pos = item_input[torch.from_numpy(new)], torch.from_numpy(pos)

    def torch_step() -> object:
        with torch.no_grad():
            return model.step(t_new, t_pos, t_cache)

    def torch_full() -> object:
        with torch.no_grad():
            return model.encode(t_rows, item_input)

    timings = {
        "ort_step": measure(lambda: enc.step(new, pos, past.keys, past.values), repeat=repeat),
        "ort_recompute": measure(lambda: enc.prefill(rows), repeat=repeat),
        "torch_step": measure(torch_step, repeat=repeat),
        "torch_recompute": measure(torch_full, repeat=repeat),
    }
    row: dict[str, Any] = {"batch": batch, "history": hist, **{k: v.__dict__ for k, v in timings.items()}}
    row["recompute_over_step"] = timings["ort_recompute"].median_ms / timings["ort_step"].median_ms
    row["torch_over_ort_step"] = timings["torch_step"].median_ms / timings["ort_step"].median_ms
    return row


def bench(repeat: int) -> dict[str, Any]:
    folder = ensure_artifacts()
    manifest = load_manifest(folder)
    cores = os.cpu_count() or 1
    model = load_run(RUN).load_model()
    item_input = model.item_vectors().input.detach()
    rows_out: list[dict[str, Any]] = []
    for threads in sorted({1, cores}):
        torch.set_num_threads(threads)
        enc = OnnxEncoder(folder, manifest, intra_op_threads=threads)
        rng = np.random.default_rng(0)
        for batch in (1, 32):
            for hist in (10, 50, L_MAX):
                rows = rng.integers(1, manifest.n_items + 1, size=(batch, hist))
                reps = repeat if batch == 1 else max(20, repeat // 5)
                row = {"threads": threads, **time_case(enc, model, item_input, rows, reps)}
                rows_out.append(row)
                log.info(
                    "threads %d batch %d history %d: ort step %.3f ms, recompute %.3f ms (%.1fx)",
                    threads,
                    batch,
                    hist,
                    row["ort_step"]["median_ms"],
                    row["ort_recompute"]["median_ms"],
                    row["recompute_over_step"],
                )
    return {
        "date": date.today().isoformat(),
        "machine": f"{platform.machine()}, {cores}-core CPU",
        "model": manifest.version,
        "dim": manifest.dim,
        "layers": manifest.layers,
        "heads": manifest.heads,
        "max_len": manifest.max_len,
        "cores": cores,
        "repeat": repeat,
        "rows": rows_out,
    }


def render(result: dict[str, Any]) -> str:
    lines = [
        f"Date {result['date']}, {result['machine']}, command `python -m bench.export_bench --repeat "
        f"{result['repeat']}`. Model: amazon-beauty HeterRec, D={result['dim']}, {result['layers']} item-level "
        f"layer(s), {result['heads']} head(s), L_max={result['max_len']}; ORT and torch each use "
        "the same number of threads (`threads` column). Per event = one new item for each of "
        "`batch` users whose history already holds `history - 1` items. Medians (p99 in brackets), milliseconds.",
        "",
        "| threads | batch | history | ORT cached step | ORT recompute | recompute / step | PyTorch cached step | "
        "PyTorch recompute | PyTorch step / ORT step |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for r in result["rows"]:

        def cell(name: str, r: dict[str, Any] = r) -> str:
            return f"{r[name]['median_ms']:.3f} ({r[name]['p99_ms']:.3f})"

        lines.append(
            f"| {r['threads']} | {r['batch']} | {r['history']} | {cell('ort_step')} | {cell('ort_recompute')} | "
            f"{r['recompute_over_step']:.1f}x | {cell('torch_step')} | {cell('torch_recompute')} | "
            f"{r['torch_over_ort_step']:.1f}x |"
        )
    return "\n".join(lines)


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--repeat", type=int, default=200)
    args = p.parse_args()
    result = bench(args.repeat)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2))
    replace_section("export", render(result))


if __name__ == "__main__":
    main()
