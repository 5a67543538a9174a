"""Dockerfile and docker-compose.yml checked statically (no Docker engine here): they parse, declare the
services and healthchecks a deployment needs, and only run commands and copy paths that exist."""

from __future__ import annotations

import re
import shlex
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from heterrec.cli import app

ROOT = Path(__file__).resolve().parents[2]
COMPOSE: dict[str, Any] = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
DOCKERFILE = (ROOT / "Dockerfile").read_text()


def _stages() -> dict[str, str]:
    parts = re.split(r"^FROM\s+", DOCKERFILE, flags=re.M)[1:]
    return {p.split()[2]: p for p in parts}


def _cmd(stage: str) -> list[str]:
    m = re.findall(r"^CMD\s+(\[.*\])$", _stages()[stage], flags=re.M)
    assert m, f"stage {stage} has no CMD"
    return list(yaml.safe_load(m[-1]))


def _check_heterrec_command(argv: list[str]) -> None:
    """`heterrec SUB --flag ...`: the sub-command and every flag exist in our CLI."""
    assert argv[0] == "heterrec"
    sub = argv[1]
    result = CliRunner().invoke(app, [sub, "--help"], terminal_width=200)
    assert result.exit_code == 0, f"heterrec {sub} does not exist"
    for flag in (a for a in argv[2:] if a.startswith("--")):
        assert flag in result.output, f"heterrec {sub} has no {flag}"


def _check_python_module_command(argv: list[str]) -> None:
    assert argv[:2] == ["python", "-m"]
    module = argv[2]
    assert (ROOT / (module.replace(".", "/") + ".py")).is_file(), f"{module} is not in the repo"


def test_dockerfile_stages_and_copies() -> None:
    assert set(_stages()) == {"serve", "train", "loadtest"}
    for src in re.findall(r"^COPY\s+(\S+)\s", DOCKERFILE, flags=re.M):
        assert (ROOT / src).exists(), f"COPY {src}: not in the repository"
    assert "HEALTHCHECK" in _stages()["serve"]
    assert "torch" not in _stages()["serve"]  # the serving image stays torch-free
    _check_heterrec_command(_cmd("serve"))
    _check_heterrec_command(_cmd("train"))
    _check_python_module_command(_cmd("loadtest"))


def test_compose_services_healthchecks_and_commands() -> None:
    services = COMPOSE["services"]
    assert {"redis", "trainer", "api", "loadtest"} <= set(services)
    for name in ("redis", "api"):
        assert services[name]["healthcheck"]["test"], f"{name} needs a healthcheck"
    api = services["api"]
    assert api["environment"]["REDIS_URL"].startswith("redis://redis:")
    assert api["depends_on"]["redis"]["condition"] == "service_healthy"
    assert api["depends_on"]["trainer"]["condition"] == "service_completed_successfully"
    stages = _stages()
    for name in ("trainer", "api", "loadtest"):
        assert services[name]["build"]["target"] in stages
    _check_heterrec_command(services["trainer"]["command"])
    _check_heterrec_command(services["api"]["command"])
    _check_python_module_command(services["loadtest"]["command"])
    data_flag = services["trainer"]["command"].index("--data") + 1
    assert services["trainer"]["command"][data_flag] == "/app/data/amazon-beauty"
    assert (ROOT / "data" / "amazon-beauty" / "interactions.csv").is_file()
    # the API's artifacts are the trainer's output on the shared volume
    assert api["environment"]["ARTIFACTS_DIR"].startswith("/work")


def test_loadtest_runner_flags_exist() -> None:
    argv = COMPOSE["services"]["loadtest"]["command"]
    text = (ROOT / "loadtest" / "run.py").read_text()
    for flag in (a for a in argv if a.startswith("--")):
        assert f'"{flag}"' in text


@pytest.mark.skipif(shutil.which("docker-compose") is None, reason="docker-compose not installed")
def test_docker_compose_config_validates() -> None:
    out = subprocess.run(
        shlex.split("docker-compose -f docker-compose.yml config -q"),
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert out.returncode == 0, out.stderr
