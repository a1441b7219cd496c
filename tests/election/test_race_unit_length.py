"""The races' unit label and the roll's unit column have one length (races.py cannot import
the roll's checks: the verifier reads the race rules in the base install)."""

from ballot.election.races import MAX_UNIT_LENGTH
from ballot.election.roll_checks import MAX_LENGTH


def test_a_race_unit_is_as_long_as_a_roll_unit() -> None:
    assert MAX_LENGTH["unit"] == MAX_UNIT_LENGTH
