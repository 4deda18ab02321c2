"""Refreshing an account's SBC auth rules: make them exactly what its in-service numbers need.

It runs at once rather than asking first: it only ever brings the SBC in line with the
platform, and it reports each change it made ("0412 345 678 had no rule — added").
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pydantic import BaseModel, ConfigDict

from commands.actor import Actor, Role
from commands.changes import find_account
from commands.trail import authorize, record
from integrations.errors import IntegrationError

if TYPE_CHECKING:
    from commands.deps import Deps


class AuthRefreshed(BaseModel):
    model_config = ConfigDict(frozen=True)

    account: str
    account_name: str
    numbers: int  # in-service numbers checked
    changes: list[str]  # one sentence per change, empty when all rules were right
    reloaded: bool


def refresh_auth_rules(query: str, actor: Actor, deps: Deps) -> AuthRefreshed:
    authorize(
        deps, actor, Role.OPERATOR, action="refresh_auth", to="refresh auth rules", account=query
    )
    account = find_account(deps, query)
    numbers = [n.number for n in deps.platform.phone_numbers(account.id) if n.in_service]
    try:
        synced = deps.sbc.sync_account(account.id, numbers)
    except IntegrationError as exc:
        details: dict[str, object] = {"numbers": len(numbers), "error": str(exc)}
        try:  # a sync can stop part way: record the rules the SBC holds now
            details["rules_now"] = sorted(rule.id for rule in deps.sbc.rules(account.id))
        except IntegrationError:
            details["rules_now"] = "unknown: the SBC could not be read"
        record(
            deps,
            actor=actor,
            action="refresh_auth",
            account=account.id,
            outcome="failed",
            details=details,
        )
        raise
    changes = [change.describe() for change in synced.changes]
    record(
        deps,
        actor=actor,
        action="refresh_auth",
        account=account.id,
        outcome="ok",
        details={
            "numbers": len(numbers),
            "changes": [
                {"kind": c.kind, "rule_id": c.rule_id, "number": c.number} for c in synced.changes
            ],
            "reloaded": synced.reloaded,
        },
    )
    return AuthRefreshed(
        account=account.id,
        account_name=account.name,
        numbers=len(numbers),
        changes=changes,
        reloaded=synced.reloaded,
    )
