"""Streaming the audit log out (to a SIEM): every event at least once, in order, from the cursor
the ledger keeps per sink (``audit.sinks``), so a restart or a sink's outage resumes where the
sink last accepted a batch. Each line is the event as ``jethub audit export`` writes it — every
field its hash covers, ``prev_hash``, ``hash``, ``scheme`` and ``key_id`` — so the receiver can
re-check the chain.

The clock's job sends to ``JETHUB_AUDIT_SINK`` every few seconds; ``jethub audit stream`` sends
on demand. Either first takes the sink's lease, so however many clocks (and a CLI) run, one
sends to a sink at a time; one that died mid-batch loses the lease when it lapses.
"""

from __future__ import annotations

import json
import logging
import os
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TextIO

from apscheduler.triggers.interval import IntervalTrigger
from slack_sdk import WebClient

from audit import Ledger, advance_sink, events_after, release_sink, reset_sink, take_sink
from bot.jobs.schedule import Job
from bot.runtime.services import Services
from bot.runtime.settings import Settings
from integrations.audit_sink import AuditSink, open_sink
from integrations.errors import IntegrationError

log = logging.getLogger(__name__)

BATCH = 500  # events a request (or a write) carries
LEASE = timedelta(minutes=2)  # renewed with every batch the sink accepts
SEND_EVERY = timedelta(seconds=10)


@dataclass(frozen=True)
class Delivered:
    sent: int  # events the sink accepted in this pass
    cursor: int  # the last seq it has accepted


def event_line(record: dict[str, object]) -> str:
    return json.dumps(record, sort_keys=True, ensure_ascii=False)


def new_owner(who: str) -> str:
    return f"{who}:{os.getpid()}:{secrets.token_hex(3)}"


def deliver(
    ledger: Ledger,
    sink: AuditSink,
    *,
    owner: str,
    now: Callable[[], datetime],
    start_after: int | None = None,
    batch: int = BATCH,
) -> Delivered | None:
    """Send ``sink`` every event after its cursor (or ``start_after``), batch by batch, moving the
    cursor after each batch it accepts; None when another deliverer holds the sink. A sink's
    failure is raised (an ``IntegrationError``) after the cursor has kept what was accepted."""
    with ledger.session() as session:
        if start_after is not None:
            reset_sink(session=session, sink=sink.name, seq=start_after, now=now())
        held = take_sink(session=session, sink=sink.name, owner=owner, now=now(), lease=LEASE)
    if held is None:
        return None
    cursor, sent = held, 0
    try:
        while True:
            with ledger.read_session() as session:
                records = events_after(session=session, seq=cursor, limit=batch)
            if not records:
                break
            sink.send([event_line(record) for record in records])
            last = int(str(records[-1]["seq"]))
            with ledger.session() as session:
                kept = advance_sink(
                    session=session, sink=sink.name, owner=owner, seq=last, now=now(), lease=LEASE
                )
            if not kept:  # our lease lapsed and another deliverer took the sink: it goes on
                log.warning("audit stream: lost the lease on %s after event %d", sink.name, last)
                return Delivered(sent, cursor)
            cursor, sent = last, sent + len(records)
    finally:
        with ledger.session() as session:
            release_sink(session=session, sink=sink.name, owner=owner)
    return Delivered(sent, cursor)


def configured_sink(settings: Settings, spec: str, out: TextIO | None = None) -> AuditSink:
    token = settings.jethub_audit_sink_token
    return open_sink(
        spec,
        token=token.get_secret_value() if token is not None else None,
        ca_file=settings.jethub_audit_sink_ca,
        out=out,
    )


def stream_to_sink(services: Services, client: WebClient, *, owner: str) -> Delivered | None:
    """The clock's pass: what is new to ``JETHUB_AUDIT_SINK``; a sink that fails is logged (in
    its own words, the token cut out) and tried again on the next pass from the cursor."""
    spec = services.settings.jethub_audit_sink
    if not spec:
        return None
    deps = services.deps
    sink = configured_sink(services.settings, spec)
    try:
        done = deliver(deps.ledger, sink, owner=owner, now=deps.now)
    except IntegrationError as exc:
        log.warning("audit stream to %s stopped, to resume from its cursor: %s", sink.name, exc)
        return None
    finally:
        sink.close()
    if done is not None and done.sent:
        log.info("audit stream: %d event(s) to %s (up to %d)", done.sent, sink.name, done.cursor)
    return done


def _every_ten_seconds(settings: Settings) -> IntervalTrigger:
    return IntervalTrigger(seconds=int(SEND_EVERY.total_seconds()), timezone=settings.zone)


def _no_sink(settings: Settings) -> str | None:
    if settings.jethub_audit_sink:
        return None
    return "JETHUB_AUDIT_SINK is not set; the audit log is not streamed out"


JOB = Job(
    id="audit-stream",
    name="stream new audit events to JETHUB_AUDIT_SINK",
    run=stream_to_sink,
    trigger=_every_ten_seconds,
    failed="streaming the audit log failed; the next pass resumes from the sink's cursor",
    unless=_no_sink,
    at_start=True,
)
