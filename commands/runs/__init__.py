"""The kernel's durable run engine: an action recorded, then worked step by step exactly once
(``engine``), its records and results, the kinds' contract (``kinds``), the one-system run
most changes are (``one_system``) and Retry (``retry``). It names no feature.
"""
