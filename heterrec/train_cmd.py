"""`heterrec train` and `heterrec evaluate`."""

from __future__ import annotations

import json
from dataclasses import fields
from pathlib import Path
from typing import Annotated, Any

import typer

from heterrec.cli import _fail, app

ModelName = typer.Option(help="heterrec | sasrec | htfl_off | hct_flat")


@app.command("train")
def train_cmd(
    data: Annotated[Path, typer.Option(help="dataset folder (interactions.csv, items.csv)")],
    out: Annotated[Path, typer.Option(help="run folder to write (weights, configs, metrics.json, curves.png)")],
    model: Annotated[str, ModelName] = "heterrec",
    epochs: Annotated[int, typer.Option(help="maximum epochs")] = 100,
    max_len: Annotated[int, typer.Option(help="L_max: items in the window")] = 50,
    dim: Annotated[int, typer.Option(help="model width D")] = 64,
    item_layers: Annotated[int, typer.Option(help="item-level transformer blocks")] = 1,
    item_heads: Annotated[int, typer.Option(help="item-level attention heads")] = 1,
    token_layers: Annotated[int, typer.Option(help="token-level (within-item) blocks")] = 1,
    token_heads: Annotated[int, typer.Option(help="token-level attention heads")] = 2,
    dropout: Annotated[float, typer.Option()] = 0.2,
    batch_size: Annotated[int, typer.Option()] = 128,
    lr: Annotated[float, typer.Option()] = 1e-3,
    negatives: Annotated[int, typer.Option(help="shared sampled negatives; 0 = full-catalog softmax")] = 1024,
    steps_ahead: Annotated[int, typer.Option(help="LMP K: next items predicted per position")] = 1,
    step_decay: Annotated[float, typer.Option(help="LMP weight of step k is decay**k")] = 0.5,
    patience: Annotated[int, typer.Option(help="early-stopping patience in epochs (validation NDCG@10)")] = 10,
    max_train_seconds: Annotated[float, typer.Option(help="stop after this much training time; 0 = none")] = 0.0,
    fields: Annotated[str | None, typer.Option(help="comma-separated item feature columns; default: auto")] = None,
    seed: Annotated[int, typer.Option()] = 0,
    device: Annotated[str, typer.Option(help="cpu | cuda")] = "cpu",
    progress: Annotated[bool, typer.Option(help="show a progress bar")] = True,
    model_option: Annotated[
        list[str] | None,
        typer.Option(
            help="any other ModelConfig switch as KEY=VALUE (JSON value), repeatable: "
            "e.g. --model-option tower_residual=false --model-option token_ffn_mult=4"
        ),
    ] = None,
) -> None:
    """Train HeterRec (or the SASRec baseline / an ablation) with leave-one-out validation."""
    from model.config import TrainConfig
    from model.data import DataError, load_dataset
    from model.trainer import model_config_for, train

    try:
        ds = load_dataset(data, fields=fields.split(",") if fields else None)
        mcfg = model_config_for(
            ds,
            model,
            dim=dim,
            max_len=max_len,
            item_layers=item_layers,
            item_heads=item_heads,
            token_layers=token_layers,
            token_heads=token_heads,
            dropout=dropout,
            **parse_model_options(model_option or []),
        )
        tcfg = TrainConfig(
            epochs=epochs,
            batch_size=batch_size,
            lr=lr,
            negatives=negatives,
            steps_ahead=steps_ahead,
            step_decay=step_decay,
            patience=patience,
            seed=seed,
            device=device,  # type: ignore[arg-type]
            max_train_seconds=max_train_seconds,
        )
    except (DataError, ValueError) as exc:
        _fail(str(exc))
        return
    result = train(ds, mcfg, tcfg, out, progress=progress)
    typer.echo(
        json.dumps(
            {"run": str(out), "test": result.metrics["test"], "best_epoch": result.metrics["best_epoch"]}, indent=2
        )
    )


def parse_model_options(items: list[str]) -> dict[str, Any]:
    """`KEY=VALUE` pairs -> ModelConfig overrides; values are JSON (`false`, `4`, `0.1`, `"last"`) or bare strings."""
    from model.config import ModelConfig

    known = {f.name for f in fields(ModelConfig)} - {"vocab_sizes", "token_field"}
    out: dict[str, Any] = {}
    for item in items:
        key, sep, raw = item.partition("=")
        if not sep or key not in known:
            raise ValueError(f"--model-option {item!r}: expected KEY=VALUE with KEY one of {', '.join(sorted(known))}")
        try:
            out[key] = json.loads(raw)
        except json.JSONDecodeError:
            out[key] = raw
    return out


@app.command("evaluate")
def evaluate_cmd(
    run: Annotated[Path, typer.Option(help="run folder written by `heterrec train`")],
    data: Annotated[Path, typer.Option(help="the dataset folder the run was trained on")],
    split: Annotated[str, typer.Option(help="test | valid")] = "test",
) -> None:
    """Recompute leave-one-out full-ranking metrics from a run's best checkpoint."""
    from model.data import DataError, leave_one_out, load_dataset
    from model.evaluate import evaluate
    from model.run import load_run

    try:
        r = load_run(run)
        ds = load_dataset(data, fields=[f.name for f in r.tokenizer.fields])
    except (DataError, FileNotFoundError) as exc:
        _fail(str(exc))
        return
    if ds.tokenizer.item_ids != r.tokenizer.item_ids:
        _fail(f"{data} has a different item catalog than the run was trained on")
    sp = leave_one_out(ds.sequences)
    if split not in ("test", "valid"):
        _fail("--split must be test or valid")
    hist, tgt = (sp.test_history, sp.test_target) if split == "test" else (sp.valid_history, sp.valid_target)
    typer.echo(json.dumps(evaluate(r.load_model(), hist, tgt, batch_size=r.train_config.eval_batch_size), indent=2))
