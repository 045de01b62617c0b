"""Job fixtures live in tests/conftest.py; ``wait_for`` is re-exported for these tests."""

from tests.conftest import wait_for

__all__ = ["wait_for"]
