"""Changing an account from Slack: edit (name, parent), invoice email, PBX name and billing
subscription, emergency (IPND) details, SBC auth rules — their verbs, modals, clicks and
views (``views/``).

What other features' views may show to open a change: the PBX and emergency pages' buttons.
"""

from bot.changes.views.emergency import emergency_action_buttons
from bot.changes.views.pbx import pbx_action_buttons

__all__ = ["emergency_action_buttons", "pbx_action_buttons"]
