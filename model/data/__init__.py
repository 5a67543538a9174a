"""Dataset pipeline: reading the common CSV layout, vocabularies, item token table, leave-one-out split.

numpy/pandas only; nothing here imports torch, so export and tooling can use it cheaply.
"""

from model.data.errors import DataError
from model.data.loader import Dataset, load_dataset
from model.data.split import LeaveOneOutSplit, leave_one_out
from model.data.vocab import FieldVocab, ItemTokenizer

__all__ = [
    "DataError",
    "Dataset",
    "FieldVocab",
    "ItemTokenizer",
    "LeaveOneOutSplit",
    "leave_one_out",
    "load_dataset",
]
