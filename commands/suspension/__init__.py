"""Suspension for non-payment: the confirmation (``suspend``, ``confirmation``), its approval,
the run, the override (suspending before the threshold, approved), exclusions (accounts never
offered for suspension), and the collections loop — a payment on an account the bot suspended
lifts it, offers to, or notes it (``paid``), checked again by the clock (``backstop``) — and
promises to pay (``promises``), settled as kept or broken when the digest is built
(``settle_due_promises``, offered here for the digest). ``models`` is what other features may
read (the kinds, the overdue invoices, a promise).
"""

from commands.suspension.promises import PromiseSettled, settle_due_promises

__all__ = ["PromiseSettled", "settle_due_promises"]
