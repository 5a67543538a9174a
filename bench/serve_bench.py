"""Serving benchmark: latency of POST /events and POST /recommend through real HTTP (httpx -> uvicorn),
one client, with the embedded store and with Redis, on the amazon-beauty artifacts of bench/export_bench.

    python -m bench.serve_bench [--requests 500]
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import platform
import random
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import numpy as np

from bench.export_bench import ARTIFACTS, ensure_artifacts
from bench.report import replace_section

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results" / "serve.json"
log = logging.getLogger("bench.serve")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait(url: str, proc: subprocess.Popen[bytes], seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"the server exited with {proc.returncode}")
        try:
            if httpx.get(url, timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise TimeoutError(url)


def _percentiles(samples: list[float]) -> dict[str, float]:
    a = np.asarray(samples) * 1e3
    return {"median_ms": float(np.median(a)), "p99_ms": float(np.percentile(a, 99)), "n": len(a)}


def run_client(base: str, n: int, n_items: int) -> dict[str, Any]:
    """Sequential single client: n events spread over n // 10 users, each followed by a recommendation."""
    rng = random.Random(0)
    users = [f"bench-{i}" for i in range(max(1, n // 10))]
    ev, rec, rec_cold = [], [], []
    with httpx.Client(base_url=base, timeout=10) as c:
        for _ in range(20):  # warm-up
            c.post("/recommend", json={"user_id": "warm", "k": 10})
        for i in range(n):
            u = users[i % len(users)]
            t0 = time.perf_counter()
            r = c.post("/events", json={"user_id": u, "item_id": rng.randint(1, n_items)})
            ev.append(time.perf_counter() - t0)
            r.raise_for_status()
            t0 = time.perf_counter()
            r = c.post("/recommend", json={"user_id": u, "k": 10})
            rec.append(time.perf_counter() - t0)
            r.raise_for_status()
            t0 = time.perf_counter()
            c.post("/recommend", json={"user_id": f"cold-{i}", "k": 10}).raise_for_status()
            rec_cold.append(time.perf_counter() - t0)
    return {"events": _percentiles(ev), "recommend": _percentiles(rec), "recommend_cold": _percentiles(rec_cold)}


def serve_and_measure(artifacts: Path, n: int, n_items: int, redis_url: str | None) -> dict[str, Any]:
    port = _free_port()
    env = {**os.environ, "ARTIFACTS_DIR": str(artifacts), "LOG_LEVEL": "WARNING"}
    env.pop("REDIS_URL", None)
    if redis_url:
        env["REDIS_URL"] = redis_url
    proc = subprocess.Popen(
        [sys.executable, "-m", "heterrec", "serve", "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        _wait(f"http://127.0.0.1:{port}/readyz", proc)
        return run_client(f"http://127.0.0.1:{port}", n, n_items)
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def bench(n: int) -> dict[str, Any]:
    folder = ensure_artifacts()
    n_items = json.loads((folder / "manifest.json").read_text())["n_items"]
    stores: dict[str, Any] = {"embedded": serve_and_measure(ARTIFACTS, n, n_items, None)}
    binary = shutil.which("redis-server")
    if binary:
        port = _free_port()
        with tempfile.TemporaryDirectory() as tmp:
            redis = subprocess.Popen(
                [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--dir", tmp],
                stdout=subprocess.DEVNULL,
            )
            try:
                time.sleep(0.5)
                stores["redis"] = serve_and_measure(ARTIFACTS, n, n_items, f"redis://127.0.0.1:{port}/0")
            finally:
                redis.terminate()
                redis.wait(timeout=10)
    else:
        log.warning("redis-server not installed: measured the embedded store only")
    return {
        "date": date.today().isoformat(),
        "machine": f"{platform.machine()}, {os.cpu_count()}-core CPU",
        "model": folder.name,
        "requests": n,
        "stores": stores,
    }


def render(result: dict[str, Any]) -> str:
    lines = [
        f"Date {result['date']}, {result['machine']}, command `python -m bench.serve_bench --requests "
        f"{result['requests']}`. One sequential httpx client against `heterrec serve` (uvicorn, 1 worker) on "
        f"loopback; model {result['model']} (amazon-beauty, L_max 200). Each iteration posts one event for one "
        "of requests/10 users, asks that user for k=10, and asks an unknown user (popularity path). "
        "Milliseconds, client-side, including HTTP.",
        "",
        "| store | /events median | /events p99 | /recommend median | /recommend p99 | cold /recommend median |",
        "|---|---|---|---|---|---|",
    ]
    for store, s in result["stores"].items():
        lines.append(
            f"| {store} | {s['events']['median_ms']:.2f} | {s['events']['p99_ms']:.2f} | "
            f"{s['recommend']['median_ms']:.2f} | {s['recommend']['p99_ms']:.2f} | "
            f"{s['recommend_cold']['median_ms']:.2f} |"
        )
    return "\n".join(lines)


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--requests", type=int, default=500)
    logging.getLogger("httpx").setLevel(logging.WARNING)
    args = p.parse_args()
    result = bench(args.requests)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2))
    replace_section("serve", render(result))


if __name__ == "__main__":
    main()
