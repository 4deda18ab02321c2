"""Reconciliation's Slack face and words: the report as text (``text``) for the command line
and Slack."""
