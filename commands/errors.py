"""The failures a command names; the Slack layer alone turns them into messages.

CommandError
 ├── Forbidden          the actor lacks the role
 │    └── RoleWithdrawn  …since: its source (a Slack user group) says so at the decision
 ├── MembershipUnknown  the role's source could not be read, so a destructive decision waits
 ├── AccountNotFound    no account has that number / name
 ├── AmbiguousAccount   a name matched several accounts: the caller picks one
 ├── InvalidInput       a value is wrong; ``field`` says which (modals show it inline)
 ├── NothingToDo        the requested state already holds (suspend a suspended account)
 ├── Conflict           the world changed since the person confirmed; nothing was done
 └── PartialFailure     some of a multi-system change happened; says exactly what
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from commands.actor import Role


class CommandError(Exception):
    """Base of every failure a person should read. ``str(exc)`` is the message to show.

    Messages may quote outside text (a typed query, an account name), so the chat surface
    escapes them whole; ``mentions`` lists the user ids a message names on purpose as
    ``<@U…>``, which the surface turns back into real mentions.
    """

    mentions: tuple[str, ...] = ()

    @property
    def audit_details(self) -> Mapping[str, Any]:
        """What the refusal's audit event records besides the message (``commands.trail``)."""
        return {}


class RecordedByRun(CommandError):
    """What a run's outcome became (in progress, failed at a step): the run recorded it in its
    own step and end events, so the trail around the command records nothing more."""


class Forbidden(CommandError):
    def __init__(self, *, role: Role, action: str, contact: str | None = None) -> None:
        self.role = role
        self.action = action
        # Who grants roles (JETHUB_ROLE_CONTACT); unset, the setting that grants it is named.
        how = (
            f"To get it: {contact.strip().rstrip('.')}"
            if contact and contact.strip()
            else f"Roles are granted in the bot's settings (JETHUB_{role.value.upper()}S)"
        )
        super().__init__(f"You need the *{role.value}* role to {action}. {how}.")


class RoleWithdrawn(Forbidden):
    """The actor's role was re-read at its source at the moment of a destructive decision
    (``Deps.membership``) and is gone: no user group holding it lists them any more."""

    def __init__(self, *, role: Role, action: str, contact: str | None = None) -> None:
        super().__init__(role=role, action=action, contact=contact)
        told = str(self)  # "You need the … role to …. To get it: …"
        self.args = (
            f"Slack no longer lists you in a user group holding the *{role.value}* role "
            f"(checked just now), so nothing was done. {told}",
        )


class MembershipUnknown(CommandError):
    """Slack could not confirm the actor's user-group membership at a destructive decision:
    refused rather than decided on what was known before."""

    def __init__(self, *, role: Role, action: str) -> None:
        self.role = role
        super().__init__(
            f"Slack could not confirm just now that you are still in a user group holding the "
            f"*{role.value}* role, so this was not done (a destructive decision is never made on "
            f"an old membership): please try again in a minute. Nothing was changed."
        )


class AccountNotFound(CommandError):
    def __init__(self, query: str) -> None:
        self.query = query
        super().__init__(f"No account matches “{query}”.")


class AmbiguousAccount(CommandError):
    def __init__(self, query: str, matches: Sequence[tuple[str, str]]) -> None:
        self.query = query
        self.matches = list(matches)  # (account number, name)
        super().__init__(f"{len(self.matches)} accounts match “{query}”: pick one.")


class InvalidInput(CommandError):
    def __init__(self, field: str, message: str) -> None:
        self.field = field
        super().__init__(message)


class NothingToDo(CommandError):
    pass


class Conflict(CommandError):
    pass


class PartialFailure(CommandError):
    pass
