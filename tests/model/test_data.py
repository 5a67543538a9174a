"""Dataset pipeline: ordering, vocabularies, token table, split, and clear errors on bad files."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from model.data import DataError, ItemTokenizer, leave_one_out, load_dataset
from model.data.vocab import NONE, PAD
from tests.conftest import TINY_ITEMS, write_dataset


def test_sorts_by_timestamp_keeping_file_order_on_ties(tmp_path: Path) -> None:
    inter = "user_id,item_id,timestamp\n2,3,5\n1,4,20\n1,2,10\n1,5,10\n1,1,30\n"
    ds = load_dataset(write_dataset(tmp_path, interactions=inter))
    assert ds.user_ids.tolist() == [1, 2]
    rows = [ds.tokenizer.row(i) for i in (2, 5, 4, 1)]
    assert ds.sequences[0].tolist() == rows


def test_token_table_fields_none_and_padding(tiny_dir: Path) -> None:
    ds = load_dataset(tiny_dir)
    tok = ds.tokenizer
    assert [f.name for f in tok.fields] == ["brand", "categories"]  # asin is an identifier: skipped
    cats = tok.fields[1]
    assert cats.kind == "multi" and cats.slots == 4
    assert tok.n_tokens == 1 + 1 + 4
    assert tok.token_field.tolist() == [0, 1, 2, 2, 2, 2]
    row3 = ds.token_table[tok.row(3)]
    assert row3[0] == tok.row(3)
    assert row3[1] == NONE  # missing brand
    assert row3[3:].tolist() == [PAD, PAD, PAD]  # one category, the other slots are padding
    assert (ds.token_table[0] == 0).all()


def test_multi_value_cap(tmp_path: Path) -> None:
    ds = load_dataset(write_dataset(tmp_path), max_slots=2)
    assert ds.tokenizer.fields[1].slots == 2
    assert ds.token_table.shape == (7, 4)


def test_tokenizer_json_round_trip(tiny_dir: Path, tmp_path: Path) -> None:
    ds = load_dataset(tiny_dir)
    ds.tokenizer.save(tmp_path / "tok.json")
    back = ItemTokenizer.load(tmp_path / "tok.json")
    assert back == ds.tokenizer
    cells = {
        "brand": ["Acme", "Acme", "", "Zed", "Zed", "Other"],
        "categories": [line.split(",")[3] for line in TINY_ITEMS.splitlines()[1:]],
    }
    np.testing.assert_array_equal(back.token_table(cells), ds.token_table)


def test_leave_one_out_split_and_short_users() -> None:
    seqs = [np.array([1, 2, 3, 4]), np.array([5, 6]), np.array([7, 8, 9])]
    sp = leave_one_out(seqs)
    assert sp.n_train_only == 1
    assert [s.tolist() for s in sp.train] == [[1, 2], [5, 6], [7]]
    assert sp.valid_target.tolist() == [3, 8] and sp.test_target.tolist() == [4, 9]
    assert [h.tolist() for h in sp.test_history] == [[1, 2, 3], [7, 8]]
    assert [h.tolist() for h in sp.valid_history] == [[1, 2], [7]]


@pytest.mark.parametrize(
    ("items", "interactions", "expected"),
    [
        (TINY_ITEMS, "", "interactions.csv: file is empty"),
        (TINY_ITEMS, "user_id,item_id,timestamp\n", "file has a header but no rows"),
        (TINY_ITEMS, "user_id,item\n1,2\n", "missing column 'item_id'"),
        (
            TINY_ITEMS,
            "user_id,item_id,timestamp\n1,2,0\nbob,3,1\n",
            "line 3, column 'user_id': value 'bob' is not an integer",
        ),
        (
            TINY_ITEMS,
            "user_id,item_id,timestamp\n1,2,0\n1,99,1\n",
            "line 3, column 'item_id': item_id 99 is not in items.csv",
        ),
        (TINY_ITEMS, "user_id,item_id,timestamp\n1,2,soon\n", "line 2, column 'timestamp'"),
        (TINY_ITEMS + "3,A7,X,Y\n", None, "items.csv, line 8, column 'item_id': item_id 3 appears more than once"),
        ("item_id,brand\n1.5,x\n", None, "items.csv, line 2, column 'item_id': value '1.5' is not an integer"),
    ],
)
def test_bad_files_name_file_place_and_fix(tmp_path: Path, items: str, interactions: str | None, expected: str) -> None:
    root = write_dataset(tmp_path, items=items, interactions=interactions)
    with pytest.raises(DataError) as err:
        load_dataset(root)
    assert expected in str(err.value)
    assert "Fix:" in str(err.value)


def test_missing_file_and_folder(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="dataset folder not found"):
        load_dataset(tmp_path / "nope")
    (tmp_path / "d").mkdir()
    (tmp_path / "d" / "items.csv").write_text(TINY_ITEMS)
    with pytest.raises(DataError, match=r"interactions.csv: file not found. Fix: put interactions.csv"):
        load_dataset(tmp_path / "d")


def test_unknown_requested_field(tiny_dir: Path) -> None:
    with pytest.raises(DataError, match="feature column 'color' requested but absent"):
        load_dataset(tiny_dir, fields=["color"])
