"""Prometheus metrics for ``GET /metrics``: one registry per process, names prefixed ``jethub_``."""

from __future__ import annotations

import logging

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    start_http_server,
)
from prometheus_client.exposition import CONTENT_TYPE_LATEST

from audit import AuditEvent
from integrations.http import AttemptInfo

log = logging.getLogger(__name__)

REGISTRY = CollectorRegistry(auto_describe=True)

REQUESTS = Counter(
    "jethub_slack_requests_total",
    "Slack requests received, by kind and HTTP status answered.",
    ["kind", "status"],
    registry=REGISTRY,
)
REFUSED = Counter(
    "jethub_refused_requests_total",
    "Requests to /slack/events refused before Bolt saw them, by reason (oversized, unsigned, "
    "stale, bad_signature, not_utf8, malformed_json, too_deep, bad_shape, ...).",
    ["reason"],
    registry=REGISTRY,
)
ACK_SECONDS = Histogram(
    "jethub_ack_seconds",
    "Time from receiving a Slack request to answering it.",
    ["kind"],
    buckets=(0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5),
    registry=REGISTRY,
)
ACTIONS = Counter(
    "jethub_actions_total",
    "Audited actions by action and outcome (ok, refused, failed), counted once committed.",
    ["action", "outcome"],
    registry=REGISTRY,
)
BACKEND_ERRORS = Counter(
    "jethub_backend_errors_total",
    "Failed attempts at Zuora, the platform and the SBC, by backend and status (or transport).",
    ["backend", "kind"],
    registry=REGISTRY,
)
WORK_SECONDS = Histogram(
    "jethub_work_seconds",
    "Time spent on the work after the ack, by verb or action.",
    ["action"],
    registry=REGISTRY,
)


def exposition() -> tuple[bytes, str]:
    return generate_latest(REGISTRY), CONTENT_TYPE_LATEST


BACKEND_CALLS = Counter(
    "jethub_backend_calls_total",
    "HTTP attempts to Zuora, the platform and the SBC, by endpoint and outcome.",
    ["backend", "endpoint", "outcome"],
    registry=REGISTRY,
)


def count_action(event: AuditEvent) -> None:
    """The ledger's observer: one count per committed audit event."""
    ACTIONS.labels(event.action, str(event.outcome)).inc()


def serve_metrics(port: int | None) -> None:
    """``/metrics`` on ``port`` for a process without the web server (clock, worker)."""
    if port:
        start_http_server(port, registry=REGISTRY)
        log.info("serving /metrics", extra={"port": port})


def record_attempt(info: AttemptInfo) -> None:
    """The backend clients' ``on_attempt`` hook."""
    BACKEND_CALLS.labels(info.backend, info.endpoint, info.outcome).inc()
    if info.outcome != "ok":
        BACKEND_ERRORS.labels(info.backend, str(info.status) if info.status else "transport").inc()
