"""One refusal type for every act of the committee, voter or trustee that is not done.

A refusal carries a stable machine-readable ``code`` (``link_used``, ``voting_closed``,
``wrong_state``...), a plain English ``message`` and a :class:`Grounds` saying what kind of
refusal it is.  Nothing below ``ballot.web`` knows HTTP: the web layer maps grounds to
statuses in one exception handler.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import Any


class Grounds(StrEnum):
    """Why an act is refused; the web layer turns each into one HTTP status."""

    #: The request itself is malformed or invalid (400).
    INVALID = "invalid"
    #: The actor may not do this (403).
    FORBIDDEN = "forbidden"
    #: What the act names does not exist (404).
    NOT_FOUND = "not_found"
    #: Not now: the election's state or an earlier act forbids it (409).
    CONFLICT = "conflict"
    #: It existed but is gone for good (410), e.g. a used or withdrawn link.
    GONE = "gone"
    #: Well-formed but semantically unacceptable content (422).
    UNPROCESSABLE = "unprocessable"
    #: Too much at once (429).
    TOO_MANY = "too_many"
    #: A dependency is down; try later (503).
    UNAVAILABLE = "unavailable"


class Refused(Exception):
    """An act that is refused and changed nothing.

    ``details`` carries machine-readable extras (for example which trustee a bad partial
    decryption came from); it never holds a secret.
    """

    def __init__(
        self,
        message: str,
        *,
        code: str = "refused",
        grounds: Grounds = Grounds.CONFLICT,
        details: Mapping[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.grounds = grounds
        self.details: dict[str, Any] = dict(details or {})

    def __repr__(self) -> str:
        return f"Refused({self.message!r}, code={self.code!r}, grounds={self.grounds.value!r})"
