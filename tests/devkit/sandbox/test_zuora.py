"""Zuora as the sandbox plays it, over real HTTP."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import httpx
import pytest
from freezegun import freeze_time
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from devkit.sandbox import Sandbox, SandboxTokens, demo_world
from tests.fixtures.sandbox import http_client, zuora_token

PROTECTED = {
    "success": False,
    "reasons": [{"code": 90000011, "message": "this resource is protected, please sign in first"}],
}


def _form(client_id: str = "id", secret: str = "secret") -> dict[str, str]:
    return {"client_id": client_id, "client_secret": secret, "grant_type": "client_credentials"}


def _reason(response: httpx.Response) -> dict:
    body = response.json()
    assert body["success"] is False
    return body["reasons"][0]


# -- auth --------------------------------------------------------------------------------------
def test_token_endpoint_issues_a_bearer_token_with_configured_lifetime(
    sandbox: Sandbox, anon: httpx.Client
):
    sandbox.world.zuora.token_ttl_s = 120
    response = anon.post("/oauth/token", data=_form())
    assert response.status_code == 200
    body = response.json()
    assert body["token_type"] == "bearer"
    assert body["expires_in"] == 120
    assert body["access_token"] and body["jti"]
    assert response.headers["Zuora-Request-Id"]


def test_missing_or_unknown_token_is_401_with_documented_body(anon: httpx.Client):
    for headers in ({}, {"Authorization": "Bearer not-issued"}, {"Authorization": "Basic eA=="}):
        response = anon.get("/v1/accounts/A00001001", headers=headers)
        assert response.status_code == 401
        assert {k: v for k, v in response.json().items() if k != "processId"} == PROTECTED
        assert response.headers["Zuora-Request-Id"]


def test_expiring_all_tokens_makes_them_401_until_a_new_one_is_fetched(
    sandbox: Sandbox, zuora: httpx.Client
):
    assert zuora.get("/v1/accounts/A00001001").status_code == 200
    sandbox.expire_zuora_tokens()
    assert zuora.get("/v1/accounts/A00001001").status_code == 401
    fresh = {"Authorization": f"Bearer {zuora_token(sandbox.url)}"}
    assert zuora.get("/v1/accounts/A00001001", headers=fresh).status_code == 200


def test_expiry_over_http_control_endpoint(anon: httpx.Client, zuora: httpx.Client):
    response = anon.post("/_sandbox/zuora/expire-tokens")
    assert response.json() == {"expired": 1}
    assert zuora.get("/v1/accounts/A00001001").status_code == 401


def test_tokens_expire_by_the_process_clock(sandbox: Sandbox, anon: httpx.Client):
    sandbox.world.zuora.token_ttl_s = 60
    with freeze_time("2026-11-17 09:00:00") as clock:
        headers = {"Authorization": f"Bearer {zuora_token(sandbox.url)}"}
        url = "/v1/accounts/A00001001"
        clock.tick(dt.timedelta(seconds=59))
        assert anon.get(url, headers=headers).status_code == 200
        clock.tick(dt.timedelta(seconds=2))
        assert anon.get(url, headers=headers).status_code == 401


def test_configured_client_credentials_are_checked():
    tokens = SandboxTokens(zuora_client_id="bot", zuora_client_secret="s3cret")
    with Sandbox(world=demo_world(), tokens=tokens) as sb, http_client(sb.url) as client:
        bad = client.post("/oauth/token", data=_form("bot", "wrong"))
        assert bad.status_code == 401
        assert bad.json()["error"] == "invalid_client"
        assert client.post("/oauth/token", data=_form("bot", "s3cret")).status_code == 200
    assert "s3cret" not in repr(tokens)


def test_token_endpoint_wants_client_credentials_grant(anon: httpx.Client):
    form = _form() | {"grant_type": "password"}
    assert anon.post("/oauth/token", data=form).status_code == 400
    assert anon.post("/oauth/token", data=_form("", "")).status_code == 401


# -- accounts ----------------------------------------------------------------------------------
def test_account_by_number_and_by_id_has_the_documented_parts(zuora: httpx.Client):
    by_number = zuora.get("/v1/accounts/A00001002").json()
    assert by_number["success"] is True
    info = by_number["basicInfo"]
    assert info["accountNumber"] == "A00001002"
    assert info["JetHubAccount__c"] == "1002"
    assert len(info["id"]) == 32
    parent = zuora.get("/v1/accounts/A00001001").json()["basicInfo"]
    assert info["parentId"] == parent["id"]
    assert parent["parentId"] is None
    assert zuora.get(f"/v1/accounts/{info['id']}").json()["basicInfo"] == info
    for part in ("billToContact", "soldToContact"):
        assert set(by_number[part]) >= {"id", "firstName", "lastName", "workEmail", "zipCode"}
    assert set(by_number["billingAndPayment"]) >= {
        "additionalEmailAddresses",
        "invoiceDeliveryPrefsEmail",
        "billCycleDay",
        "currency",
        "paymentTerm",
        "autoPay",
    }


def test_metrics_balance_is_the_sum_of_open_invoices(zuora: httpx.Client):
    metrics = zuora.get("/v1/accounts/A00001009").json()["metrics"]
    assert Decimal(str(metrics["balance"])) == Decimal("3210.40") + Decimal("2610.00")
    assert zuora.get("/v1/accounts/A00001010").json()["metrics"]["balance"] == 0


def test_unknown_account_is_200_success_false_by_default(zuora: httpx.Client):
    response = zuora.get("/v1/accounts/NOPE")
    assert response.status_code == 200
    assert _reason(response) == {"code": 50000040, "message": "Cannot find entity by key: 'NOPE'."}


def test_unknown_account_can_be_configured_as_404(sandbox: Sandbox, zuora: httpx.Client):
    sandbox.world.zuora.not_found_status = 404
    response = zuora.get("/v1/accounts/NOPE")
    assert response.status_code == 404
    assert _reason(response)["code"] == 50000040


def test_put_account_is_partial_and_keeps_invoice_copy_addresses(zuora: httpx.Client):
    before = zuora.get("/v1/accounts/A00001001").json()
    copies = before["billingAndPayment"]["additionalEmailAddresses"]
    assert copies, "the franchise parent has invoice-copy addresses"
    response = zuora.put("/v1/accounts/A00001001", json={"name": "Bean Republic Holdings"})
    assert response.json() == {"success": True}
    after = zuora.get("/v1/accounts/A00001001").json()
    assert after["basicInfo"]["name"] == "Bean Republic Holdings"
    assert after["billingAndPayment"]["additionalEmailAddresses"] == copies
    assert after["billToContact"] == before["billToContact"]

    zuora.put("/v1/accounts/A00001001", json={"additionalEmailAddresses": ["ap@example.com.au"]})
    again = zuora.get("/v1/accounts/A00001001").json()
    assert again["billingAndPayment"]["additionalEmailAddresses"] == ["ap@example.com.au"]


def test_put_account_bill_to_email_leaves_sold_to_alone_when_they_differ(zuora: httpx.Client):
    zuora.put("/v1/accounts/A00001007", json={"billToContact": {"workEmail": "new@wattle.au"}})
    account = zuora.get("/v1/accounts/A00001007").json()
    assert account["billToContact"]["workEmail"] == "new@wattle.au"
    assert account["soldToContact"]["workEmail"] != "new@wattle.au"


def test_one_shared_contact_edits_both_bill_to_and_sold_to(zuora: httpx.Client):
    account = zuora.get("/v1/accounts/A00001010").json()
    assert account["billToContact"]["id"] == account["soldToContact"]["id"]
    zuora.put("/v1/accounts/A00001010", json={"billToContact": {"workEmail": "surf@gcss.au"}})
    after = zuora.get("/v1/accounts/A00001010").json()
    assert after["soldToContact"]["workEmail"] == "surf@gcss.au"


def test_put_account_custom_field_and_parent(zuora: httpx.Client):
    parent_id = zuora.get("/v1/accounts/A00001009").json()["basicInfo"]["id"]
    body = {"parentId": parent_id, "JetHubAccount__c": "1012", "Region__c": "WA"}
    assert zuora.put("/v1/accounts/A00001012", json=body).json()["success"] is True
    info = zuora.get("/v1/accounts/A00001012").json()["basicInfo"]
    assert (info["parentId"], info["JetHubAccount__c"], info["Region__c"]) == (
        parent_id,
        "1012",
        "WA",
    )
    zuora.put("/v1/accounts/A00001012", json={"parentId": None})
    assert zuora.get("/v1/accounts/A00001012").json()["basicInfo"]["parentId"] is None


def test_put_account_errors_are_200_with_categorised_codes(zuora: httpx.Client):
    too_long = zuora.put("/v1/accounts/A00001001", json={"name": "x" * 256})
    assert too_long.status_code == 200 and _reason(too_long)["code"] % 100 == 20
    unknown = zuora.put("/v1/accounts/A00001001", json={"nickname": "Beans"})
    assert _reason(unknown)["code"] % 100 == 21
    malformed = zuora.put("/v1/accounts/A00001001", content=b"{not json")
    assert _reason(malformed)["code"] % 100 == 90
    bad_email = zuora.put("/v1/accounts/A00001001", json={"additionalEmailAddresses": ["nope"]})
    assert _reason(bad_email)["code"] % 100 == 20
    assert zuora.get("/v1/accounts/A00001001").json()["basicInfo"]["name"] == (
        "Bean Republic Coffee Co"
    )


# -- contacts ----------------------------------------------------------------------------------
def test_contact_get_and_put_echo_the_contact(zuora: httpx.Client):
    contact_id = zuora.get("/v1/accounts/A00001008").json()["soldToContact"]["id"]
    got = zuora.get(f"/v1/contacts/{contact_id}").json()
    assert got["success"] is True and got["id"] == contact_id
    put = zuora.put(f"/v1/contacts/{contact_id}", json={"state": "NSW", "city": "Sydney"}).json()
    assert put["success"] is True
    assert (put["state"], put["city"], put["zipCode"]) == ("NSW", "Sydney", got["zipCode"])
    assert zuora.get(f"/v1/contacts/{contact_id}").json()["state"] == "NSW"


def test_unknown_contact_is_not_found(zuora: httpx.Client):
    assert _reason(zuora.get("/v1/contacts/nope"))["code"] == 50000040


LIMITS = {"workEmail": 80, "personalEmail": 80, "city": 100, "state": 100, "zipCode": 20,
          "country": 64}  # fmt: skip


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(field=st.sampled_from(sorted(LIMITS)), extra=st.integers(min_value=-10, max_value=10))
def test_contact_length_limits(zuora: httpx.Client, field: str, extra: int):
    contact_id = zuora.get("/v1/accounts/A00001001").json()["billToContact"]["id"]
    length = max(6, LIMITS[field] + extra)
    value = "a" * (length - 6) + "@b.com" if "Email" in field else "a" * length
    response = zuora.put(f"/v1/contacts/{contact_id}", json={field: value})
    assert response.status_code == 200
    if length <= LIMITS[field]:
        assert response.json()[field] == value
    else:
        assert _reason(response)["code"] % 100 == 20


# -- subscriptions -----------------------------------------------------------------------------
def _all_pages(client: httpx.Client, url: str, key: str) -> list[dict]:
    found: list[dict] = []
    next_url: str | None = url
    while next_url:
        body = client.get(next_url).json()
        assert body["success"] is True
        found += body[key]
        next_url = body.get("nextPage")
    return found


def test_subscriptions_page_with_opaque_next_page(zuora: httpx.Client):
    one_page = zuora.get("/v1/subscriptions/accounts/A00001006").json()
    assert "nextPage" not in one_page
    paged = _all_pages(zuora, "/v1/subscriptions/accounts/A00001006?pageSize=1", "subscriptions")
    assert [s["id"] for s in paged] == [s["id"] for s in one_page["subscriptions"]]
    assert {s["status"] for s in paged} == {"Active", "Cancelled"}
    plan = paged[0]["ratePlans"][0]
    assert set(plan) >= {"productName", "productSku", "ratePlanName", "ratePlanCharges"}
    charge = plan["ratePlanCharges"][0]
    assert set(charge) >= {"name", "number", "quantity", "uom", "model", "type", "price",
                           "effectiveStartDate", "effectiveEndDate"}  # fmt: skip


@pytest.mark.parametrize("size", ["0", "41", "x"])
def test_subscription_page_size_is_1_to_40(zuora: httpx.Client, size: str):
    response = zuora.get("/v1/subscriptions/accounts/A00001006", params={"pageSize": size})
    assert response.status_code == 200 and _reason(response)["code"] % 100 == 27


def test_subscription_quantity_changes_in_process(sandbox: Sandbox, zuora: httpx.Client):
    with sandbox.world.lock:
        sub = sandbox.world.zuora.subscription("A-S00001006-2")
        sub.charge("1300 Number Monthly").quantity = Decimal(3)
    subs = zuora.get("/v1/subscriptions/accounts/A00001006").json()["subscriptions"]
    charges = [c for s in subs for p in s["ratePlans"] for c in p["ratePlanCharges"]]
    assert {c["name"]: c["quantity"] for c in charges}["1300 Number Monthly"] == 3


# -- invoices ----------------------------------------------------------------------------------
def test_account_invoices_newest_first(zuora: httpx.Client):
    body = zuora.get("/v1/transactions/invoices/accounts/A00001010").json()
    invoices = body["invoices"]
    assert len(invoices) == 6 and all(i["balance"] == 0 for i in invoices)
    assert [i["invoiceDate"] for i in invoices] == sorted(
        (i["invoiceDate"] for i in invoices), reverse=True
    )
    assert invoices[0]["accountNumber"] == "A00001010"
    assert invoices[0]["accountName"] == "Gold Coast Surf School"
    paged = _all_pages(zuora, "/v1/transactions/invoices/accounts/A00001010?pageSize=4", "invoices")
    assert [i["invoiceNumber"] for i in paged] == [i["invoiceNumber"] for i in invoices]
