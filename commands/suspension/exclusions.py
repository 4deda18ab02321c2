"""Exclusions: accounts an admin keeps out of suspension — a hospital, a council — each with a
reason. ``/jethub exclude <account> <reason>`` and ``/jethub include <account>`` (admin),
audited as ``exclude`` / ``include`` with before and after, written in one transaction with the
row (``audit.exclusions``). The digest lists excluded accounts apart; suspending one is refused
with the reason (``excluded_refusal``), at the confirmation and again when the suspension takes
effect; an override (``/jethub override``, an approver's decision) still may.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from pydantic import BaseModel, ConfigDict, field_validator

from audit import exclude, get_exclusion, include
from commands.accounts import resolve_account
from commands.actor import Actor, Role
from commands.errors import Conflict, NothingToDo
from commands.reasons import few_words
from commands.trail import audited

if TYPE_CHECKING:
    from sqlmodel import Session

    from commands.deps import Deps

EXCLUDE, INCLUDE = "exclude", "include"
MAX_REASON = 500


class ExclusionInfo(BaseModel):
    model_config = ConfigDict(frozen=True)

    reason: str
    by: str
    at: datetime


class ExcludeAccount(BaseModel):
    """Order: never offer ``account`` for suspension, because ``reason``."""

    model_config = ConfigDict(frozen=True)

    account: str
    reason: str

    @field_validator("reason")
    @classmethod
    def _why(cls, value: str) -> str:
        return few_words(
            value,
            asking="Say why in a few words, e.g. `/jethub exclude 1003 public hospital, never "
            "cut off` — the team reads it whenever the account comes up.",
            max_length=MAX_REASON,
        )


class IncludeAccount(BaseModel):
    model_config = ConfigDict(frozen=True)

    account: str


class Excluded(BaseModel):
    model_config = ConfigDict(frozen=True)

    account: str
    name: str
    exclusion: ExclusionInfo
    before: ExclusionInfo | None


class Included(BaseModel):
    model_config = ConfigDict(frozen=True)

    account: str
    name: str
    was: ExclusionInfo


class ExcludedFromSuspension(Conflict):
    def __init__(self, account: str, exclusion: ExclusionInfo) -> None:
        self.account = account
        self.exclusion = exclusion
        super().__init__(
            f"Account {account} is excluded from suspension (by {exclusion.by}, "
            f"{exclusion.at:%d %b %Y}: “{exclusion.reason}”), so it was not suspended. To "
            f"suspend it anyway an approver decides: `/jethub override {account} <reason>`; "
            f"an admin can end the exclusion: `/jethub include {account}`."
        )


def exclusion_of(session: Session, account: str) -> ExclusionInfo | None:
    row = get_exclusion(session=session, account=account)
    return None if row is None else ExclusionInfo(reason=row.reason, by=row.by, at=row.created_at)


def excluded_refusal(deps: Deps, account: str) -> ExcludedFromSuspension | None:
    """The refusal to suspend ``account`` while it is excluded, else None."""
    with deps.ledger.read_session() as session:
        found = exclusion_of(session, account)
    return None if found is None else ExcludedFromSuspension(account, found)


def exclude_account(cmd: ExcludeAccount, actor: Actor, deps: Deps) -> Excluded:
    with audited(deps, actor, EXCLUDE, cmd.account) as trail:
        trail.require(Role.ADMIN, to="exclude an account from suspension")
        account = resolve_account(deps, cmd.account)
        trail.account = account.id
        with deps.ledger.session() as session:
            before = exclusion_of(session, account.id)
            row = exclude(
                session=session,
                account=account.id,
                reason=cmd.reason,
                by=actor.user_id,
                now=deps.now(),
            )
            after = ExclusionInfo(reason=row.reason, by=row.by, at=row.created_at)
            trail.ok(
                session=session,
                before=before.model_dump(mode="json") if before else None,
                after=after.model_dump(mode="json"),
            )
    return Excluded(account=account.id, name=account.name, exclusion=after, before=before)


def include_account(cmd: IncludeAccount, actor: Actor, deps: Deps) -> Included:
    with audited(deps, actor, INCLUDE, cmd.account) as trail:
        trail.require(Role.ADMIN, to="end an exclusion from suspension")
        account = resolve_account(deps, cmd.account)
        trail.account = account.id
        with deps.ledger.read_session() as session:
            was = exclusion_of(session, account.id)
        if was is None:
            nothing = NothingToDo(
                f"Account {account.id} is not excluded from suspension. Nothing changed."
            )
            raise trail.refuse(nothing, problem="not excluded")
        with deps.ledger.session() as session:
            was = exclusion_of(session, account.id) or was  # as it is when it ends
            include(session=session, account=account.id)
            trail.ok(session=session, before=was.model_dump(mode="json"), after=None)
    return Included(account=account.id, name=account.name, was=was)
