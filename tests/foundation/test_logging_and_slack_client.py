import io
import json
import logging

from bot.runtime.logs import configure_logging
from bot.runtime.services import slack_client
from bot.runtime.settings import Settings
from commands.context import correlation_id


def test_json_lines_carry_the_correlation_id_and_mask_secrets(monkeypatch):
    stream = io.StringIO()
    monkeypatch.setattr("sys.stderr", stream)
    configure_logging(secrets=["xoxb-very-secret-token"], json_lines=True)
    token = correlation_id.set("abc123")
    try:
        logging.getLogger("jethub.test").warning(
            "posting with %s failed", "xoxb-very-secret-token", extra={"account": "1001"}
        )
    finally:
        correlation_id.reset(token)
        root = logging.getLogger()
        for handler in [h for h in root.handlers if getattr(h, "_jethub", False)]:
            root.removeHandler(handler)
    entry = json.loads(stream.getvalue().strip().splitlines()[-1])
    assert entry["correlation_id"] == "abc123"
    assert entry["account"] == "1001"
    assert entry["level"] == "warning"
    assert "xoxb-very-secret-token" not in stream.getvalue()
    assert "[redacted]" in entry["msg"]


def test_the_slack_client_honours_429_retry_after(fake_slack):
    settings = Settings(
        _env_file=None, slack_bot_token=fake_slack.bot_token, slack_api_url=fake_slack.url
    )
    fake_slack.rate_limit("chat.postMessage", times=1, retry_after=1)
    answer = slack_client(settings).chat_postMessage(channel="C0SUPPORT", text="hello")
    assert answer["ok"]
    statuses = [call.status for call in fake_slack.calls("chat.postMessage")]
    assert statuses == [429, 200]
