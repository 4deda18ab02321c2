"""Editing an account: its name (on the platform and in Zuora together) and its parent.

Both changes touch two systems, the platform first and Zuora second. Each reads both systems
before it writes, so a backend that is down is found before anything changes. The accepted order
is then recorded as a run (``commands.changes.edit_run``) and worked by the engine, so a crash or a
ledger outage mid-way is finished by the sweeper and recorded. If the second write fails, the
change is half done: ``EditIncomplete`` says which system holds which value, the audit event is
``failed`` with both, and running the same order again finishes it (each run only writes the
systems that do not hold the wanted value yet).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Literal

from pydantic import BaseModel, ConfigDict, field_validator

from commands.accounts import find_account, live_account
from commands.actor import Actor, Role
from commands.changes.common import PLATFORM, ZUORA
from commands.changes.edit_run import PARENT, RENAME
from commands.errors import InvalidInput, NothingToDo, PartialFailure
from commands.runs import records as run_records
from commands.runs.one_system import run_order
from commands.trail import Trail, audited, authorize
from integrations.errors import IntegrationError, NotFound

if TYPE_CHECKING:
    from commands.deps import Deps
    from integrations.platform import Account
    from integrations.zuora import ZuoraAccount

MAX_NAME = 255  # Zuora's limit on an account name
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")

EditKind = Literal["name", "parent"]


# -- orders ---------------------------------------------------------------------------------------


class RenameAccount(BaseModel):
    """Give the account ``name`` on the platform and in Zuora."""

    model_config = ConfigDict(frozen=True)

    account: str
    name: str

    @field_validator("name")
    @classmethod
    def _a_name(cls, value: str) -> str:
        value = " ".join(value.split())
        if not value:
            raise ValueError("Enter the account's new name.")
        if len(value) > MAX_NAME:
            raise ValueError(f"A name can be at most {MAX_NAME} characters ({len(value)} given).")
        if _CONTROL.search(value):
            raise ValueError("The name contains control characters.")
        return value


class SetParent(BaseModel):
    """Make ``parent`` (a Jet Hub account number) the account's parent; None removes it."""

    model_config = ConfigDict(frozen=True)

    account: str
    parent: str | None = None

    @field_validator("parent", mode="before")
    @classmethod
    def _a_number(cls, value: object) -> object:
        if value is None:
            return None
        text = str(value).strip()
        if not text:
            return None
        if not text.isdigit():
            raise ValueError(
                "Enter the parent's Jet Hub account number (digits only), "
                "or leave it empty to remove the parent."
            )
        return text


# -- results --------------------------------------------------------------------------------------


class Holding(BaseModel):
    """The value each system holds (Zuora None: the account has no Zuora side for this)."""

    model_config = ConfigDict(frozen=True)

    platform: str | None
    zuora: str | None


class EditResult(BaseModel):
    """A finished edit: what each system held before and holds now, and which were written."""

    model_config = ConfigDict(frozen=True)

    kind: EditKind
    account: str
    account_name: str
    before: Holding
    after: Holding
    written: list[str]  # PLATFORM and/or ZUORA
    zuora_account: str | None = None
    zuora_note: str | None = None  # why Zuora was left alone, when it was
    run_id: str | None = None  # the run that made it (what its Share button names)


class EditForm(BaseModel):
    """What the edit modal shows: the account, its names and its parent."""

    model_config = ConfigDict(frozen=True)

    account: str
    name: str
    zuora_account: str | None
    zuora_name: str | None
    parent: str | None
    parent_name: str | None
    zuora_has_parent_link: bool


class EditIncomplete(PartialFailure):
    """The platform was changed but Zuora was not: the systems disagree until a retry."""

    def __init__(
        self,
        *,
        kind: EditKind,
        account: str,
        target: str | None,
        before: Holding,
        now: Holding,
        failed: str,
        error: IntegrationError | str,
    ) -> None:
        self.kind = kind
        self.account = account
        self.target = target
        self.before = before
        self.now = now
        self.failed = failed
        self.error = error
        what = "rename" if kind == "name" else "parent change"
        if kind == "name":
            shown = f"“{now.platform}”", f"“{now.zuora}”"
        else:
            shown = _parent(now.platform), "its old parent link"
        super().__init__(
            f"The {what} of account {account} is only half done: the {PLATFORM} has "
            f"{shown[0]}, but {ZUORA} still has {shown[1]}. {ZUORA} failed: {error}. "
            f"Retry to finish it."
        )


def _parent(value: str | None) -> str:
    return f"parent {value}" if value else "no parent"


# -- reading --------------------------------------------------------------------------------------


def load_edit_form(query: str, actor: Actor, deps: Deps) -> EditForm:
    """The account and its current names and parent, for the edit modal."""
    authorize(deps, actor, Role.OPERATOR, action="edit", to="edit an account", account=query)
    account = find_account(deps, query)
    zuora = _zuora_account(deps, account)
    parent_name = None
    if account.parent_id:
        try:
            parent_name = deps.platform.get_account(account.parent_id).name
        except NotFound:
            parent_name = None
    return EditForm(
        account=account.id,
        name=account.name,
        zuora_account=zuora.account_number if zuora else None,
        zuora_name=zuora.name if zuora else None,
        parent=account.parent_id,
        parent_name=parent_name,
        zuora_has_parent_link=bool(zuora and zuora.basic_info.parent_id),
    )


def _zuora_account(deps: Deps, account: Account) -> ZuoraAccount | None:
    if not account.zuora_account_number:
        return None
    return deps.zuora.get_account(account.zuora_account_number)


# -- rename ---------------------------------------------------------------------------------------


def rename_account(cmd: RenameAccount, actor: Actor, deps: Deps) -> EditResult:
    """Rename on the platform, then in Zuora; a retry of a half-done rename finishes it."""
    with audited(deps, actor, RENAME, cmd.account) as trail:
        trail.require(Role.OPERATOR, to="rename an account")
        account = live_account(deps, cmd.account)
        zuora = _zuora_account(deps, account)
        before = Holding(platform=account.name, zuora=zuora.name if zuora else None)
        wanted = Holding(platform=cmd.name, zuora=cmd.name if zuora else None)
        if before == wanted:
            raise NothingToDo(f"Account {account.id} is already called “{cmd.name}”.")
        zuora_note = None if zuora else "no Zuora account is linked"
        return _carry_out(
            trail,
            kind="name",
            account=account,
            account_name=cmd.name,
            before=before,
            wanted=wanted,
            zuora_account=zuora.account_number if zuora else None,
            zuora_note=zuora_note,
            in_zuora=zuora is not None,
        )


# -- parent ---------------------------------------------------------------------------------------


def check_parent(cmd: SetParent, deps: Deps) -> Account | None:
    """The new parent account, or ``InvalidInput`` on ``parent`` when it cannot be the parent:
    it does not exist, is deactivated, is the account itself or one of its own descendants."""
    if cmd.parent is None:
        return None
    if cmd.parent == cmd.account:
        raise InvalidInput("parent", f"Account {cmd.account} cannot be its own parent.")
    try:
        parent = deps.platform.get_account(cmd.parent)
    except NotFound:
        raise InvalidInput("parent", f"There is no account {cmd.parent}.") from None
    if parent.is_deactivated:
        raise InvalidInput("parent", f"Account {parent.id} is deactivated; pick another parent.")
    below = {child.id for child in deps.platform.descendants(cmd.account)}
    if parent.id in below:
        raise InvalidInput(
            "parent",
            f"Account {parent.id} ({parent.name}) is one of {cmd.account}'s own descendants: "
            f"making it the parent would create a loop.",
        )
    return parent


def set_parent(cmd: SetParent, actor: Actor, deps: Deps) -> EditResult:
    """Set or remove the parent on the platform, and in Zuora where the Zuora account has a
    parent link (an account billed on its own in Zuora stays so)."""
    with audited(deps, actor, PARENT, cmd.account) as trail:
        trail.require(Role.OPERATOR, to="change an account's parent")
        trail.details["parent"] = cmd.parent
        account = live_account(deps, cmd.account)
        parent = check_parent(cmd, deps)
        zuora = _zuora_account(deps, account)
        zuora_target, note = _zuora_parent(deps, zuora, parent)
        in_zuora = note is None and zuora is not None
        before = Holding(
            platform=account.parent_id,
            zuora=zuora.basic_info.parent_id if in_zuora and zuora else None,
        )
        wanted = Holding(platform=cmd.parent, zuora=zuora_target if in_zuora else None)
        if before == wanted:
            shown = f"parent {cmd.parent}" if cmd.parent else "no parent"
            raise NothingToDo(f"Account {account.id} already has {shown}.")
        return _carry_out(
            trail,
            kind="parent",
            account=account,
            account_name=account.name,
            before=before,
            wanted=wanted,
            zuora_account=zuora.account_number if zuora else None,
            zuora_note=note,
            in_zuora=in_zuora,
        )


def _zuora_parent(
    deps: Deps, zuora: ZuoraAccount | None, parent: Account | None
) -> tuple[str | None, str | None]:
    """The Zuora parent id to set, and a note when Zuora is to be left alone."""
    if zuora is None:
        return None, "no Zuora account is linked"
    if not zuora.basic_info.parent_id:
        # Only a Zuora account that is already in a hierarchy is kept in step; gaining one is
        # a billing decision (invoice ownership) for the billing team, not a side effect.
        if parent is None:
            return None, "the Zuora account has no parent link"
        return None, "the Zuora account has no parent link; set one in Zuora if billing needs it"
    if parent is None:
        return None, None
    if not parent.zuora_account_number:
        return None, f"the new parent {parent.id} has no Zuora account"
    return deps.zuora.get_account(parent.zuora_account_number).basic_info.id, None


# -- carrying it out: a run on the engine ------------------------------------------------------


def _carry_out(
    trail: Trail,
    *,
    kind: EditKind,
    account: Account,
    account_name: str,
    before: Holding,
    wanted: Holding,
    zuora_account: str | None,
    zuora_note: str | None,
    in_zuora: bool,
) -> EditResult:
    """Record the accepted order as a run, work it, and say what its record shows."""
    outcome = run_order(
        trail,
        kind=RENAME if kind == "name" else PARENT,
        params={
            "before": before.model_dump(),
            "wanted": wanted.model_dump(),
            "in_zuora": in_zuora,
            "zuora_account": zuora_account,
            "zuora_note": zuora_note,
        },
    )
    if outcome.state == "succeeded":
        written = [PLATFORM] if outcome.results["platform"].get("written") else []
        if outcome.results["zuora"].get("written"):
            written.append(ZUORA)
        after = wanted if in_zuora else wanted.model_copy(update={"zuora": before.zuora})
        return EditResult(
            kind=kind,
            account=account.id,
            account_name=account_name,
            before=before,
            after=after,
            written=written,
            zuora_account=zuora_account,
            zuora_note=zuora_note,
            run_id=outcome.run_id,
        )
    if outcome.state == "failed" and outcome.failed_step == "zuora":
        raise EditIncomplete(
            kind=kind,
            account=account.id,
            target=wanted.platform,
            before=before,
            now=before.model_copy(update={"platform": wanted.platform}),
            failed=ZUORA,
            error=outcome.error or "",
        )
    raise run_records.ActionFailed.of(trail.deps, outcome)
