"""The sandbox's whole state: Zuora, the platform and the SBC behind one lock."""

from __future__ import annotations

import threading
from collections.abc import Callable

from devkit.sandbox._platform_state import PlatformWorld
from devkit.sandbox._sbc_state import SbcWorld
from devkit.sandbox._zuora_state import ZuoraWorld
from integrations.clock import BusinessClock

# Builds one platform account's details (contacts, subscriptions, estate, SBC rules) on first use.
Loader = Callable[["SandboxWorld", str], None]
# The phone numbers an account not built yet will hold once it is (without building it).
NumbersOf = Callable[[str], list[str]]


class SandboxWorld:
    """Thread-safe in-memory world. The HTTP server holds ``lock`` for every request; code in
    another thread (a test) that changes the world should hold it too::

        with sb.world.lock:
            sb.world.zuora.mark_paid("INV00000003")
    """

    def __init__(
        self,
        *,
        loader: Loader | None = None,
        clock: BusinessClock | None = None,
        numbers_of: NumbersOf | None = None,
    ) -> None:
        self.lock = threading.RLock()
        self.clock = clock or BusinessClock()
        self.zuora = ZuoraWorld(self.clock)
        self.platform = PlatformWorld(self.clock)
        self.sbc = SbcWorld()
        self._loader = loader
        self._loaded: set[str] = set()
        self._numbers_of = numbers_of
        self._unbuilt_numbers: dict[str, set[str]] | None = None  # number → accounts, made once
        if loader is not None:
            self.zuora._ensure = self.ensure
            self.platform._ensure = self.ensure
            self.sbc._ensure = self.ensure
            self.platform._unbuilt_holders = self.unbuilt_holders

    def ensure(self, platform_id: str) -> None:
        """Build the lazy parts of one account, once (a no-op for eagerly built worlds)."""
        if self._loader is None or platform_id in self._loaded:
            return
        with self.lock:
            if platform_id in self._loaded or platform_id not in self.platform.accounts:
                return
            self._loaded.add(platform_id)
            self._loader(self, platform_id)

    def unbuilt_holders(self, national: str) -> set[str]:
        """The accounts not built yet that will hold ``national``: a phone search must find a
        number in the whole generated world, not only in the accounts read so far. The index
        is made on the first search (the numbers alone, from each account's seed)."""
        if self._numbers_of is None:
            return set()
        with self.lock:
            if self._unbuilt_numbers is None:
                index: dict[str, set[str]] = {}
                for account_id in self.platform.accounts:
                    if account_id not in self._loaded:
                        for number in self._numbers_of(account_id):
                            index.setdefault(number, set()).add(account_id)
                self._unbuilt_numbers = index
            return {a for a in self._unbuilt_numbers.get(national, ()) if a not in self._loaded}
