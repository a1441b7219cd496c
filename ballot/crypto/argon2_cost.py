"""Which Argon2 cost to pay when sealing a key file or hashing a password.

Production always pays the full cost.  The test suite alone sets
``BALLOT_ARGON2_PROFILE=test`` (the smallest cost Argon2id allows) so that thousands of
fixtures do not each spend a quarter of a second; a sealed file or a password hash records
its own parameters, so what a test seals still opens under production settings.  It is read
from the environment, not from the server's settings, because the trustee tool (which has no
server settings) seals key files too.
"""

from __future__ import annotations

import os
from typing import Final

ARGON2_PROFILES: Final = ("production", "test")


def argon2_profile() -> str:
    """The profile named by BALLOT_ARGON2_PROFILE; a misspelt name is refused rather than
    read as either profile."""
    profile = os.environ.get("BALLOT_ARGON2_PROFILE", "production").strip().lower()
    profile = profile or "production"
    if profile not in ARGON2_PROFILES:
        raise ValueError(f"BALLOT_ARGON2_PROFILE must be one of {', '.join(ARGON2_PROFILES)}")
    return profile
