"""Deactivation as a run on the engine: fourteen idempotent steps.

The Account Manager guide's eleven steps (queues, call parking, music on hold, phone users,
quarantine the numbers, portal users, callflows, PBX, Zuora subscription ids, integrations,
webtracker codes) are framed by ``review``, which re-reads the account first (refusing when it is
already deactivated, when a port-out is under way or it gained active children the request said
nothing about — ``commands.deactivation.checks`` — and reporting any growth of the blast radius
since the request) then ``detach_children`` (when the request said to), and
``deactivate_account``, which marks the account deactivated last — unless it already is.

Each step lists what is there *now*, records that list as its intent, then removes it (a 404 on
delete being success). A step resumed after a lost attempt unions the earlier intent with what
is left, so what the lost attempt removed is counted as removed by this action.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict

from commands.actor import Role
from commands.approvals.requests import load_approval
from commands.deactivation.checks import PortOutPending, refusal
from commands.deactivation.radius import COLLECTION_STEPS, BlastRadius, blast_radius
from commands.errors import CommandError
from commands.runs.engine import StepContext
from commands.runs.kinds import Effect, RunKind, RunView, Step, StepResult, StepView
from integrations.platform import Collection

if TYPE_CHECKING:
    from commands.deps import Deps

KIND = "deactivate"
REVIEW = "review"
DETACH = "detach_children"
MARK = "deactivate_account"
STEPS: tuple[str, ...] = (REVIEW, DETACH, *(c.value for c in COLLECTION_STEPS), MARK)
STEP_LABELS: dict[str, str] = {
    REVIEW: "re-read the account",
    DETACH: "detach the child accounts",
    **{c.value: c.label for c in COLLECTION_STEPS},
    Collection.PHONE_NUMBERS.value: "quarantine phone numbers",
    MARK: "mark the account deactivated",
}
SYSTEM = "system"


class StepTally(BaseModel):
    """What one step did, as shown in the final summary."""

    model_config = ConfigDict(frozen=True)

    name: str
    label: str
    count: int


class DeactivationSummary(BaseModel):
    model_config = ConfigDict(frozen=True)

    account: str
    name: str
    removed: list[StepTally]
    quarantined: int
    already_quarantined: int
    unlinked: list[str]
    quarantine_until: date | None = None  # when the quarantined numbers may be reused
    detached: list[str] = []  # child accounts made accounts of their own


def _event(ctx: StepContext, detail: dict[str, Any], outcome: str = "ok") -> Effect:
    return Effect(
        action=f"{KIND}.step",
        outcome=outcome,  # type: ignore[arg-type]
        actor=SYSTEM,
        details={
            "request_id": ctx.run.approval_id,
            "step": ctx.step.name,
            "position": ctx.step.position,
            "detail": _brief(detail),
        },
    )


def _brief(detail: dict[str, Any]) -> dict[str, Any]:
    """Step detail for the audit log, without the long lists (the step row keeps them)."""
    if "radius" in detail:
        radius = detail["radius"]
        brief = {"counts": radius.get("counts"), "grew": detail.get("grew")}
        return brief | ({"stopped": detail["stopped"]} if "stopped" in detail else {})
    return {key: value for key, value in detail.items() if key != "intent"}


def _from_request(ctx: StepContext, key: str) -> Any:
    """A value the run carries from its request — read from the request itself for a run
    created before runs carried their parameters (before ledger revision 0003)."""
    if key in ctx.params:
        return ctx.params[key]
    request = load_approval(ctx.deps, ctx.run.approval_id or "")
    if request is None:
        return None
    return request.preview if key == "preview" else request.decided_by


def review(ctx: StepContext) -> StepResult:
    account = ctx.deps.platform.get_account(ctx.run.account)
    if account.is_deactivated:
        detail = {"already_deactivated": True, "status": account.status}
        message = f"Account {account.id} is already deactivated; this run did nothing."
        return StepResult(detail, _event(ctx, detail, "refused"), refused=message)
    now_radius = blast_radius(ctx.deps, account)
    before = BlastRadius.model_validate(_from_request(ctx, "preview") or {})
    problem = _stop(now_radius, before)
    if problem is not None:
        detail = {"radius": now_radius.model_dump(mode="json"), "stopped": _why(problem)}
        return StepResult(detail, _event(ctx, detail, "refused"), refused=str(problem))
    growth = now_radius.growth_since(before)
    detail = {
        "radius": now_radius.model_dump(mode="json"),
        "grew": growth.model_dump(mode="json") if growth else None,
    }
    return StepResult(detail, _event(ctx, detail))


def _stop(now: BlastRadius, before: BlastRadius) -> CommandError | None:
    """The pre-checks again, before anything is removed: a port-out under way now, or active
    children the request did not know of and so said nothing about (a request stored before it
    said, with its children listed, keeps them, as the approver then saw)."""
    known = {child.id for child in before.children}
    plan = before.children_plan
    if plan is None and all(child.id in known for child in now.active_children):
        plan = "keep"
    return refusal(now, plan, since=True)


def _why(problem: CommandError) -> dict[str, Any]:
    if isinstance(problem, PortOutPending):
        return {"check": "port_out", "numbers": problem.numbers}
    return {"check": "children"}


def detach(ctx: StepContext) -> StepResult:
    """Detach the active child accounts when the request said so; otherwise they stay."""
    plan = BlastRadius.model_validate(_from_request(ctx, "preview") or {}).children_plan
    if plan != "detach":
        detail: dict[str, Any] = {"plan": plan or "keep", "detached": 0}
        return StepResult(detail, _event(ctx, detail))
    account, platform = ctx.run.account, ctx.deps.platform
    earlier = set(ctx.earlier_intent().get("ids") or [])
    children = [c.id for c in platform.children(account) if c.active]
    ctx.intend(ids=sorted(earlier | set(children)))
    ctx.fan_out(DETACH, lambda child: platform.update_account(child, parent_id=None), children)
    detached = sorted(earlier | set(children))
    detail = {"plan": plan, "detached": len(detached), "ids": detached}
    return StepResult(detail, _event(ctx, detail))


def _clear(collection: Collection) -> Step:
    def do(ctx: StepContext) -> StepResult:
        account, platform = ctx.run.account, ctx.deps.platform
        earlier = set(ctx.earlier_intent().get("ids") or [])
        items = [item.id for item in platform.list(account, collection)]
        ctx.intend(ids=sorted(earlier | set(items)))
        results = ctx.fan_out(
            collection.value, lambda item_id: platform.delete(account, collection, item_id), items
        )
        removed_now = sum(1 for r in results if r.value)
        by_earlier = len(earlier - set(items))  # gone since the lost attempt listed them
        found = len(earlier | set(items))
        removed = removed_now + by_earlier
        detail: dict[str, Any] = {
            "found": found,
            "removed": removed,
            "already_gone": found - removed,
        }
        if by_earlier:
            detail["by_earlier_attempt"] = by_earlier
        return StepResult(detail, _event(ctx, detail))

    return Step(collection.value, STEP_LABELS[collection.value], do)


def quarantine(ctx: StepContext) -> StepResult:
    account, platform = ctx.run.account, ctx.deps.platform
    earlier = set(ctx.earlier_intent().get("ids") or [])
    numbers = platform.phone_numbers(account)
    todo = [n for n in numbers if n.in_service]
    ctx.intend(ids=sorted(earlier | {n.id for n in todo}))
    until = ctx.deps.today() + timedelta(days=ctx.deps.policy.quarantine_days)
    ctx.fan_out(
        Collection.PHONE_NUMBERS.value,
        lambda n: platform.quarantine_number(account, n.id, until=until),
        todo,
    )
    by_earlier = sum(1 for n in numbers if not n.in_service and n.id in earlier)
    quarantined = len(todo) + by_earlier
    detail: dict[str, Any] = {
        "found": len(numbers),
        "quarantined": quarantined,
        "already_quarantined": len(numbers) - quarantined,
        "until": until.isoformat(),
    }
    if by_earlier:
        detail["by_earlier_attempt"] = by_earlier
    return StepResult(detail, _event(ctx, detail))


def mark(ctx: StepContext) -> StepResult:
    by = str(_from_request(ctx, "decided_by") or "jethub-bot")
    account = ctx.deps.platform.get_account(ctx.run.account)
    if account.is_deactivated:  # review saw it live: an earlier attempt of this run marked it
        detail = {"status": account.status, "by": by, "by_earlier_attempt": True}
    else:
        account = ctx.deps.platform.mark_deactivated(ctx.run.account, by=by)
        detail = {"status": account.status, "by": by}
    return StepResult(detail, _event(ctx, detail))


def summarise_steps(run: RunView, steps: list[StepView]) -> DeactivationSummary:
    """What the run removed, quarantined and unlinked, from its steps' records."""
    by_name = {step.name: step for step in steps}
    review_detail = by_name[REVIEW].detail or {}
    radius = BlastRadius.model_validate(
        review_detail.get("radius")
        or run.p.get("preview")
        or {"account": run.account, "name": "", "counts": {}, "numbers": []}
    )
    removed: list[StepTally] = []
    for collection in COLLECTION_STEPS:
        if collection is Collection.PHONE_NUMBERS:
            continue
        detail = by_name[collection.value].detail or {}
        count = int(detail.get("removed", radius.counts.get(collection.value, 0)))
        removed.append(StepTally(name=collection.value, label=collection.label, count=count))
    numbers = by_name[Collection.PHONE_NUMBERS.value].detail or {}
    until = numbers.get("until")
    detached = (by_name[DETACH].detail or {}) if DETACH in by_name else {}
    return DeactivationSummary(
        account=radius.account,
        name=radius.name,
        removed=removed,
        quarantined=int(numbers.get("quarantined", len(radius.numbers))),
        already_quarantined=int(numbers.get("already_quarantined", radius.already_quarantined)),
        unlinked=radius.subscription_ids,
        quarantine_until=date.fromisoformat(until) if isinstance(until, str) else None,
        detached=list(detached.get("ids") or []),
    )


def _summarise(deps: Deps, run: RunView, steps: list[StepView]) -> dict[str, Any]:
    return summarise_steps(run, steps).model_dump(mode="json")


def _steps() -> tuple[Step, ...]:
    middle = [
        Step(c.value, STEP_LABELS[c.value], quarantine)
        if c is Collection.PHONE_NUMBERS
        else _clear(c)
        for c in COLLECTION_STEPS
    ]
    return (
        Step(REVIEW, STEP_LABELS[REVIEW], review),
        Step(DETACH, STEP_LABELS[DETACH], detach),
        *middle,
        Step(MARK, STEP_LABELS[MARK], mark),
    )


def deactivation_kind() -> RunKind:
    return RunKind(
        name=KIND,
        label="deactivation",
        steps=_steps(),
        retry_role=Role.APPROVER,
        exclusive=True,
        announce=True,
        summarise=_summarise,
        delay=lambda policy: policy.deactivation_delay,
    )
