"""The Jet Hub platform: accounts, suspension, collections, numbers, PBX, allowances, IPND.

``PlatformClient`` is the public face; its answers are the models below, its failures the
:mod:`integrations.errors` family (re-exported here).
"""

from integrations.allowances import AllowanceItem
from integrations.errors import (
    AuthFailed,
    BackendRejected,
    BackendUnavailable,
    IntegrationError,
    NotFound,
    RateLimited,
    UnexpectedResponse,
)
from integrations.platform._client import UNCHANGED, PlatformClient
from integrations.platform._concurrent import ItemResult
from integrations.platform._models import (
    Account,
    AccountDetail,
    AccountSummary,
    ChildAccount,
    Collection,
    CollectionItem,
    EmergencyRecord,
    Page,
    Pbx,
    PhoneNumber,
    PlatformAllowances,
    SentEmail,
    Suspension,
)

__all__ = [
    "UNCHANGED",
    "Account",
    "AccountDetail",
    "AccountSummary",
    "AllowanceItem",
    "AuthFailed",
    "BackendRejected",
    "BackendUnavailable",
    "ChildAccount",
    "Collection",
    "CollectionItem",
    "EmergencyRecord",
    "IntegrationError",
    "ItemResult",
    "NotFound",
    "Page",
    "Pbx",
    "PhoneNumber",
    "PlatformAllowances",
    "PlatformClient",
    "RateLimited",
    "SentEmail",
    "Suspension",
    "UnexpectedResponse",
]
