"""The trustee tool as trustees run it: ``ballot trustee ...`` in its own process.

Secrets reach it through files (``--password-file``, ``--passphrase-file``), never the
command line.  The child's environment is nearly empty, as on a trustee's laptop; only
the Argon2 profile is passed on, so its key files are sealed at the tests' cost.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from .accounts import PASSWORD
from .committee import Committee
from .live import LiveServer

TRUSTEES = ("t1@example.org", "t2@example.org", "t3@example.org")


def ceremony_election(admin: Committee, definition: dict[str, Any], roll: str | None = None) -> str:
    """Create trustee accounts (if new), define the election, seat them, start the ceremony."""
    n = definition["trustees"]["n"]
    for email in TRUSTEES[:n]:
        admin.post(
            "/api/accounts",
            expect=(201, 400),
            json={"email": email, "name": email, "role": "trustee", "password": PASSWORD},
        )
    election_id = str(admin.post("/api/elections", json=definition)["id"])
    for position, email in enumerate(TRUSTEES[:n], start=1):
        admin.post(
            f"/api/elections/{election_id}/trustees", json={"email": email, "position": position}
        )
    if roll is not None:
        admin.post(f"/api/elections/{election_id}/roll", content=roll.encode())
    admin.post(f"/api/elections/{election_id}/state", json={"target": "key_ceremony"})
    return election_id


def trustee_cli(live: LiveServer, *args: str) -> subprocess.Popen[str]:
    """Start ``ballot trustee ARGS`` as its own process (output captured)."""
    env = {"PATH": "/usr/bin:/bin", "COLUMNS": "200", "HOME": str(live.folder)}
    if os.environ.get("PYTHONPATH"):  # a checkout run without installing it (a worktree)
        env["PYTHONPATH"] = os.environ["PYTHONPATH"]
    profile = os.environ.get("BALLOT_ARGON2_PROFILE")
    if profile:
        env["BALLOT_ARGON2_PROFILE"] = profile
    return subprocess.Popen(
        [sys.executable, "-m", "ballot.cli", "trustee", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )


def _secrets(live: LiveServer, position: int) -> list[str]:
    return [
        "--server",
        live.base,
        "--email",
        TRUSTEES[position - 1],
        "--password-file",
        str(live.folder / "password"),
        "--passphrase-file",
        str(live.folder / "passphrase"),
    ]


def ceremony_cli(
    live: LiveServer, election_id: str, position: int, timeout: float = 240
) -> subprocess.Popen[str]:
    return trustee_cli(
        live,
        "ceremony",
        *_secrets(live, position),
        "--election",
        election_id,
        "--state",
        str(live.folder / f"state{position}"),
        "--key-file",
        str(key_path(live, election_id, position)),
        "--timeout",
        str(timeout),
        "--poll-max",
        "0.5",
    )


def tally_cli(live: LiveServer, election_id: str, position: int) -> subprocess.Popen[str]:
    return trustee_cli(
        live,
        "tally",
        *_secrets(live, position),
        "--election",
        election_id,
        "--key-file",
        str(key_path(live, election_id, position)),
    )


def key_path(live: LiveServer, election_id: str, position: int) -> Path:
    return live.folder / f"{election_id}-trustee{position}.key"


def finish(process: subprocess.Popen[str], timeout: float = 300) -> tuple[int, str, str]:
    out, err = process.communicate(timeout=timeout)
    return process.returncode, out, err


def rehearse_cli(live: LiveServer, election_id: str, position: int) -> subprocess.Popen[str]:
    """``ballot trustee rehearse``: the trustee proves their key file works (reveals nothing)."""
    return trustee_cli(
        live,
        "rehearse",
        *_secrets(live, position),
        "--election",
        election_id,
        "--trustee",
        str(position),
        "--key-file",
        str(key_path(live, election_id, position)),
    )
