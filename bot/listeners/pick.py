"""Naming an account by name: several matches become a list to pick from.

Every verb that takes an account can wrap its handler with :func:`offering_matches`: a name that
matches several accounts is answered with one button per match (each runs the same verb on that
account, role-checked again on click), and a name that matches none with a plain message —
with the person's text escaped, so it cannot mention anyone.
"""

from __future__ import annotations

import functools
from typing import Any

from slack_sdk.models.blocks import Block, MarkdownTextObject, SectionBlock

from bot.blocks import MAX_MESSAGE_BLOCKS, context, esc, message, section, verb_button
from bot.listeners.slash import VerbCall, VerbHandler
from commands.errors import AccountNotFound, AmbiguousAccount

MAX_MATCHES_SHOWN = MAX_MESSAGE_BLOCKS - 3


def render_ambiguous(exc: AmbiguousAccount, verb: str) -> dict[str, Any]:
    """An ephemeral list of the matches, each with a button running ``verb`` on it."""
    shown = exc.matches[:MAX_MATCHES_SHOWN]
    blocks: list[Block] = [
        section(f"{len(exc.matches)} accounts match “{esc(exc.query)}”. Which one did you mean?")
    ]
    for number, name in shown:
        blocks.append(
            SectionBlock(
                text=MarkdownTextObject(text=f"*{esc(name)}* · `{esc(number)}`"),
                accessory=verb_button(verb, number, f"{verb} {number}"[:75]),
            )
        )
    hidden = len(exc.matches) - len(shown)
    if hidden > 0:
        blocks.append(context(f"… and {hidden} more: use a longer name or the account number."))
    else:
        blocks.append(context("Not there? Use more of the name, or the account number."))
    return message(f"{len(exc.matches)} accounts match “{esc(exc.query)}”: pick one.", blocks)


def render_not_found(exc: AccountNotFound) -> dict[str, Any]:
    text = (
        f"No account matches “{esc(exc.query)}”. Try the Jet Hub account number, the Zuora "
        "account number (`A00001001`), one of its phone numbers, or part of its name."
    )
    return message(text, [section(text)])


def offering_matches(handler: VerbHandler) -> VerbHandler:
    """Wrap a verb handler: AmbiguousAccount → the pick list; AccountNotFound → a clear line."""

    @functools.wraps(handler)
    def run(call: VerbCall) -> None:
        try:
            handler(call)
        except AmbiguousAccount as exc:
            call.say(**render_ambiguous(exc, call.invocation.verb.name))
        except AccountNotFound as exc:
            call.say(**render_not_found(exc))

    return run
