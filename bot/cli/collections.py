"""``jethub collections check``: the clock's payment check, run once now — every account the
bot suspended for non-payment read against Zuora, the paid-up ones decided by
``JETHUB_UNSUSPEND_ON_PAYMENT`` — and what it found and did printed. It claims no period (the
clock's next check still runs); a decision already made is not made again."""

from __future__ import annotations

import argparse
import sys
from typing import TextIO

from bot.cli.startup import start_logging
from bot.runtime.settings import Settings, load_settings


def cmd_collections_check(args: argparse.Namespace) -> int:
    settings = load_settings()
    settings.check_consistency()
    start_logging(settings, level="WARNING")
    return check_once(settings)


def check_once(settings: Settings, *, out: TextIO | None = None) -> int:
    """0 when the check ran (whatever it found), 1 when Zuora, the platform or the ledger failed."""
    from sqlalchemy.exc import SQLAlchemyError

    from bot.cli.startup import builtin_sandbox
    from bot.compose import build_services
    from bot.suspension.backstop import check_text
    from commands.suspension.backstop import check_payments
    from integrations.errors import IntegrationError

    out = out or sys.stdout
    services = build_services(settings, start_sandbox=lambda: builtin_sandbox(settings))
    try:
        report = check_payments(services.deps)
    except IntegrationError as exc:
        print(f"jethub: could not check payments: {exc}", file=sys.stderr)
        return 1
    except SQLAlchemyError as exc:
        print(f"jethub: could not read the ledger ({type(exc).__name__})", file=sys.stderr)
        return 1
    finally:
        services.close()  # after the DMs and posts the decisions made have gone out
    print("\n".join(check_text(report)), file=out)
    return 0
