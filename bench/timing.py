"""Small timing helpers shared by the benchmarks: repeat a call, report median and p99 in milliseconds."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Timing:
    median_ms: float
    p99_ms: float
    n: int


def measure(fn: Callable[[], object], *, repeat: int = 200, warmup: int = 10) -> Timing:
    for _ in range(warmup):
        fn()
    samples = np.empty(repeat)
    for i in range(repeat):
        t0 = time.perf_counter()
        fn()
        samples[i] = time.perf_counter() - t0
    return Timing(median_ms=float(np.median(samples) * 1e3), p99_ms=float(np.percentile(samples, 99) * 1e3), n=repeat)
