"""A real loopback HTTP server that plays Zuora, the Jet Hub platform and the SBC.

It is the bot's embedded default backend and every test's double::

    from devkit.sandbox import Sandbox, demo_world, generate_world

    sb = Sandbox(world=demo_world()).start()       # background thread, port chosen by the OS
    sb.url                                         # base URL of all three backends
    sb.faults("platform").set(latency_ms=20, fail_next=2)
    sb.counters.snapshot()
    sb.stop()

Paths, envelopes and errors follow docs/backends.md and shared/reference/zuora.md.
"""

from devkit.sandbox._app import SandboxApp, SandboxTokens
from devkit.sandbox._counters import Counters
from devkit.sandbox._demo import (
    ESCAPE_NAME,
    MISSING_RULE_NUMBER,
    STRAY_RULE_ID,
    WRONG_RULE_NUMBER,
    demo_world,
)
from devkit.sandbox._estate import allowances_of
from devkit.sandbox._faults import Faults, FaultSettings
from devkit.sandbox._generate import (
    BENCH_REASON,
    BENCH_SUSPENDER,
    BIG_ACCOUNT,
    add_big_account,
    big_account_world,
    collections_world,
    generate_world,
)
from devkit.sandbox._ids import zuora_account_number
from devkit.sandbox._platform_state import (
    COLLECTIONS,
    Allowances,
    Emergency,
    Estate,
    PhoneNumber,
    PlatformAccount,
    PlatformWorld,
    SentEmail,
    Suspension,
)
from devkit.sandbox._sbc_state import SbcRule, SbcWorld, expected_rule
from devkit.sandbox._server import Sandbox, SandboxNotStarted, build_world, serve_forever
from devkit.sandbox._world import SandboxWorld
from devkit.sandbox._zuora_state import (
    Invoice,
    RatePlan,
    RatePlanCharge,
    Subscription,
    ZuoraAccount,
    ZuoraContact,
    ZuoraWorld,
)

__all__ = [
    "BENCH_REASON",
    "BENCH_SUSPENDER",
    "BIG_ACCOUNT",
    "COLLECTIONS",
    "ESCAPE_NAME",
    "MISSING_RULE_NUMBER",
    "STRAY_RULE_ID",
    "WRONG_RULE_NUMBER",
    "Allowances",
    "Counters",
    "Emergency",
    "Estate",
    "FaultSettings",
    "Faults",
    "Invoice",
    "PhoneNumber",
    "PlatformAccount",
    "PlatformWorld",
    "RatePlan",
    "RatePlanCharge",
    "Sandbox",
    "SandboxApp",
    "SandboxNotStarted",
    "SandboxTokens",
    "SandboxWorld",
    "SbcRule",
    "SbcWorld",
    "SentEmail",
    "Subscription",
    "Suspension",
    "ZuoraAccount",
    "ZuoraContact",
    "ZuoraWorld",
    "add_big_account",
    "allowances_of",
    "big_account_world",
    "build_world",
    "collections_world",
    "demo_world",
    "expected_rule",
    "generate_world",
    "serve_forever",
    "zuora_account_number",
]
