"""Taking a digest row: who is chasing an overdue account, so two people don't call the same
customer. One person has it at a time (``audit.takes``); a second person's Take is told who has
it and may take it over explicitly (a compare-and-set on the person shown). Audited as ``take``
with before and after, in the transaction that writes it.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from pydantic import BaseModel, ConfigDict

from audit import get_take, take
from commands.accounts import live_account
from commands.actor import Actor, Role
from commands.errors import Conflict, NothingToDo
from commands.trail import audited

if TYPE_CHECKING:
    from commands.deps import Deps

TAKE = "take"


class TakenBy(BaseModel):
    model_config = ConfigDict(frozen=True)

    by: str
    at: datetime


class Taken(BaseModel):
    model_config = ConfigDict(frozen=True)

    account: str
    name: str
    by: str
    before: TakenBy | None  # whom it was taken over from


class TakenAlready(Conflict):
    """Someone else is chasing the account: nothing changed; they may be taken over from."""

    def __init__(self, account: str, name: str, holder: TakenBy) -> None:
        self.account, self.name, self.holder = account, name, holder
        super().__init__(
            f"{holder.by} is already chasing account {account}, so it was not taken. Take it "
            "over if they agree."
        )


def take_account(account: str, actor: Actor, deps: Deps, *, over: str | None = None) -> Taken:
    """``actor`` takes ``account`` — free, or (``over``) from exactly the person they were shown."""
    with audited(deps, actor, TAKE, account) as trail:
        trail.require(Role.OPERATOR, to="take an account to chase")
        found = live_account(deps, account)
        with deps.ledger.read_session() as session:
            row = get_take(session=session, account=found.id)
            held = None if row is None else TakenBy(by=row.by, at=row.at)
        if held is not None and held.by == actor.user_id:
            mine = NothingToDo(f"You are already chasing account {found.id}. Nothing changed.")
            raise trail.refuse(mine, problem="already yours")
        if held is not None and held.by != over:
            raise trail.refuse(TakenAlready(found.id, found.name, held), problem="taken")
        with deps.ledger.session() as session:
            won = take(
                session=session,
                account=found.id,
                by=actor.user_id,
                now=deps.now(),
                over=held.by if held is not None else None,
            )
            if won:
                trail.ok(
                    session=session,
                    before=held.model_dump(mode="json") if held else None,
                    after={"by": actor.user_id},
                )
        if not won:  # someone took it between the read and the write
            raced = Conflict(f"Someone took account {found.id} just now; nothing changed.")
            raise trail.refuse(raced, problem="raced")
    return Taken(account=found.id, name=found.name, by=actor.user_id, before=held)
