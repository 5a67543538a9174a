"""Service fixtures: an app over the tiny artifacts with the in-process store, and a real redis-server."""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
import torch
from fastapi.testclient import TestClient

from export.contract import load_manifest, resolve_version
from model.run import load_run
from service.app import create_app
from service.settings import Settings


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class RedisServer:
    """A throwaway redis-server on a free loopback port; stop() and start() simulate an outage."""

    def __init__(self, workdir: Path) -> None:
        self.port = free_port()
        self.workdir = workdir
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        binary = shutil.which("redis-server")
        assert binary
        self.proc = subprocess.Popen(
            [
                binary,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.workdir),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", self.port)) == 0:
                    return
            time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.terminate()
            self.proc.wait(timeout=10)
            self.proc = None


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    if shutil.which("redis-server") is None:
        pytest.skip("REDIS INTEGRATION TESTS SKIPPED: no redis-server binary (`make test` installs it with apt)")
    server = RedisServer(tmp_path_factory.mktemp("redis"))
    server.start()
    yield server
    server.stop()


def make_client(artifacts: Path, **settings: object) -> TestClient:
    return TestClient(create_app(Settings(artifacts_dir=artifacts, **settings)))  # type: ignore[arg-type]


@pytest.fixture
def client(tiny_artifacts: Path) -> Iterator[TestClient]:
    with make_client(tiny_artifacts) as c:
        yield c


class TorchReference:
    """Brute-force scoring with the PyTorch model: the slow path the service must agree with."""

    def __init__(self, run: Path, artifacts: Path) -> None:
        self.run = load_run(run)
        self.model = self.run.load_model()
        self.item_ids = list(self.run.tokenizer.item_ids)
        self.max_len = load_manifest(artifacts).max_len
        self.folder = resolve_version(artifacts)

    def top_k(self, window_item_ids: list[int], k: int, exclude: set[int]) -> list[int]:
        rows = torch.tensor([[self.run.tokenizer.row(i) for i in window_item_ids]])
        with torch.no_grad():
            state = self.model.encode(rows)[0, -1]
            scores = (self.model.item_vectors().output[1:] @ state).numpy()
        order = np.argsort(-scores, kind="stable")
        return [self.item_ids[r] for r in order if self.item_ids[r] not in exclude][:k]


@pytest.fixture(scope="session")
def reference(tiny_run: Path, tiny_artifacts: Path) -> TorchReference:
    return TorchReference(tiny_run, tiny_artifacts)
