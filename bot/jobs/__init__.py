"""The clock's generic jobs: resuming runs whose worker is gone (``sweeper``) and anchoring the
audit chain (``anchoring``). Which jobs run, and when, is ``bot.jobs.catalogue``.
"""
