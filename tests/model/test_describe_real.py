"""`heterrec data describe` reproduces the statistics the datasets' READMEs publish."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from heterrec.cli import app
from tests.conftest import BUNDLED, SHARED_DATA

# Numbers from each dataset's README (../shared/data/*/README.md).
EXPECTED: dict[str, dict[str, Any]] = {
    "ml-100k": {
        "users": 943,
        "items": 1682,
        "interactions": 100_000,
        "avg_seq_len": 106.04,
        "median_seq_len": 65,
        "min_seq_len": 20,
        "max_seq_len": 737,
        "density": 0.0630,
        # README's title count (1,659) includes RecBole's placeholder title that the conversion blanked.
        "fields": {"genres": (19, 1682), "release_year": (71, 1681), "title": (1658, 1681)},
    },
    "amazon-beauty": {
        "users": 22_363,
        "items": 12_101,
        "interactions": 198_502,
        "avg_seq_len": 8.88,
        "median_seq_len": 6,
        "min_seq_len": 5,
        "max_seq_len": 204,
        "density": 0.000734,
        "fields": {"brand": (434, 7474), "categories": (202, 12_101)},
    },
    "yelp": {
        "users": 30_431,
        "items": 20_033,
        "interactions": 316_354,
        "avg_seq_len": 10.40,
        "median_seq_len": 7,
        "min_seq_len": 5,
        "max_seq_len": 350,
        "density": 0.000519,
        "fields": {"categories": (1001, 20_032)},
    },
}
AVG_VALUES = {
    ("ml-100k", "genres"): (1.72, 6),
    ("amazon-beauty", "categories"): (3.10, 5),
    ("yelp", "categories"): (4.84, 20),
}


def _describe(path: Path) -> dict[str, Any]:
    result = CliRunner().invoke(app, ["data", "describe", str(path), "--json"])
    assert result.exit_code == 0, result.output
    out: dict[str, Any] = json.loads(result.stdout)
    return out


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_describe_matches_readme(name: str) -> None:
    path = SHARED_DATA / name
    if not path.is_dir():
        pytest.skip(f"{path} not present (the shared datasets sit beside the repository in CI)")
    got = _describe(path)
    exp = EXPECTED[name]
    for key in ("users", "items", "interactions", "median_seq_len", "min_seq_len", "max_seq_len"):
        assert got[key] == exp[key], key
    assert got["avg_seq_len"] == pytest.approx(exp["avg_seq_len"], abs=0.005)
    assert got["density"] == pytest.approx(exp["density"], rel=2e-3)
    fields = {f["name"]: f for f in got["fields"]}
    for fname, (card, covered) in exp["fields"].items():
        assert (fields[fname]["cardinality"], fields[fname]["covered"]) == (card, covered), fname
    for (ds, fname), (avg, mx) in AVG_VALUES.items():
        if ds == name:
            assert fields[fname]["avg_values"] == pytest.approx(avg, abs=0.005)
            assert fields[fname]["max_values"] == mx


def test_bundled_copy_matches_shared() -> None:
    got = _describe(BUNDLED)
    assert (got["users"], got["items"], got["interactions"]) == (22_363, 12_101, 198_502)


def test_describe_bad_folder_is_a_clear_error(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["data", "describe", str(tmp_path / "missing")])
    assert result.exit_code == 2
    assert "dataset folder not found" in result.output
