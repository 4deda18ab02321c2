"""The Jet Hub platform's REST face (`/v2`, Kazoo crossbar conventions, docs/backends.md)."""

from __future__ import annotations

import bisect
import uuid
from collections.abc import Callable, Sequence
from datetime import date, timedelta
from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from devkit.sandbox._http import (
    BadRequest,
    Call,
    Reply,
    Route,
    decode_cursor,
    encode_cursor,
    int_param,
    read_json,
)
from devkit.sandbox._platform_state import (
    COLLECTIONS,
    IPND_ADDRESS_FIELDS,
    Emergency,
    Estate,
    PlatformAccount,
    PlatformWorld,
)
from integrations.text import fold

PREFIXES = ("/v2",)
QUARANTINE_MONTHS = 6

SortKey = tuple[Any, ...]


class PlatformError(Exception):
    def __init__(self, status: int, message: str, data: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.data = data or {}


def error(status: int, message: str, data: dict[str, Any] | None = None) -> Reply:
    return Reply(
        status,
        {
            "status": "error",
            "error": str(status),
            "message": message,
            "data": data or {},
            "request_id": uuid.uuid4().hex,
        },
    )


def success(data: Any, **extra: Any) -> Reply:
    body = {
        "data": data,
        "status": "success",
        "request_id": uuid.uuid4().hex,
        "revision": uuid.uuid4().hex[:12],
    }
    return Reply(200, body | extra)


def paged(
    call: Call,
    rows: Sequence[tuple[SortKey, Any]],
    render: Callable[[Any], Any] = lambda item: item,
) -> Reply:
    """One page of ``rows`` (sorted by key); ``start_key`` is the key of the first row to show,
    so deleting rows while paging never skips one. ``render`` turns only the page's rows into
    JSON (a full listing builds nothing for the rows it does not show)."""
    size = int_param(call.request, "page_size", 50, low=1, high=500)
    start = 0
    raw = call.request.args.get("start_key")
    if raw:
        key = decode_cursor(raw, "start_key")
        if not isinstance(key, list):
            raise BadRequest("start_key is not a key this server issued", field="start_key")
        try:
            start = bisect.bisect_left(rows, tuple(key), key=lambda row: row[0])
        except TypeError as exc:
            raise BadRequest("start_key is not a key this server issued") from exc
    page = rows[start : start + size]
    extra: dict[str, Any] = {"page_size": len(page)}
    if raw:
        extra["start_key"] = raw
    if start + size < len(rows):
        extra["next_start_key"] = encode_cursor(list(rows[start + size][0]))
    return success([render(item) for _, item in page], **extra)


def _first(row: tuple[SortKey, Any]) -> SortKey:
    return row[0]


def _account_key(account_id: str) -> SortKey:
    return (len(account_id), account_id)


def _account(p: PlatformWorld, account_id: str) -> PlatformAccount:
    account = p.accounts.get(account_id)
    if account is None:
        raise PlatformError(404, "bad identifier", {"account_id": account_id})
    return account


_M = TypeVar("_M", bound=BaseModel)


def _body(call: Call, model: type[_M]) -> _M:
    raw = read_json(call.request)
    if not isinstance(raw, dict) or not isinstance(raw.get("data"), dict):
        raise PlatformError(
            400, "invalid data", {"data": {"required": "body must be {data: {...}}"}}
        )
    try:
        return model.model_validate(raw["data"])
    except ValidationError as exc:
        fields = {
            ".".join(str(p) for p in e["loc"]) or "data": {e["type"]: e["msg"]}
            for e in exc.errors()
        }
        raise PlatformError(400, "invalid data", fields) from exc


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class AccountPatch(_Strict):
    name: str | None = Field(None, min_length=1, max_length=128)
    parent_id: str | None = None


class SuspendBody(_Strict):
    reason: str = Field(min_length=1, max_length=500)
    by: str = Field(min_length=1, max_length=100)


class DeactivateBody(_Strict):
    by: str = Field(min_length=1, max_length=100)


class PbxPatch(_Strict):
    name: str | None = Field(None, min_length=1, max_length=128)
    billing_subscription: str | None = Field(None, max_length=50)


class AllowanceItem(_Strict):
    name: str = Field(min_length=1, max_length=100)
    quantity: int = Field(ge=0)


class AllowancesBody(_Strict):
    items: list[AllowanceItem]
    subscription_numbers: list[str] = []


class EmergencyBody(_Strict):
    address: dict[str, str]
    updated_by: str = Field("api", min_length=1, max_length=100)


# -- accounts ----------------------------------------------------------------------------------
_FILTERS = ("filter_name", "filter_zuora_account_number", "filter_phone_number", "filter_suspended")


def list_accounts(call: Call) -> Reply:
    p = call.world.platform
    args = call.request.args
    if args.get("detail") == "full" and not any(f in args for f in _FILTERS):
        return paged(call, p.listing(), lambda a: _full_json(p, a))
    found: list[PlatformAccount] = list(p.accounts.values())
    name = args.get("filter_name")
    if name is not None:
        needle = fold(name)
        found = [a for a in found if needle in fold(a.name)]
    zuora_number = args.get("filter_zuora_account_number")
    if zuora_number is not None:
        found = [
            a for a in found if (a.zuora_account_number or "").casefold() == zuora_number.casefold()
        ]
    phone = args.get("filter_phone_number")
    if phone is not None:
        holders = p.holders_of_number(phone)
        found = [a for a in found if a.id in holders]
    if args.get("filter_suspended") == "true":
        found = [a for a in found if a.suspended is not None]
    rows = sorted(((_account_key(a.id), a) for a in found), key=_first)
    if args.get("detail") == "full":
        return paged(call, rows, lambda a: _full_json(p, a))
    return paged(call, rows, PlatformAccount.summary_json)


def _full_json(p: PlatformWorld, account: PlatformAccount) -> dict[str, Any]:
    """``GET /v2/accounts/{A}`` with its allowances and emergency record (``detail=full``)."""
    estate = p.estate(account.id)
    return account.to_json() | {
        "allowances": estate.allowances.to_json(),
        "emergency": estate.emergency.to_json() if estate.emergency else None,
    }


def get_account(call: Call) -> Reply:
    return success(_account(call.world.platform, call.args["A"]).to_json())


def patch_account(call: Call) -> Reply:
    p = call.world.platform
    account = _account(p, call.args["A"])
    patch = _body(call, AccountPatch)
    if "parent_id" in patch.model_fields_set:
        parent_id = patch.parent_id
        if parent_id is not None:
            _account(p, parent_id)
            lineage = {account.id} | {d.id for d in p.descendants(account.id)}
            if parent_id in lineage:
                raise PlatformError(
                    400, "invalid data", {"parent_id": {"cycle": "parent would make a cycle"}}
                )
        p.set_parent(account.id, parent_id)
    if patch.name is not None:
        account.name = patch.name
    return success(account.to_json())


def children(call: Call) -> Reply:
    p = call.world.platform
    account = _account(p, call.args["A"])
    rows = [(_account_key(c.id), {"id": c.id, "name": c.name}) for c in p.children(account.id)]
    rows.sort(key=_first)
    return paged(call, rows)


def descendants(call: Call) -> Reply:
    p = call.world.platform
    account = _account(p, call.args["A"])
    rows = [
        (_account_key(d.id), {"id": d.id, "name": d.name, "parent_id": d.parent_id})
        for d in p.descendants(account.id)
    ]
    rows.sort(key=_first)
    return paged(call, rows)


def suspend(call: Call) -> Reply:
    p = call.world.platform
    account = _account(p, call.args["A"])
    body = _body(call, SuspendBody)
    if account.suspended is None:  # suspending twice keeps the first reason, who and when
        p.suspend(account.id, reason=body.reason, by=body.by)
    return success(account.to_json())


def lift_suspension(call: Call) -> Reply:
    account = _account(call.world.platform, call.args["A"])
    account.suspended = None
    return success(account.to_json())


def deactivate(call: Call) -> Reply:
    account = _account(call.world.platform, call.args["A"])
    body = _body(call, DeactivateBody)
    if account.status != "deactivated":
        account.status = "deactivated"
        account.deactivated_by = body.by
    return success(account.to_json())


# -- collections -------------------------------------------------------------------------------
def _estate(call: Call) -> Estate:
    account = _account(call.world.platform, call.args["A"])
    return call.world.platform.estate(account.id)


def _item_key(item_id: str) -> SortKey:
    return (item_id,)


def list_collection(name: str) -> Callable[[Call], Reply]:
    def handler(call: Call) -> Reply:
        estate = _estate(call)
        if name == "phone_numbers":
            rows = [(_item_key(n.id), n.to_json()) for n in estate.phone_numbers.values()]
        else:
            rows = [(_item_key(i), dict(v)) for i, v in estate.collections[name].items()]
        return paged(call, sorted(rows, key=_first))

    return handler


def delete_item(name: str) -> Callable[[Call], Reply]:
    def handler(call: Call) -> Reply:
        items = _estate(call).collections[name]
        item = items.pop(call.args["id"], None)
        if item is None:
            raise PlatformError(404, "bad identifier", {"id": call.args["id"]})
        return success(dict(item))

    return handler


def refuse_number_delete(call: Call) -> Reply:
    raise PlatformError(
        405, "phone numbers are quarantined, never deleted", {"id": call.args["id"]}
    )


def quarantine(call: Call) -> Reply:
    estate = _estate(call)
    number = estate.phone_numbers.get(call.args["id"])
    if number is None:
        raise PlatformError(404, "bad identifier", {"id": call.args["id"]})
    if number.state != "quarantined":
        number.state = "quarantined"
        number.quarantine_until = _months_later(call.world.clock.today(), QUARANTINE_MONTHS)
    return success(number.to_json())


def _months_later(day: date, months: int) -> date:
    month0 = day.month - 1 + months
    year, month = day.year + month0 // 12, month0 % 12 + 1
    for candidate_day in (day.day, 30, 29, 28):
        try:
            return day.replace(year=year, month=month, day=candidate_day)
        except ValueError:
            continue
    return day + timedelta(days=183)


def patch_pbx(call: Call) -> Reply:
    pbxs = _estate(call).collections["pbxs"]
    pbx = pbxs.get(call.args["id"])
    if pbx is None:
        raise PlatformError(404, "bad identifier", {"id": call.args["id"]})
    patch = _body(call, PbxPatch)
    for field_name in patch.model_fields_set:
        value = getattr(patch, field_name)
        if value is not None:
            pbx[field_name] = value
    return success(dict(pbx))


def get_allowances(call: Call) -> Reply:
    return success(_estate(call).allowances.to_json())


def put_allowances(call: Call) -> Reply:
    estate = _estate(call)
    body = _body(call, AllowancesBody)
    estate.allowances.items = [(i.name, i.quantity) for i in body.items]
    estate.allowances.subscription_numbers = list(body.subscription_numbers)
    estate.allowances.refreshed_at = call.world.clock.now()
    return success(estate.allowances.to_json())


def get_emergency(call: Call) -> Reply:
    emergency = _estate(call).emergency
    return success(emergency.to_json() if emergency else None)


def put_emergency(call: Call) -> Reply:
    estate = _estate(call)
    body = _body(call, EmergencyBody)
    unknown = sorted(set(body.address) - set(IPND_ADDRESS_FIELDS))
    if unknown:
        raise PlatformError(
            400, "invalid data", {f"address.{k}": {"unknown": "not an IPND field"} for k in unknown}
        )
    estate.emergency = Emergency(dict(body.address), call.world.clock.now(), body.updated_by)
    return success(estate.emergency.to_json())


def sent_emails(call: Call) -> Reply:
    estate = _estate(call)
    found = estate.sent_emails
    text = call.request.args.get("filter_text")
    if text:
        needle = fold(text)
        found = [e for e in found if needle in fold(e.recipient) or needle in fold(e.subject)]
    rows = [((-int(e.sent_at.timestamp()), e.id), e.to_json()) for e in found]
    return paged(call, sorted(rows, key=_first))


def routes() -> list[Route]:
    found = [
        Route("/v2/accounts", ("GET",), list_accounts),
        Route("/v2/accounts/<A>", ("GET",), get_account),
        Route("/v2/accounts/<A>", ("PATCH",), patch_account),
        Route("/v2/accounts/<A>/children", ("GET",), children),
        Route("/v2/accounts/<A>/descendants", ("GET",), descendants),
        Route("/v2/accounts/<A>/suspension", ("PUT",), suspend),
        Route("/v2/accounts/<A>/suspension", ("DELETE",), lift_suspension),
        Route("/v2/accounts/<A>/deactivate", ("POST",), deactivate),
        Route("/v2/accounts/<A>/phone_numbers/<id>/quarantine", ("POST",), quarantine),
        Route("/v2/accounts/<A>/pbxs/<id>", ("PATCH",), patch_pbx),
        Route("/v2/accounts/<A>/allowances", ("GET",), get_allowances),
        Route("/v2/accounts/<A>/allowances", ("PUT",), put_allowances),
        Route("/v2/accounts/<A>/emergency", ("GET",), get_emergency),
        Route("/v2/accounts/<A>/emergency", ("PUT",), put_emergency),
        Route("/v2/accounts/<A>/sent_emails", ("GET",), sent_emails),
    ]
    for name in COLLECTIONS:
        found.append(Route(f"/v2/accounts/<A>/{name}", ("GET",), list_collection(name)))
        remove = delete_item(name) if name != "phone_numbers" else refuse_number_delete
        found.append(Route(f"/v2/accounts/<A>/{name}/<id>", ("DELETE",), remove))
    return found


def guard(handler: Callable[[Call], Reply]) -> Callable[[Call], Reply]:
    """Turn the platform's named errors into its error envelope."""

    def guarded(call: Call) -> Reply:
        try:
            return handler(call)
        except PlatformError as exc:
            return error(exc.status, exc.message, exc.data)
        except BadRequest as exc:
            return error(400, "invalid request", {exc.field or "body": {"invalid": exc.message}})

    return guarded


def fault_reply(kind: str, *, path: str, retry_after: int, coin: float, echo: str = "") -> Reply:
    if kind == "rate_limited":
        reply = error(429, f"too many requests{echo}")
        reply.headers["Retry-After"] = str(retry_after)
        return reply
    if kind == "error" and coin < 0.5:
        return error(503, f"service unavailable{echo}")
    return error(500, f"internal server error{echo}")


def unauthorised() -> Reply:
    return error(401, "invalid credentials")
