"""Issue 16's acceptance over signed requests (the served app, the fake Slack, the sandbox):
every verb that takes an account, given mention syntax or a link as the account or as the text
after it, renders it mention-safe in everything Slack receives (the ack, messages, ephemerals,
modals); and given a name that matches several accounts, offers the same pick-list — one
``verb:<name>`` button per match, the same words — whatever the verb.

``tests/reliability/test_hostile_input.py`` throws every kind of nasty text at a hand-picked
list of verbs and checks the bot never breaks; this enumerates ``bot.edge.verbs.VERBS`` itself, so a
verb added later is covered the day it is added.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from bot.edge.verbs import VERBS
from tests.fixtures.bot import ADAM, BotHarness
from tests.reliability.scan import mrkdwn_texts

ACCOUNT_VERBS = [verb for verb in VERBS.values() if verb.takes_account]
HOSTILE = (
    "<!here>",
    "<!channel>",
    "<@U0EVIL>",
    "<!subteam^S0EVIL>",
    "<https://evil.example|click>",
)
# What of them must never reach Slack raw: each would notify people or disguise a link.
RAW = ("<!here", "<!channel", "<@U0EVIL", "<!subteam^S0EVIL", "<https://evil")
# "Bean Republic …": the demo world's accounts 1001-1004.
AMBIGUOUS, MATCHES = "Bean Republic", ["1001", "1002", "1003", "1004"]
# Where the text after the account gets furthest: 1009 is overdue (a suspension is offered),
# 1001 is not (an override is).
FURTHEST = {"suspend": "1009", "override": "1001"}
REASON = "customer will not pay"
APOLOGY = "Something went wrong"


def send(bot: BotHarness, text: str) -> list[Any]:
    """``/jethub text`` as an admin (every verb allowed); the ack and all Slack received."""
    calls, responses = len(bot.slack.calls()), len(bot.slack.responses())
    response = bot.send.command(ADAM, text)
    bot.wait_idle()
    assert response.status_code == 200, (text, response.status_code)
    received: list[Any] = [call.args for call in bot.slack.calls()[calls:]]
    received += [post.body for post in bot.slack.responses()[responses:]]
    ack = response.ack_body()
    return [ack, *received] if ack is not None else received


def leaks(received: list[Any]) -> list[str]:
    """What Slack would show as a mention or a disguised link (mrkdwn only: plain text and
    input values are shown literally), and any apology for an unexpected failure."""
    shown = [text for payload in received for text in mrkdwn_texts(payload)]
    bad = [text for text in shown if any(raw in text for raw in RAW)]
    return bad + [APOLOGY for payload in received if APOLOGY in json.dumps(payload)]


def hostile_commands() -> list[str]:
    """Each hostile text as the account, and (where the verb takes text after the account) in
    a reason or filter, on an account where the verb goes as far as it can."""
    cases = []
    for verb in ACCOUNT_VERBS:
        for hostile in HOSTILE:
            # issue 16's `deactivate <!here> nobody` once put a raw <!here> in a modal
            named = (hostile, f'"{hostile}"', f"{hostile} nobody")
            cases += [f"{verb.name} {account}" for account in named]
            if verb.takes_rest:
                number = FURTHEST.get(verb.name, "1001")
                cases.append(f"{verb.name} {number} {REASON} {hostile}")
                cases.append(f'{verb.name} "{AMBIGUOUS}" {REASON} {hostile}')
    return cases


def test_mention_syntax_and_links_as_account_or_reason_never_reach_slack_raw(
    bot: BotHarness,
) -> None:
    found = {text: leaks(send(bot, text)) for text in hostile_commands()}
    found = {text: [t[:200] for t in bad] for text, bad in found.items() if bad}
    assert not found, json.dumps(found, indent=1, ensure_ascii=False)


def pick_list(received: list[Any], verb: str) -> list[Any] | None:
    """The message offering ``verb:<verb>`` buttons, with the verb taken out of its buttons (so
    two verbs' lists compare equal when they say and offer the same), or None."""
    for payload in received:
        blocks = payload.get("blocks") if isinstance(payload, dict) else None
        if isinstance(blocks, str):
            blocks = json.loads(blocks)
        shown, picks = [payload.get("text") if blocks else None], 0
        for block in blocks or []:
            button = block.get("accessory") or {}
            if button.get("action_id") == f"verb:{verb}":
                picks += 1
                label = button["text"]["text"].removeprefix(f"{verb} ")
                block = {**block, "accessory": {**button, "action_id": "verb:*", "text": label}}
            shown.append(block)
        if picks:
            return shown
    return None


def buttons(shown: list[Any]) -> list[str]:
    return [b["accessory"]["value"] for b in shown[1:] if "accessory" in b]


@pytest.mark.parametrize("with_text", [False, True], ids=["name", "name-and-text"])
def test_an_ambiguous_name_offers_the_same_pick_list_for_every_verb(
    bot: BotHarness, with_text: bool
) -> None:
    lists = {}
    for verb in ACCOUNT_VERBS:
        # A verb whose text is not optional (`override <account> <reason>`) always gets one.
        required = verb.takes_rest and not verb.args.endswith("]")
        text = f'{verb.name} "{AMBIGUOUS}"'
        if verb.takes_rest and (with_text or required):
            text += f" {REASON}"
        lists[verb.name] = pick_list(send(bot, text), verb.name)
    reference = lists["account"]
    assert reference is not None and buttons(reference) == MATCHES, reference
    different = sorted(name for name, shown in lists.items() if shown != reference)
    assert not different, f"not the pick-list `account` offers: {different}"
