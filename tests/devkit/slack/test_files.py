"""FakeSlack's external file upload: an upload URL it hands out, the bytes, the completion."""

from __future__ import annotations

import httpx
import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from devkit.slack import FakeSlack
from tests.fixtures.sandbox import TLS
from tests.fixtures.slack import TEST_BOT_TOKEN

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 24


def test_files_upload_v2_shares_the_file_in_a_thread(fake_slack: FakeSlack) -> None:
    fake_slack.add_channel("C0FILES", "files")
    client = WebClient(token=TEST_BOT_TOKEN, base_url=fake_slack.url)
    parent = client.chat_postMessage(channel="C0FILES", text="parent")
    client.files_upload_v2(
        content=PNG,
        filename="chart.png",
        title="A chart",
        channel="C0FILES",
        thread_ts=parent["ts"],
        request_file_info=False,
    )
    [uploaded] = fake_slack.files()
    assert uploaded["content"] == PNG and uploaded["mimetype"] == "image/png"
    assert uploaded["title"] == "A chart"
    [_, reply] = fake_slack.thread("C0FILES", parent["ts"])
    assert reply["files"][0]["id"] == uploaded["id"] and "content" not in reply["files"][0]


def test_completing_a_file_never_uploaded_is_refused(fake_slack: FakeSlack) -> None:
    client = WebClient(token=TEST_BOT_TOKEN, base_url=fake_slack.url)
    handed = client.files_getUploadURLExternal(filename="x.png", length=len(PNG))
    assert handed["upload_url"].startswith(fake_slack.base_url + "upload/")
    with pytest.raises(SlackApiError) as raised:
        client.files_completeUploadExternal(files=[{"id": handed["file_id"]}])
    assert raised.value.response["error"] == "file_upload_size_mismatch"
    assert httpx.post(handed["upload_url"], content=PNG[:5], verify=TLS).status_code == 200
    with pytest.raises(SlackApiError):  # 5 bytes of the 32 announced
        client.files_completeUploadExternal(files=[{"id": handed["file_id"]}])
    assert (
        httpx.post(fake_slack.base_url + "upload/v1/nope", content=PNG, verify=TLS).status_code
        == 404
    )
    with pytest.raises(SlackApiError) as unknown:
        client.files_completeUploadExternal(files=[{"id": "F0NOPE"}])
    assert unknown.value.response["error"] == "file_not_found"
    assert fake_slack.files() == []
