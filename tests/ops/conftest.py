"""Fixtures for the operations tests: a fake monotonic clock.

The app, admin client and open election with a real key ceremony come from the
``tests.support`` plugin (the same set-up every HTTP test uses), so these tests
exercise the app exactly as it is built for production.
"""

from __future__ import annotations

import pytest


class Ticker:
    """A monotonic clock the rate-limit tests move by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def ticker() -> Ticker:
    return Ticker()
