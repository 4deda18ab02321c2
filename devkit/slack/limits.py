"""Slack's refusals before a Web API method runs: injected 429s and errors, `Retry-After` kept
(opt-in), and chat.postMessage paced per channel.

Not thread-safe by itself: `FakeSlack` calls it with its lock held.
"""

from __future__ import annotations

import copy
import math
from collections import deque
from collections.abc import Callable

from devkit.slack.records import ApiCall, ApiError, Json
from devkit.slack.web_args import text_arg


class Limits:
    """What the fake refuses, and why; `refusal()` is asked before each method runs."""

    def __init__(self, channel_id: Callable[[str], str]) -> None:
        self._channel_id = channel_id  # a channel name or id -> its id
        self._rate_limits: dict[str, deque[int]] = {}
        self._not_before: dict[str, float] = {}  # method -> end of the Retry-After it was given
        self._enforce_retry_after = False
        self.early_retries: list[ApiCall] = []  # calls made before their Retry-After was over
        self._pace: tuple[float, int] | None = None  # (posts a second, burst) per channel
        self._channel_full_at: dict[str, float] = {}
        self._failures: dict[str, deque[str]] = {}

    def rate_limit(self, method: str, times: int, retry_after: int) -> None:
        self._rate_limits.setdefault(method, deque()).extend([retry_after] * times)

    def enforce_retry_after(self) -> None:
        self._enforce_retry_after = True

    def pace_channels(self, per_second: float, burst: int) -> None:
        self._pace = (per_second, burst)

    def fail_next(self, method: str, error: str, times: int) -> None:
        self._failures.setdefault(method, deque()).extend([error] * times)

    def refusal(
        self, method: str, args: Json, now: float, headers: dict[str, str]
    ) -> tuple[int, Json] | None:
        """The status and body Slack would answer instead of running `method`, or None to run
        it; a 429 adds its `Retry-After` to `headers`."""
        if self._enforce_retry_after and now < self._not_before.get(method, 0.0):
            # Slack answers a call made before Retry-After is over with another 429.
            body = ApiError("ratelimited").body()
            headers["Retry-After"] = str(max(1, math.ceil(self._not_before[method] - now)))
            self.early_retries.append(ApiCall(method, args, now, 429, copy.deepcopy(body)))
            return 429, body
        if self._rate_limits.get(method) or (retry := self._paced_out(method, args, now)):
            wait = self._rate_limits[method].popleft() if self._rate_limits.get(method) else retry
            headers["Retry-After"] = str(wait)
            self._not_before[method] = now + wait
            return 429, ApiError("ratelimited").body()
        if self._failures.get(method):
            return 200, ApiError(self._failures[method].popleft()).body()
        return None

    def _paced_out(self, method: str, args: Json, now: float) -> int:
        """Seconds to wait if this post goes over its channel's pace, else 0 (and it is taken)."""
        if self._pace is None or method != "chat.postMessage":
            return 0
        rate, burst = self._pace
        interval = 1.0 / rate
        channel = self._channel_id(text_arg(args, "channel"))
        full_at = max(self._channel_full_at.get(channel, now), now)
        # 50 ms of leeway: a post travels a little, and not always as fast as the one before.
        if full_at - now > (burst - 1) * interval + 0.05:
            return max(1, math.ceil(full_at - (burst - 1) * interval - now))
        self._channel_full_at[channel] = full_at + interval
        return 0
