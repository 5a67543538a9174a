"""Quality benchmark: HeterRec vs the in-project SASRec (and ablations) under one training budget.

Runs are resumable and selectable: each finished run is appended to bench/results/quality.json and
skipped next time; the table in docs/benchmarks.md is regenerated from that file after every run.

    python -m bench.quality & python -m bench.quality &   # two workers share the plan, one core each (hours)
    python -m bench.quality --only amazon-beauty/heterrec --seeds 0
    python -m bench.quality --table-only
"""

from __future__ import annotations

import argparse
import fcntl
import json
import logging
import os
import platform
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np

from bench.report import replace_section

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results" / "quality.json"
DATA_ROOT = ROOT.parent / "shared" / "data"
RUNS_DIR = ROOT / "bench" / "runs"
log = logging.getLogger("bench.quality")

# One budget for every run: the eSASRec recipe (emb 64, 1 block, 1 head, dropout 0.2, 256 shared
# negatives, lr 1e-3) with the epoch cap and patience cut to what 2 CPU cores allow.
BUDGET: dict[str, Any] = {
    "epochs": 60,
    "patience": 20,
    "batch_size": 128,
    "lr": 1e-3,
    "negatives": 256,
    "max_train_seconds": 600.0,
    "eval_every": 2,
    "threads": 1,  # two benchmark processes run side by side, one per core
}
DATASETS: dict[str, dict[str, Any]] = {
    "amazon-beauty": {"max_len": 50},
    "ml-100k": {"max_len": 200},
    "yelp": {"max_len": 50},
}
ABLATION_DATASETS = ("amazon-beauty", "ml-100k")


@dataclass(frozen=True)
class Variant:
    name: str
    model: str  # model_config_for's model name
    model_overrides: dict[str, Any] = field(default_factory=dict)
    train_overrides: dict[str, Any] = field(default_factory=dict)
    ablation: bool = False
    note: str = ""


VARIANTS = (
    Variant("sasrec", "sasrec", note="in-project baseline: one ID token, same loss and trainer"),
    Variant(
        "heterrec",
        "heterrec",
        note="HTFL + HCT: summed field embeddings plus the gated token-tower correction, next-item loss (LMP K=1)",
    ),
    Variant(
        "heterrec-lmp-k3",
        "heterrec",
        train_overrides={"steps_ahead": 3},
        ablation=True,
        note="ablation: LMP over the next 3 items (weights 1, 0.5, 0.25)",
    ),
    # Run on every dataset and seed: in the first pass it beat both SASRec and full HeterRec on beauty.
    Variant("heterrec-htfl-off", "htfl_off", note="HTFL off: field embeddings summed into one token, no token tower"),
    Variant(
        "heterrec-tower-replace",
        "heterrec",
        model_overrides={"tower_residual": False, "token_ffn_mult": 4, "token_dropout": None},
        note="the first design: item vector = mean-pooled tower output + item_id embedding (no summed base), "
        "tower FFN ×4 with dropout 0.2; run on every dataset and seed",
    ),
    Variant(
        "sasrec-neg1024",
        "sasrec",
        train_overrides={"negatives": 1024},
        note="SASRec with 1024 shared negatives instead of 256",
    ),
    Variant(
        "heterrec-neg1024",
        "heterrec",
        train_overrides={"negatives": 1024},
        note="HeterRec with 1024 shared negatives instead of 256",
    ),
    Variant(
        "heterrec-tower-id",
        "heterrec",
        model_overrides={"tower_id": True},
        ablation=True,
        note="ablation: the token tower also reads the item_id token (per-item corrections)",
    ),
    Variant(
        "heterrec-hct-flat",
        "hct_flat",
        ablation=True,
        note="ablation: HCT off (one causal transformer over all L·F tokens)",
    ),
)
ANCHORS = {  # published amazon-beauty numbers, leave-one-out, full ranking (test R@10 / N@10)
    "SASRec (original paper)": (0.0605, 0.0318),
    "HSTU": (0.0704, 0.0389),
    "ActionPiece": (0.0775, 0.0424),
    "SASRec, sampled softmax (eSASRec, RecSys 2025)": (0.0921, 0.0531),
}


def planned_runs(seeds: tuple[int, ...]) -> list[tuple[str, Variant, int]]:
    """Every seed of each dataset's main variants, dataset by dataset; then the ablations (first seed)."""
    main = [v for v in VARIANTS if not v.ablation]
    ablations = [v for v in VARIANTS if v.ablation]
    runs = [(ds, v, seed) for ds in DATASETS for seed in seeds for v in main]
    runs += [(ds, v, seeds[0]) for ds in ABLATION_DATASETS for v in ablations]
    return runs


@contextmanager
def results_lock() -> Iterator[None]:
    """Two benchmark processes may finish at once: serialise the read-modify-write of the results file."""
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    with (RESULTS.parent / ".quality.lock").open("w") as f:
        fcntl.flock(f, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)


def load_results() -> list[dict[str, Any]]:
    return json.loads(RESULTS.read_text()) if RESULTS.is_file() else []


def run_one(dataset: str, variant: Variant, seed: int) -> dict[str, Any]:
    from model.config import TrainConfig
    from model.data import load_dataset
    from model.trainer import model_config_for, train

    ds = load_dataset(DATA_ROOT / dataset)
    mcfg = model_config_for(ds, variant.model, **{**DATASETS[dataset], **variant.model_overrides})
    tcfg = TrainConfig(**{**BUDGET, **variant.train_overrides, "seed": seed})
    out = RUNS_DIR / dataset / f"{variant.name}-seed{seed}"
    result = train(ds, mcfg, tcfg, out, progress=False)
    return {
        "key": f"{dataset}/{variant.name}/seed{seed}",
        "dataset": dataset,
        "variant": variant.name,
        "seed": seed,
        "date": date.today().isoformat(),
        "machine": f"{platform.processor() or platform.machine()}, 2-core CPU",
        "model_config": {k: v for k, v in mcfg.__dict__.items() if k not in ("vocab_sizes", "token_field")},
        "train_config": {k: v for k, v in tcfg.__dict__.items() if k != "extra"},
        **{
            k: result.metrics[k]
            for k in ("valid", "test", "best_epoch", "epochs_run", "train_seconds", "median_epoch_seconds", "params")
        },
    }


def _fmt(values: list[float]) -> str:
    return f"{np.mean(values):.4f}" if values else "-"


def render_table(results: list[dict[str, Any]]) -> str:
    lines = [
        f"Budget for every run: {json.dumps(BUDGET)}; emb 64, 1 item-level block, 1 head, dropout 0.2; "
        "HeterRec adds a 1-block token-level tower (2 heads). Leave-one-out, full ranking over all items, "
        "the user's earlier items masked (the target kept); test metrics, mean over seeds. "
        "`N@10 unmasked` ranks without masking. `epoch s` is measured while two benchmark processes share the "
        "machine, so it is only a rough guide; the clean comparison is the training-cost section below.",
        "",
    ]
    for ds in DATASETS:
        rows = [r for r in results if r["dataset"] == ds]
        if not rows:
            continue
        lines += [
            f"**{ds}** (max_len {DATASETS[ds]['max_len']})",
            "",
            "| variant | seeds | R@5 | R@10 | R@20 | N@5 | N@10 | N@20 | N@10 unmasked | best epoch | "
            "epoch s (median) | params |",
            "|---|---|---|---|---|---|---|---|---|---|---|---|",
        ]
        for v in VARIANTS:
            vr = sorted((r for r in rows if r["variant"] == v.name), key=lambda r: r["seed"])
            if not vr:
                continue
            t = [r["test"] for r in vr]
            cells = [_fmt([x[f"{m}@{k}"] for x in t]) for m in ("recall", "ndcg") for k in (5, 10, 20)]
            lines.append(
                f"| {v.name} | {','.join(str(r['seed']) for r in vr)} | "
                + " | ".join(cells)
                + f" | {_fmt([x['unmasked/ndcg@10'] for x in t])} | {'/'.join(str(r['best_epoch']) for r in vr)}"
                f" | {np.median([r['median_epoch_seconds'] for r in vr]):.1f} | {vr[0]['params']:,} |"
            )
        if ds == "amazon-beauty":
            lines += [
                "",
                "Published anchors on amazon-beauty (test R@10 / N@10): "
                + "; ".join(f"{k} {a:.4f} / {b:.4f}" for k, (a, b) in ANCHORS.items())
                + ".",
            ]
        lines.append("")
    lines += ["Variants: " + "; ".join(f"`{v.name}` = {v.note}" for v in VARIANTS) + "."]
    return "\n".join(lines)


def claim_next(jobs: list[tuple[str, Variant, int]]) -> tuple[str, Variant, int] | None:
    """Takes the first job that is neither finished nor claimed by a live process, and claims it, so any
    number of `python -m bench.quality` processes can share the plan."""
    claims_path = RESULTS.parent / ".quality.claims.json"
    with results_lock():
        done = {r["key"] for r in load_results()}
        claims = json.loads(claims_path.read_text()) if claims_path.is_file() else {}
        claims = {k: pid for k, pid in claims.items() if _alive(pid)}
        for ds, variant, seed in jobs:
            key = f"{ds}/{variant.name}/seed{seed}"
            if key not in done and key not in claims:
                claims[key] = os.getpid()
                claims_path.write_text(json.dumps(claims))
                return ds, variant, seed
    return None


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except OSError:
        return False
    return True


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", action="append", default=[], help="dataset or dataset/variant prefix")
    parser.add_argument("--seeds", default="0,1", help="comma-separated seeds")
    parser.add_argument("--no-ablations", action="store_true")
    parser.add_argument("--table-only", action="store_true", help="only regenerate the markdown table")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    seeds = tuple(int(s) for s in args.seeds.split(","))
    jobs = [
        (ds, v, seed)
        for ds, v, seed in planned_runs(seeds)
        if not (args.only and not any(f"{ds}/{v.name}/seed{seed}".startswith(o) for o in args.only))
        and not (args.no_ablations and v.ablation)
    ]
    while not args.table_only and (job := claim_next(jobs)) is not None:
        ds, variant, seed = job
        key = f"{ds}/{variant.name}/seed{seed}"
        log.info("running %s", key)
        t0 = time.perf_counter()
        record = run_one(ds, variant, seed)
        with results_lock():
            results = [r for r in load_results() if r["key"] != key] + [record]
            RESULTS.write_text(json.dumps(results, indent=2))
        log.info("%s done in %.0fs: test ndcg@10 %.4f", key, time.perf_counter() - t0, record["test"]["ndcg@10"])
        replace_section("quality", render_table(results))
    replace_section("quality", render_table(load_results()))


if __name__ == "__main__":
    main()
