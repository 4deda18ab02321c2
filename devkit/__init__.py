"""Everything that plays a party the product talks to, and that the product never imports:
the fake Slack (``slack``), the backend sandbox (``sandbox``) and the console that wires them
to the real bot (``console``). Used by ``jethub console|sandbox``, ``bench/`` and ``tests/``.
"""
