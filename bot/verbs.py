"""The ``/jethub`` verbs: what each takes, who may run it, and the parser for the command text."""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.blocks import esc
from commands.actor import Role

MAX_TEXT = 2000


@dataclass(frozen=True)
class Verb:
    name: str
    args: str  # usage after the verb, e.g. "<account> [reason]"
    summary: str
    role: Role | None  # None: anyone
    takes_account: bool = True
    takes_rest: bool = False  # free text after the account (a reason)

    @property
    def usage(self) -> str:
        return f"/jethub {self.name} {self.args}".rstrip()

    @property
    def action(self) -> str:
        """The verb's name in the audit log, as its command records it (``refresh_auth``)."""
        return self.name.replace("-", "_")


VERBS: dict[str, Verb] = {
    verb.name: verb
    for verb in (
        Verb("help", "", "list these verbs", None, takes_account=False),
        Verb(
            "account", "<account>", "account details, parent/children, status, actions", Role.VIEWER
        ),
        Verb("billing", "<account>", "service allowances from the Zuora subscription", Role.VIEWER),
        Verb("pbx", "<account>", "PBX group name and billing subscription", Role.VIEWER),
        Verb(
            "emergency", "<account>", "the emergency (IPND) record and its validation", Role.VIEWER
        ),
        Verb("emails", "<account>", "system-generated emails sent, newest first", Role.VIEWER),
        Verb("audit", "<account>", "recent audit events for the account", Role.VIEWER),
        Verb("edit", "<account>", "rename the account or change its parent", Role.OPERATOR),
        Verb(
            "invoice-email",
            "<account>",
            "change where invoices are emailed (Bill To)",
            Role.OPERATOR,
        ),
        Verb(
            "refresh-auth",
            "<account>",
            "check and repair the SBC auth rules of its numbers",
            Role.OPERATOR,
        ),
        Verb(
            "suspend",
            "<account> [reason]",
            "suspend for non-payment (with confirmation)",
            Role.OPERATOR,
            takes_rest=True,
        ),
        Verb("unsuspend", "<account>", "lift a suspension (with confirmation)", Role.OPERATOR),
        Verb(
            "deactivate",
            "<account>",
            "request deactivation (needs a second person's approval)",
            Role.OPERATOR,
        ),
        Verb(
            "digest",
            "",
            "show today's overdue-invoice digest now, only to you",
            Role.OPERATOR,
            takes_account=False,
        ),
    )
}

ALIASES = {
    "acct": "account",
    "details": "account",
    "email": "invoice-email",
    "auth": "refresh-auth",
}


class UsageError(ValueError):
    """The command text is malformed; the message says what and shows the right form."""


@dataclass(frozen=True)
class Invocation:
    verb: Verb
    account: str | None
    rest: str


_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


def parse(text: str) -> Invocation:
    cleaned = _CONTROL.sub(" ", text or "").strip()
    if len(cleaned) > MAX_TEXT:
        raise UsageError(
            f"That command is {len(cleaned)} characters long; the limit is {MAX_TEXT}."
        )
    if not cleaned:
        return Invocation(VERBS["help"], None, "")
    head, _, tail = cleaned.partition(" ")
    name = ALIASES.get(head.lower(), head.lower())
    verb = VERBS.get(name)
    if verb is None:
        raise UsageError(f"`{_code(head)}` is not a /jethub verb. Try `/jethub help` for the list.")
    tail = tail.strip()
    if not verb.takes_account:
        if tail:
            raise UsageError(f"`/jethub {verb.name}` takes no arguments. Usage: `{verb.usage}`")
        return Invocation(verb, None, "")
    if not tail:
        raise UsageError(f"Which account? Usage: `{verb.usage}`")
    account, rest = _split_account(tail, verb)
    if not account:
        raise UsageError(f"Which account? Usage: `{verb.usage}`")
    if rest and not verb.takes_rest:
        raise UsageError(
            f"`/jethub {verb.name}` takes one account (a number, or a name in quotes). "
            f"Usage: `{verb.usage}`"
        )
    return Invocation(verb, account, rest)


def _split_account(tail: str, verb: Verb) -> tuple[str, str]:
    """An account is a number, a quoted name, or — for verbs with nothing after it — any text."""
    if tail[0] in "\"“'":
        closing = {"“": "”"}.get(tail[0], tail[0])
        end = tail.find(closing, 1)
        if end == -1:
            raise UsageError(f"The quoted account name is missing its closing {closing}.")
        return tail[1:end].strip(), tail[end + 1 :].strip()
    first, _, rest = tail.partition(" ")
    if first.isdigit() or verb.takes_rest:
        return first, rest.strip()
    return tail, ""


def _code(text: str) -> str:
    """The user's text, shown back in code quotes: escaped, since Slack parses mentions there."""
    return esc(text.replace("`", "'")[:40])


def help_lines() -> list[str]:
    return [f"`{verb.usage}` — {verb.summary}" for verb in VERBS.values()]
