"""ZuoraClient: the calls jethub-bot makes to Zuora's REST API."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from decimal import Decimal
from typing import Any
from urllib.parse import quote

import httpx

from integrations.errors import AuthFailed, BackendRejected, UnexpectedResponse
from integrations.http import (
    DEFAULT_LIMITS,
    DEFAULT_TIMEOUT,
    AttemptHook,
    JsonHttp,
    RetryPolicy,
    parse_as,
    parse_list,
)
from integrations.zuora._allowances import compute_allowances
from integrations.zuora._errors import BACKEND, read_zuora_error
from integrations.zuora._models import (
    Allowances,
    ContactUpdate,
    Invoice,
    Payment,
    QueriedAccount,
    Subscription,
    ZuoraAccount,
    ZuoraContact,
)

__all__ = ["ZuoraClient"]

SUBSCRIPTIONS_PAGE_SIZE = 40  # Zuora's maximum for this endpoint
INVOICES_PAGE_SIZE = 40
PAYMENTS_PAGE_SIZE = 40
OBJECT_QUERY_PAGE_SIZE = 99  # Object Query's maximum
CONTACTS_PAGE_SIZE = 20  # an address is on a handful of contacts at most


def _key(value: str) -> str:
    return quote(value, safe="")


class _Token:
    def __init__(self, value: str, expires_at: float) -> None:
        self.value = value
        self.expires_at = expires_at


class ZuoraClient:
    """Zuora REST over OAuth client credentials.

    ``base_url`` is the tenant's REST root (``https://rest.zuora.com``, or the sandbox's URL);
    paths ``/oauth/token``, ``/v1/...`` and ``/object-query/...`` are appended. The bearer token
    is cached until shortly before it expires; a 401 drops it, fetches a new one once and
    retries the call once. Every method raises only :mod:`integrations.errors`.
    """

    def __init__(
        self,
        *,
        base_url: str,
        client_id: str,
        client_secret: str,
        transport: httpx.BaseTransport | None = None,
        timeout: httpx.Timeout | float = DEFAULT_TIMEOUT,
        max_attempts: int = 4,
        retry: RetryPolicy | None = None,
        limits: httpx.Limits = DEFAULT_LIMITS,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        on_attempt: AttemptHook | None = None,
        on_secret: Callable[[str], None] | None = None,
    ) -> None:
        self._client_id = client_id
        # Told each access token the moment it is issued, before it is ever sent: a backend may
        # quote it back in an error text, which must then be masked like any other secret.
        self._on_secret = on_secret
        self._client_secret = client_secret
        self._clock = clock
        self._token: _Token | None = None
        self._token_lock = threading.Lock()
        self._http = JsonHttp(
            backend=BACKEND,
            base_url=base_url,
            read_error=read_zuora_error,
            transport=transport,
            timeout=timeout,
            limits=limits,
            retry=retry or RetryPolicy(max_attempts=max_attempts),
            sleep=sleep,
            on_attempt=on_attempt,
        )

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> ZuoraClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # -- accounts and contacts --------------------------------------------------------------

    def get_account(self, key: str) -> ZuoraAccount:
        """The account by number (``A00001001``) or 32-character id."""
        body = self._call("GET", f"/v1/accounts/{_key(key)}", endpoint="GET /v1/accounts/{key}")
        return parse_as(BACKEND, ZuoraAccount, body)

    def rename_account(self, key: str, name: str) -> None:
        if not name.strip() or len(name) > 255:
            raise ValueError("a Zuora account name is 1 to 255 characters")
        self._update_account(key, {"name": name})

    def set_parent(self, key: str, parent_id: str | None) -> None:
        """Make ``parent_id`` (a Zuora account id) the parent, or remove the parent with None."""
        self._update_account(key, {"parentId": parent_id})

    def get_contact(self, contact_id: str) -> ZuoraContact:
        body = self._call(
            "GET", f"/v1/contacts/{_key(contact_id)}", endpoint="GET /v1/contacts/{id}"
        )
        return parse_as(BACKEND, ZuoraContact, body)

    def update_contact(self, contact_id: str, fields: ContactUpdate) -> ZuoraContact:
        """Partial update: only the fields set on ``fields`` are sent. Answers the contact."""
        body = self._call(
            "PUT",
            f"/v1/contacts/{_key(contact_id)}",
            endpoint="PUT /v1/contacts/{id}",
            json=fields.to_wire(),
        )
        return parse_as(BACKEND, ZuoraContact, body)

    def update_contact_email(self, contact_id: str, email: str) -> ZuoraContact:
        """Set the contact's work email (where invoices go). Invoice-copy addresses
        (``additionalEmailAddresses``) are left untouched."""
        return self.update_contact(contact_id, ContactUpdate(work_email=email))

    # -- subscriptions ----------------------------------------------------------------------

    def subscriptions(self, key: str) -> list[Subscription]:
        """Every subscription of the account, across all pages."""
        found: list[Subscription] = []
        path = f"/v1/subscriptions/accounts/{_key(key)}"
        params: dict[str, Any] | None = {
            "page": 1,
            "pageSize": SUBSCRIPTIONS_PAGE_SIZE,
            "charge-detail": "current-segment",
        }
        for body in self._pages(path, params, "GET /v1/subscriptions/accounts/{key}"):
            found.extend(parse_list(BACKEND, Subscription, body.get("subscriptions", [])))
        return found

    def allowances(self, key: str, today: date) -> Allowances:
        """What the account pays for today, from its Active subscriptions."""
        return compute_allowances(self.subscriptions(key), today)

    def accounts_by_number(self, numbers: list[str]) -> list[QueriedAccount]:
        """The accounts named (at most 99, one Object Query page), each with its Sold To contact
        and subscriptions; a number Zuora does not know is simply absent from the answer."""
        if not 1 <= len(numbers) <= OBJECT_QUERY_PAGE_SIZE:
            raise ValueError(f"ask for 1..{OBJECT_QUERY_PAGE_SIZE} accounts at a time")
        params: list[tuple[str, str | int]] = [
            ("filter[]", f"accountNumber.IN:[{','.join(numbers)}]"),
            ("expand[]", "soldTo"),
            ("expand[]", "subscriptions"),
            ("pageSize", OBJECT_QUERY_PAGE_SIZE),
        ]
        body = self._call(
            "GET", "/object-query/accounts", endpoint="GET /object-query/accounts", params=params
        )
        if not isinstance(body, dict):
            raise UnexpectedResponse(BACKEND, "object query answer is not an object")
        return parse_list(BACKEND, QueriedAccount, body.get("data") or [])

    def find_subscription(self, number: str) -> Subscription:
        """A subscription by number (``A-S00001``) or id."""
        body = self._call(
            "GET",
            f"/v1/subscriptions/{_key(number)}",
            endpoint="GET /v1/subscriptions/{key}",
            params={"charge-detail": "current-segment"},
        )
        return parse_as(BACKEND, Subscription, body)

    # -- invoices ---------------------------------------------------------------------------

    def overdue_invoices(
        self, *, due_before: date, min_balance: Decimal | float | str
    ) -> Iterator[Invoice]:
        """Posted invoices due before ``due_before`` with at least ``min_balance`` owing, with
        their account expanded, streamed page by page (Object Query, cursor paging). Each next
        page is asked for as soon as its cursor is read, while this page's invoices are parsed
        and used: the pages follow one another, the work on them overlaps the round trips."""
        balance = format(Decimal(str(min_balance)), "f")
        query: list[tuple[str, str | int]] = [
            ("filter[]", f"balance.GE:{balance}"),
            ("filter[]", f"duedate.LT:{due_before.isoformat()}"),
            ("filter[]", "status.EQ:Posted"),
            ("expand[]", "account"),
            ("pageSize", OBJECT_QUERY_PAGE_SIZE),
        ]

        def page(cursor: str | None) -> Any:
            params = [*query, ("cursor", cursor)] if cursor else query
            body = self._call(
                "GET",
                "/object-query/invoices",
                endpoint="GET /object-query/invoices",
                params=params,
            )
            if not isinstance(body, dict):
                raise UnexpectedResponse(BACKEND, "object query answer is not an object")
            return body

        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="zuora-pages") as ahead:
            body = page(None)
            while True:
                cursor = body.get("nextPage")
                following = ahead.submit(page, cursor) if cursor else None
                yield from parse_list(BACKEND, Invoice, body.get("data") or [])
                if following is None:
                    return
                body = following.result()

    def invoice_by_number(self, number: str) -> Invoice | None:
        """The invoice numbered ``number`` (``INV00000123``) with its account expanded, or None
        (Object Query, ``invoiceNumber.EQ``)."""
        body = self._call(
            "GET",
            "/object-query/invoices",
            endpoint="GET /object-query/invoices",
            params=[
                ("filter[]", f"invoiceNumber.EQ:{number}"),
                ("expand[]", "account"),
                ("pageSize", 1),
            ],
        )
        if not isinstance(body, dict):
            raise UnexpectedResponse(BACKEND, "object query answer is not an object")
        found = parse_list(BACKEND, Invoice, body.get("data") or [])
        return found[0] if found else None

    def accounts_with_contact_email(self, email: str) -> list[str]:
        """The ids of the Zuora accounts one of whose contacts (Bill To, Sold To) has ``email`` as
        its work or personal address (Object Query on contacts; filters are ANDed, so one query
        per field). Tried as typed and in lower case: the stored case is whatever was entered."""
        found: list[str] = []
        for value in dict.fromkeys((email, email.lower())):
            for field in ("workEmail", "personalEmail"):
                body = self._call(
                    "GET",
                    "/object-query/contacts",
                    endpoint="GET /object-query/contacts",
                    params=[("filter[]", f"{field}.EQ:{value}"), ("pageSize", CONTACTS_PAGE_SIZE)],
                )
                if not isinstance(body, dict):
                    raise UnexpectedResponse(BACKEND, "object query answer is not an object")
                found += [
                    str(item["accountId"])
                    for item in body.get("data") or []
                    if isinstance(item, dict) and item.get("accountId")
                ]
        return list(dict.fromkeys(found))

    def invoices_for_account(self, key: str) -> list[Invoice]:
        """Every invoice of one account, across all pages."""
        found: list[Invoice] = []
        path = f"/v1/transactions/invoices/accounts/{_key(key)}"
        params = {"pageSize": INVOICES_PAGE_SIZE}
        for body in self._pages(path, params, "GET /v1/transactions/invoices/accounts/{key}"):
            found.extend(parse_list(BACKEND, Invoice, body.get("invoices", [])))
        return found

    # -- payments ---------------------------------------------------------------------------

    def payments_for_account(self, key: str, *, since: date | None = None) -> list[Payment]:
        """The account's payments, newest first; with ``since``, only those effective on or
        after it (the list is newest first, so paging stops at the first older page)."""
        found: list[Payment] = []
        path = f"/v1/transactions/payments/accounts/{_key(key)}"
        params = {"pageSize": PAYMENTS_PAGE_SIZE}
        for body in self._pages(path, params, "GET /v1/transactions/payments/accounts/{key}"):
            page = parse_list(BACKEND, Payment, body.get("payments", []))
            found.extend(p for p in page if since is None or p.effective_date >= since)
            if since is not None and any(p.effective_date < since for p in page):
                break
        return found

    # -- plumbing ---------------------------------------------------------------------------

    def _update_account(self, key: str, fields: dict[str, Any]) -> None:
        self._call(
            "PUT", f"/v1/accounts/{_key(key)}", endpoint="PUT /v1/accounts/{key}", json=fields
        )

    def _pages(
        self, path: str, params: dict[str, Any] | None, endpoint: str
    ) -> Iterator[dict[str, Any]]:
        """Follow ``nextPage`` until the last page. Zuora gives it as a URL (absolute or
        relative); a bare value is taken as the next ``page`` number."""
        seen: set[str] = set()
        while True:
            body = self._call("GET", path, endpoint=endpoint, params=params)
            if not isinstance(body, dict):
                raise UnexpectedResponse(BACKEND, f"answer to {endpoint} is not an object")
            yield body
            next_page = body.get("nextPage")
            if not next_page:
                return
            if str(next_page) in seen:
                raise UnexpectedResponse(BACKEND, f"{endpoint} paging repeats {next_page}")
            seen.add(str(next_page))
            path, params = self._next_page_request(path, params, str(next_page))

    def _next_page_request(
        self, path: str, params: dict[str, Any] | None, next_page: str
    ) -> tuple[str, dict[str, Any] | None]:
        url = httpx.URL(next_page)
        if url.is_absolute_url or next_page.startswith("/"):
            # Only the path and query are followed: the token is never sent to another host.
            target = url.raw_path.decode("ascii")
            return target, None
        return path, {**(params or {}), "page": next_page}

    def _call(self, method: str, path: str, *, endpoint: str, **kwargs: Any) -> Any:
        token = self._current_token()
        try:
            return self._http.request_json(
                method, path, endpoint=endpoint, headers=self._auth(token), **kwargs
            )
        except AuthFailed as exc:
            if exc.status != 401:
                raise
        self._drop_token(token)
        token = self._current_token()
        return self._http.request_json(
            method, path, endpoint=endpoint, headers=self._auth(token), **kwargs
        )

    @staticmethod
    def _auth(token: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {token}"}

    def _current_token(self) -> str:
        with self._token_lock:
            token = self._token
            if token is None or self._clock() >= token.expires_at:
                token = self._fetch_token()
                self._token = token
            return token.value

    def _drop_token(self, value: str) -> None:
        with self._token_lock:
            # Another thread may already have replaced it; only drop the one that was refused.
            if self._token is not None and self._token.value == value:
                self._token = None

    def _fetch_token(self) -> _Token:
        form = {
            "client_id": self._client_id,
            "client_secret": self._client_secret,
            "grant_type": "client_credentials",
        }
        try:
            body = self._http.request_json(
                "POST", "/oauth/token", endpoint="POST /oauth/token", data=form
            )
        except BackendRejected as exc:
            raise AuthFailed(
                BACKEND, exc.code, f"token request refused: {exc.message}", exc.request_id,
                status=exc.status,
            ) from exc  # fmt: skip
        if not isinstance(body, dict) or not isinstance(body.get("access_token"), str):
            raise UnexpectedResponse(BACKEND, "token answer has no access_token")
        if self._on_secret is not None:
            self._on_secret(body["access_token"])
        expires_in = float(body.get("expires_in") or 3599)
        margin = min(60.0, expires_in / 10)
        return _Token(body["access_token"], self._clock() + expires_in - margin)
