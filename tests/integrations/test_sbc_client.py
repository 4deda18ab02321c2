"""SbcClient and the auth-rule sync against an in-memory rule table behind MockTransport."""

from __future__ import annotations

import json
from collections.abc import Sequence

import httpx
import pytest

from integrations.sbc import NotFound, SbcClient, SbcRule, expected_rule

from ._mock import Sleeps


class RuleTable:
    """The SBC's `trusted` table as the contract describes it, counting writes and reloads."""

    def __init__(self, rules: Sequence[SbcRule] = ()) -> None:
        self.rules = {r.id: r.model_dump() for r in rules}
        self.writes = 0
        self.reloads = 0
        self.auth: set[str] = set()

    def handler(self, request: httpx.Request) -> httpx.Response:
        self.auth.add(request.headers.get("Authorization", ""))
        path = request.url.path
        if request.method == "GET" and path == "/sbc/v1/rules":
            tag = request.url.params["tag"]
            return httpx.Response(
                200, json={"rules": [r for r in self.rules.values() if r["tag"] == tag]}
            )
        if request.method == "POST" and path == "/sbc/v1/reload":
            self.reloads += 1
            return httpx.Response(200, json={"reloaded": True})
        rule_id = path.removeprefix("/sbc/v1/rules/")
        if request.method == "PUT":
            self.writes += 1
            self.rules[rule_id] = json.loads(request.content)
            return httpx.Response(200, json=self.rules[rule_id])
        if request.method == "DELETE":
            if rule_id not in self.rules:
                return httpx.Response(
                    404, json={"error": {"code": "not_found", "message": f"no rule {rule_id}"}}
                )
            self.writes += 1
            return httpx.Response(200, json=self.rules.pop(rule_id))
        return httpx.Response(405)


def _client(table: RuleTable) -> SbcClient:
    return SbcClient(
        base_url="http://sbc.test",
        token="sbc-token",
        transport=httpx.MockTransport(table.handler),
        sleep=Sleeps(),
    )


def test_expected_rule_follows_the_contract() -> None:
    assert expected_rule("1001", "0412345678") == SbcRule(
        id="1001-0412345678",
        tag="1001",
        source="jethub",
        protocol="any",
        from_pattern="^\\+61412345678$",
        ruri_pattern="^sip:\\+61412345678@",
        priority=10,
    )


def test_sync_adds_fixes_removes_then_reloads_once() -> None:
    wrong = expected_rule("1001", "0290001234").model_copy(update={"priority": 99})
    stray = expected_rule("1001", "0499999999")
    other_account = expected_rule("2002", "0411111111")
    table = RuleTable([expected_rule("1001", "0412000001"), wrong, stray, other_account])
    client = _client(table)

    changes = client.sync_account("1001", ["0412345678", "0290001234", "0412000001"])

    assert changes.describe() == [
        "0412 345 678 had no rule — added",
        "02 9000 1234 rule was wrong — fixed",
        "stray rule 1001-0499999999 removed",
    ]
    assert changes.reloaded and table.reloads == 1 and table.writes == 3
    assert {r.id for r in client.rules("1001")} == {
        "1001-0412345678", "1001-0290001234", "1001-0412000001",
    }  # fmt: skip
    assert "2002-0411111111" in table.rules
    assert table.auth == {"Bearer sbc-token"}


def test_second_sync_writes_nothing_and_does_not_reload() -> None:
    table = RuleTable([expected_rule("1001", "0499999999")])
    client = _client(table)
    client.sync_account("1001", ["0412345678"])
    writes, reloads = table.writes, table.reloads

    again = client.sync_account("1001", ["0412345678"])

    assert not again.changed and not again.reloaded
    assert again.describe() == ["all auth rules were already correct — nothing changed"]
    assert (table.writes, table.reloads) == (writes, reloads)


def test_delete_unknown_rule_is_false_and_errors_carry_the_sbc_message() -> None:
    client = _client(RuleTable())
    assert client.delete("1001-0400000000") is False
    table = RuleTable()
    with pytest.raises(NotFound, match="SBC: no rule"):
        SbcClient(
            base_url="http://sbc.test",
            token="t",
            transport=httpx.MockTransport(
                lambda r: httpx.Response(
                    404, json={"error": {"code": "not_found", "message": "no rule"}}
                )
            ),
        ).upsert(expected_rule("1", "0412345678"))
    assert table.writes == 0
