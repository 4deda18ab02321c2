"""Deactivation: the blast radius (``radius``), the request and its checks (``request``), and the
eleven-step run (``run``).
"""
