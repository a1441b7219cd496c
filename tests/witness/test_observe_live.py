"""``ballot observe`` against a live server, end to end.

The committee names a witness (the key made with ``ballot observe new-key``) before the
key ceremony; the witness's command, run in its own process, follows the board while
members vote and after the count, cosigns the server's heads and hands them in; the
server publishes them (API and board page); the record the committee publishes carries
them and verifies with ``ballot verify --witness`` on the witness's own log.
"""

from __future__ import annotations

import base64
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest
from typer.testing import CliRunner

from ballot.cli import app as cli_app
from ballot.crypto.ballots import encrypt_ballot
from ballot.crypto.ceremony import TrusteeShare
from ballot.crypto.elgamal import Ciphertext
from ballot.crypto.group import Element
from ballot.crypto.keyfile import open_key
from ballot.crypto.manifest import ElectionManifest
from ballot.crypto.threshold import partial_decrypt_tally
from ballot.record.election_record import read_record
from ballot.store import tokens as token_store
from tests.support.accounts import PASSWORD
from tests.support.asgi import ROLL, definition
from tests.support.committee import Committee
from tests.support.live import LiveServer, start_server

TRUSTEE = "trustee-w@example.org"
TRUSTEE_PHRASE = "the only trustee's phrase"
WITNESS_PHRASE = "witness passphrase, long enough"
VOTES = {"ana@example.org": 0, "ben@example.org": 0, "chen@example.org": 1}


@pytest.fixture
def issued(monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """email -> clear voting token, seen in this process as the live server issues them."""
    seen: dict[str, str] = {}
    real = token_store.issue_tokens

    async def issue(*a: Any, **k: Any) -> Any:
        out = await real(*a, **k)
        seen.update({t.email: t.token for t in out})
        return out

    monkeypatch.setattr(token_store, "issue_tokens", issue)
    return seen


def observe(live: LiveServer, url: str, *extra: str, timeout: float = 240) -> tuple[int, str]:
    """``ballot observe URL --key --state`` in its own process, as a witness runs it."""
    env = {"PATH": "/usr/bin:/bin", "COLUMNS": "200", "HOME": str(live.folder)}
    if os.environ.get("PYTHONPATH"):  # a checkout run without installing it (a worktree)
        env["PYTHONPATH"] = os.environ["PYTHONPATH"]
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "ballot.cli",
            "observe",
            url,
            "--key",
            str(live.folder / "witness.key"),
            "--state",
            str(live.folder / "witness-state"),
            "--passphrase-file",
            str(live.folder / "witness-passphrase"),
            *extra,
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=timeout,
    )
    return done.returncode, done.stdout + done.stderr


def decrypt(base: str, election_id: str, sealed: bytes) -> None:
    share = TrusteeShare.from_bytes(open_key(sealed, TRUSTEE_PHRASE))
    trustee = Committee(base, TRUSTEE)
    try:
        pending = trustee.get(f"/api/elections/{election_id}/tally")
        slots = [ct for q in pending["tally"]["questions"] for ct in q["slots"]]
        labelled = {
            label: Ciphertext.from_json(ct, allow_identity=True)
            for label, ct in zip(pending["labels"], slots, strict=True)
        }
        fingerprint = bytes.fromhex(
            trustee.get(f"/api/elections/{election_id}/public")["fingerprint"]
        )
        partials = partial_decrypt_tally(1, share.secret_share, labelled, fingerprint)
        trustee.post(
            f"/api/elections/{election_id}/tally/partials",
            json={"round": pending["round"], "partials": [p.to_json() for p in partials]},
        )
    finally:
        trustee.close()


def new_witness_key(folder: Path) -> str:
    """``ballot observe new-key FILE``; the public key it prints."""
    (folder / "witness-passphrase").write_text(WITNESS_PHRASE)
    made = CliRunner().invoke(
        cli_app,
        [
            "observe",
            "new-key",
            str(folder / "witness.key"),
            "--passphrase-file",
            str(folder / "witness-passphrase"),
        ],
        env={"COLUMNS": "200"},
    )
    assert made.exit_code == 0, made.output
    assert oct((folder / "witness.key").stat().st_mode & 0o777) == "0o600"
    line = next(x for x in made.output.splitlines() if x.startswith("public key:"))
    return line.split(":", 1)[1].strip()


#: The tool talks HTTP; the server's storage is tested on both engines in-process.
@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_a_witness_follows_cosigns_and_the_record_verifies_with_its_log(
    db_url: str, tmp_path: Path, issued: dict[str, str]
) -> None:
    live = start_server(db_url, tmp_path)
    admin = Committee(live.base)
    try:
        admin.post(
            "/api/accounts",
            json={"email": TRUSTEE, "name": "Trustee", "role": "trustee", "password": PASSWORD},
        )
        spec = definition(
            trustees={"n": 1, "k": 1}, objection_days=0, closes_at="2099-05-09T17:00:00Z"
        )
        election_id = str(admin.post("/api/elections", json=spec)["id"])
        admin.post(f"/api/elections/{election_id}/roll", content=ROLL.encode())
        admin.post(f"/api/elections/{election_id}/trustees", json={"email": TRUSTEE, "position": 1})
        public_key = new_witness_key(tmp_path)
        admin.post(
            f"/api/elections/{election_id}/witnesses",
            json={"name": "Rosa Lopez", "public_key": public_key},
        )
        admin.post(f"/api/elections/{election_id}/state", json={"target": "key_ceremony"})
        (sealed,) = admin.post(
            f"/api/elections/{election_id}/ceremony/local", json={"passphrases": [TRUSTEE_PHRASE]}
        )["trustee_keys"]
        for target in ("ready", "open"):
            admin.post(f"/api/elections/{election_id}/state", json={"target": target})
        url = f"{live.base}/board/{election_id}"

        rc, out = observe(live, url, "--once")
        assert rc == 0, out
        assert "cosigned the server's head on board entry" in out and "'Rosa Lopez'" in out

        manifest_json = admin.get(f"/api/elections/{election_id}/ceremony")["manifest"]
        assert manifest_json["witnesses"] == [{"name": "Rosa Lopez", "public_key": public_key}]
        manifest = ElectionManifest.from_definition(manifest_json)
        public = admin.get(f"/api/elections/{election_id}/public")
        key = Element.from_hex(public["joint_public_key"])
        fingerprint = bytes.fromhex(public["fingerprint"])
        with httpx.Client(base_url=live.base, timeout=60) as voter:
            for email, choice in VOTES.items():
                ballot = encrypt_ballot(manifest, key, fingerprint, [[choice]])[0].to_json()
                r = voter.post("/api/cast", json={"token": issued[email], "ballot": ballot})
                assert r.status_code == 201, r.text

        rc, out = observe(live, url, "--once")
        assert rc == 0, out
        assert "continuing:" in out and "verified board entries" in out, out

        admin.post(f"/api/elections/{election_id}/state", json={"target": "closed"})
        admin.post(f"/api/elections/{election_id}/tally")
        decrypt(live.base, election_id, base64.b64decode(sealed))
        admin.post(
            f"/api/elections/{election_id}/certify", json={"reason": "no objections were filed"}
        )

        # Without --once the witness polls until the certified board's last head is cosigned.
        rc, out = observe(live, url, "--interval", "1")
        assert rc == 0, out
        assert "The election is certified" in out, out

        published = admin.get(f"/api/elections/{election_id}/cosignatures")["cosignatures"]
        assert len(published) == 3
        assert {c["witness"] for c in published} == {public_key}
        assert {c["witness_name"] for c in published} == {"Rosa Lopez"}
        page = httpx.get(url, timeout=60).text
        assert "Rosa Lopez" in page and "countersigned up to position" in page

        r = httpx.get(f"{live.base}/api/elections/{election_id}/record.zip", timeout=60)
        assert r.status_code == 200, r.text
        record = tmp_path / "record.zip"
        record.write_bytes(r.content)
        exported = read_record(record)
        # A definition binding the board key makes a version-2 record, which carries the
        # cosignatures; the log vouches for either version (PROTOCOL 11.7).
        assert exported.version == (2 if "board_key" in manifest_json else 1)
        if exported.version == 2:
            carried = exported.json("cosignatures.json")
            assert [c["signature"] for c in carried] == [c["signature"] for c in published]
        state = live.folder / "witness-state"
        checked = CliRunner().invoke(
            cli_app,
            ["verify", str(record), "--witness", str(state), "--jobs", "1"],
            env={"COLUMNS": "200"},
        )
        assert checked.exit_code == 0, checked.output
        assert "ok   witness" in checked.output
        assert "'Rosa Lopez' cosigned the final head" in checked.output

        again = observe(live, url, "--once")  # nothing new: nothing cosigned twice
        assert again[0] == 0, again[1]
        assert len(admin.get(f"/api/elections/{election_id}/cosignatures")["cosignatures"]) == 3
        assert os.path.getsize(state / "cosigned.jsonl") > 0
    finally:
        admin.close()
        live.stop()
