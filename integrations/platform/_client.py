"""PlatformClient: the Jet Hub platform API (Kazoo crossbar conventions)."""

from __future__ import annotations

import builtins
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from enum import Enum
from typing import Any, Final, Literal, TypeVar
from urllib.parse import quote

import httpx
from pydantic import BaseModel

from integrations.allowances import AllowanceItem
from integrations.errors import NotFound, UnexpectedResponse
from integrations.http import (
    DEFAULT_TIMEOUT,
    AttemptHook,
    JsonHttp,
    RetryPolicy,
    parse_as,
    parse_list,
)
from integrations.ipnd import ServiceAddress
from integrations.platform._concurrent import FanOut, ItemResult
from integrations.platform._errors import BACKEND, read_platform_error
from integrations.platform._models import (
    Account,
    AccountDetail,
    AccountSummary,
    ChildAccount,
    Collection,
    CollectionItem,
    EmergencyRecord,
    Page,
    Pbx,
    PhoneNumber,
    PlatformAllowances,
    SentEmail,
)

__all__ = ["UNCHANGED", "PlatformClient"]

M = TypeVar("M", bound=BaseModel)
I = TypeVar("I")  # noqa: E741
R = TypeVar("R")

MAX_PAGE_SIZE = 500


class _Unchanged(Enum):
    UNCHANGED = "unchanged"


UNCHANGED: Final = _Unchanged.UNCHANGED
"""For :meth:`PlatformClient.update_account`: leave this field as it is."""


def _seg(value: str) -> str:
    return quote(value, safe="")


class PlatformClient:
    """The Jet Hub platform API.

    ``base_url`` is the server root (the client adds ``/v2``); ``token`` goes in
    ``X-Auth-Token``. Lists are read across all pages (``page_size``/``start_key``). Every method
    raises only :mod:`integrations.errors`. Thread-safe: :meth:`map_concurrent` fans calls out
    over at most ``max_workers`` threads sharing one connection pool.
    """

    def __init__(
        self,
        *,
        base_url: str,
        token: str,
        transport: httpx.BaseTransport | None = None,
        max_workers: int = 8,
        page_size: int = 100,
        timeout: httpx.Timeout | float = DEFAULT_TIMEOUT,
        max_attempts: int = 4,
        retry: RetryPolicy | None = None,
        sleep: Callable[[float], None] = time.sleep,
        on_attempt: AttemptHook | None = None,
    ) -> None:
        if not 1 <= page_size <= MAX_PAGE_SIZE:
            raise ValueError(f"page_size must be 1..{MAX_PAGE_SIZE}")
        self.max_workers = max_workers
        self.page_size = page_size
        self._fan_out = FanOut(max_workers, name="platform-fanout")
        self._http = JsonHttp(
            backend=BACKEND,
            base_url=base_url,
            read_error=read_platform_error,
            headers={"X-Auth-Token": token},
            transport=transport,
            timeout=timeout,
            limits=httpx.Limits(
                max_connections=max_workers + 4, max_keepalive_connections=max_workers
            ),
            retry=retry or RetryPolicy(max_attempts=max_attempts),
            sleep=sleep,
            on_attempt=on_attempt,
        )

    def close(self) -> None:
        self._fan_out.close()
        self._http.close()

    def __enter__(self) -> PlatformClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # -- accounts ---------------------------------------------------------------------------

    def get_account(self, account: str) -> Account:
        data = self._data("GET", self._account_path(account), "GET /v2/accounts/{A}")
        return parse_as(BACKEND, Account, data)

    def search_accounts(self, name: str) -> builtins.list[AccountSummary]:
        """Accounts whose name contains ``name`` (case- and accent-insensitive: cafe → Café)."""
        return builtins.list(
            self._paged("/v2/accounts", "GET /v2/accounts", AccountSummary, filter_name=name)
        )

    def accounts_with_zuora_number(self, number: str) -> builtins.list[AccountSummary]:
        """Accounts billed on the Zuora account ``number`` (``A00001001``)."""
        return builtins.list(
            self._paged(
                "/v2/accounts",
                "GET /v2/accounts",
                AccountSummary,
                filter_zuora_account_number=number,
            )
        )

    def accounts_with_phone_number(self, national: str) -> builtins.list[AccountSummary]:
        """Accounts holding the phone number ``national`` (``0412345678``), in any state."""
        return builtins.list(
            self._paged(
                "/v2/accounts", "GET /v2/accounts", AccountSummary, filter_phone_number=national
            )
        )

    def suspended_accounts(self) -> builtins.list[AccountSummary]:
        return builtins.list(
            self._paged("/v2/accounts", "GET /v2/accounts", AccountSummary, filter_suspended="true")
        )

    def account_pages(
        self, page_size: int = MAX_PAGE_SIZE
    ) -> Iterator[builtins.list[AccountDetail]]:
        """Every account with its allowances and emergency record, a page at a time
        (``GET /v2/accounts?detail=full``). The next page is asked for as soon as this one's
        ``next_start_key`` is read, so the caller's work on a page overlaps the next round trip;
        only two pages are ever held."""
        endpoint = "GET /v2/accounts"
        size = max(1, min(page_size, MAX_PAGE_SIZE))

        def page(start_key: str | None) -> tuple[Any, str | None]:
            params = {"detail": "full", "page_size": size, "start_key": start_key}
            return self._page("/v2/accounts", endpoint, params)

        seen: set[str] = set()
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="platform-pages") as ahead:
            data, start_key = page(None)
            while True:
                if start_key is not None and start_key in seen:
                    raise UnexpectedResponse(BACKEND, f"{endpoint} paging repeats {start_key}")
                following = ahead.submit(page, start_key) if start_key else None
                if start_key:
                    seen.add(start_key)
                yield parse_list(BACKEND, AccountDetail, data)
                if following is None:
                    return
                data, start_key = following.result()

    def update_account(
        self,
        account: str,
        *,
        name: str | Literal[_Unchanged.UNCHANGED] = UNCHANGED,
        parent_id: str | Literal[_Unchanged.UNCHANGED] | None = UNCHANGED,
    ) -> Account:
        """Change the name and/or the parent (``parent_id=None`` removes the parent)."""
        fields: dict[str, Any] = {}
        if name is not UNCHANGED:
            fields["name"] = name
        if parent_id is not UNCHANGED:
            fields["parent_id"] = parent_id
        data = self._data(
            "PATCH", self._account_path(account), "PATCH /v2/accounts/{A}", body=fields
        )
        return parse_as(BACKEND, Account, data)

    def children(self, account: str) -> builtins.list[ChildAccount]:
        path = f"{self._account_path(account)}/children"
        return builtins.list(self._paged(path, "GET /v2/accounts/{A}/children", ChildAccount))

    def descendants(self, account: str) -> builtins.list[ChildAccount]:
        path = f"{self._account_path(account)}/descendants"
        return builtins.list(self._paged(path, "GET /v2/accounts/{A}/descendants", ChildAccount))

    def suspend(self, account: str, reason: str, by: str) -> Account:
        data = self._data(
            "PUT",
            f"{self._account_path(account)}/suspension",
            "PUT /v2/accounts/{A}/suspension",
            body={"reason": reason, "by": by},
        )
        return parse_as(BACKEND, Account, data)

    def unsuspend(self, account: str) -> Account:
        data = self._data(
            "DELETE",
            f"{self._account_path(account)}/suspension",
            "DELETE /v2/accounts/{A}/suspension",
        )
        return parse_as(BACKEND, Account, data)

    def mark_deactivated(self, account: str, by: str) -> Account:
        """The last deactivation step: the account's status becomes ``deactivated``."""
        data = self._data(
            "POST",
            f"{self._account_path(account)}/deactivate",
            "POST /v2/accounts/{A}/deactivate",
            body={"by": by},
        )
        return parse_as(BACKEND, Account, data)

    # -- collections ------------------------------------------------------------------------

    def list(self, account: str, collection: Collection) -> builtins.list[CollectionItem]:
        """Every item of one of the account's collections."""
        path = f"{self._account_path(account)}/{Collection(collection).value}"
        endpoint = f"GET /v2/accounts/{{A}}/{Collection(collection).value}"
        return builtins.list(self._paged(path, endpoint, CollectionItem))

    def delete(self, account: str, collection: Collection, item_id: str) -> bool:
        """Delete one item; False when it was already gone (404)."""
        name = Collection(collection).value
        try:
            self._data(
                "DELETE",
                f"{self._account_path(account)}/{name}/{_seg(item_id)}",
                f"DELETE /v2/accounts/{{A}}/{name}/{{id}}",
            )
        except NotFound:
            return False
        return True

    def phone_numbers(self, account: str) -> builtins.list[PhoneNumber]:
        path = f"{self._account_path(account)}/phone_numbers"
        return builtins.list(self._paged(path, "GET /v2/accounts/{A}/phone_numbers", PhoneNumber))

    def quarantine_number(self, account: str, number_id: str) -> PhoneNumber:
        """Quarantine a number (idempotent: an already quarantined number is unchanged)."""
        data = self._data(
            "POST",
            f"{self._account_path(account)}/phone_numbers/{_seg(number_id)}/quarantine",
            "POST /v2/accounts/{A}/phone_numbers/{id}/quarantine",
        )
        return parse_as(BACKEND, PhoneNumber, data)

    def pbxs(self, account: str) -> builtins.list[Pbx]:
        path = f"{self._account_path(account)}/pbxs"
        return builtins.list(self._paged(path, "GET /v2/accounts/{A}/pbxs", Pbx))

    def update_pbx(
        self,
        account: str,
        pbx_id: str,
        *,
        name: str | None = None,
        billing_subscription: str | None = None,
    ) -> Pbx:
        """Change the PBX group name and/or its billing subscription (None leaves it)."""
        fields = {
            key: value
            for key, value in (("name", name), ("billing_subscription", billing_subscription))
            if value is not None
        }
        data = self._data(
            "PATCH",
            f"{self._account_path(account)}/pbxs/{_seg(pbx_id)}",
            "PATCH /v2/accounts/{A}/pbxs/{id}",
            body=fields,
        )
        return parse_as(BACKEND, Pbx, data)

    # -- billing, emergency, emails ---------------------------------------------------------

    def allowances(self, account: str) -> PlatformAllowances:
        data = self._data(
            "GET", f"{self._account_path(account)}/allowances", "GET /v2/accounts/{A}/allowances"
        )
        return parse_as(BACKEND, PlatformAllowances, data)

    def store_allowances(
        self,
        account: str,
        items: Iterable[AllowanceItem],
        subscription_numbers: Iterable[str],
    ) -> PlatformAllowances:
        """Replace the stored allowances; the platform stamps ``refreshed_at``."""
        body = {
            "items": [item.model_dump() for item in items],
            "subscription_numbers": builtins.list(subscription_numbers),
        }
        data = self._data(
            "PUT",
            f"{self._account_path(account)}/allowances",
            "PUT /v2/accounts/{A}/allowances",
            body=body,
        )
        return parse_as(BACKEND, PlatformAllowances, data)

    def emergency(self, account: str) -> EmergencyRecord | None:
        """The IPND record, or None when the account has none."""
        data = self._data(
            "GET", f"{self._account_path(account)}/emergency", "GET /v2/accounts/{A}/emergency"
        )
        return None if data is None else parse_as(BACKEND, EmergencyRecord, data)

    def store_emergency(
        self, account: str, address: ServiceAddress | Mapping[str, str], by: str
    ) -> EmergencyRecord:
        """Replace the IPND service address (validate it first; this stores what it is given)."""
        if not isinstance(address, ServiceAddress):
            address = ServiceAddress.model_validate(dict(address))
        filled = {key: value for key, value in address.model_dump().items() if value}
        data = self._data(
            "PUT",
            f"{self._account_path(account)}/emergency",
            "PUT /v2/accounts/{A}/emergency",
            body={"address": filled, "updated_by": by},
        )
        return parse_as(BACKEND, EmergencyRecord, data)

    def sent_emails(
        self,
        account: str,
        page_size: int = 50,
        start_key: str | None = None,
        containing: str | None = None,
    ) -> Page[SentEmail]:
        """One page of system emails, newest first; pass ``next_start_key`` to get the next.
        ``containing``: only emails whose recipient or subject contains it (case and accents
        aside)."""
        params: dict[str, Any] = {
            "page_size": max(1, min(page_size, MAX_PAGE_SIZE)),
            "start_key": start_key,
        }
        if containing:
            params["filter_text"] = containing
        data, next_key = self._page(
            f"{self._account_path(account)}/sent_emails", "GET /v2/accounts/{A}/sent_emails", params
        )
        return Page[SentEmail](items=parse_list(BACKEND, SentEmail, data), next_start_key=next_key)

    # -- fan-out ----------------------------------------------------------------------------

    def map_concurrent(
        self, fn: Callable[[I], R], items: Iterable[I]
    ) -> builtins.list[ItemResult[I, R]]:
        """``fn`` over ``items`` on the client's pool of ``max_workers`` threads, shared by all
        callers; each item's value or backend error, in the items' order."""
        return self._fan_out.map(fn, items)

    # -- plumbing ---------------------------------------------------------------------------

    @staticmethod
    def _account_path(account: str) -> str:
        return f"/v2/accounts/{_seg(account)}"

    def _envelope(
        self,
        method: str,
        path: str,
        endpoint: str,
        *,
        params: Mapping[str, Any] | None = None,
        body: Mapping[str, Any] | None = None,
    ) -> dict[str, Any]:
        answer = self._http.request_json(
            method,
            path,
            endpoint=endpoint,
            params={k: v for k, v in (params or {}).items() if v is not None},
            json={"data": body} if body is not None else None,
        )
        if not isinstance(answer, dict) or "data" not in answer:
            raise UnexpectedResponse(BACKEND, f"answer to {endpoint} has no data envelope")
        return answer

    def _data(
        self,
        method: str,
        path: str,
        endpoint: str,
        *,
        body: Mapping[str, Any] | None = None,
    ) -> Any:
        return self._envelope(method, path, endpoint, body=body)["data"]

    def _page(self, path: str, endpoint: str, params: Mapping[str, Any]) -> tuple[Any, str | None]:
        answer = self._envelope("GET", path, endpoint, params=params)
        next_key = answer.get("next_start_key")
        return answer["data"], str(next_key) if next_key else None

    def _paged(self, path: str, endpoint: str, model: type[M], **filters: str) -> Iterator[M]:
        start_key: str | None = None
        seen: set[str] = set()
        while True:
            params = {**filters, "page_size": self.page_size, "start_key": start_key}
            data, start_key = self._page(path, endpoint, params)
            yield from parse_list(BACKEND, model, data)
            if start_key is None:
                return
            if start_key in seen:
                raise UnexpectedResponse(BACKEND, f"{endpoint} paging repeats {start_key}")
            seen.add(start_key)
