"""The answer cache of POST /v1/analyze: bounded, least recently used, only plain 200s."""

from __future__ import annotations

import json

from fastapi.testclient import TestClient

from app.api.cache import MAX_ENTRY_BYTES, ResponseCache
from app.core.examples import EXAMPLES

LENET5 = {k: v for k, v in EXAMPLES["lenet5_course"].items() if k != "title"}


def test_keeps_and_returns_by_exact_bytes() -> None:
    cache = ResponseCache(max_bytes=1000)
    cache.put(b"a", b"answer")
    assert cache.get(b"a") == b"answer"
    assert cache.get(b"a ") is None
    assert (cache.hits, cache.misses) == (1, 1)


def test_evicts_the_least_recently_used_past_the_bound() -> None:
    cache = ResponseCache(max_bytes=30)
    cache.put(b"1", b"x" * 9)  # 10 bytes each
    cache.put(b"2", b"x" * 9)
    cache.put(b"3", b"x" * 9)
    assert cache.get(b"1") is not None  # 1 is now the most recent
    cache.put(b"4", b"x" * 9)
    assert cache.get(b"2") is None
    assert [cache.get(k) is not None for k in (b"1", b"3", b"4")] == [True, True, True]
    assert cache.size == 30
    assert len(cache) == 3


def test_refuses_entries_too_large_to_keep() -> None:
    cache = ResponseCache(max_bytes=10 * MAX_ENTRY_BYTES)
    cache.put(b"big", b"x" * MAX_ENTRY_BYTES)
    assert cache.get(b"big") is None
    assert cache.size == 0


def test_the_same_body_gets_the_same_bytes_from_the_cache(client: TestClient) -> None:
    raw = json.dumps(LENET5)
    headers = {"content-type": "application/json"}
    first = client.post("/v1/analyze", content=raw, headers=headers)
    second = client.post("/v1/analyze", content=raw, headers=headers)
    assert first.status_code == second.status_code == 200
    assert first.content == second.content
    cache: ResponseCache = client.app.state.analyze_cache  # type: ignore[attr-defined]
    assert cache.hits == 1
    assert len(cache) == 1


def test_errors_and_torch_checks_are_not_kept(client: TestClient) -> None:
    bad = {**LENET5, "layers": [{"type": "conv2d", "out_channels": 4, "kernel_size": 99}]}
    for _ in range(2):
        assert client.post("/v1/analyze", json=bad).status_code == 422
        assert client.post("/v1/analyze", json={**LENET5, "verify": True}).status_code == 200
    cache: ResponseCache = client.app.state.analyze_cache  # type: ignore[attr-defined]
    assert len(cache) == 0
    assert cache.hits == 0


def test_a_cached_body_skips_the_json_guard_but_a_changed_one_does_not(client: TestClient) -> None:
    raw = json.dumps(LENET5)
    headers = {"content-type": "application/json"}
    assert client.post("/v1/analyze", content=raw, headers=headers).status_code == 200
    cache: ResponseCache = client.app.state.analyze_cache  # type: ignore[attr-defined]
    assert raw.encode() in cache
    again = client.post("/v1/analyze", content=raw, headers=headers)
    assert again.status_code == 200
    duplicated = raw.replace('"input_shape"', '"batch_size": 1, "batch_size"', 1)
    r = client.post("/v1/analyze", content=duplicated, headers=headers)
    assert r.status_code == 422, r.text
    assert r.json()["errors"][0]["type"] == "duplicate_key"
