"""``/jethub reconcile [account]``: the report, for the asker only (operators)."""

from __future__ import annotations

from bot.edge.turns import VerbCall
from bot.reconcile.views import report_message
from commands.reconcile import Reconciliation


def reconcile(call: VerbCall) -> None:
    assert call.invocation is not None
    report = Reconciliation(
        call.deps,
        account=call.invocation.account,
        grace_days=call.services.settings.jethub_reconcile_grace_days,
    )
    findings = list(report.findings())
    assert report.end is not None
    call.say(report_message(findings, report.end))


VERBS = {"reconcile": reconcile}
