"""`heterrec export`, `heterrec serve` and `heterrec demo`."""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Annotated

import typer

from heterrec.cli import _fail, app

log = logging.getLogger("heterrec")
ROOT = Path(__file__).resolve().parent.parent
DEMO_DATA = ROOT / "data" / "amazon-beauty"


@app.command("export")
def export_cmd(
    run: Annotated[Path, typer.Option(help="run folder written by `heterrec train`")],
    out: Annotated[
        Path, typer.Option(help="artifacts root; the version goes to OUT/<version>, OUT/latest points at it")
    ],
    data: Annotated[Path | None, typer.Option(help="dataset folder; default: the one the run recorded")] = None,
    keep_len: Annotated[int, typer.Option(help="items kept when a window overflows; 0 = max_len // 2")] = 0,
    index: Annotated[str, typer.Option(help="auto | flat | hnsw | ivf")] = "auto",
) -> None:
    """Export a trained run: ONNX encoder with KV cache, item vectors, FAISS index, catalog, manifest."""
    from export.exporter import ExportOptions, export_run
    from export.index import IndexOptions

    try:
        folder = export_run(run, out, ExportOptions(keep_len=keep_len, data=data, index=IndexOptions(kind=index)))  # type: ignore[arg-type]
    except (FileNotFoundError, ValueError) as exc:
        _fail(str(exc))
        return
    typer.echo(str(folder))


def _serve(artifacts: Path, host: str, port: int, redis_url: str | None) -> None:
    import uvicorn

    from service.app import create_app
    from service.settings import Settings

    overrides: dict[str, object] = {"artifacts_dir": artifacts}
    if redis_url:
        overrides["redis_url"] = redis_url
    settings = Settings(**overrides)  # type: ignore[arg-type]
    uvicorn.run(create_app(settings), host=host, port=port, log_level=settings.log_level.lower(), access_log=False)


@app.command("serve")
def serve_cmd(
    artifacts: Annotated[Path, typer.Option(envvar="ARTIFACTS_DIR", help="artifacts root or version folder")] = Path(
        "artifacts"
    ),
    host: Annotated[str, typer.Option(envvar="HOST")] = "127.0.0.1",
    port: Annotated[int, typer.Option(envvar="PORT")] = 8000,
    redis_url: Annotated[str | None, typer.Option(envvar="REDIS_URL", help="unset = embedded store")] = None,
) -> None:
    """Serve POST /events and POST /recommend over an artifact folder (other settings: see service/settings.py)."""
    _serve(artifacts, host, port, redis_url)


@app.command("demo")
def demo_cmd(
    data: Annotated[Path, typer.Option(help="dataset to train on")] = DEMO_DATA,
    workdir: Annotated[Path, typer.Option(help="where the run and artifacts go")] = ROOT / "runs" / "demo",
    epochs: Annotated[int, typer.Option(help="training epochs for the demo model")] = 10,
    retrain: Annotated[bool, typer.Option(help="train again even if a demo run exists")] = False,
    host: Annotated[str, typer.Option()] = "127.0.0.1",
    port: Annotated[int, typer.Option()] = 8000,
    serve: Annotated[bool, typer.Option(help="start the service after exporting")] = True,
) -> None:
    """Train (or reuse) a HeterRec model on the bundled dataset, export it, and serve it on localhost."""
    from export.contract import ManifestError, resolve_version
    from export.exporter import export_run
    from model.config import TrainConfig
    from model.data import load_dataset
    from model.trainer import model_config_for, train

    run_dir, artifacts = workdir / "run", workdir / "artifacts"
    if retrain or not (run_dir / "metrics.json").is_file():
        log.info("training a demo HeterRec on %s for %d epochs (cached in %s)", data, epochs, run_dir)
        ds = load_dataset(data)
        train(ds, model_config_for(ds, "heterrec"), TrainConfig(epochs=epochs, patience=epochs), run_dir)
    else:
        log.info("reusing the demo run in %s (--retrain to train again)", run_dir)
    try:
        current = resolve_version(artifacts)
        stale = (current / "manifest.json").stat().st_mtime < (run_dir / "model.pt").stat().st_mtime
    except ManifestError:
        stale = True
    if stale:
        current = export_run(run_dir, artifacts)
    redis_url = os.environ.get("REDIS_URL")
    base = f"http://{host}:{port}"
    typer.echo(
        f"""
HeterRec demo: model {current.name}, {"Redis at " + redis_url if redis_url else "embedded state store"}
  API docs   {base}/docs
  health     {base}/healthz   ready {base}/readyz   metrics {base}/metrics
Try:
  curl -s -X POST {base}/recommend -H 'content-type: application/json' -d '{{"user_id": "alice", "k": 5}}'
  curl -s -X POST {base}/events -H 'content-type: application/json' -d '{{"user_id": "alice", "item_id": 1}}'
  curl -s -X POST {base}/events -H 'content-type: application/json' \\
       -d '{{"events": [{{"user_id": "alice", "item_id": 2}}, {{"user_id": "alice", "item_id": 3}}]}}'
  curl -s -X POST {base}/recommend -H 'content-type: application/json' \\
       -d '{{"user_id": "alice", "k": 5, "filters": {{"include": {{"categories": ["Makeup"]}}}}}}'
"""
    )
    if serve:
        _serve(artifacts, host, port, redis_url)
