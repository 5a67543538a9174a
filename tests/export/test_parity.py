"""PyTorch full forward == ORT prefill == ORT step-by-step, including float16 K/V and window overflow."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from export.contract import load_manifest, resolve_version
from model.run import load_run
from service.encoder import OnnxEncoder
from service.kv_codec import decode_kv, encode_kv
from tests.conftest import MAX_LEN

ATOL = 1e-4
# Measured: float16 K/V storage moves the state by at most ~2e-3 on this model (asserted below at 1e-2).
FP16_ATOL = 1e-2


def _encoder(artifacts: Path) -> OnnxEncoder:
    return OnnxEncoder(resolve_version(artifacts), load_manifest(artifacts))


def _torch_states(run: Path, rows: np.ndarray) -> np.ndarray:
    model = load_run(run).load_model()
    with torch.no_grad():
        return model.encode(torch.from_numpy(rows)).numpy()  # (B, L, D)


@pytest.mark.parametrize("batch", [1, 3])
def test_torch_full_equals_ort_prefill_equals_ort_steps(tiny_run: Path, tiny_artifacts: Path, batch: int) -> None:
    rng = np.random.default_rng(batch)
    enc = _encoder(tiny_artifacts)
    rows = rng.integers(1, enc.m.n_items + 1, size=(batch, MAX_LEN))
    full = _torch_states(tiny_run, rows)
    keys, values = enc.empty_past(batch)
    for p in range(MAX_LEN):  # P = 0 .. L_max - 1 cached items before the step
        prefill = enc.prefill(rows[:, : p + 1])
        np.testing.assert_allclose(prefill.state, full[:, p], atol=ATOL)
        step = enc.step(rows[:, p : p + 1], np.full((batch, 1), p), keys, values)
        np.testing.assert_allclose(step.state, full[:, p], atol=ATOL)
        for a, b in zip(step.keys + step.values, prefill.keys + prefill.values, strict=True):
            np.testing.assert_allclose(a, b, atol=ATOL)
        keys, values = step.keys, step.values
    assert keys[0].shape == (batch, enc.m.heads, MAX_LEN, enc.m.head_dim)


def test_float16_kv_round_trip_error_is_bounded(tiny_run: Path, tiny_artifacts: Path) -> None:
    enc = _encoder(tiny_artifacts)
    rows = np.array([[1, 4, 2, 6, 3, 5, 2]])
    full = _torch_states(tiny_run, rows)
    keys, values = enc.empty_past(1)
    worst = 0.0
    for p in range(MAX_LEN):
        step = enc.step(rows[:, p : p + 1], np.array([[p]]), keys, values)
        worst = max(worst, float(np.abs(step.state - full[:, p]).max()))
        blob = encode_kv(step.keys, step.values)
        assert len(blob) == 2 * enc.m.layers * enc.m.heads * (p + 1) * enc.m.head_dim * 2
        keys, values = decode_kv(blob, layers=enc.m.layers, heads=enc.m.heads, length=p + 1, head_dim=enc.m.head_dim)
    assert worst < FP16_ATOL
    with pytest.raises(ValueError, match="expected"):
        decode_kv(b"\x00" * 6, layers=enc.m.layers, heads=enc.m.heads, length=1, head_dim=enc.m.head_dim)


def test_window_overflow_reprefills_newest_keep_len(tiny_run: Path, tiny_artifacts: Path) -> None:
    enc = _encoder(tiny_artifacts)
    history = np.array([1, 2, 3, 4, 5, 6, 1, 2, 3, 4, 5, 6])
    window, keys, values = np.zeros(0, dtype=np.int64), None, None
    reprefills = 0
    for item in history:
        adv = enc.advance(window, keys, values, np.array([item]))
        window, keys, values = adv.window, adv.result.keys, adv.result.values
        reprefills += adv.reprefilled
        assert len(window) <= MAX_LEN
        expected = _torch_states(tiny_run, window[None, :])[:, -1]
        np.testing.assert_allclose(adv.result.state, expected, atol=ATOL)
    # 7 fit; the 8th overflows -> keep 4; 3 more fit (7); the 12th overflows again -> keep 4.
    assert reprefills == 2
    assert window.tolist() == history[-4:].tolist()


def test_step_past_max_len_is_refused(tiny_artifacts: Path) -> None:
    enc = _encoder(tiny_artifacts)
    keys, values = enc.empty_past(1)
    with pytest.raises(ValueError, match="re-prefill"):
        enc.step(np.array([[1]]), np.array([[MAX_LEN]]), keys, values)
