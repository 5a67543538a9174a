"""LMP loss and full-ranking metrics against hand and brute-force computations."""

from __future__ import annotations

import math

import numpy as np
import torch

from model.batching import training_windows
from model.loss import full_softmax_lmp, sampled_softmax_lmp, step_weights
from model.metrics import metrics_from_ranks, target_ranks


def test_full_softmax_hand_computed() -> None:
    states = torch.tensor([[1.0, 0.0]])
    catalog = torch.tensor([[0.0, 0.0], [1.0, 0.0], [0.0, 1.0], [2.0, 0.0]])  # rows 1..3 score 1, 0, 2
    targets = torch.tensor([[1, 3]])
    w = step_weights(2, 0.5)
    z = math.log(math.e + 1 + math.e**2)
    expected = (1.0 * (z - 1.0) + 0.5 * (z - 2.0)) / 1.5
    assert full_softmax_lmp(states, targets, catalog, w).item() == pytest_approx(expected)


def pytest_approx(x: float) -> object:
    import pytest

    return pytest.approx(x, rel=1e-5)


def test_masked_targets_contribute_zero() -> None:
    torch.manual_seed(0)
    states, catalog = torch.randn(3, 4), torch.randn(6, 4)
    w = step_weights(2, 0.5)
    t = torch.tensor([[1, 2], [3, 0], [0, 0]])
    base = full_softmax_lmp(states, t, catalog, w)
    states2 = states.clone()
    states2[2] = 100.0  # fully masked row
    assert full_softmax_lmp(states2, t, catalog, w).item() == pytest_approx(base.item())
    only = full_softmax_lmp(states[:1], t[:1], catalog, w) * 1.5 + full_softmax_lmp(states[1:2], t[1:2], catalog, w)
    assert base.item() == pytest_approx(only.item() / 2.5)


def test_sampled_loss_invariant_to_candidate_order_and_drops_clashes() -> None:
    torch.manual_seed(1)
    states, catalog = torch.randn(4, 5), torch.randn(9, 5)
    targets = torch.tensor([[1, 2], [3, 4], [5, 0], [8, 7]])
    negs = torch.tensor([2, 6, 7, 8])
    w = step_weights(2, 0.7)
    a = sampled_softmax_lmp(states, targets, catalog[targets], negs, catalog[negs], w)
    perm = torch.tensor([3, 0, 2, 1])
    b = sampled_softmax_lmp(states, targets, catalog[targets], negs[perm], catalog[negs[perm]], w)
    assert a.item() == pytest_approx(b.item())
    # With every catalog item as a negative, sampled == full softmax (the clash with the positive is dropped).
    allneg = torch.arange(1, 9)
    c = sampled_softmax_lmp(states, targets, catalog[targets], allneg, catalog[allneg], w)
    assert c.item() == pytest_approx(full_softmax_lmp(states, targets, catalog, w).item())


def test_ranks_and_metrics_match_brute_force() -> None:
    rng = np.random.default_rng(0)
    scores = rng.normal(size=(50, 30)).astype(np.float32)
    targets = rng.integers(1, 31, size=50)
    ranks = target_ranks(torch.from_numpy(scores), torch.from_numpy(targets)).numpy()
    for i in range(50):
        order = np.argsort(-scores[i], kind="stable")
        assert ranks[i] == int(np.where(order == targets[i] - 1)[0][0])
    m = metrics_from_ranks(ranks, (5, 10))
    for k in (5, 10):
        hits = [r < k for r in ranks]
        assert m[f"recall@{k}"] == pytest_approx(sum(hits) / 50)
        assert m[f"ndcg@{k}"] == pytest_approx(sum(1 / math.log2(r + 2) for r in ranks if r < k) / 50)


def test_training_windows_targets_and_all_windows() -> None:
    seq = np.array([1, 2, 3, 4, 5, 6, 7])
    w = training_windows([seq], max_len=4, steps_ahead=2, mode="all")
    assert w.inputs.tolist() == [[3, 4, 5, 6], [1, 2, 0, 0]]
    assert w.targets[0].tolist() == [[4, 5], [5, 6], [6, 7], [7, 0]]
    assert w.targets[1].tolist() == [[2, 3], [3, 4], [0, 0], [0, 0]]
    last = training_windows([seq], max_len=4, steps_ahead=1, mode="last")
    assert len(last.inputs) == 1
