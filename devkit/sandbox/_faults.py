"""Injectable faults per backend: latency, 5xx, 429s, a deterministic ``fail_next`` and a token
bucket. Faults apply to backend calls only, never to ``/_sandbox``."""

from __future__ import annotations

import math
import random
import threading
import time
from dataclasses import dataclass
from enum import Enum

from pydantic import BaseModel, ConfigDict, Field


class FaultSettings(BaseModel):
    """One backend's faults; the body of ``PUT /_sandbox/faults/{backend}``."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True)

    latency_ms: int = Field(0, ge=0, le=60_000)
    error_rate: float = Field(0.0, ge=0.0, le=1.0)
    rate_429: float = Field(0.0, ge=0.0, le=1.0)
    retry_after: int = Field(1, ge=0, le=3600)
    bucket_capacity: int | None = Field(None, ge=1)
    bucket_refill_per_s: float = Field(0.0, ge=0.0)
    fail_next: int = Field(0, ge=0)
    # A careless backend: its error texts quote the caller's credentials (the Authorization
    # header, a client_secret sent in the form), as some real ones do.
    echo_credentials: bool = False


class Failure(Enum):
    FAIL_NEXT = "fail_next"  # HTTP 500
    ERROR = "error"  # a random server error
    RATE_LIMITED = "rate_limited"  # HTTP 429 with Retry-After


@dataclass(frozen=True, slots=True)
class Verdict:
    latency_s: float
    failure: Failure | None
    retry_after: int
    coin: float  # a fair random number the backend may use to pick how it fails
    echo: bool = False  # the failure's text quotes the caller's credentials


class Faults:
    """The faults of one backend. ``set()`` changes only the fields given."""

    def __init__(self, seed: int = 0) -> None:
        self._lock = threading.Lock()
        self._settings = FaultSettings()
        self._random = random.Random(seed)
        self._tokens = 0.0
        self._refilled_at = time.monotonic()

    @property
    def settings(self) -> FaultSettings:
        with self._lock:
            return self._settings.model_copy()

    def set(self, **changes: object) -> FaultSettings:
        with self._lock:
            merged = self._settings.model_dump() | changes
            self._settings = FaultSettings.model_validate(merged)
            if "bucket_capacity" in changes:
                self._tokens = float(self._settings.bucket_capacity or 0)
                self._refilled_at = time.monotonic()
            return self._settings.model_copy()

    def clear(self) -> None:
        with self._lock:
            self._settings = FaultSettings()

    def decide(self) -> Verdict:
        """Whether this call fails, and how long it waits first."""
        with self._lock:
            s = self._settings
            latency = s.latency_ms / 1000
            coin = self._random.random()
            if s.fail_next > 0:
                s.fail_next -= 1
                return Verdict(latency, Failure.FAIL_NEXT, s.retry_after, coin, s.echo_credentials)
            if s.bucket_capacity is not None:
                wait = self._take_token(s)
                if wait is not None:
                    return Verdict(latency, Failure.RATE_LIMITED, wait, coin, s.echo_credentials)
            if s.rate_429 and self._random.random() < s.rate_429:
                return Verdict(
                    latency, Failure.RATE_LIMITED, s.retry_after, coin, s.echo_credentials
                )
            if s.error_rate and self._random.random() < s.error_rate:
                return Verdict(latency, Failure.ERROR, s.retry_after, coin, s.echo_credentials)
            return Verdict(latency, None, s.retry_after, coin)

    def _take_token(self, s: FaultSettings) -> int | None:
        """Take one token; None when granted, else the whole seconds until one is there."""
        now = time.monotonic()
        capacity = float(s.bucket_capacity or 0)
        elapsed = max(0.0, now - self._refilled_at)
        self._tokens = min(capacity, self._tokens + elapsed * s.bucket_refill_per_s)
        self._refilled_at = now
        if self._tokens >= 1:
            self._tokens -= 1
            return None
        if not s.bucket_refill_per_s:
            return s.retry_after
        return max(1, math.ceil((1 - self._tokens) / s.bucket_refill_per_s))


class FaultBoard:
    """The faults of all three backends."""

    def __init__(self, seed: int = 0) -> None:
        self._faults = {b: Faults(seed + i) for i, b in enumerate(("zuora", "platform", "sbc"))}

    def __getitem__(self, backend: str) -> Faults:
        return self._faults[backend]

    def __contains__(self, backend: object) -> bool:
        return backend in self._faults

    def clear(self) -> None:
        for faults in self._faults.values():
            faults.clear()

    def snapshot(self) -> dict[str, FaultSettings]:
        return {b: f.settings for b, f in self._faults.items()}
