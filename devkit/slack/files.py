"""External file uploads as Slack does them: files.getUploadURLExternal hands out an upload URL,
the bytes are POSTed to it, and files.completeUploadExternal finishes the file and shares it in a
message.

Not thread-safe by itself: `FakeSlack` calls it with its lock held.
"""

from __future__ import annotations

from collections.abc import Callable

from devkit.slack import ids
from devkit.slack.conversations import Conversations
from devkit.slack.directory import Directory
from devkit.slack.records import ApiError, Json
from devkit.slack.web_args import text_arg


class Files:
    def __init__(
        self, directory: Directory, conversations: Conversations, base_url: Callable[[], str]
    ) -> None:
        self._directory = directory
        self._conversations = conversations
        self._base_url = base_url
        self._files: dict[str, Json] = {}  # file id -> Slack's file object (+ "content" bytes)
        self._uploads: dict[str, str] = {}  # upload URL path -> file id

    def completed(self) -> list[Json]:
        """Files whose upload was completed, oldest first (not copies)."""
        return [f for f in self._files.values() if f["completed"]]

    def receive(self, path: str, data: bytes) -> bool:
        """The bytes POSTed to an upload URL; False if no such URL was handed out."""
        file_id = self._uploads.get(path)
        if file_id is None:
            return False
        self._files[file_id]["content"] = data
        return True

    def get_upload_url_external(self, args: Json, now: float) -> Json:
        filename, length = text_arg(args, "filename"), text_arg(args, "length")
        if not filename or not length.isdigit() or int(length) <= 0:
            raise ApiError("invalid_arguments", messages=["[ERROR] filename and length needed"])
        file_id = ids.random_id("F")
        path = f"/upload/v1/{ids.random_id('', 24).lower()}"
        self._files[file_id] = {
            "id": file_id,
            "name": filename,
            "title": filename,
            "alt_txt": text_arg(args, "alt_txt") or None,
            "length": int(length),
            "content": None,
            "completed": False,
            "user": self._directory.bot.user_id,
        }
        self._uploads[path] = file_id
        return {"upload_url": self._base_url() + path.lstrip("/"), "file_id": file_id}

    def complete_upload_external(self, args: Json, now: float) -> Json:
        files = args.get("files")
        if not isinstance(files, list) or not files:
            raise ApiError("invalid_arguments", messages=["[ERROR] files must be a JSON list"])
        channel_id = text_arg(args, "channel_id")
        channel = self._directory.channel(channel_id) if channel_id else None
        if channel_id and channel is None:
            raise ApiError("channel_not_found")
        done: list[Json] = []
        for entry in files:
            found = self._files.get(str(entry.get("id")) if isinstance(entry, dict) else "")
            if found is None or found["completed"]:
                raise ApiError("file_not_found")
            if found["content"] is None or len(found["content"]) != found["length"]:
                raise ApiError("file_upload_size_mismatch")
            found["completed"] = True
            found["title"] = str(entry.get("title") or found["name"])
            found["mimetype"] = _mimetype(found["content"])
            done.append(_file_json(found))
        if channel is not None:
            message = self._conversations.bot_message(
                text_arg(args, "initial_comment"), None, None, now
            )
            message["files"] = done
            message["upload"] = True
            self._conversations.store(channel.id, message, text_arg(args, "thread_ts") or None)
            for found in done:
                self._files[found["id"]]["shares"] = {"channel": channel.id, "ts": message["ts"]}
        return {"files": [{"id": f["id"], "title": f["title"]} for f in done]}


def _mimetype(content: bytes) -> str:
    return "image/png" if content.startswith(b"\x89PNG\r\n\x1a\n") else "application/octet-stream"


def _file_json(found: Json) -> Json:
    """A file as Slack shows it in a message (without the bytes)."""
    return {
        key: found[key]
        for key in ("id", "name", "title", "mimetype", "alt_txt", "user")
        if found.get(key) is not None
    } | {"size": found["length"], "filetype": found["name"].rsplit(".", 1)[-1]}
