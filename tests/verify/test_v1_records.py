"""Records written by protocol version 1 still verify (PROTOCOL: compatibility)."""

from __future__ import annotations

from pathlib import Path

import pytest

from ballot.record.verify import verify_record

V1 = Path(__file__).parent / "v1_records"


@pytest.mark.parametrize("name", ["recognition.zip", "ratification.zip"])
def test_a_v1_record_still_verifies(name: str) -> None:
    report = verify_record(V1 / name, jobs=1)
    assert report.ok, report
