"""Training cost per epoch: HeterRec vs SASRec (and the variants) side by side in one process.

Each round trains one epoch of every variant in turn (the quality benchmark's budget: batch 128, 256
shared negatives, K=1), so machine noise hits all of them alike; the table quotes medians and the
ratio to SASRec. Nothing is evaluated: this measures training cost only.

    python -m bench.epoch_time --dataset amazon-beauty --rounds 5 --threads 1,2
"""

from __future__ import annotations

import argparse
import json
import logging
import platform
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np

from bench.quality import BUDGET, DATA_ROOT, DATASETS, VARIANTS
from bench.report import replace_section

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results" / "epoch_time.json"
TIMED = ("sasrec", "heterrec", "heterrec-htfl-off", "heterrec-tower-replace")
log = logging.getLogger("bench.epoch_time")


def measure(dataset: str, rounds: int, threads: int) -> dict[str, list[float]]:
    import torch

    from model.batching import training_windows
    from model.config import TrainConfig
    from model.data import load_dataset
    from model.data.split import leave_one_out
    from model.heterrec import SeqRecModel
    from model.loss import step_weights
    from model.trainer import WindowTensors, model_config_for, seed_everything, train_epoch

    torch.set_num_threads(threads)
    ds = load_dataset(DATA_ROOT / dataset)
    variants = {v.name: v for v in VARIANTS}
    tcfg = TrainConfig(**{**BUDGET, "threads": threads})
    windows = WindowTensors.of(
        training_windows(leave_one_out(ds.sequences).train, max_len=DATASETS[dataset]["max_len"], steps_ahead=1)
    )
    weights = step_weights(1, tcfg.step_decay, torch.device("cpu"))
    setups = []
    for name in TIMED:
        v = variants[name]
        seed_everything(0)
        mcfg = model_config_for(ds, v.model, **{**DATASETS[dataset], **v.model_overrides})
        table = torch.from_numpy(np.ascontiguousarray(ds.token_table[:, : mcfg.n_tokens]))
        model = SeqRecModel(mcfg, table)
        opt = torch.optim.AdamW(model.parameters(), lr=tcfg.lr)
        setups.append((name, model, opt, torch.Generator().manual_seed(0)))
    seconds: dict[str, list[float]] = {name: [] for name in TIMED}
    for r in range(rounds):
        for name, model, opt, gen in setups:
            _, s = train_epoch(model, opt, windows, tcfg, weights, gen, progress=False)
            seconds[name].append(s)
            log.info("threads %d round %d %s: %.2fs", threads, r + 1, name, s)
    return seconds


def render(record: dict[str, Any]) -> str:
    lines = [
        f"{record['date']}, {record['machine']}; `{record['command']}`. One epoch of every variant per round, "
        f"{record['rounds']} rounds; median seconds per epoch (ratio to SASRec).",
        "",
        "| torch threads | " + " | ".join(TIMED) + " |",
        "|---" * (len(TIMED) + 1) + "|",
    ]
    for threads, secs in record["seconds"].items():
        base = float(np.median(secs["sasrec"]))
        cells = [f"{np.median(secs[n]):.2f} ({np.median(secs[n]) / base:.1f}×)" for n in TIMED]
        lines.append(f"| {threads} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dataset", default="amazon-beauty", choices=list(DATASETS))
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--threads", default="1,2", help="comma-separated torch thread counts")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    record: dict[str, Any] = {
        "date": date.today().isoformat(),
        "machine": f"{platform.processor() or platform.machine()}, 2-core CPU",
        "command": f"python -m bench.epoch_time --dataset {args.dataset} --rounds {args.rounds} "
        f"--threads {args.threads}",
        "dataset": args.dataset,
        "rounds": args.rounds,
        "seconds": {t: measure(args.dataset, args.rounds, int(t)) for t in args.threads.split(",")},
    }
    RESULTS.write_text(json.dumps(record, indent=2))
    replace_section("epoch-time", render(record))
    log.info("\n%s", render(record))


if __name__ == "__main__":
    main()
