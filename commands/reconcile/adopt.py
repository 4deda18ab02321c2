"""``reconcile.adopt``: the ledger takes the platform's word for a suspension made (or lifted)
outside the bot — who and why from the platform, who pressed the button as the run's
requester. One step, safe to repeat: it reads the platform again and refuses when the account
has changed since the report (the finding is then not the one that was fixed)."""

from __future__ import annotations

from typing import Any

from commands.reconcile.ledger import ADOPT_KIND
from commands.runs.engine import StepContext
from commands.runs.kinds import Effect, RunKind, Step, StepResult


def adopt_params(
    *, suspended: bool, by: str = "", reason: str = "", at: str = ""
) -> dict[str, Any]:
    return {"suspended": suspended, "by": by, "reason": reason, "at": at}


def _adopt(ctx: StepContext) -> StepResult:
    p = ctx.params
    account = ctx.deps.platform.get_account(ctx.run.account)
    held = account.suspended
    wanted = bool(p.get("suspended"))
    same = (
        held is not None and (held.by, held.reason) == (p.get("by"), p.get("reason"))
        if wanted
        else held is None
    )
    details = {"suspended": wanted, "by": p.get("by"), "reason": p.get("reason"), "at": p.get("at")}
    if not same:
        message = (
            f"Account {account.id}'s suspension changed since the report; nothing was adopted."
        )
        return StepResult(
            {"refused": {"message": message, "problem": "changed since"}},
            Effect(ADOPT_KIND, "refused", {**details, "problem": "changed since"}),
            message,
        )
    return StepResult({"adopted": details}, Effect(ADOPT_KIND, "ok", details))


def adopt_kind() -> RunKind:
    return RunKind(
        name=ADOPT_KIND,
        label="adoption of a suspension made outside the bot",
        steps=(Step("adopt", "record the platform's suspension in the ledger", _adopt),),
    )
