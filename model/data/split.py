"""Leave-one-out split by time: last item = test, second-to-last = validation, the rest = training."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

MIN_EVENTS = 3


@dataclass(frozen=True)
class LeaveOneOutSplit:
    """Per-user sequences for each stage. `valid_*`/`test_*` are aligned arrays over evaluable users.

    `train` holds every user's training prefix; users with fewer than 3 events cannot give a validation
    and a test item, so all their events train and they are counted in `n_train_only`.
    """

    train: list[np.ndarray]
    valid_history: list[np.ndarray]  # what the model sees when predicting the validation item
    valid_target: np.ndarray
    test_history: list[np.ndarray]  # training + validation item
    test_target: np.ndarray
    n_train_only: int


def leave_one_out(sequences: list[np.ndarray]) -> LeaveOneOutSplit:
    train: list[np.ndarray] = []
    valid_h: list[np.ndarray] = []
    test_h: list[np.ndarray] = []
    valid_t: list[int] = []
    test_t: list[int] = []
    train_only = 0
    for seq in sequences:
        if len(seq) < MIN_EVENTS:
            train.append(seq)
            train_only += 1
            continue
        train.append(seq[:-2])
        valid_h.append(seq[:-2])
        valid_t.append(int(seq[-2]))
        test_h.append(seq[:-1])
        test_t.append(int(seq[-1]))
    return LeaveOneOutSplit(
        train=train,
        valid_history=valid_h,
        valid_target=np.asarray(valid_t, dtype=np.int64),
        test_history=test_h,
        test_target=np.asarray(test_t, dtype=np.int64),
        n_train_only=train_only,
    )
