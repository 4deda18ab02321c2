"""ZuoraClient on httpx.MockTransport, answering with the documented payloads in fixtures/zuora."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from urllib.parse import parse_qs

import httpx
import pytest

from integrations.zuora import (
    AuthFailed,
    BackendRejected,
    BackendUnavailable,
    ContactUpdate,
    NotFound,
    RateLimited,
    ZuoraClient,
)

from ._mock import Backend, Clock, Sleeps, fixture, reply

SECRET = "very-secret-client-secret"
TODAY = date(2026, 11, 24)


def _client(backend: Backend, clock: Clock | None = None, **kwargs) -> ZuoraClient:
    return ZuoraClient(
        base_url="https://rest.zuora.test",
        client_id="client-1",
        client_secret=SECRET,
        transport=backend.transport,
        sleep=Sleeps(),
        clock=clock or Clock(),
        **kwargs,
    )


def _backend() -> Backend:
    return Backend().on("POST /oauth/token", reply(200, fixture("token")))


def _tokens(backend: Backend) -> list[httpx.Request]:
    return backend.calls("POST /oauth/token")


def test_token_request_is_a_form_without_authorization_and_is_cached() -> None:
    backend = _backend().on("GET /v1/accounts/A00001001", reply(200, fixture("account")))
    client = _client(backend)
    client.get_account("A00001001")
    client.get_account("A00001001")
    (token_call,) = _tokens(backend)
    form = parse_qs(token_call.content.decode())
    assert form == {
        "client_id": ["client-1"],
        "client_secret": [SECRET],
        "grant_type": ["client_credentials"],
    }
    assert "authorization" not in token_call.headers
    for call in backend.calls("GET /v1/accounts/A00001001"):
        assert call.headers["Authorization"] == "Bearer fixture-access-token-0001"


def test_token_is_fetched_again_after_it_expires() -> None:
    backend = _backend().on("GET /v1/accounts/A00001001", reply(200, fixture("account")))
    clock = Clock()
    client = _client(backend, clock)
    client.get_account("A00001001")
    clock.advance(3000)
    client.get_account("A00001001")
    assert len(_tokens(backend)) == 1
    clock.advance(599)  # inside the safety margin before expires_in
    client.get_account("A00001001")
    assert len(_tokens(backend)) == 2


def test_401_refreshes_the_token_once_and_retries_once() -> None:
    backend = _backend().on(
        "GET /v1/accounts/A00001001",
        reply(401, fixture("unauthorized")),
        reply(200, fixture("account")),
    )
    account = _client(backend).get_account("A00001001")
    assert account.account_number == "A00001001"
    assert len(_tokens(backend)) == 2
    assert len(backend.calls("GET /v1/accounts/A00001001")) == 2


def test_persistent_401_ends_in_auth_failed_without_a_loop() -> None:
    backend = _backend().on("GET /v1/accounts/A00001001", reply(401, fixture("unauthorized")))
    with pytest.raises(AuthFailed) as caught:
        _client(backend).get_account("A00001001")
    assert len(_tokens(backend)) == 2
    assert len(backend.calls("GET /v1/accounts/A00001001")) == 2
    assert caught.value.code == "90000011"


def test_refused_credentials_are_auth_failed_and_never_echo_the_secret() -> None:
    backend = Backend().on(
        "POST /oauth/token", reply(400, {"error": "invalid_client", "message": "Bad credentials"})
    )
    with pytest.raises(AuthFailed) as caught:
        _client(backend).get_account("A00001001")
    assert SECRET not in str(caught.value)
    assert "Zuora" in str(caught.value)


def test_get_account_reads_every_documented_part() -> None:
    backend = _backend().on("GET /v1/accounts/A00001001", reply(200, fixture("account")))
    account = _client(backend).get_account("A00001001")
    assert account.name == "Harbour Dental Group"
    assert account.jethub_account == "1001"
    assert account.basic_info.parent_id == "8ad09be48db5aa04018db5b2e0b10000"
    assert account.invoice_email == "accounts@harbourdental.example"
    assert account.sold_to_contact and account.sold_to_contact.state == "New South Wales"
    assert account.billing_and_payment
    assert account.billing_and_payment.additional_email_addresses == ["ap@harbourdental.example"]
    assert account.metrics and account.metrics.balance == Decimal("1234.5")
    assert not account.contacts_shared


def test_not_found_at_http_200_carries_code_and_request_id() -> None:
    backend = _backend().on(
        "GET /v1/accounts/NOPE",
        reply(200, fixture("account_not_found"), {"Zuora-Request-Id": "zr-42"}),
    )
    with pytest.raises(NotFound) as caught:
        _client(backend).get_account("NOPE")
    assert caught.value.code == "50000040"
    assert caught.value.request_id == "zr-42"
    assert "Cannot find entity by key: 'NOPE'." in str(caught.value)
    assert len(backend.calls("GET /v1/accounts/NOPE")) == 1


def test_http_404_is_not_found_too() -> None:
    backend = _backend().on("GET /v1/accounts/NOPE", reply(404, fixture("account_not_found")))
    with pytest.raises(NotFound):
        _client(backend).get_account("NOPE")


def test_business_error_is_rejected_without_retry() -> None:
    backend = _backend().on("PUT /v1/accounts/A00001001", reply(200, fixture("business_error")))
    with pytest.raises(BackendRejected) as caught:
        _client(backend).rename_account("A00001001", "New name")
    assert caught.value.code == "53100320"
    assert not isinstance(caught.value, NotFound)
    assert len(backend.calls("PUT /v1/accounts/A00001001")) == 1


def test_temporary_error_category_is_retried() -> None:
    backend = _backend().on(
        "GET /v1/accounts/A00001001",
        reply(200, fixture("temporary_error")),
        reply(200, fixture("account")),
    )
    assert _client(backend).get_account("A00001001").name == "Harbour Dental Group"
    assert len(backend.calls("GET /v1/accounts/A00001001")) == 2


def test_concurrency_limit_is_retried_then_rate_limited() -> None:
    backend = _backend().on("GET /v1/accounts/A00001001", reply(200, fixture("concurrency_limit")))
    with pytest.raises(RateLimited) as caught:
        _client(backend, max_attempts=3).get_account("A00001001")
    assert len(backend.calls("GET /v1/accounts/A00001001")) == 3
    assert caught.value.code == "50000070"


def test_5xx_persisting_is_unavailable() -> None:
    backend = _backend().on("GET /v1/accounts/A00001001", reply(503, {}))
    with pytest.raises(BackendUnavailable):
        _client(backend, max_attempts=2).get_account("A00001001")
    assert len(backend.calls("GET /v1/accounts/A00001001")) == 2


def test_rename_and_set_parent_send_partial_updates() -> None:
    backend = _backend().on("PUT /v1/accounts/A00001001", reply(200, fixture("update_success")))
    client = _client(backend)
    client.rename_account("A00001001", "Harbour Dental")
    client.set_parent("A00001001", None)
    client.set_parent("A00001001", "8ad0parent")
    bodies = [json.loads(r.content) for r in backend.calls("PUT /v1/accounts/A00001001")]
    assert bodies == [{"name": "Harbour Dental"}, {"parentId": None}, {"parentId": "8ad0parent"}]


def test_rename_refuses_an_impossible_name_before_calling() -> None:
    backend = _backend()
    with pytest.raises(ValueError):
        _client(backend).rename_account("A00001001", "x" * 256)
    assert backend.calls() == []


def test_update_contact_email_sends_only_the_work_email() -> None:
    backend = _backend().on(
        "PUT /v1/contacts/8ad09be48db5aa04018db5b2e0c10001", reply(200, fixture("contact"))
    )
    contact = _client(backend).update_contact_email(
        "8ad09be48db5aa04018db5b2e0c10001", "billing@harbourdental.example"
    )
    (call,) = backend.calls("PUT /v1/contacts/8ad09be48db5aa04018db5b2e0c10001")
    assert json.loads(call.content) == {"workEmail": "billing@harbourdental.example"}
    assert contact.first_name == "Priya"


def test_update_contact_sends_only_fields_set() -> None:
    backend = _backend().on("PUT /v1/contacts/c1", reply(200, fixture("contact")))
    _client(backend).update_contact("c1", ContactUpdate(city="Parramatta", zip_code="2150"))
    (call,) = backend.calls("PUT /v1/contacts/c1")
    assert json.loads(call.content) == {"city": "Parramatta", "zipCode": "2150"}


def test_get_contact() -> None:
    backend = _backend().on("GET /v1/contacts/c1", reply(200, fixture("contact")))
    assert _client(backend).get_contact("c1").work_email == "accounts@harbourdental.example"


def test_account_keys_cannot_escape_their_path_segment() -> None:
    backend = _backend().on("GET /v1/accounts/../contacts/x", reply(200, fixture("account")))
    _client(backend).get_account("../contacts/x")
    assert backend.calls()[-1].url.raw_path == b"/v1/accounts/..%2Fcontacts%2Fx"


def _subscription_backend() -> Backend:
    return _backend().on(
        "GET /v1/subscriptions/accounts/A00001001",
        reply(200, fixture("subscriptions_page1")),
        reply(200, fixture("subscriptions_page2")),
    )


def test_subscriptions_follow_next_page_on_our_own_host() -> None:
    backend = _subscription_backend()
    subscriptions = _client(backend).subscriptions("A00001001")
    assert [s.subscription_number for s in subscriptions] == [
        "A-S00001001",
        "A-S00001002",
        "A-S00001003",
    ]
    first, second = backend.calls("GET /v1/subscriptions/accounts/A00001001")
    assert first.url.params["pageSize"] == "40"
    assert first.url.params["charge-detail"] == "current-segment"
    assert second.url.host == "rest.zuora.test"  # nextPage's host is not trusted with the token
    assert second.url.params["page"] == "2"


def test_subscriptions_accept_a_bare_next_page_value() -> None:
    page1 = {**fixture("subscriptions_page1"), "nextPage": "2"}
    backend = _backend().on(
        "GET /v1/subscriptions/accounts/A00001001",
        reply(200, page1),
        reply(200, fixture("subscriptions_page2")),
    )
    assert len(_client(backend).subscriptions("A00001001")) == 3
    second = backend.calls("GET /v1/subscriptions/accounts/A00001001")[1]
    assert second.url.params["page"] == "2" and second.url.params["pageSize"] == "40"


def test_allowances_as_the_guide_shows_them() -> None:
    allowances = _client(_subscription_backend()).allowances("A00001001", TODAY)
    assert allowances.describe() == "5 × Cloud Mobile, 5 × Mobile Number, 1 × 1300 Number"  # noqa: RUF001
    assert str(allowances) == allowances.describe()
    assert allowances.subscription_numbers == ["A-S00001001", "A-S00001003"]


def test_find_subscription() -> None:
    one = fixture("subscriptions_page2")["subscriptions"][0] | {"success": True}
    backend = _backend().on("GET /v1/subscriptions/A-S00001003", reply(200, one))
    assert _client(backend).find_subscription("A-S00001003").status == "Active"


def test_overdue_invoices_query_and_cursor_paging() -> None:
    backend = _backend().on(
        "GET /object-query/invoices",
        reply(200, fixture("object_query_invoices_page1")),
        reply(200, fixture("object_query_invoices_page2")),
    )
    invoices = list(
        _client(backend).overdue_invoices(
            due_before=date(2026, 11, 17), min_balance=Decimal("0.01")
        )
    )
    assert [i.invoice_number for i in invoices] == ["INV00001001", "INV00001002", "INV00001003"]
    assert [i.jethub_account for i in invoices] == ["1001", "1002", "1003"]
    assert invoices[1].balance == Decimal("20.5")
    first, second = backend.calls("GET /object-query/invoices")
    assert sorted(first.url.params.get_list("filter[]")) == [
        "balance.GE:0.01",
        "duedate.LT:2026-11-17",
        "status.EQ:Posted",
    ]
    assert first.url.params.get_list("expand[]") == ["account"]
    assert first.url.params["pageSize"] == "99"
    assert "cursor" not in first.url.params
    assert second.url.params["cursor"] == "MTA="
    assert len(backend.calls()) == 2 + 1  # pages + token


def test_invoices_for_account() -> None:
    backend = _backend().on(
        "GET /v1/transactions/invoices/accounts/A00001001", reply(200, fixture("account_invoices"))
    )
    invoices = _client(backend).invoices_for_account("A00001001")
    assert [(i.invoice_number, i.balance) for i in invoices] == [
        ("INV00001001", Decimal("450.0")),
        ("INV00000990", Decimal("0.0")),
    ]
    assert invoices[0].account_name == "Harbour Dental Group"
