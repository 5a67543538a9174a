"""Training curves as a PNG (loss and validation NDCG@10 per epoch)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt


def plot_curves(history: list[dict[str, Any]], path: Path) -> None:
    epochs = [h["epoch"] for h in history]
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(10, 3.5))
    ax1.plot(epochs, [h["loss"] for h in history], marker=".")
    ax1.set(xlabel="epoch", ylabel="train loss", title="training loss")
    ev = [h for h in history if "valid_ndcg@10" in h]
    ax2.plot([h["epoch"] for h in ev], [h["valid_ndcg@10"] for h in ev], marker=".", color="tab:green")
    ax2.set(xlabel="epoch", ylabel="NDCG@10", title="validation NDCG@10")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
