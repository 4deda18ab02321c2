"""Zuora Object Query on invoices: filters, cursor paging, expand, page size."""

from __future__ import annotations

import operator
from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from devkit.sandbox import Invoice, Sandbox
from tests.fixtures.sandbox import business_today


def _query(client: httpx.Client, filters: list[str], **params: Any) -> httpx.Response:
    pairs: list[tuple[str, str | int | float | bool | None]] = [("filter[]", f) for f in filters]
    pairs += [(k, str(v)) for k, v in params.items()]
    return client.get("/object-query/invoices", params=pairs)


def _all(
    client: httpx.Client,
    filters: list[str],
    page_size: int = 99,
    cursor: str | None = None,
    **params: Any,
) -> list:
    found: list[dict] = []
    while True:
        extra = {"cursor": cursor} if cursor else {}
        body = _query(client, filters, pageSize=page_size, **params, **extra).json()
        assert "success" not in body
        assert len(body["data"]) <= page_size
        found += body["data"]
        cursor = body.get("nextPage")
        if not cursor:
            return found


def test_overdue_query_of_the_digest(zuora: httpx.Client):
    cutoff = (business_today() - timedelta(days=7)).isoformat()
    filters = ["balance.GT:0", f"duedate.LT:{cutoff}", "status.EQ:Posted"]
    found = _all(zuora, filters, 99, None, **{"expand[]": "account"})
    ages = sorted((business_today() - date.fromisoformat(i["dueDate"])).days for i in found)
    assert ages == [8, 8, 8, 15, 40, 45, 45, 120]
    accounts = {i["account"]["JetHubAccount__c"] for i in found}
    assert accounts == {"1003", "1005", "1007", "1008", "1009", "1012"}
    item = found[0]
    assert set(item) == {"id", "invoiceNumber", "accountId", "amount", "balance", "dueDate",
                         "invoiceDate", "status", "currency", "account"}  # fmt: skip
    assert set(item["account"]) == {"id", "accountNumber", "name", "status", "JetHubAccount__c"}
    assert item["account"]["id"] == item["accountId"]


@pytest.mark.parametrize("page_size", [1, 2, 3, 7, 99])
def test_every_invoice_exactly_once_across_pages(sandbox: Sandbox, zuora: httpx.Client, page_size):
    found = _all(zuora, [], page_size=page_size)
    numbers = [i["invoiceNumber"] for i in found]
    assert len(numbers) == len(set(numbers)) == len(sandbox.world.zuora.invoices)


def test_last_page_has_no_next_page(zuora: httpx.Client):
    total = len(_all(zuora, []))
    exact = _query(zuora, [], pageSize=total).json()
    assert len(exact["data"]) == total and "nextPage" not in exact
    short = _query(zuora, [], pageSize=total - 1).json()
    assert "nextPage" in short


def test_paying_an_invoice_mid_walk_neither_skips_nor_repeats(
    sandbox: Sandbox, zuora: httpx.Client
):
    filters = ["balance.GT:0"]
    first = _query(zuora, filters, pageSize=2).json()
    expected = [i["invoiceNumber"] for i in _all(zuora, filters)]
    with sandbox.world.lock:
        sandbox.world.zuora.mark_paid(first["data"][0]["invoiceNumber"])
    rest = _all(zuora, filters, page_size=2, cursor=first["nextPage"])
    walked = [i["invoiceNumber"] for i in first["data"] + rest]
    assert walked == expected


def test_an_invoice_added_in_process_is_found(sandbox: Sandbox, zuora: httpx.Client):
    with sandbox.world.lock:
        added = sandbox.world.zuora.add_invoice("A00001010", amount="77.70", days_overdue=9)
    found = _all(zuora, ["balance.GT:0", "accountid.EQ:" + added.account_id])
    assert [i["invoiceNumber"] for i in found] == [added.invoice_number]
    assert found[0]["balance"] == 77.7


@pytest.mark.parametrize("size", ["0", "100", "-1", "ten", ""])
def test_page_size_outside_1_to_99_is_400(zuora: httpx.Client, size: str):
    response = zuora.get("/object-query/invoices", params={"pageSize": size})
    assert response.status_code == 400
    assert response.json()["reasons"][0]["message"]


@pytest.mark.parametrize(
    "bad", ["balance>0", "colour.EQ:red", "balance.XX:1", "duedate.LT:yesterday", "amount.GT:lots"]
)
def test_unreadable_filters_are_400(zuora: httpx.Client, bad: str):
    assert _query(zuora, [bad]).status_code == 400


def test_bad_cursor_is_400(zuora: httpx.Client):
    assert _query(zuora, [], cursor="!!not-a-cursor").status_code == 400


def test_in_and_sw_operators(zuora: httpx.Client):
    statuses = {i["status"] for i in _all(zuora, ["status.IN:[Posted,Draft]"])}
    assert statuses == {"Posted"}
    assert _all(zuora, ["status.IN:[Draft]"]) == []
    assert all(
        i["invoiceNumber"].startswith("INV0000000")
        for i in _all(zuora, ["invoicenumber.SW:INV0000000"])
    )
    assert len(_all(zuora, ["invoicenumber.SW:INV0000000"])) == 9


_OPS: dict[str, Callable[[Any, Any], bool]] = {
    "EQ": operator.eq, "NE": operator.ne, "LT": operator.lt, "GT": operator.gt,
    "LE": operator.le, "GE": operator.ge,
}  # fmt: skip
_FIELDS: dict[str, Callable[[Invoice], Any]] = {
    "balance": lambda i: i.balance,
    "amount": lambda i: i.amount,
    "duedate": lambda i: i.due_date,
    "invoicedate": lambda i: i.invoice_date,
}
_filters = st.lists(
    st.tuples(
        st.sampled_from(sorted(_FIELDS)),
        st.sampled_from(sorted(_OPS)),
        st.integers(min_value=-150, max_value=3000),
    ),
    max_size=3,
)


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(filters=_filters, page_size=st.integers(min_value=1, max_value=99))
def test_filters_match_the_world(sandbox: Sandbox, zuora: httpx.Client, filters, page_size):
    texts, checks = [], []
    for name, op, n in filters:
        value: Any = business_today() - timedelta(days=n) if "date" in name else Decimal(n)
        texts.append(f"{name}.{op}:{value}")
        checks.append(lambda inv, g=_FIELDS[name], f=_OPS[op], v=value: f(g(inv), v))
    with sandbox.world.lock:
        expected = [
            i.invoice_number for i in sandbox.world.zuora.invoices if all(c(i) for c in checks)
        ]
    assert [i["invoiceNumber"] for i in _all(zuora, texts, page_size=page_size)] == expected
