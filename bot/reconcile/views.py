"""The report in Slack: a finding a section (what each side says, since when) with its fix
buttons, each confirmed by Slack before it is sent; the outcome of a fix; the billing team's
note for drift the bot must not fix. Outside text (reasons, names, addresses) is escaped."""

from __future__ import annotations

from collections.abc import Sequence

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ConfirmObject,
    HeaderBlock,
)

from bot.edge.blocks import context, esc, message, plural, section, who
from bot.edge.boundary import Message
from bot.reconcile.codecs import FixRef
from bot.reconcile.text import FIX_LABELS, sides, summary_line, title
from commands.reconcile import FIXES, Finding, ReportEnd
from commands.reconcile.fixes import Fixed

FIX_ACTIONS = {fix: f"reconcile:fix:{fix}" for fix in FIXES}
MAX_SHOWN = 20  # two blocks a finding, within a message's 50
_CONFIRM_TEXT = {
    "adopt": "The ledger records the platform's suspension (who and why) as known.",
    "lift": "The suspension is lifted on the platform now.",
    "refresh-allowances": "Zuora's allowances are stored on the platform.",
    "save-emergency": "The Sold To address becomes the emergency (IPND) address.",
    "tell-billing": "The billing team is told, with the details; the bot changes nothing.",
    "retry": "The action resumes from where it stopped.",
    "abandon": "The action is given up for good; it is never retried.",
}


def finding_text(finding: Finding) -> str:
    lines = [f"*{esc(finding.account)} · {esc(title(finding.check))}*"]
    lines += [f"• {esc(line)}" for line in sides(finding)]
    if not finding.fixes:
        lines.append("_No fix the bot can make: a person decides._")
    return "\n".join(lines)


def fix_buttons(finding: Finding) -> ActionsBlock | None:
    if not finding.fixes:
        return None
    buttons = []
    for fix in finding.fixes:
        ref = FixRef(account=finding.account, check=finding.check, fix=fix,
                     run_id=finding.run_id or "")  # fmt: skip
        buttons.append(
            ButtonElement(
                text=FIX_LABELS.get(fix, fix),
                action_id=FIX_ACTIONS[fix],
                value=ref.encode(),
                style="primary" if fix == finding.fix else None,
                confirm=ConfirmObject(
                    title=f"{FIX_LABELS.get(fix, fix)}?"[:100],
                    text=f"Account {finding.account}: {_CONFIRM_TEXT.get(fix, fix)}"[:300],
                    confirm=FIX_LABELS.get(fix, fix)[:30],
                    deny="Not now",
                ),
            )
        )
    return ActionsBlock(elements=buttons)


def finding_blocks(finding: Finding) -> list[Block]:
    buttons = fix_buttons(finding)
    return [section(finding_text(finding)), *([buttons] if buttons else [])]


def report_message(findings: Sequence[Finding], end: ReportEnd) -> Message:
    """The whole report in one message (at most ``MAX_SHOWN`` findings, the rest counted)."""
    summary = summary_line(end).removeprefix("jethub: ")
    if not end.complete:
        head = f":warning: Reconciliation could not finish — {esc(end.backend_name)} failed."
    elif findings:
        head = f":mag: Reconciliation: {plural(len(findings), 'finding')}"
    else:
        head = ":white_check_mark: Reconciliation: the platform, Zuora and the ledger agree."
    blocks: list[Block] = [HeaderBlock(text=head.split(" ", 1)[1][:150]), context(esc(summary))]
    for finding in findings[:MAX_SHOWN]:
        blocks.extend(finding_blocks(finding))
    hidden = len(findings) - MAX_SHOWN
    if hidden > 0:
        blocks.append(context(f"…and {plural(hidden, 'more finding')}: `jethub reconcile --json`"))
    return message(f"{head} {esc(summary)}", blocks)


def fixed_message(fixed: Fixed, user: str) -> Message:
    finding = fixed.finding
    text = (
        f":white_check_mark: {who(user)} fixed account {esc(finding.account)} "
        f"({esc(title(finding.check))}): {esc(fixed.said)}."
    )
    return message(text, [section(text)])


def billing_note(fixed: Fixed, user: str, *, zuora_url: str | None) -> Message:
    """What the billing team needs: the account, what each side says, who asked."""
    finding = fixed.finding
    lines = [
        f":money_with_wings: *Account {esc(finding.account)}: {esc(title(finding.check))}*",
        *(f"• {esc(line)}" for line in sides(finding)),
        f"{who(user)} asked billing to look: the bot does not change Zuora subscriptions.",
    ]
    if zuora_url:
        lines.append(f"<{zuora_url}|Open Zuora>")
    text = "\n".join(lines)
    return message(text, [section(text)])
