"""Injected faults (fail_next, 429, token bucket, errors) and call counters."""

from __future__ import annotations

import datetime as dt
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from freezegun import freeze_time

from devkit.sandbox import Sandbox


def test_fail_next_fails_exactly_n_calls_with_500(sandbox: Sandbox, platform: httpx.Client):
    sandbox.faults("platform").set(fail_next=2)
    first, second, third = (platform.get("/accounts/1001") for _ in range(3))
    assert [first.status_code, second.status_code, third.status_code] == [500, 500, 200]
    assert first.json()["status"] == "error" and first.json()["error"] == "500"


def test_fail_next_over_http_and_sandbox_routes_are_never_faulted(
    control: httpx.Client, zuora: httpx.Client, sbc: httpx.Client
):
    assert control.put("/faults/zuora", json={"fail_next": 1}).json()["fail_next"] == 1
    control.put("/faults/sbc", json={"fail_next": 5, "rate_429": 1.0})
    failed = zuora.get("/v1/accounts/A00001001")
    assert failed.status_code == 500
    assert failed.json()["success"] is False and failed.headers["Zuora-Request-Id"]
    assert zuora.get("/v1/accounts/A00001001").status_code == 200
    assert sbc.post("/reload").status_code == 500
    for _ in range(3):
        assert control.get("/counters").status_code == 200
    assert control.get("/faults").json()["sbc"]["fail_next"] == 4
    cleared = control.delete("/faults").json()
    assert cleared["sbc"] == cleared["zuora"] == cleared["platform"]
    assert cleared["sbc"]["fail_next"] == 0 and cleared["sbc"]["rate_429"] == 0
    assert sbc.post("/reload").status_code == 200


def test_fault_settings_are_validated(control: httpx.Client):
    assert control.put("/faults/ldap", json={"fail_next": 1}).status_code == 404
    assert control.put("/faults/zuora", json={"error_rate": 2}).status_code == 400
    assert control.put("/faults/zuora", json={"explode": True}).status_code == 400
    assert control.put("/faults/zuora", content=b"[").status_code == 400
    assert control.get("/faults").json()["zuora"]["error_rate"] == 0


@pytest.mark.parametrize("backend", ["zuora", "platform", "sbc"])
def test_rate_429_carries_retry_after(sandbox: Sandbox, backend: str, request):
    client: httpx.Client = request.getfixturevalue(backend)
    sandbox.faults(backend).set(rate_429=1.0, retry_after=7)
    path = {"zuora": "/v1/accounts/A00001001", "platform": "/accounts/1001", "sbc": "/rules"}
    response = client.get(path[backend], params={"tag": "1001"})
    assert response.status_code == 429
    assert response.headers["Retry-After"] == "7"


def test_token_bucket_limits_and_refills_by_the_clock(sandbox: Sandbox, platform: httpx.Client):
    with freeze_time("2026-11-17 09:00:00") as clock:
        sandbox.faults("platform").set(bucket_capacity=3, bucket_refill_per_s=0.5)
        codes = [platform.get("/accounts/1001").status_code for _ in range(4)]
        assert codes == [200, 200, 200, 429]
        limited = platform.get("/accounts/1001")
        assert limited.headers["Retry-After"] == "2"
        clock.tick(dt.timedelta(seconds=2))
        assert platform.get("/accounts/1001").status_code == 200
        assert platform.get("/accounts/1001").status_code == 429
        sandbox.faults("platform").set(bucket_capacity=None)
        assert platform.get("/accounts/1001").status_code == 200


def test_zuora_errors_are_retryable_5xx_or_200_with_a_retryable_category(
    sandbox: Sandbox, zuora: httpx.Client
):
    sandbox.faults("zuora").set(error_rate=1.0)
    seen = set()
    for _ in range(20):
        response = zuora.get("/v1/accounts/A00001001")
        if response.status_code == 200:
            body = response.json()
            assert body["success"] is False
            assert body["reasons"][0]["code"] % 100 in (50, 61, 70, 99)
            seen.add("200")
        else:
            assert response.status_code >= 500
            seen.add("5xx")
    assert seen == {"200", "5xx"}


def test_platform_and_sbc_errors_are_5xx(sandbox: Sandbox, platform: httpx.Client, sbc):
    sandbox.faults("platform").set(error_rate=1.0)
    sandbox.faults("sbc").set(error_rate=1.0)
    assert all(platform.get("/accounts/1001").status_code >= 500 for _ in range(5))
    assert all(sbc.post("/reload").status_code >= 500 for _ in range(5))


def test_latency_setting_is_kept(sandbox: Sandbox, control: httpx.Client, platform):
    sandbox.faults("platform").set(latency_ms=1)
    assert control.get("/faults").json()["platform"]["latency_ms"] == 1
    assert platform.get("/accounts/1001").status_code == 200


def test_counters_by_endpoint_template(sandbox: Sandbox, platform: httpx.Client, zuora, sbc):
    sandbox.counters.reset()
    queues = platform.get("/accounts/1011/queues").json()["data"]
    for queue in queues[:3]:
        platform.delete(f"/accounts/1011/queues/{queue['id']}")
    zuora.get("/v1/accounts/A00001001")
    zuora.get("/v1/accounts/A00001002")
    sbc.get("/rules", params={"tag": "1011"})
    assert sandbox.counters.snapshot() == {
        "zuora": {"GET /v1/accounts/{key}": 2},
        "platform": {
            "DELETE /v2/accounts/{A}/queues/{id}": 3,
            "GET /v2/accounts/{A}/queues": 1,
        },
        "sbc": {"GET /sbc/v1/rules": 1},
    }


def test_counters_over_http_count_failures_and_reset(
    sandbox: Sandbox, control: httpx.Client, anon: httpx.Client
):
    control.post("/counters/reset")
    anon.get("/v2/accounts/1001")  # 401, still a call
    anon.post("/oauth/token", data={"grant_type": "client_credentials"})
    counts = control.get("/counters").json()
    assert counts["platform"] == {"GET /v2/accounts/{A}": 1}
    assert counts["zuora"] == {"POST /oauth/token": 1}
    assert counts["sbc"] == {}
    assert control.post("/counters/reset").json() == {"zuora": {}, "platform": {}, "sbc": {}}
    assert sandbox.counters.total("platform") == 0


def test_concurrent_calls_are_all_counted_and_applied(sandbox: Sandbox, platform: httpx.Client):
    sandbox.counters.reset()
    numbers = platform.get("/accounts/1011/phone_numbers", params={"page_size": 200}).json()
    ids = [n["id"] for n in numbers["data"]]

    def quarantine(number_id: str) -> int:
        return platform.post(f"/accounts/1011/phone_numbers/{number_id}/quarantine").status_code

    with ThreadPoolExecutor(max_workers=16) as pool:
        assert set(pool.map(quarantine, ids)) == {200}
    assert (
        sandbox.counters.get("platform", "POST /v2/accounts/{A}/phone_numbers/{id}/quarantine")
        == 200
    )
    with sandbox.world.lock:
        states = [sandbox.world.platform.estate("1011").phone_numbers[i].state for i in ids]
    assert set(states) == {"quarantined"}
