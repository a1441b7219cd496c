"""The casting tests' election (an OPEN election with a real local key ceremony).

It lives in ``tests.support.elections`` (the operations tests use it too); the names
are repeated here for the casting tests' relative imports.
"""

from __future__ import annotations

from tests.support.elections import DEFINITION, ROLL, CastElection, open_with_ceremony

__all__ = ["DEFINITION", "ROLL", "CastElection", "open_with_ceremony"]
