"""Every feature's Slack face, listed once: how each kind of approval request looks, how each
kind of run is told, the words for the refusals a feature defines, the web process's routes
besides Slack's, and the ledger observers a feature tells the team through. The composition root
(``bot.compose``) reads these. Only the catalogues — this one, the listener tables
(``bot.listeners``), the clock's jobs (``bot.jobs.catalogue``) — and the composition root name
the features in ``bot/``."""

from __future__ import annotations

from bot.approvals.requests import RequestLooks
from bot.deactivation import faces as deactivation
from bot.digest import bulk as digest_bulk
from bot.edge.boundary import render_error
from bot.runs.faces import RunFaces
from bot.runtime.services import HttpRoute
from bot.suspension import errors as suspension_errors
from bot.suspension import faces as suspension
from bot.suspension import payments
from bot.suspension.override import faces as override


def request_looks() -> RequestLooks:
    return RequestLooks.of([deactivation.LOOK, suspension.LOOK, digest_bulk.LOOK, override.LOOK])


def run_faces() -> RunFaces:
    return RunFaces.of([deactivation.FACE, *suspension.FACES, override.FACE])


def register_error_words() -> None:
    """Teach the error boundary each feature's own refusals (idempotent)."""
    for words in suspension_errors.WORDS:
        render_error.register(words)


def http_routes() -> dict[tuple[str, str], HttpRoute]:
    """Routes of the web process besides ``/slack/events``, by (method, path)."""
    return {("POST", payments.CALLOUT_PATH): payments.zuora_events}
