"""The approvals kernel's tests use the deactivation kind (confirmed by typing, destructive) as
their example, with the deactivation tests' world."""

from tests.deactivation.conftest import deps

__all__ = ["deps"]
