"""Runs in Slack, whatever their kind: working one and telling how it ended (``runner``), Retry
(``actions``, ``retry``), the Share button a result ends with (``share``), and ``RunFace`` —
how a kind is told, declared by its feature. It names no feature.
"""
