"""A report in words: a line a finding, and how the report ended (the command line's and the
Slack messages' plain text)."""

from __future__ import annotations

from commands.reconcile import Finding, ReportEnd

CHECK_TITLES = {
    "suspended-outside-bot": "Suspended outside the bot",
    "lifted-outside-bot": "Suspension lifted outside the bot",
    "billed-after-deactivation": "Still billed after deactivation",
    "allowances": "Allowances differ from Zuora",
    "emergency-address": "Emergency address differs from Sold To",
    "paid-still-suspended": "Paid, still suspended",
    "overdue-unattended": "Overdue, nobody acted",
    "stuck-action": "Action stuck",
    "failed-action": "Action failed, never retried",
}

FIX_LABELS = {
    "adopt": "Adopt",
    "lift": "Lift suspension",
    "refresh-allowances": "Refresh allowances",
    "save-emergency": "Save address from Sold To",
    "tell-billing": "Tell billing",
    "retry": "Retry",
    "abandon": "Abandon",
}


def title(check: str) -> str:
    return CHECK_TITLES.get(check, check)


def sides(finding: Finding) -> list[str]:
    """What each side says, and since when: ``platform: …``, ``zuora: …``, ``ledger: …``."""
    said = [
        f"{name}: {value}"
        for name, value in (
            ("platform", finding.platform),
            ("zuora", finding.zuora),
            ("ledger", finding.ledger),
        )
        if value is not None
    ]
    if finding.since is not None:
        said.append(f"since {finding.since.isoformat(timespec='minutes')}")
    return said


def finding_line(finding: Finding) -> str:
    fix = f"fix: {finding.fix}" if finding.fix else "fix: none (a person decides)"
    return "  ".join([finding.account, finding.check, " | ".join(sides(finding)), fix])


def summary_line(end: ReportEnd) -> str:
    counted = f"{end.checked} account{'s' if end.checked != 1 else ''} checked"
    if not end.complete:
        return (
            f"jethub: reconcile could not finish: {end.backend_name} failed ({end.error}); "
            f"{counted} before it, {end.findings} finding(s) among them; the rest were NOT checked"
        )
    if not end.findings:
        return f"{counted}: the platform, Zuora and the ledger agree"
    return f"{counted}: {end.findings} finding(s)"
