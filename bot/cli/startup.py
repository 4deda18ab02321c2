"""What the commands share to start: logging with secrets masked, the services and the ledger
with a database that is down, missing or old reported in one line, and the Bolt app checked
against Slack. A ``StartupError`` is that one line; ``main`` prints it and exits 1."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot.runtime.settings import Settings

if TYPE_CHECKING:
    from slack_bolt import App

    from audit import Ledger
    from bot.compose import BackendServer
    from bot.runtime.services import Services

log = logging.getLogger(__name__)


class StartupError(Exception):
    """Start-up cannot go on; the message is the one line to print."""


def start_logging(settings: Settings, level: str = "INFO") -> None:
    from bot.runtime.keys import secret_values
    from bot.runtime.logs import configure_logging

    configure_logging(level=level, secrets=secret_values(settings))


def ledger_url(settings: Settings) -> str:
    from audit.db import normalise_url

    return normalise_url(settings.database_url).render_as_string(hide_password=True)


def unreachable(settings: Settings, exc: BaseException) -> StartupError:
    """One line for a ledger that cannot be reached, from the driver's own first line."""
    reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()
    first = reason[0] if reason else type(exc).__name__
    return StartupError(f"cannot reach the ledger at {ledger_url(settings)} ({first})")


def builtin_sandbox(settings: Settings) -> BackendServer:
    """The built-in sandbox, started for the backends whose URL is unset. The fakes are the
    command line's to start; the product is handed them (``start_sandbox``)."""
    from devkit.sandbox import Sandbox, demo_world

    sandbox = Sandbox(world=demo_world(clock=settings.clock)).start(host="127.0.0.1", port=0)
    log.info("using the built-in sandbox for unset backends", extra={"sandbox": sandbox.url})
    return sandbox


def build_services(settings: Settings, **kwargs: Any) -> Services:
    """``bot.compose.build_services`` with the built-in sandbox for unset backends, and a
    database that is down or broken reported in one line."""
    from sqlalchemy.exc import SQLAlchemyError

    from audit import WrongAuditKey
    from bot import compose

    kwargs.setdefault("start_sandbox", lambda: builtin_sandbox(settings))
    try:
        return compose.build_services(settings, **kwargs)
    except SQLAlchemyError as exc:
        raise unreachable(settings, exc) from None
    except WrongAuditKey as exc:
        raise StartupError(str(exc)) from None


def open_ledger(settings: Settings) -> Ledger:
    """The migrated ledger for the audit commands; one clear line if it is missing or old."""
    from sqlalchemy.exc import SQLAlchemyError

    from audit import Ledger, current_revision, make_engine
    from audit.db import head_revision, normalise_url
    from bot.runtime.keys import audit_key

    url = normalise_url(settings.database_url)
    upgrade_hint = "run `jethub db upgrade` first"
    database = url.database if url.get_backend_name() == "sqlite" else None
    if database not in (None, "", ":memory:") and not Path(str(database)).exists():
        raise StartupError(f"there is no ledger at {ledger_url(settings)}: {upgrade_hint}")
    key = audit_key(settings, create=False)
    engine = make_engine(url)
    try:
        revision = current_revision(engine)
    except SQLAlchemyError as exc:
        engine.dispose()
        raise unreachable(settings, exc) from None
    if revision != head_revision():
        engine.dispose()
        state = "not migrated" if revision is None else f"at an old schema ({revision})"
        raise StartupError(f"the ledger at {ledger_url(settings)} is {state}: {upgrade_hint}")
    return Ledger(engine, key=key)


def bolt_app(services: Services) -> App:
    """The Bolt app, checking the bot token against Slack (``auth.test``) on the way; when it
    cannot start, ``services`` are closed before the one-line error."""
    from slack_bolt.error import BoltError

    from bot.app import create_app

    try:
        return create_app(services)
    except BoltError as exc:
        services.close()
        raise StartupError(f"Slack refused SLACK_BOT_TOKEN ({exc})") from None
    except OSError as exc:  # URLError is an OSError
        services.close()
        url = services.settings.slack_api_url
        raise StartupError(f"cannot reach Slack's Web API at {url} ({exc})") from None
