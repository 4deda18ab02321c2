"""SlackSender's signatures pass slack_sdk's verifier, and tampered ones fail it."""

from __future__ import annotations

import time

from hypothesis import given
from hypothesis import strategies as st
from slack_sdk.signature import SignatureVerifier

from devkit.slack import SlackSender, sign
from tests.devkit.slack.conftest import RecordingApp
from tests.fixtures.slack import TEST_SIGNING_SECRET

VERIFIER = SignatureVerifier(TEST_SIGNING_SECRET)


@given(
    body=st.text(max_size=2000),
    timestamp=st.integers(min_value=0, max_value=2**40),
    secret=st.text(st.characters(min_codepoint=33, max_codepoint=126), min_size=1, max_size=64),
)
def test_sign_matches_slack_sdk(body: str, timestamp: int, secret: str):
    expected = SignatureVerifier(secret).generate_signature(timestamp=str(timestamp), body=body)
    assert sign(secret, timestamp, body) == expected


def test_sign_changes_with_every_input():
    variants = {
        sign("secret", 1, "body"),
        sign("secret", 2, "body"),
        sign("secret", 1, "body!"),
        sign("other", 1, "body"),
    }
    assert len(variants) == 4
    assert all(v.startswith("v0=") and len(v) == 67 for v in variants)


def _verify(app: RecordingApp, index: int = -1) -> bool:
    received = app.received[index]
    return VERIFIER.is_valid(
        body=received.body,
        timestamp=received.headers.get("X-Slack-Request-Timestamp", ""),
        signature=received.headers.get("X-Slack-Signature", ""),
    )


def test_every_kind_of_request_is_correctly_signed(sender: SlackSender, recording_app, fake_slack):
    app, _ = recording_app
    sender.command("U0ALICE", "suspend 1001")
    fake_slack.post_user_message("C0OPS", "U0ALICE", "hello")
    sender.event({"type": "app_mention", "user": "U0ALICE", "text": "hi", "channel": "C0OPS"})
    sender.url_verification("challenge-1")
    assert len(app.received) == 3
    assert all(_verify(app, i) for i in range(3))
    assert abs(int(app.received[0].headers["X-Slack-Request-Timestamp"]) - time.time()) < 60


def test_wrong_signature_fails_verification(sender: SlackSender, recording_app):
    app, _ = recording_app
    sender.tampered(wrong_signature=True).command("U0ALICE", "help")
    assert app.received[-1].headers["X-Slack-Signature"].startswith("v0=")
    assert not _verify(app)


def test_stale_timestamp_fails_verification(sender: SlackSender, recording_app):
    app, _ = recording_app
    sender.tampered(timestamp_skew=-6 * 60).command("U0ALICE", "help")
    assert not _verify(app)
    # The signature itself matches its (stale) timestamp: only the age is wrong.
    received = app.received[-1]
    assert received.headers["X-Slack-Signature"] == sign(
        TEST_SIGNING_SECRET, received.headers["X-Slack-Request-Timestamp"], received.body
    )


def test_unsigned_request_has_no_signature_headers(sender: SlackSender, recording_app):
    app, _ = recording_app
    sender.tampered(unsigned=True).command("U0ALICE", "help")
    headers = app.received[-1].headers
    assert "X-Slack-Signature" not in headers
    assert "X-Slack-Request-Timestamp" not in headers
