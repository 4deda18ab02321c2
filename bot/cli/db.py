"""``jethub db upgrade``: the ledger's schema migrated to head (and its head sealed with the
audit key)."""

from __future__ import annotations

import argparse

from bot.cli.startup import StartupError, start_logging, unreachable
from bot.runtime.settings import load_settings


def cmd_db_upgrade(args: argparse.Namespace) -> int:
    settings = load_settings()
    start_logging(settings)
    from sqlalchemy.exc import SQLAlchemyError

    from audit import Ledger, WrongAuditKey, make_engine
    from bot.runtime.keys import audit_key

    ledger = Ledger(make_engine(settings.database_url), key=audit_key(settings))
    try:
        ledger.upgrade()  # and seals the head with the key
    except SQLAlchemyError as exc:
        raise unreachable(settings, exc) from None
    except WrongAuditKey as exc:
        raise StartupError(str(exc)) from None
    finally:
        ledger.dispose()
    print("ledger schema is up to date")
    return 0
