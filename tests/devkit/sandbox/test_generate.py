"""Generated worlds for benchmarks, the big account, and the CLI entry point."""

from __future__ import annotations

import subprocess
import sys

import httpx

from devkit.sandbox import (
    BIG_ACCOUNT,
    Sandbox,
    big_account_world,
    expected_rule,
    generate_world,
    zuora_account_number,
)
from tests.fixtures.sandbox import TLS, business_today, http_client, zuora_token


def _fingerprint(world) -> list:
    accounts = [
        (a.id, a.name, a.parent_id, bool(a.suspended)) for a in world.platform.accounts.values()
    ]
    invoices = [
        (i.invoice_number, i.account_id, i.balance, i.due_date) for i in world.zuora.invoices
    ]
    numbers = sorted(n.number for n in world.platform.estate("1100").phone_numbers.values())
    return [accounts, invoices, numbers]


def test_generation_is_deterministic():
    assert _fingerprint(generate_world(300, seed=3)) == _fingerprint(generate_world(300, seed=3))
    assert _fingerprint(generate_world(300, seed=3)) != _fingerprint(generate_world(300, seed=4))


def test_about_8_percent_of_accounts_are_overdue():
    world = generate_world(5_000, seed=1)
    today = business_today()
    overdue = {i.account_id for i in world.zuora.invoices if i.balance > 0 and i.due_date < today}
    assert 0.06 * 5_000 < len(overdue) < 0.10 * 5_000
    assert any(a.parent_id for a in world.platform.accounts.values())
    assert any(a.suspended for a in world.platform.accounts.values())


def test_lazy_details_are_served_consistently():
    world = generate_world(2_000, seed=9)
    with Sandbox(world=world) as sb, http_client(sb.url) as client:
        token = {"Authorization": f"Bearer {zuora_token(sb.url)}"}
        account = client.get(f"/v1/accounts/{zuora_account_number('2500')}", headers=token).json()
        contact_id = account["soldToContact"]["id"]
        # A contact asked for directly, before its account's details were built elsewhere:
        other = world.zuora.account(zuora_account_number("1777"))
        assert other is not None
        assert client.get(f"/v1/contacts/{other.sold_to_id}", headers=token).json()["success"]
        assert client.get(f"/v1/contacts/{contact_id}", headers=token).json()["success"]
        platform = {"X-Auth-Token": "t"}
        numbers = client.get("/v2/accounts/2999/phone_numbers", headers=platform).json()["data"]
        rules = client.get("/sbc/v1/rules", params={"tag": "2999"},
                           headers={"Authorization": "Bearer s"}).json()["rules"]  # fmt: skip
        live = [n["number"] for n in numbers if n["state"] == "in_service"]
        assert {r["id"] for r in rules} == {expected_rule("2999", n).id for n in live}
        subs = client.get("/v1/subscriptions/accounts/A00001500", headers=token).json()
        assert subs["subscriptions"][0]["status"] == "Active"
        assert (
            client.get("/v1/contacts/8ad0020000000000000000000000ffff", headers=token).json()[
                "success"
            ]
            is False
        )


def test_big_account_sizes():
    world = big_account_world()
    estate = world.platform.estate(BIG_ACCOUNT)
    assert len([n for n in estate.phone_numbers.values() if n.state == "in_service"]) == 2_000
    assert len(estate.collections["users"]) == 300
    assert len(estate.collections["callflows"]) == 200
    assert len(estate.collections["queues"]) == 50
    assert len(world.sbc.rules_for(BIG_ACCOUNT)) == 2_000


def test_serve_forever_prints_its_url_and_serves():
    code = "from devkit.sandbox import serve_forever; serve_forever(0)"
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline().strip()
        assert line.startswith("sandbox listening on http://127.0.0.1:")
        url = line.removeprefix("sandbox listening on ")
        response = httpx.get(f"{url}/v2/accounts/1001", headers={"X-Auth-Token": "t"}, verify=TLS)
        assert response.json()["data"]["name"] == "Bean Republic Coffee Co"
    finally:
        proc.terminate()
        proc.wait(timeout=10)
