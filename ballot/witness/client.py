"""The public board over HTTP, for the witness: entries, signed heads, cosignatures.

Every answer is hostile input: the trustee tool's :class:`ServerClient` reads it within
the bounds of PROTOCOL 11.6 (size, compression ratio, JSON depth and number length)
before anything here looks at it, and each answer's shape is checked here before the
witness's checks see it.
"""

from __future__ import annotations

from typing import Any, Final
from urllib.parse import urlsplit, urlunsplit

from ballot.trustee.client import ServerClient, TrusteeError, json_object

#: Entries per page: the server's largest page.
PAGE: Final = 1000


class BadAnswer(TrusteeError):
    """The server answered, but not with what the public board API promises."""


def parse_board_url(url: str) -> tuple[str, str]:
    """``https://host/prefix/board/<election id>`` -> (server base URL, election id).

    The board page's address is what the committee publishes and observers note, so it
    is what the witness is given.
    """
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError(f"{url!r} is not an http(s) address")
    path = parts.path.rstrip("/")
    prefix, marker, election = path.rpartition("/board/")
    if not marker or not election or "/" in election:
        raise ValueError(
            f"{url!r} is not an election's board page (it looks like https://host/board/ID)"
        )
    return urlunsplit((parts.scheme, parts.netloc, prefix, "", "")), election


def _list(answer: dict[str, Any], key: str, path: str) -> list[Any]:
    value = answer.get(key)
    if not isinstance(value, list):
        raise BadAnswer(f"the server's answer to {path} has no list '{key}'")
    return value


class WitnessClient(ServerClient):
    """One election's public board on one server."""

    def __init__(self, server: str, election_id: str, **kwargs: Any) -> None:
        super().__init__(server, **kwargs)
        self.election_id = election_id
        self.prefix = f"/api/elections/{election_id}"

    def public(self) -> dict[str, Any]:
        """The election's public data (its state and the key the server says it signs with)."""
        path = f"{self.prefix}/public"
        return json_object(self.get(path), path)

    def entries(self, after: int) -> tuple[list[dict[str, Any]], int | None]:
        """Board entries after seq ``after``, one page; and where the next page starts."""
        path = f"{self.prefix}/board/entries?after={after}&limit={PAGE}"
        answer = json_object(self.get(path), path)
        entries = _list(answer, "entries", path)
        following = answer.get("next_after")
        if following is not None and type(following) is not int:
            raise BadAnswer(f"the server's answer to {path} has a bad 'next_after'")
        if not all(isinstance(e, dict) for e in entries):
            raise BadAnswer(f"the server's answer to {path} holds an entry that is no object")
        return entries, following

    def heads(self, start: int) -> tuple[list[dict[str, Any]], int | None]:
        """Signed heads from position ``start`` (oldest first), one page; the next start."""
        path = f"{self.prefix}/board/heads?start={start}&limit={PAGE}"
        answer = json_object(self.get(path), path)
        heads = _list(answer, "heads", path)
        following = answer.get("next_start")
        if following is not None and type(following) is not int:
            raise BadAnswer(f"the server's answer to {path} has a bad 'next_start'")
        return heads, following

    def post_cosignature(self, cosignature: dict[str, Any]) -> dict[str, Any]:
        """Hand a cosignature to the server, which verifies and publishes it.

        No session and no CSRF cookie: the witness's signature is the credential.
        """
        path = f"{self.prefix}/cosignatures"
        return json_object(self.post(path, cosignature, csrf=False), path)
