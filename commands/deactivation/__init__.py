"""Deactivation: the blast radius (``radius``), the pre-checks that stop it (``checks``), the
request (``request``), and the fourteen-step run (``run``).
"""
