"""``jethub reconcile [--account N] [--json]``: where the platform, Zuora and the ledger disagree,
printed as the report streams (one line, or one JSON object, a finding). Exit 0 when every
account agrees, 1 when drift was found, 2 when the report could not finish (the backend that
failed is named; accounts after the last whole page were not checked)."""

from __future__ import annotations

import argparse
import json
import sys
from typing import TextIO

from bot.cli.startup import start_logging
from bot.runtime.settings import Settings, load_settings

AGREE, DRIFT, UNFINISHED = 0, 1, 2


def cmd_reconcile(args: argparse.Namespace) -> int:
    settings = load_settings()
    settings.check_consistency()
    start_logging(settings, level="WARNING")
    return reconcile_once(settings, account=args.account, as_json=args.json)


def reconcile_once(
    settings: Settings,
    *,
    account: str | None = None,
    as_json: bool = False,
    out: TextIO | None = None,
    err: TextIO | None = None,
) -> int:
    from bot.cli.startup import build_services, builtin_sandbox
    from bot.reconcile.text import finding_line, summary_line
    from commands.errors import CommandError
    from commands.reconcile import Reconciliation

    out, err = out or sys.stdout, err or sys.stderr
    services = build_services(settings, start_sandbox=lambda: builtin_sandbox(settings))
    report = Reconciliation(
        services.deps, account=account, grace_days=settings.jethub_reconcile_grace_days
    )
    try:
        for finding in report.findings():
            line = json.dumps(finding.as_json()) if as_json else finding_line(finding)
            print(line, file=out, flush=True)
    except CommandError as exc:
        print(f"jethub: {exc}", file=err)
        return UNFINISHED
    finally:
        services.close()
    end = report.end
    assert end is not None, "the report ends when its findings are read"
    print(summary_line(end), file=err if as_json or not end.complete else out)
    if not end.complete:
        return UNFINISHED
    return DRIFT if end.findings else AGREE
