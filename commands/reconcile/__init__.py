"""Reconciliation: where the platform, Zuora and the ledger disagree about an account, and the
fixes. ``Reconciliation`` streams the report (``report``), made of the ``checks`` of each
account and the ledger's stuck and failed ``actions``; ``models`` names the checks and fixes.
"""

from commands.reconcile.models import (
    CHECKS,
    FIXES,
    BackendFailed,
    Finding,
    ReportEnd,
    fingerprint,
)
from commands.reconcile.report import GRACE_DAYS, Reconciliation

__all__ = [
    "CHECKS",
    "FIXES",
    "GRACE_DAYS",
    "BackendFailed",
    "Finding",
    "Reconciliation",
    "ReportEnd",
    "fingerprint",
]
