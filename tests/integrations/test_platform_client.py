"""PlatformClient on httpx.MockTransport: crossbar envelope, paging, errors, fan-out."""

from __future__ import annotations

import json
import threading
from datetime import date

import httpx
import pytest

from integrations.allowances import AllowanceItem
from integrations.ipnd import ServiceAddress
from integrations.platform import (
    UNCHANGED,
    BackendRejected,
    Collection,
    NotFound,
    PlatformClient,
    RateLimited,
)

from ._mock import Backend, Sleeps, reply

ACCOUNT = {
    "id": "1001",
    "name": "Harbour Dental Group",
    "status": "active",
    "parent_id": None,
    "suspended": None,
    "zuora_account_number": "A00001001",
    "created": "2024-02-01T00:00:00Z",
}


def ok(data, **extra) -> dict:
    return {"data": data, "status": "success", "request_id": "rq", "revision": "1", **extra}


def fail(code: int, message: str) -> dict:
    return {
        "status": "error",
        "error": str(code),
        "message": message,
        "data": {},
        "request_id": "rq-err",
    }


def _client(backend: Backend, **kwargs) -> PlatformClient:
    return PlatformClient(
        base_url="http://platform.test",
        token="platform-token",
        transport=backend.transport,
        sleep=Sleeps(),
        **kwargs,
    )


def test_get_account_sends_token_and_unwraps_envelope() -> None:
    backend = Backend().on("GET /v2/accounts/1001", reply(200, ok(ACCOUNT)))
    account = _client(backend).get_account("1001")
    assert account.zuora_account_number == "A00001001" and not account.is_suspended
    assert backend.calls()[0].headers["X-Auth-Token"] == "platform-token"


def test_error_envelope_becomes_typed_error_with_request_id() -> None:
    backend = Backend().on("GET /v2/accounts/9", reply(404, fail(404, "bad identifier")))
    with pytest.raises(NotFound) as caught:
        _client(backend).get_account("9")
    assert caught.value.code == "404" and caught.value.request_id == "rq-err"
    assert str(caught.value).startswith("Jet Hub platform: bad identifier")


def test_429_is_retried_then_reported() -> None:
    backend = Backend().on(
        "GET /v2/accounts/1001", reply(429, fail(429, "slow down"), {"Retry-After": "1"})
    )
    with pytest.raises(RateLimited):
        _client(backend, max_attempts=3).get_account("1001")
    assert len(backend.calls()) == 3


def test_lists_follow_next_start_key_to_the_last_page() -> None:
    pages = {
        None: ok(
            [{"id": "q1", "name": "Sales"}, {"id": "q2", "name": "Support"}], next_start_key="k2"
        ),
        "k2": ok([{"id": "q3", "name": "Accounts"}], next_start_key="k3"),
        "k3": ok([{"id": "q4", "name": "After hours", "strategy": "ringall"}]),
    }

    def answer(request: httpx.Request) -> httpx.Response:
        assert request.url.params["page_size"] == "2"
        return httpx.Response(200, json=pages[request.url.params.get("start_key")])

    backend = Backend().on("GET /v2/accounts/1001/queues", answer)
    items = _client(backend, page_size=2).list("1001", Collection.QUEUES)
    assert [i.id for i in items] == ["q1", "q2", "q3", "q4"]
    assert items[3].model_extra == {"strategy": "ringall"}


def test_search_and_suspended_filters() -> None:
    backend = Backend().on(
        "GET /v2/accounts", reply(200, ok([{"id": "1001", "name": "Harbour Dental Group"}]))
    )
    client = _client(backend)
    assert [a.id for a in client.search_accounts("harbour")] == ["1001"]
    client.suspended_accounts()
    first, second = backend.calls()
    assert first.url.params["filter_name"] == "harbour"
    assert second.url.params["filter_suspended"] == "true"


def test_update_account_sends_only_what_changes() -> None:
    backend = Backend().on("PATCH /v2/accounts/1001", reply(200, ok(ACCOUNT)))
    client = _client(backend)
    client.update_account("1001", name="Harbour Dental")
    client.update_account("1001", parent_id=None)
    client.update_account("1001", name="X", parent_id="1000")
    assert UNCHANGED is not None
    bodies = [json.loads(r.content) for r in backend.calls()]
    assert bodies == [
        {"data": {"name": "Harbour Dental"}},
        {"data": {"parent_id": None}},
        {"data": {"name": "X", "parent_id": "1000"}},
    ]


def test_suspend_unsuspend_deactivate() -> None:
    suspended = ACCOUNT | {
        "suspended": {"reason": "overdue", "by": "U123", "at": "2026-11-24T01:00:00Z"}
    }
    backend = (
        Backend()
        .on("PUT /v2/accounts/1001/suspension", reply(200, ok(suspended)))
        .on("DELETE /v2/accounts/1001/suspension", reply(200, ok(ACCOUNT)))
        .on(
            "POST /v2/accounts/1001/deactivate", reply(200, ok(ACCOUNT | {"status": "deactivated"}))
        )
    )
    client = _client(backend)
    account = client.suspend("1001", "overdue", "U123")
    assert account.suspended and account.suspended.by == "U123"
    assert not client.unsuspend("1001").is_suspended
    assert client.mark_deactivated("1001", "U123").is_deactivated
    assert json.loads(backend.calls()[0].content) == {"data": {"reason": "overdue", "by": "U123"}}
    assert json.loads(backend.calls()[2].content) == {"data": {"by": "U123"}}


def test_delete_returns_false_when_already_gone() -> None:
    backend = (
        Backend()
        .on("DELETE /v2/accounts/1001/media/m1", reply(200, ok({"id": "m1", "name": "Hold"})))
        .on("DELETE /v2/accounts/1001/media/m2", reply(404, fail(404, "bad identifier")))
    )
    client = _client(backend)
    assert client.delete("1001", Collection.MEDIA, "m1") is True
    assert client.delete("1001", Collection.MEDIA, "m2") is False


def test_other_rejections_are_not_swallowed_by_delete() -> None:
    backend = Backend().on("DELETE /v2/accounts/1001/users/u1", reply(409, fail(409, "in use")))
    with pytest.raises(BackendRejected):
        _client(backend).delete("1001", Collection.USERS, "u1")


def test_numbers_and_quarantine() -> None:
    number = {"id": "n1", "number": "0412345678", "kind": "mobile", "state": "in_service",
              "quarantine_until": None}  # fmt: skip
    backend = (
        Backend()
        .on("GET /v2/accounts/1001/phone_numbers", reply(200, ok([number])))
        .on(
            "POST /v2/accounts/1001/phone_numbers/n1/quarantine",
            reply(200, ok(number | {"state": "quarantined", "quarantine_until": "2027-05-24"})),
        )
    )
    client = _client(backend)
    assert client.phone_numbers("1001")[0].in_service
    quarantined = client.quarantine_number("1001", "n1")
    assert quarantined.quarantine_until == date(2027, 5, 24) and not quarantined.in_service


def test_pbx_update_sends_only_given_fields() -> None:
    pbx = {"id": "p1", "name": "harbour", "billing_subscription": "A-S00001001"}
    backend = Backend().on("PATCH /v2/accounts/1001/pbxs/p1", reply(200, ok(pbx)))
    _client(backend).update_pbx("1001", "p1", billing_subscription="A-S00001001")
    assert json.loads(backend.calls()[0].content) == {
        "data": {"billing_subscription": "A-S00001001"}
    }


def test_allowances_round_trip() -> None:
    stored = {"items": [{"name": "Cloud Mobile", "quantity": 5}], "subscription_numbers": ["A-S1"],
              "refreshed_at": "2026-11-24T00:00:00Z"}  # fmt: skip
    backend = (
        Backend()
        .on("PUT /v2/accounts/1001/allowances", reply(200, ok(stored)))
        .on("GET /v2/accounts/1001/allowances", reply(200, ok(stored | {"refreshed_at": None})))
    )
    client = _client(backend)
    result = client.store_allowances(
        "1001", [AllowanceItem(name="Cloud Mobile", quantity=5)], ["A-S1"]
    )
    assert result.describe() == "5 × Cloud Mobile" and result.refreshed_at is not None  # noqa: RUF001
    assert json.loads(backend.calls()[0].content) == {
        "data": {
            "items": [{"name": "Cloud Mobile", "quantity": 5}],
            "subscription_numbers": ["A-S1"],
        }
    }
    assert client.allowances("1001").refreshed_at is None


def test_emergency_none_and_store() -> None:
    record = {"address": {"street_name": "Kent", "street_type": "ST", "locality": "SYDNEY",
                          "state": "NSW", "postcode": "2000", "house_number": "15",
                          "unit_type": None},
              "updated_at": "2026-11-24T00:00:00Z", "updated_by": "U1"}  # fmt: skip
    backend = (
        Backend()
        .on("GET /v2/accounts/1001/emergency", reply(200, ok(None)))
        .on("PUT /v2/accounts/1001/emergency", reply(200, ok(record)))
    )
    client = _client(backend)
    assert client.emergency("1001") is None
    address = ServiceAddress(house_number="15", street_name="Kent", street_type="ST",
                               locality="SYDNEY", state="NSW", postcode="2000")  # fmt: skip
    stored = client.store_emergency("1001", address, "U1")
    assert stored.address.unit_type == "" and stored.updated_by == "U1"
    sent = json.loads(backend.calls()[1].content)["data"]
    assert sent == {
        "address": {k: v for k, v in address.model_dump().items() if v},
        "updated_by": "U1",
    }
    assert "unit_type" not in sent["address"]


def test_sent_emails_is_one_page_at_a_time() -> None:
    emails = [{"id": "e1", "sent_at": "2026-11-23T10:00:00Z", "subject": "Jet Phone login",
               "recipient": "tom@harbourdental.example"}]  # fmt: skip
    backend = Backend().on(
        "GET /v2/accounts/1001/sent_emails", reply(200, ok(emails, next_start_key="n2"))
    )
    page = _client(backend).sent_emails("1001", page_size=1, start_key="n1")
    assert page.next_start_key == "n2" and page.items[0].subject == "Jet Phone login"
    assert backend.calls()[0].url.params["start_key"] == "n1"


def test_map_concurrent_keeps_order_and_errors_and_stays_bounded() -> None:
    in_flight = 0
    peak = 0
    lock = threading.Lock()
    release = threading.Event()

    def answer(request: httpx.Request) -> httpx.Response:
        nonlocal in_flight, peak
        with lock:
            in_flight += 1
            peak = max(peak, in_flight)
            if in_flight == 3:
                release.set()
        release.wait(timeout=5)
        with lock:
            in_flight -= 1
        item_id = request.url.path.rsplit("/", 1)[1]
        if item_id == "q5":
            return httpx.Response(409, json=fail(409, "queue busy"))
        return httpx.Response(200, json=ok({"id": item_id, "name": item_id}))

    backend = Backend()
    for n in range(10):
        backend.on(f"DELETE /v2/accounts/1001/queues/q{n}", answer)
    client = _client(backend, max_workers=3)
    results = client.map_concurrent(
        lambda item: client.delete("1001", Collection.QUEUES, item), [f"q{n}" for n in range(10)]
    )
    assert [r.item for r in results] == [f"q{n}" for n in range(10)]
    assert [r.ok for r in results].count(False) == 1
    assert isinstance(results[5].error, BackendRejected) and results[5].value is None
    assert results[0].value is True
    assert peak == 3


def test_collections_are_in_deactivation_order() -> None:
    assert [c.value for c in Collection] == [
        "queues", "parking", "media", "users", "phone_numbers", "portal_users",
        "callflows", "pbxs", "subscriptions", "webhooks", "webtrackers",
    ]  # fmt: skip
    assert Collection.PARKING.label == "call parking setups"


def test_fan_out_started_inside_the_pool_runs_inline_instead_of_deadlocking() -> None:
    from integrations.platform._concurrent import FanOut

    pool = FanOut(2)
    try:
        inner = pool.map(lambda n: pool.map(lambda m: m * n, range(3)), range(4))
        assert [[r.value for r in outer.value or []] for outer in inner] == [
            [0, 0, 0], [0, 1, 2], [0, 2, 4], [0, 3, 6],
        ]  # fmt: skip
    finally:
        pool.close()
