"""The Argon2 profile: production cost by default, a cheap one only when the tests ask.

Whatever a test seals or hashes under the cheap profile records its own parameters,
so it still opens and verifies on a server configured for production.
"""

from __future__ import annotations

import json

import pytest

from ballot.config import argon2_profile
from ballot.crypto.keyfile import DEFAULT_PARAMS, TEST_PARAMS, open_key, profile_params, seal_key
from ballot.store import accounts


def test_without_the_variable_everything_is_production(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("BALLOT_ARGON2_PROFILE", raising=False)
    assert argon2_profile() == "production"
    assert profile_params() == DEFAULT_PARAMS
    assert (DEFAULT_PARAMS.time_cost, DEFAULT_PARAMS.memory_cost, DEFAULT_PARAMS.parallelism) == (
        3,
        64 * 1024,
        1,
    )
    stored = accounts.hash_password("a production password")
    assert stored.startswith("$argon2id$") and "m=65536,t=3,p=" in stored


def test_a_misspelt_profile_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BALLOT_ARGON2_PROFILE", "tset")
    with pytest.raises(ValueError, match="BALLOT_ARGON2_PROFILE"):
        argon2_profile()
    with pytest.raises(ValueError):
        seal_key(b"s", "pw")


def test_a_key_file_sealed_for_tests_records_its_cost_and_opens_in_production(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("BALLOT_ARGON2_PROFILE", "test")
    data = seal_key(b"share", "passphrase")
    kdf = json.loads(data)["header"]["kdf"]
    assert (kdf["time_cost"], kdf["memory_cost"]) == (
        TEST_PARAMS.time_cost,
        TEST_PARAMS.memory_cost,
    )
    monkeypatch.setenv("BALLOT_ARGON2_PROFILE", "production")
    assert open_key(data, "passphrase") == b"share"


def test_a_password_hashed_for_tests_verifies_in_production(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("BALLOT_ARGON2_PROFILE", "test")
    stored = accounts.hash_password("a test password")
    assert "m=8,t=1,p=1" in stored
    monkeypatch.setenv("BALLOT_ARGON2_PROFILE", "production")
    assert accounts.check_password(stored, "a test password")
    assert not accounts.check_password(stored, "another password")
