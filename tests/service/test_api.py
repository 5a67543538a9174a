"""The HTTP API over the embedded store: events change recommendations, and they match PyTorch."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from tests.service.conftest import TorchReference, make_client


def _post_events(client: TestClient, user: str, items: list[int]) -> int:
    r = client.post("/events", json={"events": [{"user_id": user, "item_id": i} for i in items]})
    assert r.status_code == 200, r.text
    return int(r.json()["seq_len"])


def test_unknown_user_gets_popular(client: TestClient) -> None:
    r = client.post("/recommend", json={"user_id": "nobody", "k": 3})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["source"] == "popular" and len(body["items"]) == 3
    scores = [it["score"] for it in body["items"]]
    assert scores == sorted(scores, reverse=True)
    assert body["model_version"]


def test_events_change_recommendations_and_match_torch(client: TestClient, reference: TorchReference) -> None:
    before = client.post("/recommend", json={"user_id": "u1", "k": 3}).json()
    history = [2, 5, 1]
    for n, item in enumerate(history, start=1):
        r = client.post("/events", json={"user_id": "u1", "item_id": item, "event_type": "view"})
        assert r.status_code == 200 and r.json()["seq_len"] == n
    after = client.post("/recommend", json={"user_id": "u1", "k": 3}).json()
    assert after["source"] == "personal" and before["source"] == "popular"
    got = [it["item_id"] for it in after["items"]]
    assert not set(got) & set(history)  # seen items excluded
    assert got == reference.top_k(history, 3, exclude=set(history))
    with_seen = client.post("/recommend", json={"user_id": "u1", "k": 6, "exclude_seen": False}).json()
    assert [it["item_id"] for it in with_seen["items"]] == reference.top_k(history, 6, exclude=set())


def test_window_overflow_matches_torch_on_kept_window(client: TestClient, reference: TorchReference) -> None:
    items = [1, 2, 3, 4, 5, 6, 1, 2]  # 8 > L_max=7: the window is re-prefilled with the newest 4
    for i in items:
        _post_events(client, "long", [i])
    got = client.post("/recommend", json={"user_id": "long", "k": 6, "exclude_seen": False}).json()
    assert [it["item_id"] for it in got["items"]] == reference.top_k(items[-4:], 6, exclude=set())
    metrics = client.get("/metrics").text
    assert "heterrec_reprefills_total" in metrics


def test_filters_hold(client: TestClient) -> None:
    _post_events(client, "f", [1, 2])
    r = client.post("/recommend", json={"user_id": "f", "k": 5, "filters": {"include": {"categories": ["Hair"]}}})
    assert r.status_code == 200, r.text
    assert {it["item_id"] for it in r.json()["items"]} == {3, 4}  # the only Hair items; none seen
    r = client.post("/recommend", json={"user_id": "f", "k": 5, "filters": {"exclude": {"brand": ["Zed"]}}})
    assert {it["item_id"] for it in r.json()["items"]} == {3, 6}  # 1, 2 seen; 4, 5 are Zed
    r = client.post("/recommend", json={"user_id": "nobody", "k": 5, "filters": {"include": {"brand": ["Acme"]}}})
    assert r.json()["source"] == "popular" and {it["item_id"] for it in r.json()["items"]} == {1, 2}


def test_k_larger_than_remaining_returns_all_remaining(client: TestClient) -> None:
    _post_events(client, "k", [1, 2, 3])
    r = client.post("/recommend", json={"user_id": "k", "k": 50})
    assert {it["item_id"] for it in r.json()["items"]} == {4, 5, 6}


def test_batch_for_several_users(client: TestClient) -> None:
    events = [{"user_id": "a", "item_id": 1}, {"user_id": 7, "item_id": 2}, {"user_id": "a", "item_id": 3}]
    r = client.post("/events", json={"events": events})
    assert r.status_code == 200
    assert r.json() == {"accepted": 3, "users": {"a": 2, "7": 1}, "seq_len": None}


@pytest.mark.parametrize(
    ("path", "body", "loc", "text"),
    [
        ("/events", {"user_id": "u", "item_id": 999}, ["body", "item_id"], "unknown item_id 999"),
        (
            "/events",
            {"events": [{"user_id": "u", "item_id": 1}, {"user_id": "u", "item_id": 42}]},
            ["body", "item_id"],
            "unknown item_id 42",
        ),
        ("/events", {"events": []}, None, None),
        ("/events", {"user_id": "u"}, None, None),
        ("/recommend", {"user_id": "u", "k": 0}, ["body", "k"], None),
        ("/recommend", {"user_id": "u", "k": 101}, ["body", "k"], "MAX_K=100"),
        (
            "/recommend",
            {"user_id": "u", "k": 3, "filters": {"include": {"color": ["red"]}}},
            ["body", "filters"],
            "unknown field 'color'",
        ),
        ("/recommend", {"k": 3}, None, None),
    ],
)
def test_bad_input_is_422_naming_the_field(
    client: TestClient, path: str, body: dict[str, object], loc: list[str] | None, text: str | None
) -> None:
    r = client.post(path, json=body)
    assert r.status_code == 422, r.text
    detail = r.json()["detail"]
    if loc is not None:
        assert any(d["loc"][: len(loc)] == loc for d in detail), detail
    if text is not None:
        assert any(text in d["msg"] for d in detail), detail


def test_unknown_item_in_batch_applies_nothing(client: TestClient) -> None:
    r = client.post("/events", json={"events": [{"user_id": "atomic", "item_id": 1}, {"user_id": "x", "item_id": 77}]})
    assert r.status_code == 422
    assert client.post("/recommend", json={"user_id": "atomic"}).json()["source"] == "popular"


def test_oversized_batch(tiny_artifacts: Path) -> None:
    with make_client(tiny_artifacts, max_batch_events=2) as c:
        r = c.post("/events", json={"events": [{"user_id": "u", "item_id": 1}] * 3})
    assert r.status_code == 422
    assert r.json()["detail"][0]["loc"] == ["body", "events"]


def test_health_ready_metrics_docs(client: TestClient) -> None:
    assert client.get("/healthz").json()["status"] == "ok"
    ready = client.get("/readyz")
    assert ready.status_code == 200 and ready.json()["detail"]["store"] == "InMemoryStore"
    _post_events(client, "m", [1])
    text = client.get("/metrics").text
    for name in (
        "heterrec_request_seconds_bucket",
        "heterrec_events_processed_total",
        "heterrec_kv_cache_hits_total",
        "heterrec_kv_cache_misses_total",
    ):
        assert name in text
    assert 'route="/events"' in text
    assert client.get("/openapi.json").json()["paths"].keys() >= {"/events", "/recommend"}


def test_bad_artifacts_fail_at_startup(tmp_path: Path) -> None:
    with pytest.raises(Exception, match="heterrec export"), make_client(tmp_path):
        pass
