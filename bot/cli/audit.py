"""``jethub audit verify | anchor | export``: check the ledger's keyed hash chain (and its
anchors), post or print the chain's head, and write events out as CSV or JSON lines."""

from __future__ import annotations

import argparse
import sys
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from bot.cli.startup import StartupError, build_services, open_ledger, start_logging
from bot.runtime.settings import Settings, load_settings

if TYPE_CHECKING:
    from audit import Anchor


def cmd_audit_verify(args: argparse.Namespace) -> int:
    settings = load_settings()
    from audit import verify

    anchors = _anchors(settings, args)
    ledger = open_ledger(settings)
    try:
        with ledger.read_session() as session:
            report = verify(session=session, anchors=anchors)
    finally:
        ledger.dispose()
    if report.ok:
        against = f", {report.anchors_checked} anchors matched" if anchors else ""
        print(f"audit chain intact: {report.checked} events verified{against}")
        return 0
    print(f"audit chain BROKEN at event {report.first_bad_seq}: {report.problem}", file=sys.stderr)
    return 1


def _anchors(settings: Settings, args: argparse.Namespace) -> list[Anchor]:
    from audit import parse_anchors

    anchors: list[Anchor] = []
    if args.anchors:
        try:
            anchors += parse_anchors(Path(args.anchors).read_text(encoding="utf-8").splitlines())
        except OSError as exc:
            raise StartupError(f"cannot read the anchors file {args.anchors}: {exc}") from None
    if args.from_slack:
        from slack_sdk.errors import SlackApiError

        from bot.jobs.anchoring import anchors_from_slack
        from bot.runtime.services import slack_client

        settings.require("SLACK_BOT_TOKEN", "JETHUB_AUDIT_CHANNEL")
        assert settings.jethub_audit_channel is not None
        try:
            anchors += anchors_from_slack(slack_client(settings), settings.jethub_audit_channel)
        except SlackApiError as exc:
            error = exc.response.get("error", "error")
            raise StartupError(f"Slack refused to read JETHUB_AUDIT_CHANNEL ({error})") from None
        except OSError as exc:
            raise StartupError(f"cannot reach Slack's Web API ({exc})") from None
    if (args.anchors or args.from_slack) and not anchors:
        raise StartupError("no anchors found to check against (lines `jethub audit anchor: …`)")
    return anchors


def cmd_audit_anchor(args: argparse.Namespace) -> int:
    settings = load_settings()
    from audit import current_anchor

    if not settings.jethub_audit_channel or args.print_only:
        ledger = open_ledger(settings)
        try:
            with ledger.read_session() as session:
                print(current_anchor(session=session).line())
        finally:
            ledger.dispose()
        return 0
    settings.require("SLACK_BOT_TOKEN")
    start_logging(settings, level="WARNING")
    from slack_sdk.errors import SlackApiError

    from bot.jobs.anchoring import post_anchor

    open_ledger(settings).dispose()  # one clear line if it is missing or not migrated
    services = build_services(settings, migrate=False, workers=1)
    try:
        posted = post_anchor(services, services.slack, actor="jethub-cli")
    except SlackApiError as exc:
        error = exc.response.get("error", "error")
        raise StartupError(f"Slack refused the anchor post ({error})") from None
    finally:
        services.close()
    print(f"{posted.anchor.line()} (posted to {posted.channel})")
    return 0


def cmd_audit_export(args: argparse.Namespace) -> int:
    settings = load_settings()
    from audit import export

    since = date.fromisoformat(args.since) if args.since else None
    ledger = open_ledger(settings)
    out = open(args.output, "w", encoding="utf-8", newline="") if args.output else sys.stdout  # noqa: SIM115
    try:
        with ledger.read_session() as session:
            count = export(
                session=session, fmt=args.format, out=out, account=args.account, since=since
            )
        out.flush()
    finally:
        if args.output:
            out.close()
        ledger.dispose()
    print(f"exported {count} events", file=sys.stderr)
    return 0


def cmd_audit_rotate_key(args: argparse.Namespace) -> int:
    """Move the chain onto a new key: the one key in JETHUB_AUDIT_KEY the ledger has never used
    (put there, beside the current one, on every process first), or, for an embedded SQLite
    ledger with a key file, a new key added to that file. Prints key ids, never a key."""
    settings = load_settings()
    from audit import (
        AuditKeyMissing,
        InvalidValue,
        Keyring,
        WrongAuditKey,
        rotate_key,
        used_key_ids,
    )
    from audit.keys import add_key_to_file
    from bot.runtime.keys import key_file

    ledger = open_ledger(settings)
    try:
        if ledger.keyring is None:
            raise StartupError("no audit key: set JETHUB_AUDIT_KEY")
        with ledger.read_session() as session:
            used = used_key_ids(session=session)
        fresh = [key for key in ledger.keyring if key.key_id not in used]
        path = key_file(settings)
        if not fresh and path is not None:
            fresh = [add_key_to_file(path)]
            ledger.keyring = Keyring([*ledger.keyring, *fresh])
        if len(fresh) != 1:
            held = ", ".join(key.key_id for key in ledger.keyring)
            if not fresh:
                raise StartupError(
                    f"JETHUB_AUDIT_KEY holds no key the ledger has not used yet (it holds {held}): "
                    "add a new key after the current one, comma-separated, on every process "
                    "and restart them, then rotate"
                )
            names = ", ".join(key.key_id for key in fresh)
            raise StartupError(f"JETHUB_AUDIT_KEY holds several unused keys ({names}): keep one")
        try:
            with ledger.session() as session:
                event = rotate_key(session=session, to=fresh[0], actor="jethub-cli")
        except (AuditKeyMissing, WrongAuditKey, InvalidValue) as exc:
            raise StartupError(str(exc)) from None
    finally:
        ledger.dispose()
    details = event.details
    print(
        f"audit key rotated from {details['from']} to {details['to']} at event {event.seq}; "
        "keep the old key beside the new one (JETHUB_AUDIT_KEY) to verify older events"
    )
    if path is not None:
        print(f"the new key was added to {path}; restart every process that uses it")
    return 0


def cmd_audit_stream(args: argparse.Namespace) -> int:
    """Send the sink every event after its stored cursor (or ``--from``), as NDJSON; with
    ``--follow``, keep sending new ones, riding out the sink's outages from the cursor."""
    settings = load_settings()
    settings.check_consistency()
    import time

    from bot.jobs.streaming import configured_sink, deliver, new_owner
    from integrations.clock import utc_now
    from integrations.errors import IntegrationError

    spec = args.sink or settings.jethub_audit_sink or "stdout"
    try:
        sink = configured_sink(settings, spec)
    except ValueError as exc:
        raise StartupError(f"audit sink {spec!r}: {exc}") from None
    ledger = open_ledger(settings)
    owner = new_owner("jethub-cli")
    start_after, total, pause = args.from_seq, 0, 1.0
    try:
        while True:
            try:
                done = deliver(ledger, sink, owner=owner, now=utc_now, start_after=start_after)
            except IntegrationError as exc:
                if not args.follow:
                    raise StartupError(
                        f"the audit sink failed (run again to resume): {exc}"
                    ) from None
                print(f"jethub: the audit sink failed, retrying: {exc}", file=sys.stderr)
                time.sleep(pause)
                pause = min(pause * 2, 60.0)
                continue
            if done is None:
                raise StartupError(f"another process is streaming to {sink.name}; try later")
            start_after, total, pause = None, total + done.sent, 1.0
            if not args.follow:
                break
            time.sleep(2.0)
    finally:
        sink.close()
        ledger.dispose()
    print(
        f"streamed {total} events to {sink.name} (delivered up to event {done.cursor})",
        file=sys.stderr,
    )
    return 0
