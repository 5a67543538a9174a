"""Seeded trainer: LMP loss over every position of each window, validation each epoch, early stopping."""

from __future__ import annotations

import json
import logging
import os
import random
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
from tqdm import tqdm

from model import run as run_files
from model.batching import Windows, training_windows
from model.config import ModelConfig, TrainConfig
from model.data.loader import Dataset
from model.data.split import LeaveOneOutSplit, leave_one_out
from model.evaluate import evaluate
from model.heterrec import SeqRecModel
from model.loss import full_softmax_lmp, sampled_softmax_lmp, step_weights
from model.plots import plot_curves

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class TrainResult:
    path: Path
    metrics: dict[str, Any]


def model_config_for(dataset: Dataset, model: str = "heterrec", **overrides: Any) -> ModelConfig:
    """A ModelConfig sized for `dataset`. model: heterrec | sasrec | htfl_off | hct_flat."""
    tok = dataset.tokenizer
    if model == "sasrec":
        return ModelConfig(vocab_sizes=(tok.n_items + 1,), token_field=(0,), htfl=False, **overrides)
    base = ModelConfig(vocab_sizes=tok.vocab_sizes, token_field=tuple(tok.token_field.tolist()), **overrides)
    if model == "heterrec":
        return base
    if model == "htfl_off":
        return ModelConfig(**{**base.__dict__, "htfl": False})
    if model == "hct_flat":
        return ModelConfig(**{**base.__dict__, "hct": "flat"})
    raise ValueError(f"unknown model {model!r}: choose heterrec, sasrec, htfl_off or hct_flat")


def seed_everything(seed: int) -> None:
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def _batch_loss(
    model: SeqRecModel,
    inputs: torch.Tensor,  # (B, L)
    targets: torch.Tensor,  # (B, L, K)
    tcfg: TrainConfig,
    weights: torch.Tensor,
    generator: torch.Generator,
) -> torch.Tensor:
    valid = inputs > 0  # (B, L) positions that hold an item
    if tcfg.negatives == 0:
        vecs = model.item_vectors()  # every catalog item once per batch
        states = model.encode(inputs, vecs.input)[valid]  # (N, D)
        return full_softmax_lmp(states, targets[valid], vecs.output, weights, tcfg.temperature)
    n = model.cfg.n_items
    negatives = torch.randint(1, n + 1, (tcfg.negatives,), generator=generator).to(inputs.device)
    tgt = targets[valid]  # (N, K)
    # The tower runs once on the distinct rows this batch touches: history, targets and negatives.
    rows, inverse = torch.unique(torch.cat([inputs.flatten(), tgt.flatten(), negatives]), return_inverse=True)
    vecs = model.item_vectors(rows)
    n_in, n_tgt = inputs.numel(), tgt.numel()
    if model.cfg.hct == "flat":
        states = model.encode(inputs)[valid]
    else:
        states = model.encoder(vecs.input[inverse[:n_in]].view(*inputs.shape, -1))[valid]
    target_out = vecs.output[inverse[n_in : n_in + n_tgt]].view(*tgt.shape, -1)  # (N, K, D)
    negative_out = vecs.output[inverse[n_in + n_tgt :]]  # (S, D)
    return sampled_softmax_lmp(states, tgt, target_out, negatives, negative_out, weights, tcfg.temperature)


def length_bucketed_batches(lengths: torch.Tensor, batch_size: int, gen: torch.Generator) -> list[torch.Tensor]:
    """Shuffled batches of windows of similar length, so padding stays small; batch order is random."""
    noise = torch.rand(len(lengths), generator=gen) * 2.0  # mixes neighbouring lengths across epochs
    order = torch.argsort(lengths.to(torch.float32) + noise)
    batches = list(order.split(batch_size))
    perm = torch.randperm(len(batches), generator=gen).tolist()
    return [batches[i] for i in perm]


@dataclass(frozen=True)
class WindowTensors:
    inputs: torch.Tensor  # (W, L)
    targets: torch.Tensor  # (W, L, K)
    lengths: torch.Tensor  # (W,)

    @classmethod
    def of(cls, windows: Windows) -> WindowTensors:
        inputs = torch.from_numpy(windows.inputs)
        return cls(inputs=inputs, targets=torch.from_numpy(windows.targets), lengths=(inputs > 0).sum(dim=1))


def train_epoch(
    model: SeqRecModel,
    opt: torch.optim.Optimizer,
    windows: WindowTensors,
    tcfg: TrainConfig,
    weights: torch.Tensor,
    gen: torch.Generator,
    *,
    desc: str = "epoch",
    progress: bool = True,
) -> tuple[float, float]:
    """One pass over every training window: (mean batch loss, seconds)."""
    model.train()
    device = weights.device
    t0 = time.perf_counter()
    batches_idx = length_bucketed_batches(windows.lengths, tcfg.batch_size, gen)
    total, batches, seen = 0.0, 0, 0
    bar = tqdm(batches_idx, desc=desc, disable=not progress, unit="batch", leave=False)
    for idx in bar:
        width = int(windows.lengths[idx].max())  # trim the batch to its longest window
        inputs = windows.inputs[idx, :width].to(device)
        loss = _batch_loss(model, inputs, windows.targets[idx, :width].to(device), tcfg, weights, gen)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        total += loss.item()
        batches += 1
        seen += len(idx)
        bar.set_postfix(loss=f"{total / batches:.4f}", seq_s=f"{seen / (time.perf_counter() - t0):.0f}")
    return total / max(batches, 1), time.perf_counter() - t0


def train(
    dataset: Dataset, mcfg: ModelConfig, tcfg: TrainConfig, out: str | Path, *, progress: bool = True
) -> TrainResult:
    """Trains, keeps the best-validation weights in `out`, and writes metrics.json and curves.png."""
    out = Path(out)
    torch.set_num_threads(tcfg.threads or os.cpu_count() or 1)
    if tcfg.device == "cuda" and not torch.cuda.is_available():
        raise RuntimeError("--device cuda was asked for but torch sees no CUDA device; use --device cpu")
    device = torch.device(tcfg.device)
    seed_everything(tcfg.seed)
    split: LeaveOneOutSplit = leave_one_out(dataset.sequences)
    windows: Windows = training_windows(
        split.train, max_len=mcfg.max_len, steps_ahead=tcfg.steps_ahead, mode=tcfg.windows
    )
    # SASRec keeps only the item_id column (always first).
    token_table = np.ascontiguousarray(dataset.token_table[:, : mcfg.n_tokens])
    run_files.write_run_files(
        out,
        model_config=mcfg,
        train_config=tcfg,
        tokenizer=dataset.tokenizer,
        token_table=token_table,
        data_info={"path": str(dataset.path), "users": dataset.n_users, "n_train_only": split.n_train_only},
    )
    model = SeqRecModel(mcfg, torch.from_numpy(token_table)).to(device)
    params = sum(p.numel() for p in model.parameters())
    log.info(
        "%s: %d parameters, %d training windows, %d users evaluated (%d train-only)",
        mcfg.name,
        params,
        len(windows.inputs),
        len(split.valid_target),
        split.n_train_only,
    )
    opt = torch.optim.AdamW(model.parameters(), lr=tcfg.lr, weight_decay=tcfg.weight_decay)
    weights = step_weights(tcfg.steps_ahead, tcfg.step_decay, device)
    gen = torch.Generator().manual_seed(tcfg.seed)
    windows_t = WindowTensors.of(windows)
    history: list[dict[str, Any]] = []
    best, best_epoch, stale, train_seconds = -1.0, 0, 0, 0.0
    for epoch in range(1, tcfg.epochs + 1):
        loss, epoch_seconds = train_epoch(
            model, opt, windows_t, tcfg, weights, gen, desc=f"epoch {epoch}", progress=progress
        )
        train_seconds += epoch_seconds
        record: dict[str, Any] = {"epoch": epoch, "loss": loss, "epoch_seconds": epoch_seconds}
        if epoch % tcfg.eval_every == 0 or epoch == tcfg.epochs:
            valid = evaluate(model, split.valid_history, split.valid_target, batch_size=tcfg.eval_batch_size)
            record["valid_ndcg@10"] = valid["ndcg@10"]
            record["valid_recall@10"] = valid["recall@10"]
            if valid["ndcg@10"] > best:
                best, best_epoch, stale = valid["ndcg@10"], epoch, 0
                torch.save(model.state_dict(), out / run_files.WEIGHTS)
            else:
                stale += tcfg.eval_every
        history.append(record)
        log.info(
            "epoch %d loss %.4f valid ndcg@10 %s (%.1fs)",
            epoch,
            record["loss"],
            f"{record['valid_ndcg@10']:.4f}" if "valid_ndcg@10" in record else "-",
            epoch_seconds,
        )
        if stale >= tcfg.patience:
            log.info("early stop: no validation improvement for %d epochs", stale)
            break
        if tcfg.max_train_seconds and train_seconds >= tcfg.max_train_seconds:
            log.info("time budget of %.0fs reached", tcfg.max_train_seconds)
            break
    model.load_state_dict(torch.load(out / run_files.WEIGHTS, map_location=device, weights_only=True))
    valid = evaluate(model, split.valid_history, split.valid_target, batch_size=tcfg.eval_batch_size)
    test = evaluate(model, split.test_history, split.test_target, batch_size=tcfg.eval_batch_size)
    epoch_times = [h["epoch_seconds"] for h in history]
    metrics = {
        "model": mcfg.name,
        "valid": valid,
        "test": test,
        "best_epoch": best_epoch,
        "epochs_run": len(history),
        "train_seconds": round(train_seconds, 2),
        "median_epoch_seconds": round(float(np.median(epoch_times)), 3),
        "params": params,
    }
    (out / run_files.METRICS).write_text(json.dumps(metrics, indent=2))
    (out / run_files.HISTORY).write_text(json.dumps(history, indent=2))
    plot_curves(history, out / run_files.CURVES)
    return TrainResult(path=out, metrics=metrics)
