"""The read side of the Account Manager: one command per page of it.

Each takes an order naming the account (a number, or text searched by name), the ``Actor`` and
``Deps``, checks the viewer role, and returns a typed result; only ``refresh_allowances`` changes
anything (and audits it).
"""

from commands.reading.account import (
    AccountOverview,
    Relative,
    ShowAccount,
    ZuoraSummary,
    show_account,
)
from commands.reading.billing import (
    AllowancesRefreshed,
    BillingOverview,
    RefreshAllowances,
    ShowBilling,
    allowance_changes,
    refresh_allowances,
    show_billing,
)
from commands.reading.emails import ListSentEmails, SentEmailPage, list_sent_emails
from commands.reading.emergency import EmergencyOverview, ShowEmergency, show_emergency
from commands.reading.history import AuditEntry, AuditPage, ListAuditEvents, list_audit_events
from commands.reading.pbx import PbxOverview, ShowPbx, show_pbx

__all__ = [
    "AccountOverview",
    "AllowancesRefreshed",
    "AuditEntry",
    "AuditPage",
    "BillingOverview",
    "EmergencyOverview",
    "ListAuditEvents",
    "ListSentEmails",
    "PbxOverview",
    "RefreshAllowances",
    "Relative",
    "SentEmailPage",
    "ShowAccount",
    "ShowBilling",
    "ShowEmergency",
    "ShowPbx",
    "ZuoraSummary",
    "allowance_changes",
    "list_audit_events",
    "list_sent_emails",
    "refresh_allowances",
    "show_account",
    "show_billing",
    "show_emergency",
    "show_pbx",
]
