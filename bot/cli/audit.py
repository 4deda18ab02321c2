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
