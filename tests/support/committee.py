"""The election committee over real HTTP: a signed-in session that sends the CSRF header.

One client for every test that talks to a server on a port (a thread or a process):
define, import the roll, hold a local key ceremony, open, read the board.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import httpx

from ballot.crypto.ceremony import local_ceremony

from .accounts import ADMIN, PASSWORD


class Committee:
    """A committee member's session (admin@example.org by default) against ``base``."""

    def __init__(self, base: str, email: str = ADMIN) -> None:
        self.http = httpx.Client(base_url=base, timeout=60)
        self.http.get("/login")
        self.post("/api/login", json={"email": email, "password": PASSWORD})

    def __enter__(self) -> Committee:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self.http.close()

    def post(self, path: str, expect: Sequence[int] = (200, 201), **kw: Any) -> Any:
        r = self.http.post(path, headers={"x-csrftoken": self.http.cookies["csrftoken"]}, **kw)
        assert r.status_code in expect, (path, r.status_code, r.text)
        return r.json()

    def get(self, path: str) -> Any:
        r = self.http.get(path)
        assert r.status_code == 200, (path, r.status_code, r.text)
        return r.json()

    def open_election(self, spec: dict[str, Any], roll: str) -> tuple[str, dict[str, Any], Any]:
        """Define, import the roll, run a local key ceremony, open.

        Returns (election id, its public data, the trustees' secret shares).
        """
        election_id = str(self.post("/api/elections", json=spec)["id"])
        self.post(f"/api/elections/{election_id}/roll", content=roll.encode())
        self.post(f"/api/elections/{election_id}/state", json={"target": "key_ceremony"})
        digest = bytes.fromhex(self.get(f"/api/elections/{election_id}/ceremony")["manifest_hash"])
        k, n = spec["trustees"]["k"], spec["trustees"]["n"]
        transcript, shares = local_ceremony(k, n, digest)
        self.post(
            f"/api/elections/{election_id}/ceremony/transcript",
            json=json.loads(json.dumps(transcript)),
        )
        self.post(f"/api/elections/{election_id}/state", json={"target": "ready"})
        self.post(f"/api/elections/{election_id}/state", json={"target": "open"})
        public = self.get(f"/api/elections/{election_id}/public")
        assert public["fingerprint"], public
        return election_id, public, shares
