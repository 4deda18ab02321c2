"""Suspension for non-payment: the confirmation (``suspend``, ``confirmation``), its approval,
the run, and the override (suspending before the threshold, approved). ``models`` is what
other features may read (the kinds, the overdue invoices).
"""
