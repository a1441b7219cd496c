"""Fixtures for the operations tests: the shared web and casting fixtures, a fake monotonic clock.

The app, admin client and open election with a real key ceremony come from
``tests/web`` and ``tests/cast`` (the same set-up every HTTP test uses), so these tests
exercise the app exactly as it is built for production.
"""

from __future__ import annotations

import pytest
from cast.conftest import cast_election  # noqa: F401
from web.conftest import admin, app, captured_tokens, clock, settings, web  # noqa: F401


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
