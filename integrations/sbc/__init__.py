"""The SBC: per-number auth rules, and the "refresh auth rules" sync.

``SbcClient`` is the public face; failures are the :mod:`integrations.errors` family.
"""

from integrations.errors import (
    AuthFailed,
    BackendRejected,
    BackendUnavailable,
    IntegrationError,
    NotFound,
    RateLimited,
    UnexpectedResponse,
)
from integrations.sbc._client import SbcClient
from integrations.sbc._models import RuleChange, RuleChanges, SbcRule, expected_rule

__all__ = [
    "AuthFailed",
    "BackendRejected",
    "BackendUnavailable",
    "IntegrationError",
    "NotFound",
    "RateLimited",
    "RuleChange",
    "RuleChanges",
    "SbcClient",
    "SbcRule",
    "UnexpectedResponse",
    "expected_rule",
]
