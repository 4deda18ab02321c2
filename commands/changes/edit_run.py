"""Renaming an account and changing its parent as runs on the engine: a ``platform`` step, then
a ``zuora`` step, each idempotent.

A first attempt writes what the order's read (moments earlier) showed to differ; a resumed
attempt re-reads the system first, so a write a lost attempt made is recorded as done, not made
twice. The ``zuora`` step, last, writes the change's one audit event (before, after, which
systems were written) with its result; a failure records which system holds which value.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from commands.changes.common import PLATFORM, ZUORA
from commands.runs.engine import StepContext
from commands.runs.kinds import Effect, RunKind, RunView, Step, StepResult, StepView
from commands.runs.records import run_steps
from integrations.errors import IntegrationError

if TYPE_CHECKING:
    from commands.deps import Deps

RENAME = "edit.rename"
PARENT = "edit.parent"


@dataclass(frozen=True)
class System:
    """How one system holds the value: read it now, write it."""

    read: Callable[[Deps, RunView], str | None]
    write: Callable[[Deps, RunView, str | None], object]


def _step(name: str, label: str, system: System, key: str, final: str | None) -> Step:
    def do(ctx: StepContext) -> StepResult:
        p = ctx.params
        target = p["wanted"][key]
        if key == "zuora" and not p.get("in_zuora"):
            return _result(ctx, key, written=False, final=final)
        held = system.read(ctx.deps, ctx.run) if ctx.attempted_before else p["before"][key]
        if held == target:  # written by a lost attempt of this run, or already so
            return _result(ctx, key, written=p["before"][key] != target, final=final)
        try:
            system.write(ctx.deps, ctx.run, target)
        except IntegrationError:
            if system.read(ctx.deps, ctx.run) != target:  # did it go through after all?
                raise
        return _result(ctx, key, written=True, final=final)

    return Step(name, label, do)


def _result(ctx: StepContext, key: str, *, written: bool, final: str | None) -> StepResult:
    detail = {"written": written}
    if final is None:
        return StepResult(detail)
    p = ctx.params
    platform = _done_detail(ctx, "platform")
    wrote = [PLATFORM] if platform.get("written") else []
    if written:
        wrote.append(ZUORA)
    after = dict(p["before"])
    after["platform"] = p["wanted"]["platform"]
    if p.get("in_zuora"):
        after["zuora"] = p["wanted"]["zuora"]
    return StepResult(
        detail,
        Effect(
            final,
            "ok",
            {
                "before": p["before"],
                "after": after,
                "written": wrote,
                "zuora_account": p.get("zuora_account"),
                "zuora_note": p.get("zuora_note"),
            },
        ),
    )


def _done_detail(ctx: StepContext, name: str) -> dict[str, Any]:
    step = next((s for s in run_steps(ctx.deps, ctx.run.id) if s.name == name), None)
    return dict((step.detail if step else None) or {})


def failure_details(_deps: Deps, run: RunView, steps: list[StepView], step: str) -> dict[str, Any]:
    """What each system holds when a step failed: the platform is written first, so a failure
    at the ``zuora`` step leaves the platform with the wanted value and Zuora without it."""
    p = run.p
    now = dict(p["before"])
    if step == "zuora":
        now["platform"] = p["wanted"]["platform"]
    return {
        "target": p["wanted"]["platform"],
        "before": p["before"],
        "after": now,
        "partial": step == "zuora",
        "failed_backend": "zuora" if step == "zuora" else "platform",
    }


def _zuora_key(run: RunView) -> str:
    return str(run.p["zuora_account"])


_NAME_PLATFORM = System(
    read=lambda deps, run: deps.platform.get_account(run.account).name,
    write=lambda deps, run, value: deps.platform.update_account(run.account, name=value or ""),
)
_NAME_ZUORA = System(
    read=lambda deps, run: deps.zuora.get_account(_zuora_key(run)).name,
    write=lambda deps, run, value: deps.zuora.rename_account(_zuora_key(run), value or ""),
)
_PARENT_PLATFORM = System(
    read=lambda deps, run: deps.platform.get_account(run.account).parent_id,
    write=lambda deps, run, value: deps.platform.update_account(run.account, parent_id=value),
)
_PARENT_ZUORA = System(
    read=lambda deps, run: deps.zuora.get_account(_zuora_key(run)).basic_info.parent_id,
    write=lambda deps, run, value: deps.zuora.set_parent(_zuora_key(run), value),
)


def edit_kinds() -> list[RunKind]:
    return [
        RunKind(
            name=RENAME,
            label="rename",
            steps=(
                _step(
                    "platform", "rename on the Jet Hub platform", _NAME_PLATFORM, "platform", None
                ),
                _step("zuora", "rename in Zuora", _NAME_ZUORA, "zuora", RENAME),
            ),
            failure_details=failure_details,
        ),
        RunKind(
            name=PARENT,
            label="parent change",
            steps=(
                _step(
                    "platform", "set the parent on the platform", _PARENT_PLATFORM, "platform", None
                ),
                _step("zuora", "set the parent link in Zuora", _PARENT_ZUORA, "zuora", PARENT),
            ),
            failure_details=failure_details,
        ),
    ]
