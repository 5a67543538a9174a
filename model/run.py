"""The run folder a training writes and `evaluate` / `export` read back.

RUN_DIR/
  model_config.json  train_config.json  tokenizer.json  token_table.npy  model.pt (best weights)
  metrics.json  history.json  curves.png  data.json (dataset path and field choice)
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch

from model.config import ModelConfig, TrainConfig, load_config, save_config
from model.data.vocab import ItemTokenizer
from model.heterrec import SeqRecModel

MODEL_CONFIG = "model_config.json"
TRAIN_CONFIG = "train_config.json"
TOKENIZER = "tokenizer.json"
TOKEN_TABLE = "token_table.npy"
WEIGHTS = "model.pt"
METRICS = "metrics.json"
HISTORY = "history.json"
CURVES = "curves.png"
DATA_INFO = "data.json"


@dataclass(frozen=True)
class Run:
    path: Path
    model_config: ModelConfig
    train_config: TrainConfig
    tokenizer: ItemTokenizer
    token_table: np.ndarray
    data_info: dict[str, Any]

    def load_model(self, device: str = "cpu") -> SeqRecModel:
        model = SeqRecModel(self.model_config, torch.from_numpy(self.token_table))
        state = torch.load(self.path / WEIGHTS, map_location=device, weights_only=True)
        model.load_state_dict(state)
        return model.to(device).eval()

    def metrics(self) -> dict[str, Any]:
        p = self.path / METRICS
        return json.loads(p.read_text()) if p.is_file() else {}


def write_run_files(
    path: Path,
    *,
    model_config: ModelConfig,
    train_config: TrainConfig,
    tokenizer: ItemTokenizer,
    token_table: np.ndarray,
    data_info: dict[str, Any],
) -> None:
    path.mkdir(parents=True, exist_ok=True)
    save_config(model_config, path / MODEL_CONFIG)
    save_config(train_config, path / TRAIN_CONFIG)
    tokenizer.save(path / TOKENIZER)
    np.save(path / TOKEN_TABLE, token_table)
    (path / DATA_INFO).write_text(json.dumps(data_info, indent=2))


def load_run(path: str | Path) -> Run:
    root = Path(path)
    for name in (MODEL_CONFIG, TRAIN_CONFIG, TOKENIZER, TOKEN_TABLE, WEIGHTS):
        if not (root / name).is_file():
            raise FileNotFoundError(f"{root / name} is missing: is {root} a folder written by `heterrec train`?")
    return Run(
        path=root,
        model_config=load_config(ModelConfig, root / MODEL_CONFIG),
        train_config=load_config(TrainConfig, root / TRAIN_CONFIG),
        tokenizer=ItemTokenizer.load(root / TOKENIZER),
        token_table=np.load(root / TOKEN_TABLE),
        data_info=json.loads((root / DATA_INFO).read_text()) if (root / DATA_INFO).is_file() else {},
    )
