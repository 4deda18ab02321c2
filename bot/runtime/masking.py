"""Secrets kept out of what leaves the process: log lines and everything sent to Slack.

Settings hold secrets as ``SecretStr`` so they are not printed by accident; this is the second
line of defence, applied to the final text (a formatted log line with its extras and traceback,
a Slack API call's arguments), where nothing can slip past after it. Each secret is masked as
it is, and as JSON would escape it.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterable
from typing import Any

from slack_bolt.context.respond import Respond
from slack_sdk import WebClient
from slack_sdk.web import SlackResponse
from slack_sdk.webhook import WebhookResponse

MASK = "[redacted]"
MIN_SECRET = 6  # shorter values (a sandbox's "x") would mask ordinary words


class Masker:
    """Replaces every known secret in text; secrets can be added, never removed."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        self._lock = threading.Lock()
        self._fixed: set[str] = set()
        self._rotating: dict[str, tuple[str, ...]] = {}
        self._forms: tuple[str, ...] = ()
        self.add(secrets)

    def add(self, secrets: Iterable[str]) -> None:
        with self._lock:
            self._fixed.update(secret for secret in secrets if len(secret) >= MIN_SECRET)
            self._rebuild()

    def rotate(self, name: str, secret: str) -> None:
        """A secret that is replaced from time to time (an OAuth access token): the newest two
        of ``name`` are masked — the one before may still be quoted by a call in flight — so
        the list does not grow for as long as the process lives."""
        if len(secret) < MIN_SECRET:
            return
        with self._lock:
            self._rotating[name] = (secret, *self._rotating.get(name, ())[:1])
            self._rebuild()

    def _rebuild(self) -> None:
        forms: set[str] = set()
        for secret in {*self._fixed, *(s for kept in self._rotating.values() for s in kept)}:
            forms.add(secret)
            forms.add(json.dumps(secret)[1:-1])  # as a JSON log line would carry it
        self._forms = tuple(sorted(forms, key=len, reverse=True))

    def mask(self, text: str) -> str:
        for secret in self._forms:
            if secret in text:
                text = text.replace(secret, MASK)
        return text

    def mask_value(self, value: Any) -> Any:
        """Strings anywhere inside dicts, lists and tuples masked; other values as they are."""
        if not self._forms:
            return value
        if isinstance(value, str):
            return self.mask(value)
        if isinstance(value, dict):
            return {key: self.mask_value(item) for key, item in value.items()}
        if isinstance(value, list | tuple):
            return [self.mask_value(item) for item in value]
        return value


# Every secret this process was configured with (build_services and configure_logging add them).
PROCESS = Masker()


class MaskingWebClient(WebClient):
    """A ``WebClient`` that masks secrets in every argument it sends (the token travels in the
    Authorization header, untouched)."""

    def __init__(self, *args: Any, masker: Masker = PROCESS, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._masker = masker

    def api_call(
        self, api_method: str, *, json: dict[str, Any] | None = None, **kwargs: Any
    ) -> SlackResponse:
        masker = self._masker
        if json is not None:
            json = masker.mask_value(json)
        for name in ("data", "params"):
            sent = kwargs.get(name)
            if isinstance(sent, dict):
                kwargs[name] = {
                    key: value if key == "token" else masker.mask_value(value)
                    for key, value in sent.items()
                }
        return super().api_call(api_method, json=json, **kwargs)


class MaskingRespond(Respond):
    """Bolt's ``respond`` (a post to the response URL), with secrets masked in what it sends."""

    def __init__(self, *args: Any, masker: Masker = PROCESS, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._masker = masker

    def __call__(  # type: ignore[override]
        self, text: str | dict[str, Any] = "", **kwargs: Any
    ) -> WebhookResponse:
        masker = self._masker
        for name in ("blocks", "attachments"):
            items = kwargs.get(name)
            if items is not None:
                kwargs[name] = [
                    masker.mask_value(item.to_dict() if hasattr(item, "to_dict") else item)
                    for item in items
                ]
        return super().__call__(masker.mask_value(text), **kwargs)
