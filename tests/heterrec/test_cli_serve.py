"""The command line end to end: export a run, and `heterrec demo` serving over real HTTP."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
from typer.testing import CliRunner

from export.contract import load_manifest
from heterrec.cli import app
from tests.service.conftest import free_port

ROOT = Path(__file__).resolve().parents[2]


def test_export_command(tiny_run: Path, tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["export", "--run", str(tiny_run), "--out", str(tmp_path), "--keep-len", "3"])
    assert result.exit_code == 0, result.output
    assert load_manifest(tmp_path).keep_len == 3


def test_export_command_bad_run(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["export", "--run", str(tmp_path), "--out", str(tmp_path / "a")])
    assert result.exit_code == 2 and "is missing" in result.output


def test_demo_serves_and_recommendations_change(tiny_data: Path, tmp_path: Path) -> None:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k != "REDIS_URL"}
    cmd = [
        sys.executable,
        "-m",
        "heterrec",
        "demo",
        "--data",
        str(tiny_data),
        "--workdir",
        str(tmp_path),
        "--epochs",
        "1",
        "--port",
        str(port),
    ]
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{base}/readyz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert proc.poll() is None, proc.stdout.read() if proc.stdout else ""
            time.sleep(0.3)
        before = httpx.post(f"{base}/recommend", json={"user_id": "alice", "k": 3}).json()
        r = httpx.post(f"{base}/events", json={"events": [{"user_id": "alice", "item_id": i} for i in (1, 2)]})
        assert r.json()["seq_len"] == 2
        after = httpx.post(f"{base}/recommend", json={"user_id": "alice", "k": 3}).json()
        assert before["source"] == "popular" and after["source"] == "personal"
        assert [i["item_id"] for i in before["items"]] != [i["item_id"] for i in after["items"]]
    finally:
        proc.send_signal(signal.SIGINT)
        out, _ = proc.communicate(timeout=30)
    assert "curl -s -X POST" in out and f"{base}/docs" in out
    assert json.loads((tmp_path / "run" / "metrics.json").read_text())["epochs_run"] == 1
