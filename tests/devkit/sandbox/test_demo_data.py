"""The demo data set holds every case the brief names, reachable over HTTP."""

from __future__ import annotations

from datetime import date, timedelta

import httpx
from freezegun import freeze_time

from devkit.sandbox import (
    ESCAPE_NAME,
    MISSING_RULE_NUMBER,
    STRAY_RULE_ID,
    WRONG_RULE_NUMBER,
    Sandbox,
    demo_world,
    expected_rule,
)
from tests.fixtures.sandbox import business_today

# Street postcode ranges per state (shared/reference/ipnd.md).
STREET_POSTCODES = {
    "NSW": [(2000, 2599), (2619, 2899), (2921, 2999)],
    "ACT": [(2600, 2618), (2900, 2920)],
    "VIC": [(3000, 3999)],
    "QLD": [(4000, 4999)],
    "SA": [(5000, 5799)],
    "WA": [(6000, 6797)],
    "TAS": [(7000, 7799)],
    "NT": [(800, 899)],
}


def _postcode_fits(state: str, postcode: str) -> bool:
    return any(low <= int(postcode) <= high for low, high in STREET_POSTCODES.get(state, []))


def _allowances(subscriptions: list[dict], today: date) -> dict[str, int]:
    """The seed's rule, written independently of the sandbox's own helper."""
    totals: dict[str, int] = {}
    for sub in subscriptions:
        if sub["status"] != "Active":
            continue
        for plan in sub["ratePlans"]:
            in_effect = [
                c["quantity"]
                for c in plan["ratePlanCharges"]
                if c["type"] == "Recurring"
                and c["quantity"] is not None
                and date.fromisoformat(c["effectiveStartDate"])
                <= today
                < date.fromisoformat(c["effectiveEndDate"])
            ]
            if in_effect:
                totals[plan["productName"]] = totals.get(plan["productName"], 0) + int(
                    max(in_effect)
                )
    return totals


def test_allowance_example_reads_5_5_1(zuora: httpx.Client):
    subs = zuora.get("/v1/subscriptions/accounts/A00001006").json()["subscriptions"]
    assert _allowances(subs, business_today()) == {
        "Cloud Mobile": 5,
        "Mobile Number": 5,
        "1300 Number": 1,
    }
    charges = [c for s in subs for p in s["ratePlans"] for c in p["ratePlanCharges"]]
    assert any(s["status"] == "Cancelled" for s in subs)
    assert any(date.fromisoformat(c["effectiveEndDate"]) <= business_today() for c in charges)
    assert any(c["quantity"] is None for c in charges), "a discount has no quantity"


def test_every_demo_account_has_allowances_stored_and_in_zuora(
    zuora: httpx.Client, platform: httpx.Client
):
    for n in range(1001, 1013):
        subs = zuora.get(f"/v1/subscriptions/accounts/A{n:08d}").json()["subscriptions"]
        in_zuora = _allowances(subs, date.today())
        assert in_zuora, f"{n}: Refresh would find no allowances"
        stored = platform.get(f"/accounts/{n}/allowances").json()["data"]
        shown = {i["name"]: i["quantity"] for i in stored["items"]}
        assert shown, f"{n}: the billing view would say none stored"
        if n != 1006:  # 1006 is stale on purpose, until someone presses Refresh
            assert shown == in_zuora, n
        # A renewed term runs through today, and the subscription stays the one the PBX names.
        active = [s for s in subs if s["status"] == "Active"]
        assert active and all(
            date.fromisoformat(s["termStartDate"])
            <= date.today()
            < date.fromisoformat(s["termEndDate"])
            for s in active
        ), n


def test_platform_allowances_of_1006_are_stale_until_refreshed(platform: httpx.Client):
    shown = platform.get("/accounts/1006/allowances").json()["data"]
    assert {i["name"]: i["quantity"] for i in shown["items"]}["Cloud Mobile"] == 4


def test_failing_and_passing_ipnd_addresses(zuora: httpx.Client):
    fits = {}
    for n in range(1001, 1013):
        sold_to = zuora.get(f"/v1/accounts/A0000{n}").json()["soldToContact"]
        fits[n] = _postcode_fits(sold_to["state"], sold_to["zipCode"])
    assert [n for n, ok in fits.items() if not ok] == [1008]
    sold_to = zuora.get("/v1/accounts/A00001008").json()["soldToContact"]
    assert (sold_to["state"], sold_to["zipCode"]) == ("VIC", "2000")


def test_sbc_faults_of_1007_and_every_other_number_is_right(sandbox: Sandbox, sbc: httpx.Client):
    for account in range(1001, 1013):
        with sandbox.world.lock:
            numbers = sandbox.world.platform.estate(str(account)).phone_numbers.values()
            in_service = {n.number for n in numbers if n.state == "in_service"}
        rules = {r["id"]: r for r in sbc.get("/rules", params={"tag": account}).json()["rules"]}
        expected = {expected_rule(str(account), n).id: expected_rule(str(account), n).to_json()
                    for n in in_service}  # fmt: skip
        if account != 1007:
            assert rules == expected, account
            continue
        assert (
            f"1007-{MISSING_RULE_NUMBER}" in expected and f"1007-{MISSING_RULE_NUMBER}" not in rules
        )
        wrong = f"1007-{WRONG_RULE_NUMBER}"
        assert rules[wrong] != expected[wrong]
        assert STRAY_RULE_ID in rules and STRAY_RULE_ID not in expected


def test_escape_name_is_served_verbatim(platform: httpx.Client, zuora: httpx.Client):
    assert (
        platform.get("/accounts/1012").json()["data"]["name"]
        == ESCAPE_NAME
        == "<!channel> & <@U123>"
    )
    assert zuora.get("/v1/accounts/A00001012").json()["basicInfo"]["name"] == ESCAPE_NAME


def test_shapes_of_the_demo(sandbox: Sandbox, zuora: httpx.Client, platform: httpx.Client):
    suspended = platform.get("/accounts/1005").json()["data"]["suspended"]
    assert suspended["reason"] and suspended["by"] and suspended["at"]
    paid = zuora.get("/v1/transactions/invoices/accounts/A00001010").json()["invoices"]
    assert paid and all(i["balance"] == 0 for i in paid)
    big = platform.get("/accounts/1011/phone_numbers", params={"page_size": 1}).json()
    with sandbox.world.lock:
        estate = sandbox.world.platform.estate("1011")
        assert len(estate.phone_numbers) >= 600 and len(estate.sent_emails) == 500
    assert big["next_start_key"]
    assert len(sandbox.world.platform.accounts) == 12


def test_demo_dates_follow_the_clock_it_was_built_under():
    with freeze_time("2031-02-03"):
        world = demo_world()
        ages = sorted(
            (business_today() - i.due_date).days
            for i in world.zuora.invoices
            if i.balance > 0 and i.due_date < business_today() - timedelta(days=7)
        )
    assert ages == [8, 8, 8, 15, 40, 45, 45, 120]


def test_each_demo_world_is_fresh_and_identical():
    one, two = demo_world(), demo_world()
    one.platform.accounts["1001"].name = "changed"
    assert two.platform.accounts["1001"].name == "Bean Republic Coffee Co"
    numbers = [sorted(n.number for n in w.platform.estate("1011").phone_numbers.values())
               for w in (one, two)]  # fmt: skip
    assert numbers[0] == numbers[1]
