"""Suspending and lifting a suspension as runs on the engine (one step each), the overdue rule
they check at the moment of effect, and what a finished run tells the person (``outcome_result``).

The ``suspend`` step re-reads the account and its invoices, then suspends — or refuses, truly:
deactivated since, already suspended, or paid since the confirmation. Resumed after a lost
attempt (a crash, a ledger outage) it finds the suspension that attempt made — same reason, same
person — and records it as done by this action. A backend failure is checked the same way
before it fails the run, so "failed" means the platform does not show the change.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from commands.errors import Conflict, NothingToDo
from commands.runs import engine
from commands.runs import records as run_records
from commands.runs.engine import StepContext
from commands.runs.kinds import Effect, RunKind, RunOutcome, Step, StepResult
from commands.runs.one_system import CHECKED_AFTER_FAILURE
from commands.runs.records import ActionFailed
from commands.suspension.exclusions import excluded_refusal
from commands.suspension.models import (
    SUSPEND,
    UNSUSPEND,
    AlreadySuspended,
    OverdueInvoice,
    OverdueSummary,
    PaidSinceConfirmation,
    Suspended,
    SuspensionState,
    Unsuspended,
    open_invoices,
)
from commands.suspension.promises import promised_refusal
from integrations.errors import IntegrationError

if TYPE_CHECKING:
    from zoneinfo import ZoneInfo

    from commands.deps import Deps
    from integrations.platform import Account

MAX_INVOICES_KEPT = 20


def overdue_for(deps: Deps, account: Account) -> OverdueSummary:
    """The account's overdue invoices by the digest's rule (``commands.digest.overdue``): Posted,
    owing, at least ``overdue_days`` past due, and together owing ``overdue_min_balance`` or more —
    otherwise none. Oldest first."""
    today = deps.today()
    policy = deps.policy
    threshold = policy.threshold_days
    owing, currency = open_invoices_of(deps, account, today)
    found = [inv for inv in owing if inv.days_overdue >= threshold]
    total = sum((inv.balance for inv in found), Decimal("0"))
    if total < Decimal(str(policy.overdue_min_balance)):
        found, total = [], Decimal("0")
    return OverdueSummary(
        as_of=today,
        overdue_days=threshold,
        count=len(found),
        total=total,
        currency=currency,
        oldest_due=found[0].due_date if found else None,
        invoices=found[:MAX_INVOICES_KEPT],
    )


def open_invoices_of(
    deps: Deps, account: Account, today: date
) -> tuple[list[OverdueInvoice], str | None]:
    """The account's invoices still owing on ``today``, due or not, oldest first (read from
    Zuora now), and their currency."""
    if not account.zuora_account_number:
        return [], None
    return open_invoices(deps.zuora.invoices_for_account(account.zuora_account_number), today)


def state_of(account: Account) -> SuspensionState | None:
    s = account.suspended
    return None if s is None else SuspensionState(reason=s.reason, by=s.by, at=s.at)


def already(account: Account, zone: ZoneInfo) -> AlreadySuspended:
    state = state_of(account)
    assert state is not None
    return AlreadySuspended(account.id, state, zone)


def origin_label(origin: str | None) -> str:
    if origin and origin.startswith("digest:"):
        return f"overdue digest of {origin.removeprefix('digest:')}"
    return "confirmation"


def owing(overdue: OverdueSummary) -> str:
    money = f"{overdue.total:,.2f}" + (f" {overdue.currency}" if overdue.currency else "")
    noun = "invoice was" if overdue.count == 1 else "invoices were"
    return f"{overdue.count} {noun} overdue, {money}"


# -- suspend --------------------------------------------------------------------------------------


def _ours(account: Account, by: str, reason: str) -> bool:
    s = account.suspended
    return s is not None and s.by == by and s.reason == reason


def _suspend(ctx: StepContext) -> StepResult:
    p = ctx.params
    by, reason, origin = str(p["by"]), str(p["reason"]), p.get("origin")
    shown = OverdueSummary.model_validate(p.get("shown") or {})
    base: dict[str, Any] = {"reason": reason, "origin": origin, **dict(p.get("reference") or {})}
    if p.get("approved_by"):
        base["approved_by"] = p["approved_by"]
    platform = ctx.deps.platform
    account = platform.get_account(ctx.run.account)

    def refused(problem: dict[str, Any], message: str) -> StepResult:
        detail = {"refused": {"message": message, **problem}}
        return StepResult(detail, Effect(SUSPEND, "refused", {**base, **problem}), message)

    def done(after: Account, overdue: OverdueSummary | None, reconciled: bool) -> StepResult:
        state = state_of(after)
        result = Suspended(
            account=after.id,
            name=after.name,
            reason=state.reason if state else reason,
            by=state.by if state else by,
            at=state.at if state else None,
            overdue=overdue or shown,
            origin=origin,
            approved_by=p.get("approved_by"),
        )
        details = {
            **base,
            "before": {"suspended": None},
            "after": {"suspended": state.model_dump(mode="json") if state else None},
            "overdue": (overdue or shown).brief(),
        }
        if reconciled:
            details["reconciled"] = "the suspension was made by an earlier attempt of this run"
        return StepResult(
            {"suspended": result.model_dump(mode="json")}, Effect(SUSPEND, "ok", details)
        )

    if account.is_suspended and ctx.attempted_before and _ours(account, by, reason):
        return done(account, None, reconciled=True)
    if account.is_deactivated:
        return refused(
            {"problem": "deactivated since"},
            f"Account {account.id} was deactivated since; it was not suspended.",
        )
    if account.is_suspended:
        exc = already(account, ctx.deps.zone)
        return refused(
            {"problem": "already suspended", "state": exc.state.model_dump(mode="json")}, str(exc)
        )
    excluded = excluded_refusal(ctx.deps, account.id)
    if excluded is not None:
        return refused({"problem": "excluded since"}, str(excluded))
    # A bulk suspension from the digest re-checks the promise the digest left it out for.
    promised = promised_refusal(ctx.deps, account.id) if p.get("unless_promised") else None
    if promised is not None:
        return refused({"problem": "promised since"}, str(promised))
    now_overdue = overdue_for(ctx.deps, account)
    if now_overdue.count == 0:
        return refused(
            {"problem": "paid since confirmation", "overdue_shown": shown.brief()},
            f"Account {account.id} has paid: no invoice is overdue any more (at the "
            f"{origin_label(origin)}, {owing(shown)}). It was *not* suspended.",
        )
    try:
        after = platform.suspend(account.id, reason=reason, by=by)
    except IntegrationError:
        after = platform.get_account(account.id)  # did it go through after all?
        if not _ours(after, by, reason):
            raise
    return done(after, now_overdue, reconciled=False)


# -- unsuspend ------------------------------------------------------------------------------------


def _unsuspend(ctx: StepContext) -> StepResult:
    p = ctx.params
    note = p.get("note") or None
    base: dict[str, Any] = {**dict(p.get("reference") or {}), "note": note}
    was = SuspensionState.model_validate(p["was"]) if p.get("was") else None
    actor = p.get("actor")  # "system" when the bot lifts it on its own policy (a payment)
    platform = ctx.deps.platform
    account = platform.get_account(ctx.run.account)

    def done(reconciled: bool) -> StepResult:
        result = Unsuspended(
            account=account.id, name=account.name, by=str(p["by"]), was=was, note=note or ""
        )
        details = {
            **base,
            "before": {"suspended": was.model_dump(mode="json") if was else None},
            "after": {"suspended": None},
        }
        if reconciled:
            details["reconciled"] = "the suspension was lifted by an earlier attempt of this run"
        return StepResult(
            {"unsuspended": result.model_dump(mode="json")},
            Effect(UNSUSPEND, "ok", details, actor=actor),
        )

    if not account.is_suspended:
        if ctx.attempted_before:
            return done(reconciled=True)
        message = (
            f"Account {account.id} is not suspended any more (someone lifted it since). "
            "Nothing changed."
        )
        return StepResult(
            {"refused": {"message": message, "problem": "not suspended any more"}},
            Effect(
                UNSUSPEND, "refused", {**base, "problem": "not suspended any more"}, actor=actor
            ),
            message,
        )
    if was is None:
        was = state_of(account)
    try:
        platform.unsuspend(account.id)
    except IntegrationError:
        if platform.get_account(account.id).is_suspended:
            raise
    return done(reconciled=False)


def suspension_kinds() -> list[RunKind]:
    return [
        RunKind(
            name=SUSPEND,
            label="suspension",
            steps=(Step("suspend", "suspend on the platform", _suspend),),
            exclusive=True,
            failure_note=CHECKED_AFTER_FAILURE,
        ),
        RunKind(
            name=UNSUSPEND,
            label="lifting of a suspension",
            steps=(Step("unsuspend", "lift the suspension on the platform", _unsuspend),),
            failure_note=CHECKED_AFTER_FAILURE,
        ),
    ]


# -- results ------------------------------------------------------------------------------------


def work(deps: Deps, run_id: str) -> Suspended | Unsuspended:
    """Work the run now and say what it did (or raise what stopped it)."""
    return outcome_result(deps, engine.execute(deps, run_id))


def outcome_result(deps: Deps, outcome: RunOutcome) -> Suspended | Unsuspended:
    """A (un)suspension run's outcome as its result, from its record; its refusal or failure
    raised as the error to show."""
    if outcome.state == "succeeded":
        detail = next(iter(outcome.results.values()), {})
        if "suspended" in detail:
            return Suspended.model_validate({**detail["suspended"], "run_id": outcome.run_id})
        return Unsuspended.model_validate({**detail["unsuspended"], "run_id": outcome.run_id})
    if outcome.state == "refused":
        detail = next(iter(outcome.results.values()), {})
        refusal = dict(detail.get("refused") or {})
        message = str(refusal.get("message") or outcome.refused or "Nothing was done.")
        problem = refusal.get("problem")
        run = run_records.load_run(deps, outcome.run_id)
        if problem == "already suspended" and refusal.get("state") and run is not None:
            state = SuspensionState.model_validate(refusal["state"])
            raise AlreadySuspended(run.account, state, deps.zone)
        if problem == "paid since confirmation":
            raise PaidSinceConfirmation(message)
        if problem in ("deactivated since", "excluded since", "promised since"):
            raise Conflict(message)
        raise NothingToDo(message)
    raise ActionFailed.of(deps, outcome)
