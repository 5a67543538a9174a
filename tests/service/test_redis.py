"""Integration against a real redis-server started by the test suite: CAS under concurrency, the event
stream, model-version changes, and outage -> 503 -> recovery."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx
import numpy as np
import pytest
import redis

from service.app import create_app
from service.redis_store import RedisStore, history_key
from service.settings import Settings
from service.state_store import ModelState
from tests.service.conftest import RedisServer, TorchReference, make_client


@pytest.fixture
def flushed(redis_server: RedisServer) -> RedisServer:
    redis.Redis.from_url(redis_server.url).flushall()
    return redis_server


def test_redis_store_cas_semantics(flushed: RedisServer) -> None:
    async def run() -> None:
        store = RedisStore(flushed.url)
        rec = await store.load("u", "v1")
        assert rec.version == 0 and rec.model is None
        st = ModelState(history_version=1, window=np.array([3, 4]), kv=b"\x01\x02", state=np.ones(4, np.float32))
        assert await store.save("u", "v1", expected_version=0, items=np.array([10, 11]), model=st)
        assert not await store.save("u", "v1", expected_version=0, items=np.array([12]), model=st)  # stale writer
        rec = await store.load("u", "v1")
        assert rec.version == 1 and rec.items.tolist() == [10, 11]
        assert rec.model is not None and rec.model.window.tolist() == [3, 4] and rec.model.kv == b"\x01\x02"
        assert (await store.load("u", "v2")).model is None  # another model version has no state yet
        await store.close()

    asyncio.run(run())


def test_end_to_end_over_redis_matches_torch(
    flushed: RedisServer, tiny_artifacts: Path, reference: TorchReference
) -> None:
    with make_client(tiny_artifacts, redis_url=flushed.url) as c:
        assert c.get("/readyz").json()["detail"]["store"] == "RedisStore"
        for item in [4, 1, 6]:
            assert c.post("/events", json={"user_id": "r1", "item_id": item, "timestamp": 1.5}).status_code == 200
        got = c.post("/recommend", json={"user_id": "r1", "k": 3}).json()
    assert got["source"] == "personal"
    assert [it["item_id"] for it in got["items"]] == reference.top_k([4, 1, 6], 3, exclude={4, 1, 6})
    client = redis.Redis.from_url(flushed.url)
    entries = client.xrange("hr:events")
    assert [e[1][b"item_id"] for e in entries] == [b"4", b"1", b"6"]
    assert client.ttl(history_key("r1")) == -1  # no TTL configured


def test_concurrent_events_for_one_user_are_never_lost(flushed: RedisServer, tiny_artifacts: Path) -> None:
    n = 40
    app = create_app(Settings(artifacts_dir=tiny_artifacts, redis_url=flushed.url))  # type: ignore[call-arg]

    async def run() -> list[int]:
        transport = httpx.ASGITransport(app=app)
        async with app.router.lifespan_context(app), httpx.AsyncClient(transport=transport, base_url="http://t") as c:
            items = [(i % 6) + 1 for i in range(n)]
            responses = await asyncio.gather(
                *(c.post("/events", json={"user_id": "hot", "item_id": it}) for it in items)
            )
            assert all(r.status_code == 200 for r in responses), [r.text for r in responses if r.status_code != 200]
            return sorted(r.json()["seq_len"] for r in responses)

    lengths = asyncio.run(run())
    assert lengths == list(range(1, n + 1))  # every update acknowledged with its own position
    raw = redis.Redis.from_url(flushed.url).hget(history_key("hot"), "items")
    assert raw is not None and len(np.frombuffer(raw, dtype=np.int64)) == n


def test_model_version_change_reprefills_from_history(
    flushed: RedisServer, tiny_artifacts: Path, reference: TorchReference
) -> None:
    with make_client(tiny_artifacts, redis_url=flushed.url) as c:
        for item in [2, 3]:
            c.post("/events", json={"user_id": "mv", "item_id": item})
    client = redis.Redis.from_url(flushed.url)
    for key in client.scan_iter("hr:{mv}:m:*"):
        client.delete(key)  # as if these K/V were made by another model version
    with make_client(tiny_artifacts, redis_url=flushed.url) as c:
        got = c.post("/recommend", json={"user_id": "mv", "k": 4, "exclude_seen": False}).json()
        assert "heterrec_reprefills_total" in c.get("/metrics").text
        assert c.post("/events", json={"user_id": "mv", "item_id": 5}).json()["seq_len"] == 3
    assert [it["item_id"] for it in got["items"]] == reference.top_k([2, 3], 4, exclude=set())


def test_outage_gives_503_then_recovers(redis_server: RedisServer, tiny_artifacts: Path) -> None:
    with make_client(tiny_artifacts, redis_url=redis_server.url, redis_timeout_seconds=0.5) as c:
        assert c.post("/events", json={"user_id": "o", "item_id": 1}).status_code == 200
        redis_server.stop()
        try:
            r = c.post("/events", json={"user_id": "o", "item_id": 2})
            assert r.status_code == 503
            assert "redis unreachable" in r.json()["detail"]
            r = c.post("/recommend", json={"user_id": "o", "k": 2})
            assert r.status_code == 503
            assert c.get("/readyz").status_code == 503
            assert c.get("/healthz").status_code == 200
        finally:
            redis_server.start()
        assert c.get("/readyz").status_code == 200
        assert c.post("/events", json={"user_id": "o2", "item_id": 2}).status_code == 200
