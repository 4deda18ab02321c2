"""Zuora's REST face: OAuth, accounts, contacts, subscriptions, invoices and Object Query."""

from __future__ import annotations

import base64
import re
import secrets
import uuid
from collections.abc import Callable
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import urlencode

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from pydantic.alias_generators import to_camel
from werkzeug.wrappers import Request

from devkit.sandbox._http import BadRequest, Call, Reply, Route, int_param, read_json
from devkit.sandbox._zuora_state import (
    Invoice,
    Subscription,
    ZuoraAccount,
    ZuoraContact,
    ZuoraWorld,
    money,
)

PREFIXES = ("/oauth", "/v1", "/object-query")

# Zuora's 8-digit codes end in their category (see reference/zuora.md).
INVALID_VALUE = 53100320
UNKNOWN_FIELD = 53100321
INVALID_PARAMETER = 53100327
NOT_FOUND = 50000040
BAD_AUTH = 90000011
INTERNAL = 50000060
TEMPORARY = 50000061
TOO_MANY = 50000070
MALFORMED_JSON = 50000090

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def reasons(code: int, message: str) -> dict[str, Any]:
    return {
        "success": False,
        "processId": uuid.uuid4().hex[:16].upper(),
        "reasons": [{"code": code, "message": message}],
    }


def failure(status: int, code: int, message: str) -> Reply:
    return Reply(status, reasons(code, message))


def not_found(z: ZuoraWorld, key: str) -> Reply:
    return failure(z.not_found_status, NOT_FOUND, f"Cannot find entity by key: '{key}'.")


# -- request bodies ----------------------------------------------------------------------------
class _Camel(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, extra="forbid")


def _email(value: str | None) -> str | None:
    if value and not _EMAIL.match(value):
        raise ValueError(f"invalid email address: {value!r}")
    return value


class ContactUpdate(_Camel):
    first_name: str | None = Field(None, min_length=1, max_length=100)
    last_name: str | None = Field(None, min_length=1, max_length=100)
    work_email: str | None = Field(None, max_length=80)
    personal_email: str | None = Field(None, max_length=80)
    address1: str | None = Field(None, max_length=255)
    address2: str | None = Field(None, max_length=255)
    city: str | None = Field(None, max_length=100)
    state: str | None = Field(None, max_length=100)
    zip_code: str | None = Field(None, max_length=20)
    country: str | None = Field(None, max_length=64)
    work_phone: str | None = Field(None, max_length=40)
    mobile_phone: str | None = Field(None, max_length=40)

    _emails = field_validator("work_email", "personal_email")(_email)

    def apply(self, contact: ZuoraContact) -> None:
        for attr in self.model_fields_set:
            setattr(contact, attr, getattr(self, attr))


class AccountUpdate(_Camel):
    model_config = ConfigDict(extra="allow")  # custom fields (`*__c`) are checked by hand

    name: str | None = Field(None, min_length=1, max_length=255)
    parent_id: str | None = None
    bill_to_contact: ContactUpdate | None = None
    sold_to_contact: ContactUpdate | None = None
    additional_email_addresses: list[str] | None = Field(None, max_length=5)
    invoice_delivery_prefs_email: bool | None = None
    invoice_delivery_prefs_print: bool | None = None
    auto_pay: bool | None = None
    bill_cycle_day: int | None = Field(None, ge=1, le=31)
    payment_term: str | None = Field(None, max_length=100)
    notes: str | None = Field(None, max_length=65535)
    crm_id: str | None = Field(None, max_length=100)

    @field_validator("additional_email_addresses")
    @classmethod
    def _emails_valid(cls, value: list[str] | None) -> list[str] | None:
        for address in value or []:
            _email(address)
        return value


def _validation_failure(exc: ValidationError) -> Reply:
    error = exc.errors()[0]
    where = ".".join(str(p) for p in error["loc"])
    if error["type"] == "extra_forbidden":
        return failure(200, UNKNOWN_FIELD, f"Field '{where}' is not a known field.")
    if error["type"] == "string_too_long":
        limit = error.get("ctx", {}).get("max_length")
        return failure(
            200, INVALID_VALUE, f"The length of field '{where}' exceeds the maximum of {limit}."
        )
    return failure(200, INVALID_VALUE, f"Invalid value for field '{where}': {error['msg']}.")


# -- JSON shapes -------------------------------------------------------------------------------
def account_json(z: ZuoraWorld, account: ZuoraAccount) -> dict[str, Any]:
    balance = z.balance_of(account)
    return {
        "basicInfo": {
            "id": account.id,
            "accountNumber": account.account_number,
            "name": account.name,
            "status": account.status,
            "parentId": account.parent_id,
            "batch": "Batch1",
            "JetHubAccount__c": account.jethub_account,
            **account.custom_fields,
        },
        "billingAndPayment": {
            "billCycleDay": account.bill_cycle_day,
            "currency": account.currency,
            "paymentTerm": account.payment_term,
            "autoPay": account.auto_pay,
            "invoiceDeliveryPrefsEmail": account.invoice_delivery_prefs_email,
            "invoiceDeliveryPrefsPrint": False,
            "additionalEmailAddresses": list(account.additional_email_addresses),
        },
        "metrics": {
            "balance": money(balance),
            "totalInvoiceBalance": money(balance),
            "creditBalance": money(account.credit_balance),
            "currency": account.currency,
        },
        "billToContact": z.bill_to(account).to_json(),
        "soldToContact": z.sold_to(account).to_json(),
        "success": True,
    }


def subscription_json(account: ZuoraAccount, sub: Subscription) -> dict[str, Any]:
    return {
        "id": sub.id,
        "subscriptionNumber": sub.subscription_number,
        "status": sub.status,
        "accountId": account.id,
        "accountNumber": account.account_number,
        "accountName": account.name,
        "termStartDate": sub.term_start.isoformat(),
        "termEndDate": sub.term_end.isoformat(),
        "ratePlans": [plan.to_json() for plan in sub.rate_plans],
    }


def _next_page_url(request: Request, page: int, page_size: int) -> str:
    query = {k: v for k, v in request.args.items() if k not in ("page", "pageSize")}
    query |= {"page": str(page + 1), "pageSize": str(page_size)}
    return f"{request.base_url}?{urlencode(query)}"


def _page(request: Request, default_size: int) -> tuple[int, int]:
    try:
        page = int_param(request, "page", 1, low=1, high=1_000_000)
        size = int_param(request, "pageSize", default_size, low=1, high=40)
    except BadRequest as exc:
        raise _ParamError(exc.message) from exc
    return page, size


class _ParamError(Exception):
    pass


# -- handlers ----------------------------------------------------------------------------------
def oauth_token(call: Call, client_id: str | None, client_secret: str | None) -> Reply:
    form = call.request.form
    if form.get("grant_type") != "client_credentials":
        return Reply(400, {"error": "unsupported_grant_type"})
    given_id, given_secret = form.get("client_id", ""), form.get("client_secret", "")
    ok = bool(given_id and given_secret)
    if ok and client_id is not None:
        ok = secrets.compare_digest(given_id, client_id)
    if ok and client_secret is not None:
        ok = secrets.compare_digest(given_secret, client_secret)
    if not ok:
        return Reply(401, {"error": "invalid_client", "error_description": "Bad credentials"})
    token, ttl = call.world.zuora.issue_token()
    return Reply(
        200,
        {
            "access_token": token,
            "token_type": "bearer",
            "expires_in": ttl,
            "scope": "entity.1a2b3c4d user.sandbox platform.write service.genesis.read",
            "jti": uuid.uuid4().hex,
        },
    )


def get_account(call: Call) -> Reply:
    z = call.world.zuora
    account = z.account(call.args["key"])
    if account is None:
        return not_found(z, call.args["key"])
    return Reply(200, account_json(z, account))


def put_account(call: Call) -> Reply:
    z = call.world.zuora
    key = call.args["key"]
    account = z.account(key)
    if account is None:
        return not_found(z, key)
    try:
        body = read_json(call.request)
        update = AccountUpdate.model_validate(body)
    except BadRequest as exc:
        return failure(200, MALFORMED_JSON, exc.message)
    except ValidationError as exc:
        return _validation_failure(exc)
    extras = update.model_extra or {}
    for name in extras:
        if not name.endswith("__c"):
            return failure(200, UNKNOWN_FIELD, f"Field '{name}' is not a known field.")
    if "parent_id" in update.model_fields_set and update.parent_id is not None:
        parent = z.account(update.parent_id)
        if parent is None:
            return not_found(z, update.parent_id)
        if parent.id == account.id:
            return failure(200, 53100330, "An account cannot be its own parent.")
        account.parent_id = parent.id
    elif "parent_id" in update.model_fields_set:
        account.parent_id = None
    simple = {
        "name": "name",
        "additional_email_addresses": "additional_email_addresses",
        "invoice_delivery_prefs_email": "invoice_delivery_prefs_email",
        "auto_pay": "auto_pay",
        "bill_cycle_day": "bill_cycle_day",
        "payment_term": "payment_term",
    }
    for field_name, attr in simple.items():
        if field_name in update.model_fields_set and getattr(update, field_name) is not None:
            setattr(account, attr, getattr(update, field_name))
    if update.bill_to_contact is not None:
        update.bill_to_contact.apply(z.bill_to(account))
    if update.sold_to_contact is not None:
        update.sold_to_contact.apply(z.sold_to(account))
    for name, value in extras.items():
        if name == "JetHubAccount__c":
            account.jethub_account = None if value is None else str(value)
        else:
            account.custom_fields[name] = value
    return Reply(200, {"success": True})


def get_contact(call: Call) -> Reply:
    z = call.world.zuora
    contact = z.contact(call.args["id"])
    if contact is None:
        return not_found(z, call.args["id"])
    return Reply(200, {**contact.to_json(), "success": True})


def put_contact(call: Call) -> Reply:
    z = call.world.zuora
    contact = z.contact(call.args["id"])
    if contact is None:
        return not_found(z, call.args["id"])
    try:
        update = ContactUpdate.model_validate(read_json(call.request))
    except BadRequest as exc:
        return failure(200, MALFORMED_JSON, exc.message)
    except ValidationError as exc:
        return _validation_failure(exc)
    update.apply(contact)
    return Reply(200, {**contact.to_json(), "success": True})


def get_subscriptions(call: Call) -> Reply:
    z = call.world.zuora
    account = z.account(call.args["key"])
    if account is None:
        return not_found(z, call.args["key"])
    try:
        page, size = _page(call.request, 20)
    except _ParamError as exc:
        return failure(200, INVALID_PARAMETER, str(exc))
    subs = z.subscriptions_of(account)
    chunk = subs[(page - 1) * size : page * size]
    body: dict[str, Any] = {
        "subscriptions": [subscription_json(account, s) for s in chunk],
        "success": True,
    }
    if page * size < len(subs):
        body["nextPage"] = _next_page_url(call.request, page, size)
    return Reply(200, body)


def get_subscription(call: Call) -> Reply:
    z = call.world.zuora
    subscription = z.find_subscription(call.args["key"])
    account = z.accounts.get(subscription.account_id) if subscription else None
    if subscription is None or account is None:
        return not_found(z, call.args["key"])
    return Reply(200, {**subscription_json(account, subscription), "success": True})


def account_transactions(
    call: Call,
    name: str,
    items: Callable[[ZuoraAccount], list[Any]],
    as_json: Callable[[ZuoraAccount, Any], dict[str, Any]],
) -> Reply:
    """``GET /v1/transactions/<name>/accounts/{key}``: one page (``page``, ``pageSize``) of the
    account's ``items``, newest first, with ``nextPage`` while there are more."""
    z = call.world.zuora
    account = z.account(call.args["key"])
    if account is None:
        return not_found(z, call.args["key"])
    try:
        page, size = _page(call.request, 20)
    except _ParamError as exc:
        return failure(200, INVALID_PARAMETER, str(exc))
    found = items(account)
    chunk = found[(page - 1) * size : page * size]
    body: dict[str, Any] = {name: [as_json(account, item) for item in chunk], "success": True}
    if page * size < len(found):
        body["nextPage"] = _next_page_url(call.request, page, size)
    return Reply(200, body)


def get_account_invoices(call: Call) -> Reply:
    z = call.world.zuora
    return account_transactions(
        call,
        "invoices",
        lambda account: sorted(
            z.invoices_of(account), key=lambda i: (i.invoice_date, i.seq), reverse=True
        ),
        lambda account, inv: {
            **inv.to_json(),
            "accountNumber": account.account_number,
            "accountName": account.name,
        },
    )


# -- Object Query ------------------------------------------------------------------------------
_Getter = Callable[[Invoice], object]
_FIELDS: dict[str, tuple[_Getter, Callable[[str], object]]] = {
    "id": (lambda i: i.id, str),
    "invoicenumber": (lambda i: i.invoice_number, str),
    "accountid": (lambda i: i.account_id, str),
    "amount": (lambda i: i.amount, Decimal),
    "balance": (lambda i: i.balance, Decimal),
    "duedate": (lambda i: i.due_date, date.fromisoformat),
    "invoicedate": (lambda i: i.invoice_date, date.fromisoformat),
    "status": (lambda i: i.status, str),
    "currency": (lambda i: i.currency, str),
}
_OPS: dict[str, Callable[[Any, Any], bool]] = {
    "EQ": lambda a, b: a == b,
    "NE": lambda a, b: a != b,
    "LT": lambda a, b: a < b,
    "GT": lambda a, b: a > b,
    "LE": lambda a, b: a <= b,
    "GE": lambda a, b: a >= b,
    "SW": lambda a, b: str(a).startswith(str(b)),
    "IN": lambda a, b: a in b,
}
_FILTER = re.compile(r"^(?P<field>[A-Za-z]+)\.(?P<op>[A-Z]{2}):(?P<value>.*)$", re.DOTALL)
Predicate = Callable[[Any], bool]
# A contact of an Object Query answer: the contact and the account it belongs to.
_CONTACT_FIELDS: dict[str, tuple[Callable[[Any], object], Callable[[str], object]]] = {
    "id": (lambda c: c[0].id, str),
    "accountid": (lambda c: c[1].id, str),
    "workemail": (lambda c: c[0].work_email, str),
    "personalemail": (lambda c: c[0].personal_email, str),
    "firstname": (lambda c: c[0].first_name, str),
    "lastname": (lambda c: c[0].last_name, str),
}


def parse_filter(text: str, fields: dict[str, Any] | None = None) -> Predicate:
    """``balance.GT:0`` → a predicate; raises BadRequest when it cannot be read."""
    fields = _FIELDS if fields is None else fields
    match = _FILTER.match(text)
    if not match:
        raise BadRequest(f"invalid filter '{text}': expected field.OP:value")
    name, op, raw = match["field"].lower(), match["op"], match["value"]
    if name not in fields:
        raise BadRequest(f"invalid filter '{text}': unknown field '{match['field']}'")
    if op not in _OPS:
        raise BadRequest(f"invalid filter '{text}': unknown operator '{op}'")
    getter, convert = fields[name]
    try:
        if op == "IN":
            items = raw.strip("[]")
            value: object = {convert(v.strip()) for v in items.split(",") if v.strip()}
        else:
            value = convert(raw)
    except (ValueError, InvalidOperation) as exc:
        raise BadRequest(f"invalid filter '{text}': bad value '{raw}'") from exc
    compare = _OPS[op]

    def predicate(item: Any) -> bool:
        return compare(getter(item), value)

    return predicate


def _decode_seq(cursor: str) -> int:
    try:
        return int(base64.b64decode(cursor.encode(), validate=True).decode())
    except ValueError as exc:
        raise BadRequest("invalid cursor") from exc


def _encode_seq(seq: int) -> str:
    return base64.b64encode(str(seq).encode()).decode()


def object_query_invoices(call: Call) -> Reply:
    z = call.world.zuora
    args = call.request.args
    try:
        raw_size = args.get("pageSize", "10")
        if not raw_size.isdigit() or not 1 <= int(raw_size) <= 99:
            raise BadRequest("pageSize must be an integer from 1 to 99")
        size = int(raw_size)
        filters = [parse_filter(f) for f in args.getlist("filter[]")]
        after = _decode_seq(args["cursor"]) if args.get("cursor") else 0
        expand = set(args.getlist("expand[]"))
        if expand - {"account"}:
            raise BadRequest(f"cannot expand {sorted(expand - {'account'})}")
    except BadRequest as exc:
        return failure(400, INVALID_PARAMETER, exc.message)
    found: list[Invoice] = []
    more = False
    for invoice in z.invoices_after(after):
        if all(f(invoice) for f in filters):
            if len(found) == size:
                more = True
                break
            found.append(invoice)
    data = []
    for invoice in found:
        item = invoice.to_json()
        if "account" in expand:
            account = z.accounts[invoice.account_id]
            item["account"] = {
                "id": account.id,
                "accountNumber": account.account_number,
                "name": account.name,
                "status": account.status,
                "JetHubAccount__c": account.jethub_account,
            }
        data.append(item)
    body: dict[str, Any] = {"data": data}
    if more:
        body["nextPage"] = _encode_seq(found[-1].seq)
    return Reply(200, body)


def object_query_contacts(call: Call) -> Reply:
    """``GET /object-query/contacts?filter[]=workEmail.EQ:…``: contacts built so far (a generated
    account's contacts are built when the account is first read), each with its ``accountId``."""
    z = call.world.zuora
    args = call.request.args
    try:
        raw_size = args.get("pageSize", "10")
        if not raw_size.isdigit() or not 1 <= int(raw_size) <= 99:
            raise BadRequest("pageSize must be an integer from 1 to 99")
        size = int(raw_size)
        filters = [parse_filter(f, _CONTACT_FIELDS) for f in args.getlist("filter[]")]
        after = _decode_seq(args["cursor"]) if args.get("cursor") else 0
    except BadRequest as exc:
        return failure(400, INVALID_PARAMETER, exc.message)
    rows = []
    for account in z.accounts.values():
        for contact_id in dict.fromkeys((account.bill_to_id, account.sold_to_id)):
            contact = z.contacts.get(contact_id)
            if contact is not None:
                rows.append((contact, account))
    matching = [row for row in rows if all(f(row) for f in filters)]
    page = matching[after : after + size]
    data = [{**contact.to_json(), "accountId": account.id} for contact, account in page]
    body: dict[str, Any] = {"data": data}
    if after + size < len(matching):
        body["nextPage"] = _encode_seq(after + size)
    return Reply(200, body)


def routes() -> list[Route]:
    return [
        Route("/v1/accounts/<key>", ("GET",), get_account),
        Route("/v1/accounts/<key>", ("PUT",), put_account),
        Route("/v1/contacts/<id>", ("GET",), get_contact),
        Route("/v1/contacts/<id>", ("PUT",), put_contact),
        Route("/v1/subscriptions/accounts/<key>", ("GET",), get_subscriptions),
        Route("/v1/subscriptions/<key>", ("GET",), get_subscription),
        Route("/v1/transactions/invoices/accounts/<key>", ("GET",), get_account_invoices),
        Route("/object-query/invoices", ("GET",), object_query_invoices),
        Route("/object-query/contacts", ("GET",), object_query_contacts),
    ]


# -- what the app needs besides routes ---------------------------------------------------------
def unauthorised() -> Reply:
    return failure(401, BAD_AUTH, "this resource is protected, please sign in first")


def bearer_ok(z: ZuoraWorld, request: Request) -> bool:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    return scheme.lower() == "bearer" and bool(token) and z.token_valid(token.strip())


def fault_reply(kind: str, *, path: str, retry_after: int, coin: float, echo: str = "") -> Reply:
    if kind == "rate_limited":
        reply = failure(429, TOO_MANY, f"Too many requests; retry later.{echo}")
        reply.headers["Retry-After"] = str(retry_after)
        return reply
    if kind == "error" and path.startswith("/v1/") and coin < 0.5:
        return failure(200, TEMPORARY, f"Temporary error, please retry the operation.{echo}")
    if kind == "error":
        return failure(503, TEMPORARY, f"Service temporarily unavailable.{echo}")
    return failure(500, INTERNAL, f"An internal error occurred{echo}.")


def finish(reply: Reply) -> Reply:
    reply.headers.setdefault("Zuora-Request-Id", str(uuid.uuid4()))
    return reply
