"""The service runs without the training stack: every service module imports with torch, pandas, onnx,
matplotlib, tqdm and our model package blocked (the serving image installs none of them)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

SCRIPT = """
import importlib, pkgutil, sys
for heavy in ("torch", "pandas", "onnx", "onnxscript", "matplotlib", "tqdm", "model"):
    sys.modules[heavy] = None  # importing any of these now raises ImportError: not in the serving image
import service
names = [m.name for m in pkgutil.walk_packages(service.__path__, "service.")]
for name in names:
    importlib.import_module(name)
assert "torch" not in {k for k, v in sys.modules.items() if v is not None}
print(len(names))
"""


def test_service_imports_without_torch() -> None:
    out = subprocess.run([sys.executable, "-c", SCRIPT], cwd=ROOT, capture_output=True, text=True, check=False)
    assert out.returncode == 0, out.stderr
