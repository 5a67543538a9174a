"""Builds the recommender's resources from settings: manifest, ORT session, FAISS index, catalog, store."""

from __future__ import annotations

import logging

import faiss
import numpy as np

from export import contract
from service.catalog import Catalog
from service.encoder import OnnxEncoder
from service.recommender import Recommender
from service.retriever import Retriever
from service.settings import Settings
from service.state_store import InMemoryStore, StateStore

log = logging.getLogger(__name__)


def build_store(settings: Settings) -> StateStore:
    if not settings.redis_url:
        log.info("REDIS_URL unset: using the embedded in-process state store (one replica only)")
        return InMemoryStore()
    from service.redis_store import RedisStore

    return RedisStore(
        settings.redis_url,
        ttl_seconds=settings.state_ttl_seconds,
        stream_key=settings.stream_key,
        stream_maxlen=settings.stream_maxlen,
        timeout_seconds=settings.redis_timeout_seconds,
    )


def build_recommender(settings: Settings, *, store: StateStore | None = None) -> Recommender:
    folder = contract.resolve_version(settings.artifacts_dir)
    manifest = contract.load_manifest(folder, verify_hashes=settings.verify_hashes)
    encoder = OnnxEncoder(folder, manifest, providers=settings.providers, intra_op_threads=settings.ort_threads)
    index = faiss.read_index(str(folder / contract.INDEX))
    retriever = Retriever(index, np.load(folder / contract.OUTPUT_VECTORS))
    log.info("loaded %s (%d items, providers %s)", manifest.version, manifest.n_items, encoder.providers)
    return Recommender(
        manifest=manifest,
        encoder=encoder,
        retriever=retriever,
        catalog=Catalog.load(folder),
        store=store or build_store(settings),
        history_cap=settings.history_cap,
        cas_retries=settings.cas_retries,
    )
