"""The ``/jethub`` verbs: what each takes, who may run it, and the parser for the command text."""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from typing import Any

from bot.edge.blocks import esc, message, section
from commands.accounts import EMAIL
from commands.actor import Actor, Role
from integrations.phone import national_au_number

MAX_TEXT = 2000
MAX_ACCOUNT = 100  # a number, or a name (or part of one) to search for
MAX_ACCOUNT_DIGITS = 12
_NAME_PUNCTUATION = frozenset(" .,'\u2019&()/+#-")


@dataclass(frozen=True)
class Verb:
    name: str
    args: str  # usage after the verb, e.g. "<account> [reason]"
    summary: str
    role: Role | None  # None: anyone
    takes_account: bool = True
    takes_rest: bool = False  # free text after the account (a reason, a filter)
    account_optional: bool = False  # the account may be left out (the verb then means all)
    to: str = ""  # what a refusal says the role is needed for ("suspend an account")
    also: Role | None = None  # a second role that may run it too (override: approvers)

    @property
    def usage(self) -> str:
        """Shown in code quotes; escaped, since Slack reads ``<account>`` as a link."""
        return esc(f"/jethub {self.name} {self.args}".rstrip())

    def allowed(self, actor: Actor) -> bool:
        return self.role is None or actor.has(self.role) or bool(self.also and actor.has(self.also))

    @property
    def action(self) -> str:
        """The verb's name in the audit log, as its command records it (``refresh_auth``)."""
        return self.name.replace("-", "_")


VERBS: dict[str, Verb] = {
    verb.name: verb
    for verb in (
        Verb("help", "", "list these verbs", None, takes_account=False),
        Verb(
            "account",
            "<account>",
            "account details, parent/children, status, actions",
            Role.VIEWER,
            to="view accounts",
        ),
        Verb(
            "billing",
            "<account>",
            "service allowances from the Zuora subscription",
            Role.VIEWER,
            to="view billing",
        ),
        Verb(
            "pbx",
            "<account>",
            "PBX group name and billing subscription",
            Role.VIEWER,
            to="view PBX settings",
        ),
        Verb(
            "emergency",
            "<account>",
            "the emergency (IPND) record and its validation",
            Role.VIEWER,
            to="view emergency details",
        ),
        Verb(
            "emails",
            "<account> [text]",
            "system-generated emails sent, newest first; text filters by recipient or subject",
            Role.VIEWER,
            takes_rest=True,
            to="view sent emails",
        ),
        Verb(
            "audit",
            "<account>",
            "recent audit events for the account",
            Role.VIEWER,
            to="view the audit log",
        ),
        Verb(
            "edit",
            "<account>",
            "rename the account or change (or remove) its parent",
            Role.OPERATOR,
            to="edit an account",
        ),
        Verb(
            "invoice-email",
            "<account>",
            "change where invoices are emailed (Bill To)",
            Role.OPERATOR,
            to="change the invoice email",
        ),
        Verb(
            "refresh-auth",
            "<account>",
            "check and repair the SBC auth rules of its numbers",
            Role.OPERATOR,
            to="refresh auth rules",
        ),
        Verb(
            "suspend",
            "<account> [reason]",
            "suspend for non-payment (with confirmation)",
            Role.OPERATOR,
            takes_rest=True,
            to="suspend an account",
        ),
        Verb(
            "override",
            "<account> <reason>",
            "suspend before it is overdue enough: an approver does it, an operator asks one",
            Role.OPERATOR,
            takes_rest=True,
            to="override a suspension",
            also=Role.APPROVER,
        ),
        Verb(
            "unsuspend",
            "<account>",
            "lift a suspension (with confirmation)",
            Role.OPERATOR,
            to="lift a suspension",
        ),
        Verb(
            "promise",
            "<account>",
            "record a customer's promise to pay (amount, by when): not offered for suspension "
            "until then",
            Role.OPERATOR,
            to="record a promise to pay",
        ),
        Verb(
            "exclude",
            "<account> <reason>",
            "never offer an account for suspension (a hospital, a council), with the reason",
            Role.ADMIN,
            takes_rest=True,
            to="exclude an account from suspension",
        ),
        Verb(
            "include",
            "<account>",
            "end an account's exclusion from suspension",
            Role.ADMIN,
            to="end an exclusion from suspension",
        ),
        Verb(
            "deactivate",
            "<account>",
            "request deactivation (needs a second person's approval)",
            Role.OPERATOR,
            to="request a deactivation",
        ),
        Verb(
            "reconcile",
            "[account]",
            "where the platform, Zuora and the ledger disagree, each with its fix",
            Role.OPERATOR,
            account_optional=True,
            to="reconcile accounts",
        ),
        Verb(
            "digest",
            "",
            "show today's overdue-invoice digest now, only to you",
            Role.OPERATOR,
            takes_account=False,
            to="see the overdue digest",
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


class BadAccountArgument(UsageError):
    """The account argument is not an account number or a plausible name.

    ``argument`` is what was typed, bounded and escaped (``bounded``) so it can be audited.
    """

    def __init__(self, message: str, verb: Verb, typed: str) -> None:
        super().__init__(message)
        self.verb = verb
        self.argument = bounded(typed)


def bounded(text: str, limit: int = 80) -> str:
    """Outside text as a short, ASCII-only, quoted literal (``'=HYPERLINK(\\'…'``): safe to store,
    show and open in a spreadsheet (it always starts with a quote)."""
    cut = text[:limit]
    return ascii(cut) + ("…" if len(text) > limit else "")


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
        raise UsageError(f"`{_code(head)}` is not a /jethub verb.{_nearest(name)}")
    tail = tail.strip()
    if not verb.takes_account:
        if tail:
            raise UsageError(f"`/jethub {verb.name}` takes no arguments. Usage: `{verb.usage}`")
        return Invocation(verb, None, "")
    if not tail:
        if verb.account_optional:
            return Invocation(verb, None, "")
        raise UsageError(f"Which account? Usage: `{verb.usage}`")
    account, rest = _split_account(tail, verb)
    if not account:
        raise UsageError(f"Which account? Usage: `{verb.usage}`")
    _check_account(account, verb)
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
    words = tail.split()
    for n in range(min(len(words), 4), 1, -1):  # a phone number typed with spaces
        if national_au_number(" ".join(words[:n])) is not None:
            return " ".join(words[:n]), " ".join(words[n:])
    first, _, rest = tail.partition(" ")
    if first.isdigit() or verb.takes_rest:
        return first, rest.strip()
    return tail, ""


def _check_account(account: str, verb: Verb) -> None:
    """An account number (digits), a contact's email address, or a name: letters, digits, spaces
    and . , ' & ( ) / + # - (so a phone number, a Zuora account or invoice number passes, a
    formula or markup does not)."""
    if account.isdigit() and account.isascii():
        if len(account) > MAX_ACCOUNT_DIGITS:
            raise BadAccountArgument(
                f"`{_code(account)}…` is too long for an account number "
                f"(at most {MAX_ACCOUNT_DIGITS} digits).",
                verb,
                account,
            )
        return
    if EMAIL.fullmatch(account):  # starts with a letter or digit: never read as a formula
        return
    if len(account) > MAX_ACCOUNT:
        raise BadAccountArgument(
            f"That account name is {len(account)} characters long; the limit is {MAX_ACCOUNT}.",
            verb,
            account,
        )
    odd = sorted({c for c in account if not (c.isalnum() or c in _NAME_PUNCTUATION)})
    if odd or not (account[0].isalnum() or account[0] in "+("):
        shown = " ".join(f"`{_code(c)}`" if c.isprintable() else f"U+{ord(c):04X}" for c in odd)
        raise BadAccountArgument(
            "An account is its number, a contact's email address, or a name made of letters, "
            "digits, spaces and . , ' & ( ) / + # - (starting with a letter or digit)"
            + (f"; not {shown}" if odd else "")
            + f". Usage: `{verb.usage}`",
            verb,
            account,
        )


def _code(text: str) -> str:
    """The user's text, shown back in code quotes: escaped, since Slack parses mentions there."""
    return esc(text.replace("`", "'")[:40])


def _nearest(typed: str) -> str:
    """`` Did you mean `/jethub suspend`?`` for a near miss, else the pointer to help."""
    names = [*VERBS, *ALIASES]
    close = difflib.get_close_matches(typed, names, n=1, cutoff=0.6)
    if close:
        return f" Did you mean `/jethub {ALIASES.get(close[0], close[0])}`?"
    return " Try `/jethub help` for the list."


def help_lines(actor: Actor) -> list[str]:
    """The verbs ``actor`` may run, one line each."""
    return [f"`{verb.usage}` — {verb.summary}" for verb in VERBS.values() if verb.allowed(actor)]


def help_message(actor: Actor, role_contact: str | None = None) -> dict[str, Any]:
    """The verbs this person may run; the others are only counted, with who grants roles."""
    lines = "\n".join(help_lines(actor))
    text = (
        "*/jethub* — Jet Hub account management. An account is its Jet Hub number, its Zuora "
        "account number (`A00001001`), a phone number, a contact's email, a Zuora invoice number "
        "(`INV00000001`), or a name (in quotes when text follows it)."
        "\n" + lines
    )
    hidden = sum(1 for verb in VERBS.values() if not verb.allowed(actor))
    if hidden:
        who = esc(role_contact.strip()) if role_contact and role_contact.strip() else None
        text += f"\n_{hidden} more verb{'s' if hidden != 1 else ''} need a role you don't have" + (
            f" — to get one: {who}._" if who else "._"
        )
    return message("jethub verbs:\n" + lines, [section(text)])
