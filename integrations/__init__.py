"""Clients for the systems jethub-bot acts on.

The subpackages are the public faces: ``integrations.zuora``, ``integrations.platform``,
``integrations.sbc`` (plus ``devkit.sandbox``, which plays all three on loopback). Shared
pieces: ``integrations.errors`` (the one exception family), ``integrations.http`` (the retrying
JSON helper), ``integrations.phone`` and ``integrations.allowances``.
"""
