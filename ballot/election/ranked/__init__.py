"""Counting decrypted rankings: instant runoff and Scottish STV (PROTOCOL 17).

Pure functions of the decrypted ballots of one race, the race's candidates and a public
tie-break seed; no I/O, no clock, no floats.  :mod:`.reading` is the ranking rule (how a
decrypted ballot is read), :mod:`.ties` the tie-breaks, :mod:`.irv` and :mod:`.stv` the
two methods, :mod:`.count` the rounds as a result publishes them, and :mod:`.events` the
rounds as codes with parameters for pages to put into words.
"""

from ballot.election.ranked.count import RankedCount, Round, Tie, Transfer
from ballot.election.ranked.events import Event, round_events
from ballot.election.ranked.irv import instant_runoff
from ballot.election.ranked.reading import (
    NO_PREFERENCE,
    BallotReadings,
    RankedError,
    read_ballots,
    read_ranking,
)
from ballot.election.ranked.stv import scottish_stv
from ballot.election.ranked.ties import lot_key

__all__ = [
    "NO_PREFERENCE",
    "BallotReadings",
    "Event",
    "RankedCount",
    "RankedError",
    "Round",
    "Tie",
    "Transfer",
    "instant_runoff",
    "lot_key",
    "read_ballots",
    "read_ranking",
    "round_events",
    "scottish_stv",
]
