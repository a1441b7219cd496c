"""``ballot trustee rehearse`` against a live server: each trustee proves their key file,
the checklist counts it, and a wrong key file is refused with a clear message before
anything is sent."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from ballot.crypto.ceremony import TrusteeShare, local_ceremony
from ballot.crypto.keyfile import open_key, seal_key
from tests.support.accounts import PASSWORD
from tests.support.asgi import definition
from tests.support.committee import Committee
from tests.support.live import PASSPHRASE, LiveServer, start_server
from tests.support.trustees import TRUSTEES, ceremony_election, finish, trustee_cli


def rehearse_cli(
    live: LiveServer, election_id: str, email_of: int, trustee: int, key_file: Path
) -> tuple[int, str, str]:
    return finish(
        trustee_cli(
            live,
            "rehearse",
            "--server",
            live.base,
            "--election",
            election_id,
            "--email",
            TRUSTEES[email_of - 1],
            "--password-file",
            str(live.folder / "password"),
            "--passphrase-file",
            str(live.folder / "passphrase"),
            "--trustee",
            str(trustee),
            "--key-file",
            str(key_file),
        ),
        timeout=120,
    )


def held_ceremony(live: LiveServer, admin: Committee, election_id: str) -> list[Path]:
    """A ceremony held here, its transcript recorded; each trustee's sealed key file."""
    digest = bytes.fromhex(admin.get(f"/api/elections/{election_id}/ceremony")["manifest_hash"])
    transcript, blobs = local_ceremony(2, 3, digest)
    admin.post(
        f"/api/elections/{election_id}/ceremony/transcript",
        json=json.loads(json.dumps(transcript)),
    )
    paths = []
    for position, blob in enumerate(blobs, start=1):
        path = live.folder / f"{election_id}-trustee{position}.key"
        path.write_bytes(seal_key(blob, PASSPHRASE))
        paths.append(path)
    return paths


#: The tool talks HTTP; the server's storage is tested on both engines in-process
#: (tests/committee/test_setup_checklist.py).
@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_each_trustee_proves_their_key_and_a_wrong_key_is_refused(
    db_url: str, tmp_path: Path
) -> None:
    live = start_server(db_url, tmp_path, setup_checklist=True)
    admin = Committee(live.base)
    try:
        election_id = ceremony_election(admin, definition(trustees={"n": 3, "k": 2}))
        keys = held_ceremony(live, admin, election_id)
        # Trustee 2 signs in but brings trustee 1's key file: refused before anything is sent.
        rc, out, err = rehearse_cli(live, election_id, 2, 2, keys[0])
        assert rc == 2, out + err
        assert "Wrong key file" in err and "trustee 1's, not trustee 2's" in err, err
        # A key file that says trustee 3 but holds another secret (damaged, or made for
        # another ceremony): it does not fit the published ceremony.
        one = TrusteeShare.from_bytes(open_key(keys[0].read_bytes(), PASSPHRASE))
        forged = tmp_path / "forged.key"
        forged.write_bytes(seal_key(dataclasses.replace(one, index=3).to_bytes(), PASSPHRASE))
        rc, out, err = rehearse_cli(live, election_id, 3, 3, forged)
        assert rc == 2, out + err
        assert "does not fit this election's key ceremony" in " ".join(err.split()), err
        sheet = admin.get(f"/api/elections/{election_id}/checklist")
        rehearsals = next(s for s in sheet["steps"] if s["key"] == "rehearsals")
        assert not rehearsals["done"] and len(rehearsals["who"]) == 3
        for position in (1, 2, 3):
            rc, out, err = rehearse_cli(live, election_id, position, position, keys[position - 1])
            assert rc == 0, out + err
            assert f"trustee {position} proved their key" in " ".join(out.split())
            assert PASSPHRASE not in out + err and PASSWORD not in out + err
        sheet = admin.get(f"/api/elections/{election_id}/checklist")
        rehearsals = next(s for s in sheet["steps"] if s["key"] == "rehearsals")
        assert rehearsals["done"] and rehearsals["missing"] == []
        # Nothing of a rehearsal is on the public board: it decrypts nothing anyone cast.
        kinds = {e["kind"] for e in admin.get(f"/api/elections/{election_id}/board")["entries"]}
        assert not any("rehears" in k or "partial" in k for k in kinds), kinds
    finally:
        admin.close()
        live.stop()
