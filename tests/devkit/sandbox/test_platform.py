"""The Jet Hub platform as the sandbox plays it (docs/backends.md), over real HTTP."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from freezegun import freeze_time

from devkit.sandbox import COLLECTIONS, Sandbox, SandboxTokens, demo_world
from tests.fixtures.sandbox import http_client


def _ok(response: httpx.Response) -> Any:
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["status"] == "success" and body["request_id"] and body["revision"]
    return body["data"]


def _error(response: httpx.Response, status: int) -> dict:
    assert response.status_code == status, response.text
    body = response.json()
    assert body["status"] == "error" and body["error"] == str(status)
    assert body["message"] and body["request_id"] and isinstance(body["data"], dict)
    return body


def _walk(client: httpx.Client, path: str, **params: str | int) -> list[dict]:
    found: list[dict] = []
    start_key: str | None = None
    while True:
        query = dict(params) | ({"start_key": start_key} if start_key else {})
        body = client.get(path, params=query).json()
        found += body["data"]
        start_key = body.get("next_start_key")
        if not start_key:
            return found


def test_needs_an_auth_token(anon: httpx.Client):
    _error(anon.get("/v2/accounts/1001"), 401)
    _error(anon.get("/v2/accounts/1001", headers={"X-Auth-Token": ""}), 401)


def test_configured_token_is_checked():
    tokens = SandboxTokens(platform="right")
    with Sandbox(world=demo_world(), tokens=tokens) as sb, http_client(f"{sb.url}/v2") as client:
        _error(client.get("/accounts/1001", headers={"X-Auth-Token": "wrong"}), 401)
        _ok(client.get("/accounts/1001", headers={"X-Auth-Token": "right"}))


def test_account_shape_and_suspension_record(platform: httpx.Client):
    account = _ok(platform.get("/accounts/1005"))
    assert set(account) == {"id", "name", "status", "parent_id", "suspended",
                            "zuora_account_number", "created"}  # fmt: skip
    assert account["status"] == "active" and account["zuora_account_number"] == "A00001005"
    assert set(account["suspended"]) == {"reason", "by", "at"}
    assert account["suspended"]["at"].endswith("Z")
    assert _ok(platform.get("/accounts/1001"))["suspended"] is None


def test_unknown_account_is_404_bad_identifier(platform: httpx.Client):
    assert _error(platform.get("/accounts/9999"), 404)["message"] == "bad identifier"
    _error(platform.get("/accounts/1001/nothing-here"), 404)


def test_search_by_name_is_case_insensitive_substring(platform: httpx.Client):
    found = _ok(platform.get("/accounts", params={"filter_name": "bean REPUBLIC"}))
    assert [a["id"] for a in found] == ["1001", "1002", "1003", "1004"]
    assert set(found[1]) == {"id", "name", "status", "parent_id"}
    assert found[1]["parent_id"] == "1001"


def test_suspended_filter(platform: httpx.Client):
    found = _ok(platform.get("/accounts", params={"filter_suspended": "true"}))
    assert [a["id"] for a in found] == ["1005"]


def test_children_and_descendants(platform: httpx.Client):
    children = _ok(platform.get("/accounts/1001/children"))
    assert children == [
        {"id": "1002", "name": "Bean Republic Surry Hills", "status": "active"},
        {"id": "1003", "name": "Bean Republic Fitzroy", "status": "active"},
        {"id": "1004", "name": "Bean Republic Fortitude Valley", "status": "active"},
    ]
    _ok(platform.patch("/accounts/1006", json={"data": {"parent_id": "1002"}}))
    descendants = _ok(platform.get("/accounts/1001/descendants"))
    assert {(d["id"], d["parent_id"]) for d in descendants} == {
        ("1002", "1001"), ("1003", "1001"), ("1004", "1001"), ("1006", "1002")
    }  # fmt: skip


def test_patch_name_and_parent(platform: httpx.Client):
    renamed = _ok(platform.patch("/accounts/1003", json={"data": {"name": "Bean Fitzroy"}}))
    assert renamed["name"] == "Bean Fitzroy" and renamed["parent_id"] == "1001"
    orphan = _ok(platform.patch("/accounts/1003", json={"data": {"parent_id": None}}))
    assert orphan["parent_id"] is None
    assert [c["id"] for c in _ok(platform.get("/accounts/1001/children"))] == ["1002", "1004"]


def test_patch_refuses_cycles_unknown_fields_and_parents(platform: httpx.Client):
    _error(platform.patch("/accounts/1001", json={"data": {"parent_id": "1002"}}), 400)
    _error(platform.patch("/accounts/1001", json={"data": {"parent_id": "1001"}}), 400)
    _error(platform.patch("/accounts/1001", json={"data": {"colour": "red"}}), 400)
    _error(platform.patch("/accounts/1001", json={"name": "no envelope"}), 400)
    _error(platform.patch("/accounts/1001", content=b"{oops"), 400)
    _error(platform.patch("/accounts/1001", json={"data": {"parent_id": "4242"}}), 404)


def test_suspend_lift_and_deactivate(platform: httpx.Client):
    body = {"data": {"reason": "Invoice 8 days overdue", "by": "U07OPS"}}
    suspended = _ok(platform.put("/accounts/1007/suspension", json=body))["suspended"]
    assert (suspended["reason"], suspended["by"]) == ("Invoice 8 days overdue", "U07OPS")
    again = {"data": {"reason": "other", "by": "U08"}}
    assert _ok(platform.put("/accounts/1007/suspension", json=again))["suspended"] == suspended
    assert _ok(platform.delete("/accounts/1007/suspension"))["suspended"] is None
    _error(platform.put("/accounts/1007/suspension", json={"data": {"by": "U07"}}), 400)
    done = _ok(platform.post("/accounts/1007/deactivate", json={"data": {"by": "U07OPS"}}))
    assert done["status"] == "deactivated"


def test_every_demo_account_has_every_collection(platform: httpx.Client):
    for account in range(1001, 1013):
        for name in COLLECTIONS:
            items = _ok(platform.get(f"/accounts/{account}/{name}"))
            assert items, f"{account} has no {name}"
            assert all(item["id"] and item["name"] for item in items)


@pytest.mark.parametrize("page_size", [3, 7, 50, 500])
def test_paging_gives_every_item_exactly_once(platform: httpx.Client, page_size: int):
    numbers = _walk(platform, "/accounts/1011/phone_numbers", page_size=page_size)
    ids = [n["id"] for n in numbers]
    assert len(ids) == len(set(ids)) == 604


def test_default_page_is_50_and_max_is_500(platform: httpx.Client):
    body = platform.get("/accounts/1011/phone_numbers").json()
    assert len(body["data"]) == 50 and body["next_start_key"]
    _error(platform.get("/accounts/1011/phone_numbers", params={"page_size": 501}), 400)
    _error(platform.get("/accounts/1011/phone_numbers", params={"start_key": "%%%"}), 400)


def test_deleting_while_paging_skips_nothing(platform: httpx.Client):
    deleted: list[str] = []
    while items := _ok(platform.get("/accounts/1011/users", params={"page_size": 7})):
        for item in items:
            assert _ok(platform.delete(f"/accounts/1011/users/{item['id']}"))["id"] == item["id"]
            deleted.append(item["id"])
    assert len(deleted) == len(set(deleted)) == 60


def test_delete_unknown_item_is_404_and_numbers_cannot_be_deleted(platform: httpx.Client):
    _error(platform.delete("/accounts/1001/queues/nope"), 404)
    number = _ok(platform.get("/accounts/1001/phone_numbers"))[0]
    _error(platform.delete(f"/accounts/1001/phone_numbers/{number['id']}"), 405)


def test_phone_number_shape_and_quarantine(platform: httpx.Client):
    numbers = _ok(platform.get("/accounts/1001/phone_numbers"))
    kinds = {n["kind"] for n in numbers}
    assert kinds == {"mobile", "fixed", "inbound"}
    for n in numbers:
        assert len(n["number"]) == 10 and n["number"].isdigit()
    first = numbers[0]
    with freeze_time("2026-08-31"):
        done = _ok(platform.post(f"/accounts/1001/phone_numbers/{first['id']}/quarantine"))
    assert (done["state"], done["quarantine_until"]) == ("quarantined", "2027-02-28")
    again = _ok(platform.post(f"/accounts/1001/phone_numbers/{first['id']}/quarantine"))
    assert again == done
    _error(platform.post("/accounts/1001/phone_numbers/nope/quarantine"), 404)


def test_pbx_patch(platform: httpx.Client):
    pbx = _ok(platform.get("/accounts/1001/pbxs"))[0]
    assert set(pbx) == {"id", "name", "billing_subscription"}
    body = {"data": {"billing_subscription": "A-S00009999-1"}}
    changed = _ok(platform.patch(f"/accounts/1001/pbxs/{pbx['id']}", json=body))
    assert changed == pbx | {"billing_subscription": "A-S00009999-1"}
    _error(platform.patch("/accounts/1001/pbxs/nope", json=body), 404)


def test_allowances_put_replaces_and_stamps(platform: httpx.Client):
    before = _ok(platform.get("/accounts/1006/allowances"))
    assert set(before) == {"items", "subscription_numbers", "refreshed_at"}
    body = {"data": {"items": [{"name": "Cloud Mobile", "quantity": 5}],
                     "subscription_numbers": ["A-S00001006-2"]}}  # fmt: skip
    with freeze_time("2026-11-20 01:02:03"):
        after = _ok(platform.put("/accounts/1006/allowances", json=body))
    assert after == {
        "items": [{"name": "Cloud Mobile", "quantity": 5}],
        "subscription_numbers": ["A-S00001006-2"],
        "refreshed_at": "2026-11-20T01:02:03Z",
    }


def test_emergency_record(platform: httpx.Client):
    assert _ok(platform.get("/accounts/1008/emergency")) is None
    record = _ok(platform.get("/accounts/1001/emergency"))
    assert record["address"]["postcode"] == "2000" and record["address"]["state"] == "NSW"
    address = {"house_number": "14", "street_name": "HUNTER", "street_type": "ST",
               "locality": "NEWCASTLE", "state": "NSW", "postcode": "2300"}  # fmt: skip
    saved = _ok(platform.put("/accounts/1008/emergency",
                             json={"data": {"address": address, "updated_by": "U07"}}))  # fmt: skip
    assert saved["address"] == address and saved["updated_by"] == "U07"
    assert _ok(platform.get("/accounts/1008/emergency")) == saved
    bad = {"data": {"address": {"planet": "Earth"}}}
    _error(platform.put("/accounts/1008/emergency", json=bad), 400)


def test_sent_emails_newest_first_across_pages(platform: httpx.Client):
    emails = _walk(platform, "/accounts/1011/sent_emails", page_size=45)
    assert len(emails) == len({e["id"] for e in emails}) == 500
    times = [e["sent_at"] for e in emails]
    assert times == sorted(times, reverse=True)
    assert set(emails[0]) == {"id", "sent_at", "subject", "recipient"}


def test_in_process_changes_are_served(sandbox: Sandbox, platform: httpx.Client):
    with sandbox.world.lock:
        sandbox.world.platform.estate("1002").collections["queues"].clear()
        sandbox.world.platform.accounts["1002"].name = "Renamed in process"
    assert _ok(platform.get("/accounts/1002/queues")) == []
    assert _ok(platform.get("/accounts/1002"))["name"] == "Renamed in process"


def test_quarantine_until_a_date_the_caller_gives(platform: httpx.Client):
    first, second = _ok(platform.get("/accounts/1002/phone_numbers"))[:2]
    with freeze_time("2026-08-31"):
        until = {"data": {"until": "2026-11-29"}}
        done = _ok(
            platform.post(f"/accounts/1002/phone_numbers/{first['id']}/quarantine", json=until)
        )
        assert done["quarantine_until"] == "2026-11-29"
        past = {"data": {"until": "2026-08-31"}}
        _error(
            platform.post(f"/accounts/1002/phone_numbers/{second['id']}/quarantine", json=past), 400
        )


def test_a_port_out_runs_its_course_and_takes_its_numbers_away(platform: httpx.Client):
    numbers = [n["number"] for n in _ok(platform.get("/accounts/1006/phone_numbers"))]
    leaving = numbers[0]
    body = {"data": {"numbers": [leaving], "carrier": "Telstra"}}
    port = _ok(platform.put("/accounts/1006/port_requests", json=body))
    assert (port["direction"], port["numbers"], port["carrier"], port["state"]) == (
        "out",
        [leaving],
        "Telstra",
        "submitted",
    )
    _error(platform.put("/accounts/1006/port_requests", json=body), 409)  # already porting
    unknown = {"data": {"numbers": ["0499999999"], "carrier": "Optus"}}
    assert "0499999999" in str(
        _error(platform.put("/accounts/1006/port_requests", json=unknown), 400)
    )
    assert _ok(platform.get("/accounts/1006/port_requests")) == [port]

    moved = _ok(platform.patch(f"/accounts/1006/port_requests/{port['id']}/scheduled"))
    assert moved["state"] == "scheduled"
    assert leaving in [n["number"] for n in _ok(platform.get("/accounts/1006/phone_numbers"))]
    done = _ok(platform.patch(f"/accounts/1006/port_requests/{port['id']}/completed"))
    assert done["state"] == "completed"
    after = [n["number"] for n in _ok(platform.get("/accounts/1006/phone_numbers"))]
    assert leaving not in after and len(after) == len(numbers) - 1
    _error(platform.patch(f"/accounts/1006/port_requests/{port['id']}/pending"), 409)  # final
    _error(platform.patch(f"/accounts/1006/port_requests/{port['id']}/sideways"), 400)
    _error(platform.patch("/accounts/1006/port_requests/nope/completed"), 404)
