"""Changing an account: edit (rename in both systems, parent links), invoice email (Bill To),
PBX name and billing subscription, emergency (IPND) details from Zuora's Sold To, SBC auth
rules — each a one-system or two-system run declared in its module (``edit_run`` for edit).
"""

from commands.changes.emergency import SaveEmergency, save_emergency, sold_to_fields

__all__ = ["SaveEmergency", "save_emergency", "sold_to_fields"]
