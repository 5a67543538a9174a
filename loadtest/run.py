"""Headless locust run that writes a JSON + markdown report (median, p95, p99, RPS, failures per route).

python -m loadtest.run --host http://127.0.0.1:8000 --users 20 --seconds 60 --out loadtest/reports
"""

from __future__ import annotations

import argparse
import csv
import json
import logging
import subprocess
import sys
from pathlib import Path

log = logging.getLogger("loadtest")
LOCUSTFILE = Path(__file__).with_name("locustfile.py")


def run(host: str, users: int, seconds: int, out: Path) -> dict[str, object]:
    out.mkdir(parents=True, exist_ok=True)
    prefix = out / "locust"
    cmd = [
        sys.executable,
        "-m",
        "locust",
        "-f",
        str(LOCUSTFILE),
        "--headless",
        "--host",
        host,
        "-u",
        str(users),
        "-r",
        str(max(1, users // 5)),
        "-t",
        f"{seconds}s",
        "--csv",
        str(prefix),
        "--only-summary",
        "--exit-code-on-error",
        "0",
    ]
    log.info("running: %s", " ".join(cmd))
    subprocess.run(cmd, check=True)
    rows = list(csv.DictReader((out / "locust_stats.csv").open()))
    report = {
        "host": host,
        "users": users,
        "seconds": seconds,
        "routes": {
            r["Name"]: {
                "requests": int(r["Request Count"]),
                "failures": int(r["Failure Count"]),
                "median_ms": float(r["50%"]),
                "p95_ms": float(r["95%"]),
                "p99_ms": float(r["99%"]),
                "rps": float(r["Requests/s"]),
            }
            for r in rows
        },
    }
    (out / "report.json").write_text(json.dumps(report, indent=2))
    lines = ["| route | requests | failures | median ms | p95 ms | p99 ms | req/s |", "|---|---|---|---|---|---|---|"]
    for name, s in report["routes"].items():  # type: ignore[attr-defined]
        lines.append(
            f"| {name} | {s['requests']} | {s['failures']} | {s['median_ms']:.0f} | {s['p95_ms']:.0f} | "
            f"{s['p99_ms']:.0f} | {s['rps']:.1f} |"
        )
    (out / "report.md").write_text("\n".join(lines) + "\n")
    return report


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--host", default="http://127.0.0.1:8000")
    p.add_argument("--users", type=int, default=20)
    p.add_argument("--seconds", type=int, default=60)
    p.add_argument("--out", type=Path, default=Path("loadtest/reports"))
    args = p.parse_args()
    report = run(args.host, args.users, args.seconds, args.out)
    print((args.out / "report.md").read_text())
    log.info("report written to %s", args.out / "report.json")
    del report


if __name__ == "__main__":
    main()
