"""The one error boundary for work done after the ack: every failure reaches the person.

Listeners ack first, then hand the slow part to ``after_ack``; whatever it raises is turned into
a message here — a named command error as itself, a backend failure as which system failed and
how, anything else as a short apology with the correlation id to quote.
"""

from __future__ import annotations

import contextvars
import logging
import time
from collections.abc import Callable
from concurrent.futures import Future
from typing import Protocol

from bot import metrics
from bot.blocks import command_text, esc
from bot.masking import PROCESS
from bot.services import Services
from commands.context import current_correlation_id
from commands.errors import CommandError
from integrations.errors import IntegrationError

log = logging.getLogger(__name__)


class Notify(Protocol):
    def __call__(self, text: str) -> object: ...


def user_message(exc: BaseException) -> str:
    """What to tell the person, as mrkdwn that is safe to post: outside text is escaped."""
    if isinstance(exc, CommandError):
        return command_text(exc, mask=PROCESS.mask)
    if isinstance(exc, IntegrationError):
        return f":warning: {esc(PROCESS.mask(str(exc)))}"
    ref = current_correlation_id() or "unknown"
    # Not "nothing was done": an action recorded before the failure is carried out regardless
    # (its run is resumed) and reported from its record.
    return (
        ":warning: Something went wrong on our side before this could be answered. Any action "
        "the bot had already recorded will still be carried out and reported. "
        f"Reference: `{ref}`."
    )


def after_ack(
    services: Services, action: str, work: Callable[[], None], notify: Notify
) -> Future[None]:
    """Run ``work`` on the worker pool with this request's context; report any failure."""
    ctx = contextvars.copy_context()

    def run() -> None:
        started = time.perf_counter()
        try:
            work()
        except CommandError as exc:
            _safe_notify(notify, user_message(exc))
        except IntegrationError as exc:
            log.warning("backend failure during %s: %s", action, exc)
            _safe_notify(notify, user_message(exc))
        except Exception as exc:
            log.exception("unexpected failure during %s", action)
            _safe_notify(notify, user_message(exc))
        finally:
            metrics.WORK_SECONDS.labels(action).observe(time.perf_counter() - started)

    return services.executor.submit(ctx.run, run)


def _safe_notify(notify: Notify, text: str) -> None:
    try:
        notify(text)
    except Exception:
        log.exception("could not tell the user about a failure")
