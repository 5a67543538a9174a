"""End to end on a tiny dataset: `heterrec train` writes a complete run and `evaluate` reproduces it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from heterrec.cli import app
from model.run import load_run


@pytest.mark.parametrize(
    ("model", "extra"),
    [
        ("heterrec", ["--steps-ahead", "2"]),
        ("heterrec", ["--model-option", "tower_residual=false", "--model-option", "pool=last"]),
        ("sasrec", ["--negatives", "0"]),
        ("hct_flat", []),
    ],
)
def test_train_then_evaluate(tiny_dir: Path, tmp_path: Path, model: str, extra: list[str]) -> None:
    out = tmp_path / "run"
    args = [
        "train",
        "--data",
        str(tiny_dir),
        "--out",
        str(out),
        "--model",
        model,
        "--epochs",
        "3",
        "--dim",
        "12",
        "--max-len",
        "5",
        "--negatives",
        "3",
        "--token-heads",
        "3",
        "--no-progress",
        *extra,
    ]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    for name in (
        "model.pt",
        "model_config.json",
        "train_config.json",
        "tokenizer.json",
        "token_table.npy",
        "metrics.json",
        "history.json",
        "curves.png",
    ):
        assert (out / name).is_file(), name
    metrics = json.loads((out / "metrics.json").read_text())
    assert set(metrics["test"]) >= {f"{m}@{k}" for m in ("recall", "ndcg") for k in (5, 10, 20)}
    assert 1 <= metrics["best_epoch"] <= 3 and metrics["params"] > 0
    cfg = load_run(out).model_config
    assert cfg.name == ("sasrec" if model == "sasrec" else "heterrec")
    if "--model-option" in extra:
        assert cfg.tower_residual is False and cfg.pool == "last"  # saved beside the weights
    ev = CliRunner().invoke(app, ["evaluate", "--run", str(out), "--data", str(tiny_dir)])
    assert ev.exit_code == 0, ev.output
    assert json.loads(ev.stdout)["ndcg@10"] == pytest.approx(metrics["test"]["ndcg@10"], abs=1e-6)


def test_train_rejects_bad_options(tiny_dir: Path, tmp_path: Path) -> None:
    result = CliRunner().invoke(
        app, ["train", "--data", str(tiny_dir), "--out", str(tmp_path / "r"), "--dim", "10", "--item-heads", "3"]
    )
    assert result.exit_code == 2
    assert "divisible" in result.output


@pytest.mark.parametrize(
    ("option", "msg"), [("no_such_switch=1", "KEY one of"), ("pool", "KEY=VALUE"), ("pool=middle", "pool must be")]
)
def test_train_rejects_bad_model_options(tiny_dir: Path, tmp_path: Path, option: str, msg: str) -> None:
    args = ["train", "--data", str(tiny_dir), "--out", str(tmp_path / "r"), "--model-option", option]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 2
    assert msg in result.output


def test_evaluate_missing_run(tmp_path: Path, tiny_dir: Path) -> None:
    result = CliRunner().invoke(app, ["evaluate", "--run", str(tmp_path), "--data", str(tiny_dir)])
    assert result.exit_code == 2
    assert "is missing" in result.output
