"""Prometheus metrics for ``GET /metrics``: one registry per process, names prefixed ``jethub_``."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST

from integrations.http import AttemptInfo

REGISTRY = CollectorRegistry(auto_describe=True)

REQUESTS = Counter(
    "jethub_slack_requests_total",
    "Slack requests received, by kind and HTTP status answered.",
    ["kind", "status"],
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
    "Account actions by verb and outcome (ok, refused, failed).",
    ["action", "outcome"],
    registry=REGISTRY,
)
BACKEND_ERRORS = Counter(
    "jethub_backend_errors_total",
    "Errors from Zuora, the platform, the SBC and Slack, by backend and kind.",
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


def record_attempt(info: AttemptInfo) -> None:
    """The backend clients' ``on_attempt`` hook."""
    BACKEND_CALLS.labels(info.backend, info.endpoint, info.outcome).inc()
    if info.outcome != "ok":
        BACKEND_ERRORS.labels(info.backend, str(info.status) if info.status else "transport").inc()
