"""The overdue digest: who is overdue (``overdue``), the posted rows and what was done to them
(``rows``), snoozing an account out of it (``snooze``). ``models`` is what other features
may read (the snooze in force).
"""
