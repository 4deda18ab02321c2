"""Approval requests in Slack, for every kind (the kernel's four-eyes): the request's message
(``requests``: posted, redrawn from the ledger, its thread, its requester told), its look per
kind (``KindUI``, declared by each feature), Approve / Deny / Cancel (``actions``) and the deny
reason modal (``submissions``). It names no feature.
"""
