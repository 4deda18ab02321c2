"""The SBC auth-rule API as the sandbox plays it."""

from __future__ import annotations

import httpx

from devkit.sandbox import Sandbox, SandboxTokens, demo_world, expected_rule
from tests.fixtures.sandbox import http_client


def test_rules_for_one_account(sbc: httpx.Client):
    rules = sbc.get("/rules", params={"tag": "1001"}).json()["rules"]
    assert rules and all(r["tag"] == "1001" for r in rules)
    assert set(rules[0]) == {"id", "tag", "source", "protocol", "from_pattern", "ruri_pattern",
                             "priority"}  # fmt: skip
    assert sbc.get("/rules", params={"tag": "4242"}).json() == {"rules": []}
    assert sbc.get("/rules").status_code == 400


def test_upsert_delete_and_reload(sandbox: Sandbox, sbc: httpx.Client):
    rule = expected_rule("1007", "0412345678").to_json()
    put = sbc.put(f"/rules/{rule['id']}", json=rule)
    assert put.status_code == 200 and put.json() == rule
    changed = rule | {"priority": 20}
    assert sbc.put(f"/rules/{rule['id']}", json=changed).json()["priority"] == 20
    ids = [r["id"] for r in sbc.get("/rules", params={"tag": "1007"}).json()["rules"]]
    assert ids.count(rule["id"]) == 1
    assert sbc.delete(f"/rules/{rule['id']}").json() == changed
    missing = sbc.delete(f"/rules/{rule['id']}")
    assert missing.status_code == 404
    assert missing.json()["error"]["code"] == "not_found"
    assert sbc.post("/reload").json() == {"reloaded": True}
    assert sandbox.world.sbc.reloads == 1


def test_bad_rules_are_400(sbc: httpx.Client):
    rule = expected_rule("1007", "0412345678").to_json()
    assert sbc.put("/rules/other-id", json=rule).status_code == 400
    assert sbc.put(f"/rules/{rule['id']}", json=rule | {"priority": "high"}).status_code == 400
    assert sbc.put(f"/rules/{rule['id']}", json={"tag": "1007"}).status_code == 400
    body = sbc.put(f"/rules/{rule['id']}", content=b"nope").json()
    assert body["error"]["code"] == "invalid"


def test_bearer_token_required_and_checked_when_configured(anon: httpx.Client):
    response = anon.get("/sbc/v1/rules", params={"tag": "1001"})
    assert response.status_code == 401 and response.json()["error"]["code"] == "unauthorized"
    tokens = SandboxTokens(sbc="sbc-key")
    with Sandbox(world=demo_world(), tokens=tokens) as sb, http_client(f"{sb.url}/sbc/v1") as c:
        wrong = c.get("/rules", params={"tag": "1001"}, headers={"Authorization": "Bearer x"})
        assert wrong.status_code == 401
        right = {"Authorization": "Bearer sbc-key"}
        assert c.get("/rules", params={"tag": "1001"}, headers=right).status_code == 200
