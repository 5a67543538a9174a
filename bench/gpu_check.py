"""GPU check for a machine with CUDA: the exported encoder under the CUDA execution provider matches the
CPU provider, and the step's latency at batch 1 and 256. Torch-free; needs `pip install .[gpu]`.

    python -m bench.gpu_check --artifacts bench/runs/export-beauty-L200-artifacts

Without a CUDA provider it says so and exits 3 (nothing to compare).
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path
from typing import Any

import numpy as np
import onnxruntime as ort

from bench.timing import measure
from export.contract import load_manifest, resolve_version
from service.encoder import OnnxEncoder

log = logging.getLogger("bench.gpu_check")
CUDA = "CUDAExecutionProvider"


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--artifacts", type=Path, required=True)
    p.add_argument("--out", type=Path, default=Path("bench/results/gpu.json"))
    args = p.parse_args()
    if CUDA not in ort.get_available_providers():
        log.error("no %s in this onnxruntime (%s): nothing to check", CUDA, ort.get_available_providers())
        sys.exit(3)
    folder = resolve_version(args.artifacts)
    m = load_manifest(folder)
    cpu = OnnxEncoder(folder, m, providers=["CPUExecutionProvider"])
    gpu = OnnxEncoder(folder, m, providers=[CUDA, "CPUExecutionProvider"])
    rng = np.random.default_rng(0)
    result: dict[str, object] = {"providers": gpu.session.get_providers(), "model": m.version, "rows": []}
    for batch in (1, 256):
        rows = rng.integers(1, m.n_items + 1, size=(batch, m.max_len))
        past_cpu, past_gpu = cpu.prefill(rows[:, :-1]), gpu.prefill(rows[:, :-1])
        new, pos = rows[:, -1:], np.full((batch, 1), m.max_len - 1)
        a = cpu.step(new, pos, past_cpu.keys, past_cpu.values).state
        b = gpu.step(new, pos, past_gpu.keys, past_gpu.values).state
        entry: dict[str, Any] = {
            "batch": batch,
            "max_abs_diff": float(np.abs(a - b).max()),
            "gpu_step": measure(lambda: gpu.step(new, pos, past_gpu.keys, past_gpu.values), repeat=200).__dict__,  # noqa: B023
            "cpu_step": measure(lambda: cpu.step(new, pos, past_cpu.keys, past_cpu.values), repeat=50).__dict__,  # noqa: B023
        }
        result["rows"].append(entry)  # type: ignore[attr-defined]
        log.info(
            "batch %d: max |cpu - cuda| = %.2e, cuda step %.3f ms, cpu step %.3f ms",
            batch,
            entry["max_abs_diff"],
            entry["gpu_step"]["median_ms"],
            entry["cpu_step"]["median_ms"],
        )
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
