"""Prometheus metrics of the service (served at GET /metrics)."""

from __future__ import annotations

from prometheus_client import Counter, Histogram

REQUEST_SECONDS = Histogram(
    "heterrec_request_seconds",
    "request latency by route",
    ["route", "method", "status"],
    buckets=(0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5),
)
RETRIEVAL_SECONDS = Histogram(
    "heterrec_retrieval_seconds", "FAISS retrieval latency", buckets=(0.0001, 0.0005, 0.001, 0.005, 0.01, 0.05, 0.1)
)
EVENTS = Counter("heterrec_events_processed", "events applied to user state")
CACHE_HITS = Counter("heterrec_kv_cache_hits", "user states served from the stored K/V cache")
CACHE_MISSES = Counter(
    "heterrec_kv_cache_misses", "user states that needed a prefill (missing or foreign-version cache)"
)
REPREFILLS = Counter("heterrec_reprefills", "windows re-encoded from history (overflow or cache miss)")
CAS_RETRIES = Counter("heterrec_cas_retries", "compare-and-set conflicts retried")
