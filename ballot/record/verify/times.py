"""The voting window (PROTOCOL 11.9): every ballot entry timed between the opening and
the closing entries.

On an honest board this follows from the order of times and of entries; it is checked on
its own, before them, so that a ballot dated outside the window is named as such.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Final

from ballot.record.kinds import PROVEN_KINDS, Kind
from ballot.record.verify.report import VerificationFailed
from ballot.record.verify.scan import Line

#: A record time's shape; a ballot entry's time is checked in full by the ballot workers.
_TIME: Final = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z")


def check_window(lines: Sequence[Line]) -> None:
    """Every ballot entry (cast, challenged, audited) is timed within the voting window:
    not before the ``election.opened`` entry's time, not after the ``election.closed``
    entry's (PROTOCOL 11.9).  Checked before the order of times, so that a ballot dated
    outside the window is named as such rather than as the entry after it going back."""
    opened = next((x for x in lines if x.kind == Kind.OPENED), None)
    closed = next((x for x in lines if x.kind == Kind.CLOSED), None)
    if opened is None:
        return  # no window at all: the lifecycle names what is missing
    end = closed.at if closed is not None else "~"  # after every valid time
    for line in lines:
        if (
            line.kind in PROVEN_KINDS
            and _TIME.fullmatch(line.at) is not None
            and not opened.at <= line.at <= end
        ):
            close = (
                f"election.closed at {closed.at}, board entry {closed.seq}"
                if closed is not None
                else "no election.closed"
            )
            raise VerificationFailed(
                "board lifecycle",
                f"board entry {line.seq} ({line.kind}) is timed {line.at}, outside the "
                f"voting window (election.opened at {opened.at}, board entry "
                f"{opened.seq}; {close})",
            )
