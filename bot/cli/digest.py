"""``jethub digest --dry-run``: today's overdue digest printed on stdout; nothing is posted or
claimed, so the scheduled digest still goes out."""

from __future__ import annotations

import argparse
import sys
from typing import TextIO

from bot.cli.startup import start_logging
from bot.runtime.settings import Settings, load_settings


def cmd_digest(args: argparse.Namespace) -> int:
    settings = load_settings()
    start_logging(settings, level="WARNING")
    return print_digest(settings)


def print_digest(settings: Settings, *, out: TextIO | None = None) -> int:
    """Print today's digest; 0 when printed, 1 when a backend or the ledger failed."""
    from sqlalchemy.exc import SQLAlchemyError

    from bot.cli.startup import builtin_sandbox
    from bot.compose import build_services
    from bot.digest.views import digest_text
    from commands.digest.overdue import build_digest
    from integrations.errors import IntegrationError

    out = out or sys.stdout
    services = build_services(
        settings, migrate=False, workers=1, start_sandbox=lambda: builtin_sandbox(settings)
    )
    try:
        digest = build_digest(services.deps, services.deps.today())
    except IntegrationError as exc:
        print(f"jethub: could not build the digest: {exc}", file=sys.stderr)
        return 1
    except SQLAlchemyError as exc:
        print(
            f"jethub: could not read snoozes from the ledger ({type(exc).__name__}); "
            "is it migrated? (`jethub db upgrade`)",
            file=sys.stderr,
        )
        return 1
    finally:
        services.close()
    print(digest_text(digest), file=out)
    return 0
