"""``/jethub override <account> <reason>``: the confirmation of a suspension before the account
is overdue enough. Its buttons are ``bot.suspension.override.actions``."""

from __future__ import annotations

from bot.edge.turns import VerbCall
from bot.suspension.override.views import override_message
from commands.errors import InvalidInput
from commands.orders import order
from commands.suspension.override import SuspendOverride, preview_override


def override(call: VerbCall) -> None:
    if not call.rest:
        raise InvalidInput(
            "reason",
            f"An override needs a reason: `/jethub override {call.account} <reason in a few "
            "words>`.",
        )
    cmd = order(SuspendOverride, {"account": call.account, "reason": call.rest})
    call.say(override_message(preview_override(cmd, call.actor, call.deps)))


VERBS = {"override": override}
