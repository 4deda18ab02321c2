"""The clients over real loopback HTTP against the sandbox: retries, limits, tokens, paging, sync.

Call counts come from the sandbox's own counters, so "no retry storm" is what the server saw.
"""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal

import pytest

from devkit.sandbox import (
    MISSING_RULE_NUMBER,
    STRAY_RULE_ID,
    WRONG_RULE_NUMBER,
    RatePlan,
    RatePlanCharge,
    Subscription,
)
from integrations.phone import format_au_number
from integrations.platform import Collection, PlatformClient
from integrations.sbc import SbcClient, expected_rule
from integrations.zuora import AuthFailed, BackendUnavailable, NotFound, RateLimited, ZuoraClient
from tests.fixtures.sandbox import TLS, business_today

from ._mock import Sleeps, fixture


def _calls(live, backend: str) -> int:
    return sum(live.counters.snapshot()[backend].values())


def _endpoint_calls(live, backend: str, method: str, fragment: str) -> int:
    return sum(
        n
        for key, n in live.counters.snapshot()[backend].items()
        if key.startswith(f"{method} ") and fragment in key
    )


# -- retries ----------------------------------------------------------------------------------


def test_injected_5xx_are_retried_and_succeed(live, platform: PlatformClient) -> None:
    live.faults("platform").set(fail_next=2)
    assert platform.get_account("1001").name == "Bean Republic Coffee Co"
    assert _calls(live, "platform") == 3


def test_injected_429_are_retried_honouring_retry_after(
    live, platform: PlatformClient, sleeps: Sleeps
) -> None:
    live.faults("platform").set(rate_429=1.0, retry_after=2)
    with pytest.raises(RateLimited):
        platform.get_account("1001")
    live.faults("platform").set(rate_429=0.0)
    assert platform.get_account("1001").id == "1001"
    assert sleeps.delays[:3] == [2.0, 2.0, 2.0]


def test_persistent_failure_ends_after_max_attempts_without_a_storm(live, sleeps) -> None:
    live.faults("sbc").set(error_rate=1.0)
    sbc = SbcClient(base_url=live.url, token="t", max_attempts=3, sleep=sleeps)
    with sbc, pytest.raises(BackendUnavailable) as caught:
        sbc.rules("1001")
    assert _calls(live, "sbc") == 3
    assert "SBC" in str(caught.value) and "after 3 attempts" in str(caught.value)


def test_zuora_temporary_errors_are_retried(live, zuora: ZuoraClient) -> None:
    live.faults("zuora").set(error_rate=1.0)
    with pytest.raises(BackendUnavailable):
        zuora.get_account("A00001001")
    # the token request itself met the fault first: four attempts, none got further
    assert _calls(live, "zuora") == 4
    live.faults("zuora").set(error_rate=0.0)
    assert zuora.get_account("A00001001").jethub_account == "1001"


def test_zuora_not_found(live, zuora: ZuoraClient) -> None:
    with pytest.raises(NotFound) as caught:
        zuora.get_account("NOPE")
    assert caught.value.request_id  # the sandbox sends Zuora-Request-Id


# -- Zuora tokens -----------------------------------------------------------------------------


def test_token_expiring_mid_run_is_refreshed_exactly_once(live, zuora: ZuoraClient) -> None:
    for _ in range(3):
        zuora.get_account("A00001001")
    assert _endpoint_calls(live, "zuora", "POST", "oauth") == 1
    live.expire_zuora_tokens()
    for _ in range(3):
        zuora.get_account("A00001002")
    assert _endpoint_calls(live, "zuora", "POST", "oauth") == 2
    # one refused call, then the retried one and two more
    assert _endpoint_calls(live, "zuora", "GET", "/v1/accounts") == 7


def test_bad_client_credentials_fail_clearly(live, sleeps) -> None:
    client = ZuoraClient(base_url=live.url, client_id="x", client_secret="", sleep=sleeps)
    with client, pytest.raises(AuthFailed) as caught:
        client.get_account("A00001001")
    assert "Zuora" in str(caught.value)


# -- Zuora reads and writes -------------------------------------------------------------------


def test_account_and_contact_round_trip(live, zuora: ZuoraClient) -> None:
    account = zuora.get_account("A00001006")
    assert account.jethub_account == "1006"
    assert account.bill_to_contact and account.bill_to_contact.id
    extra = (
        account.billing_and_payment.additional_email_addresses
        if account.billing_and_payment
        else []
    )
    updated = zuora.update_contact_email(account.bill_to_contact.id, "billing@physio.example")
    assert updated.work_email == "billing@physio.example"
    again = zuora.get_account("A00001006")
    assert again.invoice_email == "billing@physio.example"
    assert (
        again.billing_and_payment and again.billing_and_payment.additional_email_addresses == extra
    )


def test_rename_and_parent(live, zuora: ZuoraClient) -> None:
    zuora.rename_account("A00001002", "Bean Republic Surry Hills Pty Ltd")
    zuora.set_parent("A00001002", None)
    account = zuora.get_account("A00001002")
    assert account.name == "Bean Republic Surry Hills Pty Ltd"
    assert account.basic_info.parent_id is None


def test_allowances_from_the_demo_subscriptions(live, zuora: ZuoraClient) -> None:
    allowances = zuora.allowances("A00001006", business_today())
    assert allowances.describe() == "5 × Cloud Mobile, 5 × Mobile Number, 1 × 1300 Number"  # noqa: RUF001


def test_subscriptions_across_many_pages_exactly_once(live, zuora: ZuoraClient) -> None:
    today = business_today()
    start, end = today - timedelta(days=10), today + timedelta(days=355)
    with live.world.lock:
        account = live.world.zuora.account("A00001009")
        before = len(live.world.zuora.subscriptions_of(account))
        for n in range(95):
            charge = RatePlanCharge(
                name="Cloud Mobile Monthly",
                number=f"C-9{n:04d}",
                type="Recurring",
                model="PerUnit",
                quantity=Decimal(1),
                price=Decimal(29),
                effective_start=start,
                effective_end=end,
            )
            plan = RatePlan(f"rp{n}", "Cloud Mobile", "SKU-CM", "Cloud Mobile - Monthly", [charge])
            number = f"A-S00001009-{100 + n}"
            sub = Subscription(f"sub{n}", number, account.id, "Active", start, end, [plan])
            live.world.zuora.add_subscription(sub)
    numbers = [s.subscription_number for s in zuora.subscriptions("A00001009")]
    assert len(numbers) == before + 95 == len(set(numbers))
    pages = _endpoint_calls(live, "zuora", "GET", "/v1/subscriptions/accounts")
    assert pages == -(-len(numbers) // 40)
    allowances = zuora.allowances("A00001009", today)
    assert {i.name: i.quantity for i in allowances.items}["Cloud Mobile"] >= 95


def test_overdue_invoices_across_many_pages_exactly_once(live, zuora: ZuoraClient) -> None:
    with live.world.lock:
        for n in range(250):
            live.world.zuora.add_invoice("A00001009", amount="10.00", days_overdue=9 + n % 30)
        live.world.zuora.add_invoice("A00001009", amount="10.00", balance="0", days_overdue=30)
        live.world.zuora.add_invoice("A00001009", amount="10.00", days_overdue=2)
    live.counters.reset()
    cutoff = business_today() - timedelta(days=7)
    invoices = list(zuora.overdue_invoices(due_before=cutoff, min_balance="0.01"))
    numbers = [i.invoice_number for i in invoices]
    assert len(numbers) == len(set(numbers))
    assert all(i.balance >= 0.01 and i.due_date < cutoff for i in invoices)
    assert sum(1 for i in invoices if i.jethub_account == "1009") == 250 + 2  # + 2 demo ones
    pages = _endpoint_calls(live, "zuora", "GET", "object-query")
    assert pages == -(-len(numbers) // 99)
    assert _calls(live, "zuora") == pages + 1  # pages + the token


def test_invoices_for_account(live, zuora: ZuoraClient) -> None:
    invoices = zuora.invoices_for_account("A00001009")
    assert len(invoices) == 4
    assert {i.account_number for i in invoices} == {"A00001009"}


# -- platform ---------------------------------------------------------------------------------


def test_platform_lists_across_many_pages_exactly_once(live, sleeps) -> None:
    with live.world.lock:
        estate = live.world.platform.estate("1011")
        number_ids = set(estate.phone_numbers)
        user_ids = set(estate.collections["users"])
    assert len(number_ids) > 500 and len(user_ids) > 50
    with PlatformClient(base_url=live.url, token="t", page_size=25, sleep=sleeps) as platform:
        numbers = platform.phone_numbers("1011")
        users = platform.list("1011", Collection.USERS)
    assert sorted(n.id for n in numbers) == sorted(number_ids)
    assert sorted(u.id for u in users) == sorted(user_ids)
    assert _endpoint_calls(live, "platform", "GET", "phone_numbers") == -(-len(number_ids) // 25)
    assert _endpoint_calls(live, "platform", "GET", "users") == -(-len(user_ids) // 25)


def test_platform_account_life(live, platform: PlatformClient) -> None:
    assert [a.id for a in platform.search_accounts("bean republic")][:1] == ["1001"]
    assert {c.id for c in platform.children("1001")} == {"1002", "1003", "1004"}
    assert "1005" in {a.id for a in platform.suspended_accounts()}
    suspended = platform.suspend("1002", "Invoice 8 days overdue", "U123")
    assert suspended.suspended and suspended.suspended.by == "U123"
    assert not platform.unsuspend("1002").is_suspended
    renamed = platform.update_account("1002", name="Bean Republic Surry Hills", parent_id=None)
    assert renamed.parent_id is None and renamed.name == "Bean Republic Surry Hills"


def test_platform_tree_pbx_and_deactivation(live, platform: PlatformClient) -> None:
    assert {d.id for d in platform.descendants("1001")} == {"1002", "1003", "1004"}
    pbx = platform.pbxs("1006")[0]
    changed = platform.update_pbx("1006", pbx.id, billing_subscription="A-S00001006-2")
    assert changed.billing_subscription == "A-S00001006-2" and changed.name == pbx.name
    assert platform.mark_deactivated("1012", "U123").is_deactivated
    assert platform.get_account("1012").status == "deactivated"


def test_platform_delete_and_quarantine_are_idempotent(live, platform: PlatformClient) -> None:
    queue = platform.list("1001", Collection.QUEUES)[0]
    assert platform.delete("1001", Collection.QUEUES, queue.id) is True
    assert platform.delete("1001", Collection.QUEUES, queue.id) is False
    number = platform.phone_numbers("1001")[0]
    first = platform.quarantine_number("1001", number.id)
    second = platform.quarantine_number("1001", number.id)
    assert first.state == second.state == "quarantined"
    assert first.quarantine_until == second.quarantine_until


def test_platform_allowances_emergency_and_emails(live, platform, zuora) -> None:
    computed = zuora.allowances("A00001006", business_today())
    stored = platform.store_allowances("1006", computed.items, computed.subscription_numbers)
    assert stored.describe() == computed.describe() and stored.refreshed_at is not None
    record = platform.emergency("1001")
    assert record is not None and record.address.postcode == "2000"
    assert platform.emergency("1008") is None
    saved = platform.store_emergency("1008", record.address, "U123")
    assert saved.updated_by == "U123" and saved.address == record.address
    page = platform.sent_emails("1011", page_size=200)
    assert len(page.items) == 200 and page.next_start_key
    rest = platform.sent_emails("1011", page_size=500, start_key=page.next_start_key)
    assert len(rest.items) == 300 and rest.next_start_key is None
    assert not {e.id for e in page.items} & {e.id for e in rest.items}


def test_fan_out_over_the_pool(live, platform: PlatformClient) -> None:
    users = platform.list("1011", Collection.USERS)
    results = platform.map_concurrent(
        lambda user: platform.delete("1011", Collection.USERS, user.id), [*users, users[0]]
    )
    assert [r.value for r in results].count(True) == 60
    assert all(r.ok for r in results)
    assert platform.list("1011", Collection.USERS) == []


# -- SBC --------------------------------------------------------------------------------------


def test_sbc_sync_repairs_the_demo_account_then_is_idempotent(live, platform, sbc) -> None:
    numbers = [n.number for n in platform.phone_numbers("1007") if n.in_service]
    first = sbc.sync_account("1007", numbers)
    assert first.describe() == [
        f"{format_au_number(MISSING_RULE_NUMBER)} had no rule — added",
        f"{format_au_number(WRONG_RULE_NUMBER)} rule was wrong — fixed",
        f"stray rule {STRAY_RULE_ID} removed",
    ]
    assert first.reloaded
    assert _endpoint_calls(live, "sbc", "POST", "reload") == 1
    live.counters.reset()
    second = sbc.sync_account("1007", numbers)
    assert not second.changed and not second.reloaded
    assert _calls(live, "sbc") == _endpoint_calls(live, "sbc", "GET", "rules") == 1
    assert {r.id for r in sbc.rules("1007")} == {expected_rule("1007", n).id for n in numbers}


def test_fixture_payloads_match_the_sandbox_shapes(live, zuora: ZuoraClient) -> None:
    """The recorded fixtures and the sandbox answer with the same keys, so they cannot drift."""
    import httpx

    token = httpx.post(
        f"{live.url}/oauth/token",
        data={"client_id": "a", "client_secret": "b", "grant_type": "client_credentials"},
        verify=TLS,
    ).json()
    headers = {"Authorization": f"Bearer {token['access_token']}"}
    assert set(fixture("token")) <= set(token)
    account = httpx.get(f"{live.url}/v1/accounts/A00001001", headers=headers, verify=TLS).json()
    recorded = fixture("account")
    for part in ("basicInfo", "billToContact", "billingAndPayment", "metrics"):
        assert set(recorded[part]) <= set(account[part]), part
    subs = httpx.get(
        f"{live.url}/v1/subscriptions/accounts/A00001006", headers=headers, verify=TLS
    ).json()
    recorded_sub = fixture("subscriptions_page1")["subscriptions"][0]
    live_sub = subs["subscriptions"][0]
    assert set(recorded_sub) <= set(live_sub)
    assert set(recorded_sub["ratePlans"][0]) <= set(live_sub["ratePlans"][0])
    recorded_charge = recorded_sub["ratePlans"][0]["ratePlanCharges"][0]
    assert set(recorded_charge) <= set(live_sub["ratePlans"][0]["ratePlanCharges"][0])
    query = httpx.get(
        f"{live.url}/object-query/invoices",
        params={"expand[]": "account", "pageSize": "1"},
        headers=headers,
        verify=TLS,
    ).json()
    recorded_invoice = fixture("object_query_invoices_page1")["data"][0]
    assert set(recorded_invoice) <= set(query["data"][0])
    assert set(recorded_invoice["account"]) <= set(query["data"][0]["account"])
    assert set(fixture("account_invoices")["invoices"][0]) <= set(
        httpx.get(
            f"{live.url}/v1/transactions/invoices/accounts/A00001006", headers=headers, verify=TLS
        ).json()["invoices"][0]
    )
    missing = httpx.get(f"{live.url}/v1/accounts/NOPE", headers=headers, verify=TLS).json()
    assert missing["success"] is False
    assert missing["reasons"][0]["code"] == fixture("account_not_found")["reasons"][0]["code"]


def test_find_subscription_by_number(live, zuora: ZuoraClient) -> None:
    numbers = [s.subscription_number for s in zuora.subscriptions("A00001006")]
    found = zuora.find_subscription(numbers[0])
    assert found.subscription_number == numbers[0]
    assert found.account_number == "A00001006"
    with pytest.raises(NotFound):
        zuora.find_subscription("A-S99999999-1")


def test_rules_for_13_numbers_keep_their_leading_one() -> None:
    assert expected_rule("1006", "1300123456").from_pattern == "^\\+611300123456$"
    assert expected_rule("1006", "0412345678").ruri_pattern == "^sip:\\+61412345678@"
    rule = expected_rule("1006", "0412345678")
    assert re.match(rule.from_pattern, "+61412345678")
    assert not re.match(rule.from_pattern, "+614123456789")
    assert re.match(rule.ruri_pattern, "sip:+61412345678@sbc.jethub.example")
