"""``jethub`` — the one entry point: serve, socket, clock, db, audit, sandbox, console, digest."""

from __future__ import annotations

import argparse
import logging
import socket
import sys
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from bot.settings import Settings, SettingsError, load_settings

if TYPE_CHECKING:
    from slack_bolt import App

    from audit import Anchor, Ledger
    from bot.services import Services

log = logging.getLogger("jethub")


def _settings() -> Settings:
    return load_settings()


def _logging(settings: Settings, level: str = "INFO") -> None:
    from bot.logs import configure_logging
    from bot.services import secret_values

    configure_logging(level=level, secrets=secret_values(settings))


class StartupError(Exception):
    """Start-up cannot go on; the message is the one line to print."""


def _ledger_url(settings: Settings) -> str:
    from audit.db import normalise_url

    return normalise_url(settings.database_url).render_as_string(hide_password=True)


def _unreachable(settings: Settings, exc: BaseException) -> StartupError:
    """One line for a ledger that cannot be reached, from the driver's own first line."""
    reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()
    first = reason[0] if reason else type(exc).__name__
    return StartupError(f"cannot reach the ledger at {_ledger_url(settings)} ({first})")


def _build_services(settings: Settings, **kwargs: object) -> Services:
    """``build_services`` with a database that is down or broken reported in one line."""
    from sqlalchemy.exc import SQLAlchemyError

    from audit import WrongAuditKey
    from bot.services import build_services

    try:
        return build_services(settings, **kwargs)  # type: ignore[arg-type]
    except SQLAlchemyError as exc:
        raise _unreachable(settings, exc) from None
    except WrongAuditKey as exc:
        raise StartupError(str(exc)) from None


def open_ledger(settings: Settings) -> Ledger:
    """The migrated ledger for the audit commands; one clear line if it is missing or old."""
    from sqlalchemy.exc import SQLAlchemyError

    from audit import Ledger, current_revision, make_engine
    from audit.db import head_revision, normalise_url
    from bot.services import audit_key

    url = normalise_url(settings.database_url)
    upgrade_hint = "run `jethub db upgrade` first"
    database = url.database if url.get_backend_name() == "sqlite" else None
    if database not in (None, "", ":memory:") and not Path(str(database)).exists():
        raise StartupError(f"there is no ledger at {_ledger_url(settings)}: {upgrade_hint}")
    key = audit_key(settings, create=False)
    engine = make_engine(url)
    try:
        revision = current_revision(engine)
    except SQLAlchemyError as exc:
        engine.dispose()
        raise _unreachable(settings, exc) from None
    if revision != head_revision():
        engine.dispose()
        state = "not migrated" if revision is None else f"at an old schema ({revision})"
        raise StartupError(f"the ledger at {_ledger_url(settings)} is {state}: {upgrade_hint}")
    return Ledger(engine, key=key)


def _app(services: Services) -> App:
    """The Bolt app, checking the bot token against Slack (``auth.test``) on the way."""
    from slack_bolt.error import BoltError

    from bot.app import create_app

    try:
        return create_app(services)
    except BoltError as exc:
        raise StartupError(f"Slack refused SLACK_BOT_TOKEN ({exc})") from None
    except OSError as exc:  # URLError is an OSError
        url = services.settings.slack_api_url
        raise StartupError(f"cannot reach Slack's Web API at {url} ({exc})") from None


def cmd_serve(args: argparse.Namespace) -> int:
    settings = _settings()
    settings.require("SLACK_SIGNING_SECRET", "SLACK_BOT_TOKEN")
    settings.check_consistency()
    _logging(settings)
    host, port = args.host, args.port or settings.port
    if args.processes <= 1:
        return _serve_one(settings, host=host, port=port, clock=args.all_in_one)
    from bot.prefork import listen, serve_forked

    sock = listen(host, port)
    log.info(
        "serving Slack with %d processes on http://%s:%s/slack/events", args.processes, host, port
    )
    return serve_forked(
        args.processes,
        sock,
        # With --all-in-one the first process runs the clock (the ledger's claims would make
        # more clocks safe, only wasteful).
        lambda shared, index: _serve_one(
            settings, host=host, port=port, clock=args.all_in_one and index == 0, sock=shared
        ),
    )


def _serve_one(
    settings: Settings, *, host: str, port: int, clock: bool, sock: socket.socket | None = None
) -> int:
    from bot.web import WebApp, serve
    from bot.workers import WEB_WORKERS, favour_acks

    favour_acks()
    services = _build_services(settings, workers=WEB_WORKERS)
    try:
        app = _app(services)
    except StartupError:
        services.close()
        raise
    scheduler = None
    if clock:
        from bot.clock import start_clock

        scheduler = start_clock(services, app.client)
    try:
        serve(WebApp(app, services), host=host, port=port, sock=sock)
    finally:
        if scheduler is not None:
            scheduler.shutdown(wait=False)
        services.close()
    return 0


def cmd_socket(args: argparse.Namespace) -> int:
    settings = _settings()
    settings.require("SLACK_APP_TOKEN", "SLACK_BOT_TOKEN")
    settings.check_consistency()
    _logging(settings)
    from bot.metrics import serve_metrics
    from bot.socket_mode import serve_until_signalled, socket_handler
    from bot.workers import WEB_WORKERS, favour_acks

    favour_acks()
    services = _build_services(settings, workers=WEB_WORKERS)
    try:
        app = _app(services)
    except StartupError:
        services.close()
        raise
    assert settings.slack_app_token is not None
    serve_metrics(settings.jethub_metrics_port)
    handler = socket_handler(app, settings.slack_app_token.get_secret_value())
    try:
        serve_until_signalled(handler)
    finally:
        services.close()  # finishes the work already acknowledged
    return 0


def cmd_clock(args: argparse.Namespace) -> int:
    settings = _settings()
    settings.require("SLACK_BOT_TOKEN")
    settings.check_consistency()
    _logging(settings)
    from bot.clock import run_clock
    from bot.metrics import serve_metrics

    services = _build_services(settings)
    serve_metrics(settings.jethub_metrics_port)
    try:
        run_clock(services)
    finally:
        services.close()
    return 0


def cmd_db_upgrade(args: argparse.Namespace) -> int:
    settings = _settings()
    _logging(settings)
    from sqlalchemy.exc import SQLAlchemyError

    from audit import Ledger, WrongAuditKey, make_engine
    from bot.services import audit_key

    ledger = Ledger(make_engine(settings.database_url), key=audit_key(settings))
    try:
        ledger.upgrade()  # and seals the head with the key
    except SQLAlchemyError as exc:
        raise _unreachable(settings, exc) from None
    except WrongAuditKey as exc:
        raise StartupError(str(exc)) from None
    finally:
        ledger.dispose()
    print("ledger schema is up to date")
    return 0


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

        from bot.anchoring import anchors_from_slack
        from bot.services import slack_client

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


def cmd_audit_verify(args: argparse.Namespace) -> int:
    settings = _settings()
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


def cmd_audit_anchor(args: argparse.Namespace) -> int:
    settings = _settings()
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
    _logging(settings, level="WARNING")
    from slack_sdk.errors import SlackApiError

    from bot.anchoring import post_anchor

    open_ledger(settings).dispose()  # one clear line if it is missing or not migrated
    services = _build_services(settings, migrate=False, workers=1)
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
    settings = _settings()
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


def cmd_sandbox(args: argparse.Namespace) -> int:
    from integrations.sandbox import serve_forever

    serve_forever(args.port, data=args.data, size=args.size, clock=_settings().clock)
    return 0


def cmd_console(args: argparse.Namespace) -> int:
    from bot.console import run_console

    return run_console(script=Path(args.script) if args.script else None, socket_mode=args.socket)


def cmd_digest(args: argparse.Namespace) -> int:
    settings = _settings()
    _logging(settings, level="WARNING")
    from bot.digest_cli import print_digest

    return print_digest(settings)


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(prog="jethub", description=__doc__)
    sub = top.add_subparsers(dest="command", required=True)

    serve = sub.add_parser("serve", help="HTTP mode: POST /slack/events, /healthz, /metrics")
    serve.add_argument("--host", default="0.0.0.0")
    serve.add_argument("--port", type=int, default=None, help="default: $PORT or 3000")
    serve.add_argument(
        "--all-in-one", action="store_true", help="also run the clock in this process"
    )
    serve.add_argument(
        "--processes",
        type=int,
        default=1,
        help="web processes sharing the port (pre-fork; default 1: this process serves)",
    )
    serve.set_defaults(func=cmd_serve)

    sub.add_parser("socket", help="Socket Mode (no public URL)").set_defaults(func=cmd_socket)
    sub.add_parser("clock", help="scheduled jobs: digest, sweeper").set_defaults(func=cmd_clock)

    db = sub.add_parser("db", help="ledger schema").add_subparsers(dest="db_command", required=True)
    db.add_parser("upgrade", help="run migrations to head").set_defaults(func=cmd_db_upgrade)

    audit = sub.add_parser("audit", help="the audit log").add_subparsers(
        dest="audit_command", required=True
    )
    verify = audit.add_parser("verify", help="check the keyed hash chain (and anchors)")
    verify.add_argument(
        "--anchors", metavar="FILE", help="also check against the anchor lines in FILE"
    )
    verify.add_argument(
        "--from-slack",
        action="store_true",
        help="also check against the anchors posted to JETHUB_AUDIT_CHANNEL",
    )
    verify.set_defaults(func=cmd_audit_verify)
    anchor = audit.add_parser(
        "anchor", help="post the chain's head to JETHUB_AUDIT_CHANNEL (or print it)"
    )
    anchor.add_argument("--print-only", action="store_true", help="print it, post nothing")
    anchor.set_defaults(func=cmd_audit_anchor)
    export = audit.add_parser("export", help="write events as CSV or JSON lines")
    export.add_argument("--format", choices=("csv", "jsonl"), default="jsonl")
    export.add_argument("--account")
    export.add_argument("--since", help="YYYY-MM-DD")
    export.add_argument("--output", "-o", help="file (default: stdout)")
    export.set_defaults(func=cmd_audit_export)

    sandbox = sub.add_parser("sandbox", help="serve the Zuora/platform/SBC sandbox")
    sandbox.add_argument("--port", type=int, required=True)
    sandbox.add_argument("--data", choices=("demo", "generated"), default="demo")
    sandbox.add_argument("--size", type=int, default=None, help="accounts to generate")
    sandbox.set_defaults(func=cmd_sandbox)

    console = sub.add_parser("console", help="try every flow in the terminal, no Slack needed")
    console.add_argument("--script", help="play a transcript file instead of a terminal")
    console.add_argument(
        "--socket", action="store_true", help="talk to the bot over Socket Mode instead of HTTP"
    )
    console.set_defaults(func=cmd_console)

    digest = sub.add_parser("digest", help="the overdue-invoice digest")
    digest.add_argument(
        "--dry-run", action="store_true", required=True, help="print it, post nothing"
    )
    digest.set_defaults(func=cmd_digest)
    return top


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        return int(args.func(args))
    except SettingsError as exc:
        print(f"jethub: {exc}", file=sys.stderr)
        return 2
    except StartupError as exc:
        print(f"jethub: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # The reader went away (`jethub audit export | head`): stop quietly, as cat does.
        _silence_stdout()
        return 1


def _silence_stdout() -> None:
    """Point stdout at /dev/null so the interpreter's final flush cannot raise again."""
    import os

    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError):
        pass


if __name__ == "__main__":
    sys.exit(main())
