"""Secrets are masked on what leaves the process: the final log line (message, extras,
exception text, traceback) and every argument sent to Slack."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator

import pytest

from bot.edge.boundary import user_message
from bot.runtime.logs import configure_logging
from bot.runtime.masking import MASK, PROCESS, Masker, MaskingWebClient
from devkit.slack import FakeSlack
from integrations.errors import BackendUnavailable
from tests.fixtures.bot import ALICE, BOT_TOKEN, SIGNING_SECRET, BotHarness

TOKEN = "xoxb-leaky-token-5a7c9e"
ODD = 'pa"ss\\wörd-0042'  # a secret that JSON escapes on the way out


def _fail_deep(secret: str) -> None:
    def inner() -> None:
        raise ValueError(f"login refused for {secret}")

    try:
        inner()
    except ValueError as exc:
        raise RuntimeError(f"backend said: {exc}") from exc


@pytest.fixture(params=[True, False], ids=["json", "text"])
def stream(
    request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> Iterator[io.StringIO]:
    out = io.StringIO()
    monkeypatch.setattr("sys.stderr", out)
    configure_logging(secrets=[TOKEN, ODD], json_lines=request.param)
    try:
        yield out
    finally:
        root = logging.getLogger()
        for handler in [h for h in root.handlers if getattr(h, "_jethub", False)]:
            root.removeHandler(handler)


def test_secrets_in_messages_extras_exceptions_and_tracebacks_are_masked(
    stream: io.StringIO,
) -> None:
    log = logging.getLogger("jethub.test.masking")
    log.warning("token %s", TOKEN, extra={"header": f"Bearer {TOKEN}", "nested": {"pw": ODD}})
    try:
        _fail_deep(TOKEN)
    except RuntimeError:
        log.exception("the call failed", extra={"password": ODD})
    try:
        _fail_deep(ODD)
    except RuntimeError as exc:
        log.error("no traceback, just the text: %s", exc)
    written = stream.getvalue()
    assert "Traceback" in written and "login refused for" in written  # it did log them
    assert TOKEN not in written
    assert ODD not in written and json.dumps(ODD)[1:-1] not in written
    assert written.count(MASK) >= 4  # the text format leaves extras out


def test_what_is_sent_to_slack_is_masked_but_the_token_still_works(fake_slack: FakeSlack) -> None:
    client = MaskingWebClient(
        token=fake_slack.bot_token, base_url=fake_slack.url, masker=Masker([fake_slack.bot_token])
    )
    fake_slack.add_channel("C0SUPPORT", "support")
    client.chat_postMessage(
        channel="C0SUPPORT",
        text=f"oops {fake_slack.bot_token}",
        blocks=[{"type": "section", "text": {"type": "mrkdwn", "text": fake_slack.bot_token}}],
    )
    sent = json.dumps(fake_slack.calls("chat.postMessage")[0].args)
    assert fake_slack.bot_token not in sent
    assert sent.count(MASK) == 2


def test_an_error_told_to_a_person_is_masked() -> None:
    configure_logging(secrets=[TOKEN], json_lines=True)
    try:
        text = user_message(BackendUnavailable("zuora", f"401 for token {TOKEN}"))
    finally:
        root = logging.getLogger()
        for handler in [h for h in root.handlers if getattr(h, "_jethub", False)]:
            root.removeHandler(handler)
    assert TOKEN not in text and MASK in text


def test_acks_and_response_url_posts_are_masked_too(bot: BotHarness) -> None:
    with bot.sandbox.world.lock:
        bot.sandbox.world.platform.accounts["1001"].name = f"Leaky {SIGNING_SECRET} Pty"
    typed = bot.command(ALICE, f"{BOT_TOKEN} 1001")  # an unknown verb is echoed in the ack
    assert typed.status_code == 200 and "not a /jethub verb" in typed.text
    assert BOT_TOKEN not in typed.text and MASK in typed.text
    bot.command(ALICE, "account 1001")
    shown = json.dumps(
        [c.args for c in bot.slack.calls()] + [r.body for r in bot.slack.responses()]
    )
    assert "Leaky [redacted] Pty" in shown
    assert SIGNING_SECRET not in shown and BOT_TOKEN not in shown


def test_a_rotating_secret_keeps_its_newest_two_masked_and_no_more() -> None:
    masker = Masker(["fixed-secret-1"])
    for n in range(5):
        masker.rotate("token", f"access-token-{n}")
    text = " ".join(f"access-token-{n}" for n in range(5)) + " fixed-secret-1"
    assert masker.mask(text) == f"access-token-0 access-token-1 access-token-2 {MASK} {MASK} {MASK}"


def test_the_zuora_access_token_a_backend_echoes_never_reaches_a_log_or_slack(
    bot: BotHarness, caplog: pytest.LogCaptureFixture
) -> None:
    """A backend quoting the caller's bearer token in its error text (issue 29): the OAuth
    access token the process was issued is masked like the client secret."""
    caplog.set_level(logging.DEBUG)
    bot.command(ALICE, "account 1003")  # the client holds an access token from here on
    with bot.sandbox.world.lock:
        issued = list(bot.sandbox.world.zuora.tokens)
    assert issued
    bot.sandbox.faults("zuora").set(error_rate=1.0, echo_credentials=True)
    bot.command(ALICE, "account 1003")
    bot.wait_idle()
    formatter = logging.Formatter("%(message)s")  # masked as the process's log handler masks
    logged = "\n".join(PROCESS.mask(formatter.format(r)) for r in caplog.records)
    assert "for token=" in logged  # the backend did quote its caller
    said = json.dumps(bot.slack.ephemerals(ALICE))
    assert "Zuora" in said
    for token in issued:
        assert token not in logged and token not in said
