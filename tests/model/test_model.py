"""HeterRec / SASRec model: cached step == full forward, causality, item vectors depend only on the item."""

from __future__ import annotations

import pytest
import torch

from model.config import ModelConfig
from model.hct import KVCache
from model.heterrec import SeqRecModel
from model.layers import causal_mask

# Oddly sized on purpose (D=12, 3 heads, L=7) so a swapped axis fails loudly.
TABLE = torch.tensor([[0, 0, 0, 0], [1, 2, 3, 0], [2, 1, 4, 5], [3, 2, 0, 0], [4, 3, 6, 4], [5, 1, 1, 0]])


def make(seed: int = 0, **kw: object) -> SeqRecModel:
    torch.manual_seed(seed)
    cfg = ModelConfig(
        vocab_sizes=(6, 4, 7),
        token_field=(0, 1, 2, 2),
        dim=12,
        item_layers=2,
        item_heads=3,
        token_heads=3,
        max_len=7,
        dropout=0.0,
        **kw,
    )  # type: ignore[arg-type]
    model = SeqRecModel(cfg, TABLE).eval()
    if model.tower.gate is not None:  # a trained gate is non-zero; at init the tower would be invisible
        with torch.no_grad():
            model.tower.gate.normal_()
    return model


HIST = torch.tensor([[1, 2, 3, 1, 5, 4, 2], [3, 3, 2, 5, 0, 0, 0], [4, 0, 0, 0, 0, 0, 0]])

VARIANTS = [
    {},
    {"htfl": False},
    {"pool": "last", "output_head": True},
    {"token_causal": False},
    {"tower_residual": False},
    {"tower_id": True},
    {"tower_residual": False, "id_residual": False, "tower_norm": True},
]


@pytest.mark.parametrize("kw", VARIANTS)
@pytest.mark.parametrize("chunk", [1, 3])
def test_cached_step_equals_full_forward(kw: dict[str, object], chunk: int) -> None:
    model = make(**kw)
    with torch.no_grad():
        full = model.encode(HIST)  # (B, L, D)
        vecs = model.item_vectors().input
        cache = KVCache.empty(model.cfg, HIST.shape[0])
        outs = []
        for t in range(0, HIST.shape[1], chunk):
            new = HIST[:, t : t + chunk]
            pos = torch.arange(t, t + new.shape[1]).expand_as(new)
            o = model.step(vecs[new], pos, cache)
            cache = o.cache
            outs.append(o.states)
    stepped = torch.cat(outs, dim=1)
    valid = HIST > 0
    torch.testing.assert_close(stepped[valid], full[valid], atol=1e-5, rtol=1e-5)
    assert cache.length == HIST.shape[1]
    assert cache.keys[0].shape == (3, 3, 7, 4)


@pytest.mark.parametrize("kw", [{}, {"hct": "flat"}, {"htfl": False}])
def test_causal_future_items_do_not_change_earlier_states(kw: dict[str, object]) -> None:
    model = make(**kw)
    changed = HIST.clone()
    changed[:, 4:] = torch.tensor([5, 1, 3])
    with torch.no_grad():
        a, b = model.encode(HIST), model.encode(changed)
    torch.testing.assert_close(a[:, :4], b[:, :4])
    assert not torch.allclose(a[0, 4:], b[0, 4:])


def test_item_vectors_depend_only_on_the_item() -> None:
    model = make()
    with torch.no_grad():
        alone = model.item_vectors(torch.tensor([2])).output
        batch = model.item_vectors(torch.tensor([4, 2, 1])).output
        catalog = model.item_vectors()
    torch.testing.assert_close(alone[0], batch[1])
    torch.testing.assert_close(catalog.output[2], alone[0])
    assert (catalog.input[0] == 0).all()  # padding row


def test_residual_tower_starts_as_the_summed_token_and_learns() -> None:
    torch.manual_seed(0)
    cfg = ModelConfig(vocab_sizes=(6, 4, 7), token_field=(0, 1, 2, 2), dim=12, item_heads=3, token_heads=3)
    model = SeqRecModel(cfg, TABLE)
    summed = model.tower.htfl.lookup(TABLE).sum(dim=1)
    vecs = model.item_vectors()
    torch.testing.assert_close(vecs.input, summed.detach())
    vecs.output[1:].pow(2).sum().backward()
    assert model.tower.gate is not None and model.tower.gate.grad is not None
    assert model.tower.gate.grad.abs().sum() > 0  # the gate opens from zero: the tower is trainable


def test_precomputed_catalog_vectors_give_same_states() -> None:
    model = make()
    with torch.no_grad():
        torch.testing.assert_close(model.encode(HIST), model.encode(HIST, model.item_vectors().input))


def test_changing_a_feature_changes_only_that_item() -> None:
    model = make()
    with torch.no_grad():
        before = model.item_vectors().input.clone()
        model.token_table[1, 2] = 6  # item 1's first category
        after = model.item_vectors().input
    assert not torch.allclose(before[1], after[1])
    torch.testing.assert_close(before[2:], after[2:])


def test_flat_model_has_no_step() -> None:
    model = make(hct="flat")
    with pytest.raises(TypeError, match="no per-item KV cache"):
        model.step(torch.zeros(1, 1, 12), torch.zeros(1, 1, dtype=torch.long), KVCache.empty(model.cfg, 1))


@pytest.mark.parametrize(
    ("kw", "msg"),
    [
        ({"dim": 10}, "divisible"),
        ({"token_field": (1, 0)}, "item_id slot"),
        ({"token_field": (0, 2, 1)}, "non-decreasing"),
        ({"dropout": 1.0}, "dropout"),
        ({"token_ffn_mult": 0}, "token_ffn_mult"),
    ],
)
def test_config_validation(kw: dict[str, object], msg: str) -> None:
    base: dict[str, object] = {
        "vocab_sizes": (6, 4, 7),
        "token_field": (0, 1, 2, 2),
        "dim": 12,
        "item_heads": 3,
        "token_heads": 3,
    }
    with pytest.raises(ValueError, match=msg):
        ModelConfig(**{**base, **kw})  # type: ignore[arg-type]


def test_table_shape_checked() -> None:
    cfg = ModelConfig(vocab_sizes=(6, 4, 7), token_field=(0, 1, 2, 2), dim=12, item_heads=3, token_heads=3)
    with pytest.raises(ValueError, match="token table"):
        SeqRecModel(cfg, TABLE[:, :3])


@pytest.mark.parametrize(
    "kw", [{}, {"token_causal": False}, {"pool": "last", "tower_residual": False}, {"tower_id": True}]
)
def test_packed_tower_equals_the_padded_reference(kw: dict[str, object]) -> None:
    """The tower computes only existing tokens; the plain padded blocks must give the same item vectors."""
    model = make(**kw)
    tower = model.tower
    tokens = model.token_table
    valid = tokens != 0
    if not model.cfg.tower_id:
        valid = valid & (torch.arange(tokens.shape[1]) > 0)
    with torch.no_grad():
        emb = tower.htfl.lookup(tokens)
        x = tower.htfl.add_type(emb)
        mask = valid[:, None, None, :]
        if model.cfg.token_causal:
            mask = mask & causal_mask(tokens.shape[1], tokens.device)
        for block in tower.blocks:
            x, _, _ = block(x, mask)
        pooled = tower._pool(tower.ln(x), valid)
        base = emb.sum(dim=1) + tower.gate * pooled if tower.gate is not None else pooled + emb[:, 0]
        expected = base * (tokens[:, :1] != 0)
        torch.testing.assert_close(model.item_vectors().input, expected, atol=1e-6, rtol=1e-5)
