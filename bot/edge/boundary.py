"""The one error boundary: every failure a listener meets reaches the person as one message.

``render_error`` is the only place an exception becomes words (a ``functools.singledispatch``
on its type): a command's error as itself, escaped whole so outside text cannot mention anyone;
a name that matches several accounts as a list to pick from (one button per match, running the
same verb); a backend failure as which system failed and how; anything else as a short apology
with the correlation id to quote. The listener adapters (``bot.edge.turns``) route every listener
through it; no listener maps errors itself.
"""

from __future__ import annotations

import contextvars
import logging
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout
from contextlib import contextmanager
from functools import singledispatch
from typing import Any

from slack_sdk.errors import SlackApiError
from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    MarkdownTextObject,
    SectionBlock,
)

from bot.edge.blocks import (
    MAX_MESSAGE_BLOCKS,
    command_text,
    context,
    esc,
    message,
    section,
    verb_button,
)
from bot.runs.retry import retry_button
from bot.runtime import metrics
from bot.runtime.masking import PROCESS
from bot.runtime.services import Services
from commands.context import current_correlation_id
from commands.errors import AccountNotFound, AmbiguousAccount, CommandError, InvalidInput
from commands.runs.records import ActionFailed
from integrations.errors import IntegrationError

log = logging.getLogger(__name__)

Message = dict[str, Any]
Post = Callable[[Message], object]
MAX_MATCHES_SHOWN = MAX_MESSAGE_BLOCKS - 3


def said(text: str) -> Message:
    """A message of ``text``, which is safe mrkdwn already (escaped where it came from outside)."""
    return message(text, [section(text)])


@singledispatch
def render_error(exc: BaseException, verb: str | None = None) -> Message:
    """What to tell the person about ``exc``; ``verb`` is the verb they ran, if any."""
    ref = current_correlation_id() or "unknown"
    # Not "nothing was done": an action recorded before the failure is carried out regardless
    # (its run is resumed) and reported from its record.
    return said(
        ":warning: Something went wrong on our side before this could be answered. Any action "
        "the bot had already recorded will still be carried out and reported. "
        f"Reference: `{ref}`."
    )


@render_error.register
def _command(exc: CommandError, verb: str | None = None) -> Message:
    return said(command_text(exc, mask=PROCESS.mask).strip() or "Nothing was done.")


@render_error.register
def _backend(exc: IntegrationError, verb: str | None = None) -> Message:
    return said(f":warning: {esc(PROCESS.mask(str(exc)))}")


@render_error.register
def _not_found(exc: AccountNotFound, verb: str | None = None) -> Message:
    return said(
        f"No account matches “{esc(exc.query)}”. Try the Jet Hub account number, the Zuora "
        "account number (`A00001001`), one of its phone numbers, a contact's email, a Zuora "
        "invoice number (`INV00000001`), or part of its name."
    )


@render_error.register
def _ambiguous(exc: AmbiguousAccount, verb: str | None = None) -> Message:
    """One line per match, each with a button running ``verb`` on it (role-checked on click)."""
    count, query = len(exc.matches), esc(exc.query)
    shown = exc.matches[:MAX_MATCHES_SHOWN]
    if verb is None:  # nothing to run on a pick: the list, and how to name one
        lines = "\n".join(f"• `{esc(number)}` {esc(name)}" for number, name in shown)
        return said(f"{count} accounts match “{query}”:\n{lines}\nUse the account number.")
    blocks: list[Block] = [section(f"{count} accounts match “{query}”. Which one did you mean?")]
    for number, name in shown:
        blocks.append(
            SectionBlock(
                text=MarkdownTextObject(text=f"*{esc(name)}* · `{esc(number)}`"),
                accessory=verb_button(verb, number, f"{verb} {number}"[:75]),
            )
        )
    hidden = count - len(shown)
    blocks.append(
        context(f"… and {hidden} more: use a longer name or the account number.")
        if hidden > 0
        else context("Not there? Use more of the name, or the account number.")
    )
    return message(f"{count} accounts match “{query}”: pick one.", blocks)


@render_error.register
def _slack(exc: SlackApiError, verb: str | None = None) -> Message:
    if exc.response.get("error") == "expired_trigger_id":
        again = f" Run `/jethub {verb}` again with the account number." if verb else ""
        return said(
            "Slack gives three seconds to open a form, and looking the account up took longer: "
            f"nothing was changed.{again}"
        )
    log.warning("a Slack call failed: %s", exc.response.get("error"))
    return render_error.dispatch(BaseException)(exc, verb)


def user_message(exc: BaseException) -> str:
    """``render_error``'s words alone (for a modal's notice, an inline field error)."""
    return str(render_error(exc)["text"])


def after_ack(
    services: Services,
    action: str,
    work: Callable[[], None],
    answer: Post,
    *,
    verb: str | None = None,
) -> Future[None]:
    """Run ``work`` on the worker pool with this request's context; render any failure."""
    ctx = contextvars.copy_context()

    def run() -> None:
        started = time.perf_counter()
        try:
            work()
        except CommandError as exc:
            _safe_answer(answer, render_error(exc, verb))
        except IntegrationError as exc:
            log.warning("backend failure during %s: %s", action, exc)
            _safe_answer(answer, render_error(exc, verb))
        except Exception as exc:
            log.exception("unexpected failure during %s", action)
            _safe_answer(answer, render_error(exc, verb))
        finally:
            metrics.WORK_SECONDS.labels(action).observe(time.perf_counter() - started)

    return services.executor.submit(ctx.run, run)


def _safe_answer(answer: Post, payload: Message) -> None:
    try:
        answer(payload)
    except Exception:
        log.exception("could not tell the user about a failure")


# -- a backend check inside a modal submission's ack ----------------------------------------------

CHECK_SECONDS = 2.0  # what a backend check may take inside a view submission's ack


def check_in_time(services: Services, field: str, check: Callable[[], object]) -> None:
    """Run a backend check inside the ack's time budget; ``InvalidInput`` on ``field`` when it
    fails, cannot say in time, or cannot be made."""
    future = services.executor.submit(contextvars.copy_context().run, check)
    try:
        future.result(timeout=CHECK_SECONDS)
    except FutureTimeout:
        raise InvalidInput(
            field, "Could not check this in time (a backend is slow): submit again shortly."
        ) from None
    except InvalidInput:
        raise
    except (CommandError, IntegrationError) as exc:
        raise InvalidInput(field, f"Could not check this: {user_message(exc)}"[:1900]) from None


# -- suspension: refusals that say who and when (in the team's zone), a failed run's Retry ------


@render_error.register
def _run_failed(exc: ActionFailed, verb: str | None = None) -> Message:
    """A run that failed at a named step, with its Retry button (the run id only)."""
    text = f":x: {command_text(exc, mask=PROCESS.mask)}"
    blocks: list[Block] = [section(text)]
    if exc.run_id:
        blocks.append(ActionsBlock(block_id="run.failed", elements=[retry_button(exc.run_id)]))
    return message(text, blocks)


@contextmanager
def in_place(replace: Post, *, unless: tuple[type[CommandError], ...] = ()) -> Iterator[None]:
    """Where a refusal inside the block is shown: in place of the message the person acted on
    (``replace``: a confirmation it ends), in ``render_error``'s words — unless it is one of
    ``unless`` (it leaves that message usable), which is raised and said on the side as usual."""
    try:
        yield
    except CommandError as exc:
        if isinstance(exc, unless):
            raise
        replace(render_error(exc))
