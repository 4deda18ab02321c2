"""Suspension for non-payment: the confirmation (``suspend``, ``confirmation``), its approval,
the run, the override (suspending before the threshold, approved), exclusions (accounts never
offered for suspension), and the collections loop — a payment on an account the bot suspended
lifts it, offers to, or notes it (``paid``), checked again by the clock (``backstop``).
``models`` is what other features may read (the kinds, the overdue invoices).
"""
