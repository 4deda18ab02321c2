"""Object Query over accounts (``GET /object-query/accounts``): the accounts named by number,
with their Sold To contact and subscriptions expanded, a page of 99 at most."""

from __future__ import annotations

from typing import Any

from devkit.sandbox._http import BadRequest, Call, Reply, Route
from devkit.sandbox._zuora_api import (
    INVALID_PARAMETER,
    _decode_seq,
    _encode_seq,
    failure,
    subscription_json,
)
from devkit.sandbox._zuora_state import ZuoraAccount, ZuoraWorld, money

EXPANDABLE = {"soldto", "subscriptions"}


def _numbers(filters: list[str]) -> list[str]:
    """The account numbers asked for: ``accountNumber.IN:[A1,A2]`` or ``accountNumber.EQ:A1``."""
    wanted: list[str] = []
    for text in filters:
        field, _, rest = text.partition(".")
        op, _, value = rest.partition(":")
        if field.lower() != "accountnumber" or op not in ("IN", "EQ"):
            raise BadRequest(f"invalid filter '{text}': only accountNumber.IN or .EQ here")
        items = value.strip("[]").split(",") if op == "IN" else [value]
        wanted.extend(v.strip() for v in items if v.strip())
    if not wanted:
        raise BadRequest("name the accounts: filter[]=accountNumber.IN:[...]")
    return sorted(set(wanted))


def _account_json(z: ZuoraWorld, account: ZuoraAccount, expand: set[str]) -> dict[str, Any]:
    item: dict[str, Any] = {
        "id": account.id,
        "accountNumber": account.account_number,
        "name": account.name,
        "status": account.status,
        "balance": money(z.balance_of(account)),
        "JetHubAccount__c": account.jethub_account,
    }
    if "soldto" in expand:
        item["soldTo"] = z.sold_to(account).to_json()
    if "subscriptions" in expand:
        item["subscriptions"] = [subscription_json(account, s) for s in z.subscriptions_of(account)]
    return item


def object_query_accounts(call: Call) -> Reply:
    z = call.world.zuora
    args = call.request.args
    try:
        raw_size = args.get("pageSize", "10")
        if not raw_size.isdigit() or not 1 <= int(raw_size) <= 99:
            raise BadRequest("pageSize must be an integer from 1 to 99")
        size = int(raw_size)
        numbers = _numbers(args.getlist("filter[]"))
        start = _decode_seq(args["cursor"]) if args.get("cursor") else 0
        expand = {e.lower() for e in args.getlist("expand[]")}
        if expand - EXPANDABLE:
            raise BadRequest(f"cannot expand {sorted(expand - EXPANDABLE)}")
    except BadRequest as exc:
        return failure(400, INVALID_PARAMETER, exc.message)
    found = [a for a in (z.account(n) for n in numbers) if a is not None]
    page = found[start : start + size]
    body: dict[str, Any] = {"data": [_account_json(z, a, expand) for a in page]}
    if start + size < len(found):
        body["nextPage"] = _encode_seq(start + size)
    return Reply(200, body)


def routes() -> list[Route]:
    return [Route("/object-query/accounts", ("GET",), object_query_accounts)]
