"""Refreshing an account's SBC auth rules: make them exactly what its in-service numbers need.

It runs at once rather than asking first: it only ever brings the SBC in line with the
platform, and it reports each change it made ("0412 345 678 had no rule — added").
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict

from commands.accounts import find_account
from commands.actor import Actor, Role
from commands.runs import records as run_records
from commands.runs.engine import StepContext
from commands.runs.kinds import Effect, RunKind, RunView, Step, StepResult, StepView
from commands.runs.one_system import run_order
from commands.trail import audited
from integrations.errors import IntegrationError
from integrations.sbc import RuleChange, SbcRule

if TYPE_CHECKING:
    from commands.deps import Deps


class AuthRefreshed(BaseModel):
    model_config = ConfigDict(frozen=True)

    account: str
    account_name: str
    numbers: int  # in-service numbers checked
    changes: list[str]  # one sentence per change, empty when all rules were right
    reloaded: bool
    run_id: str | None = None  # the run that made it (what its Share button names)


def refresh_auth_rules(query: str, actor: Actor, deps: Deps) -> AuthRefreshed:
    with audited(deps, actor, KIND, query) as trail:
        trail.require(Role.OPERATOR, to="refresh auth rules")
        account = find_account(deps, query)
        trail.account = account.id
        outcome = run_order(trail, kind=KIND, params={})
    if outcome.state != "succeeded":
        raise run_records.ActionFailed.of(deps, outcome)
    done = outcome.results["sync"]
    return AuthRefreshed(
        account=account.id,
        account_name=account.name,
        numbers=int(done["numbers"]),
        changes=[RuleChange.model_validate(c).describe() for c in done["changes"]],
        reloaded=bool(done["reloaded"]),
        run_id=outcome.run_id,
    )


# -- the run: one step, safe to repeat ------------------------------------------------------------

KIND = "refresh_auth"


def _sync(ctx: StepContext) -> StepResult:
    """Bring the SBC in line. The rules as they were before the first attempt are recorded as
    intent: a resumed sync reloads the SBC (the lost attempt may have written without reloading)
    and reports every change against those rules, the lost attempt's included."""
    deps, account = ctx.deps, ctx.run.account
    numbers = [n.number for n in deps.platform.phone_numbers(account) if n.in_service]
    earlier = ctx.earlier_intent().get("rules")
    if earlier is None:
        ctx.intend(rules=[rule.model_dump(mode="json") for rule in deps.sbc.rules(account)])
    synced = deps.sbc.sync_account(account, numbers)
    changes, reloaded = list(synced.changes), synced.reloaded
    if earlier is not None:
        changes = _since(
            account, [SbcRule.model_validate(r) for r in earlier], deps.sbc.rules(account)
        )
        if changes and not reloaded:
            deps.sbc.reload()
            reloaded = True
    wire = [c.model_dump(mode="json") for c in changes]
    detail = {"numbers": len(numbers), "changes": wire, "reloaded": reloaded}
    event = {
        "numbers": len(numbers),
        "changes": [{"kind": c.kind, "rule_id": c.rule_id, "number": c.number} for c in changes],
        "reloaded": reloaded,
    }
    return StepResult(detail, Effect(KIND, "ok", event))


def _since(account: str, before: list[SbcRule], now: list[SbcRule]) -> list[RuleChange]:
    """Every change between two readings of the account's rules."""
    old, new = {r.id: r for r in before}, {r.id: r for r in now}
    prefix = f"{account}-"
    found = [
        RuleChange(
            kind="added" if rule_id not in old else "fixed",
            rule_id=rule_id,
            number=rule_id.removeprefix(prefix),
        )
        for rule_id, rule in new.items()
        if old.get(rule_id) != rule
    ]
    found += [RuleChange(kind="removed", rule_id=rule_id) for rule_id in old if rule_id not in new]
    return found


def _failure(deps: Deps, run: RunView, _steps: list[StepView], _step: str) -> dict[str, Any]:
    """A sync can stop part way: the failure event records the rules the SBC holds now."""
    try:
        return {"rules_now": sorted(rule.id for rule in deps.sbc.rules(run.account))}
    except IntegrationError:
        return {"rules_now": "unknown: the SBC could not be read"}


def refresh_kind() -> RunKind:
    return RunKind(
        name=KIND,
        label="auth-rule refresh",
        steps=(Step("sync", "bring the SBC's auth rules in line", _sync),),
        failure_details=_failure,
    )
