"""The edit modal's Save, and the Retry of a half-done edit.

The modal always sends both of its fields, so Save is two orders: the rename, then the parent
change, each carried out (``commands.changes.edit``) and answered on its own — one that would change
nothing is skipped, and when both are skipped the answer is that there was nothing to change.
A step that failed does not stop the other; what stopped it is its answer.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from commands.actor import Actor
from commands.changes.common import NotChanged
from commands.changes.edit import (
    EditIncomplete,
    EditKind,
    EditResult,
    RenameAccount,
    SetParent,
    rename_account,
    set_parent,
)
from commands.changes.edit_run import PARENT, RENAME
from commands.errors import CommandError, NothingToDo
from commands.orders import order
from integrations.errors import IntegrationError

if TYPE_CHECKING:
    from commands.deps import Deps

# What one step did, or what stopped it (``EditIncomplete``: half done, with what each holds).
Answer = EditResult | CommandError


def apply_edit(rename: RenameAccount, parent: SetParent, actor: Actor, deps: Deps) -> list[Answer]:
    """Rename, then change the parent if asked: one answer per step that was not skipped;
    ``NothingToDo`` when both were."""
    steps: list[tuple[str, Callable[[], EditResult]]] = [
        (RENAME, lambda: rename_account(rename, actor, deps)),
        (PARENT, lambda: change_parent_if_asked(parent, actor, deps)),
    ]
    answers: list[Answer] = []
    for kind, step in steps:
        try:
            answers.append(step())
        except NothingToDo:
            continue
        except CommandError as exc:  # half done, failed at a step, in progress: as recorded
            answers.append(exc)
        except IntegrationError as exc:  # before the step's run: no system was written
            answers.append(NotChanged(deps.actions.run(kind).label, rename.account, exc))
    if not answers:
        raise NothingToDo(
            f"Nothing to change: account {rename.account} already has that name and parent."
        )
    return answers


def change_parent_if_asked(parent: SetParent, actor: Actor, deps: Deps) -> EditResult:
    """The modal always sends the parent field: a value equal to the platform's means the
    person did not ask for a hierarchy change (a Zuora link left behind by an earlier half-done
    change is finished with that message's Retry button)."""
    if deps.platform.get_account(parent.account).parent_id == parent.parent:
        raise NothingToDo("parent unchanged")
    return set_parent(parent, actor, deps)


def finish_edit(
    kind: EditKind, account: str, target: str | None, actor: Actor, deps: Deps
) -> Answer:
    """The Retry of a half-done edit: the same order again, which writes only the system that
    does not hold ``target`` yet. What it did, or that it is half done again, or that nothing
    was left to do (each told in place of the warning that had the Retry)."""
    try:
        if kind == "name":
            return rename_account(
                order(RenameAccount, {"account": account, "name": target or ""}), actor, deps
            )
        return set_parent(order(SetParent, {"account": account, "parent": target}), actor, deps)
    except NothingToDo:
        return NothingToDo(f"Nothing left to do: both systems already agree for account {account}.")
    except EditIncomplete as exc:
        return exc
