"""``ballot trustee ceremony`` over a real network: three trustee processes against a live server."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import httpx
import pytest
from typer.testing import CliRunner

from ballot.cli import app as cli_app
from ballot.crypto.ceremony import (
    Complaint,
    answer_complaint,
    deal,
    new_receiving_secret,
    receiving_key,
)
from ballot.crypto.group import Scalar
from ballot.crypto.sharebox import seal_share
from tests.support.accounts import PASSWORD
from tests.support.asgi import definition
from tests.support.committee import Committee as Admin
from tests.support.live import PASSPHRASE
from tests.support.live import LiveServer as Live
from tests.support.live import start_server as start
from tests.support.trustees import TRUSTEES, ceremony_cli, ceremony_election, finish, key_path


def _check_key(live: Live, election_id: str, position: int) -> str:
    result = CliRunner().invoke(
        cli_app,
        [
            "trustee",
            "check-key",
            "--key-file",
            str(key_path(live, election_id, position)),
            "--passphrase-file",
            str(live.folder / "passphrase"),
        ],
        env={"COLUMNS": "200"},
    )
    assert result.exit_code == 0, result.output
    return result.output


#: The tool talks HTTP; the server's storage is tested on both engines in-process, so
#: running these subprocess tests on PostgreSQL too would add time and no coverage.
@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_three_trustees_run_the_ceremony_and_save_their_keys(db_url: str, tmp_path: Path) -> None:
    live = start(db_url, tmp_path)
    admin = Admin(live.base)
    try:
        election_id = ceremony_election(admin, definition(trustees={"n": 3, "k": 2}))
        # Trustee 1 starts alone, posts its receiving key, gives up waiting: its state stays.
        rc, out, err = finish(ceremony_cli(live, election_id, 1, timeout=2))
        assert rc == 1 and "gave up" in err, out + err
        assert (tmp_path / "state1" / f"ceremony-{election_id}.state").exists()
        runs = [ceremony_cli(live, election_id, p) for p in (1, 2, 3)]
        results = [finish(p) for p in runs]
        for rc, out, err in results:
            assert rc == 0, out + err
            assert PASSPHRASE not in out + err and PASSWORD not in out + err
        assert "resuming from the saved state" in results[0][1]
        election = admin.get(f"/api/elections/{election_id}")
        joint = election["joint_public_key"]
        assert joint and all(joint in out for _, out, _ in results)
        entries = admin.get(f"/api/elections/{election_id}/board")["entries"]
        completed = [e for e in entries if e["kind"] == "ceremony.completed"]
        assert len(completed) == 1
        transcript = completed[0]["payload"]["transcript"]
        assert transcript["joint_public_key"] == joint and transcript["disqualified"] == {}
        assert sum(e["kind"] == "note.ceremony.dealing" for e in entries) == 3
        for position in (1, 2, 3):
            shown = _check_key(live, election_id, position)
            assert f"{position} of 3" in shown
            assert transcript["verification_keys"][str(position)] in shown
            assert not (tmp_path / f"state{position}" / f"ceremony-{election_id}.state").exists()
        again = finish(ceremony_cli(live, election_id, 1))
        assert again[0] == 1 and "already exists" in again[2]
    finally:
        admin.close()
        live.stop()


def _cheating_trustee_3(live: Live, election_id: str, errors: list[BaseException]) -> None:
    """Trustee 3 by hand: deals a wrong share to trustee 1, then answers the complaint."""
    try:
        with httpx.Client(base_url=live.base, timeout=60) as http:
            http.get("/login")

            def post(path: str, body: Any) -> Any:
                r = http.post(path, json=body, headers={"x-csrftoken": http.cookies["csrftoken"]})
                assert r.status_code == 200, r.text
                return r.json()

            def status() -> dict[str, Any]:
                return dict(http.get(f"/api/elections/{election_id}/ceremony/remote").json())

            def wait_for(round_: str) -> dict[str, Any]:
                for _ in range(2400):
                    s = status()
                    if s["round"] == round_:
                        return s
                    threading.Event().wait(0.1)
                raise AssertionError(f"round {round_} never came")

            post("/api/login", {"email": TRUSTEES[2], "password": PASSWORD})
            base = f"/api/elections/{election_id}/ceremony/remote/rounds/"
            secret = new_receiving_secret()
            post(base + "receiving_key", {"receiving_key": receiving_key(secret).hex()})
            s = wait_for("dealing")
            keys = {int(i): bytes.fromhex(h) for i, h in s["receiving_keys"].items()}
            mh = bytes.fromhex(s["manifest_hash"])
            message, boxes, kept = deal(3, 2, 3, mh, keys)
            wrong, _ = seal_share(Scalar.from_int(7), keys[1], mh, 3, 1)
            boxes = [wrong if b.recipient == 1 else b for b in boxes]
            post(
                base + "dealing",
                {"dealer": message.to_json(), "encrypted_shares": [b.to_json() for b in boxes]},
            )
            wait_for("complaints")
            post(base + "complaints", {"complaints": []})
            s = wait_for("resolutions")
            against = [Complaint.from_json(c) for c in s["complaints"] if c["dealer"] == 3]
            post(
                base + "resolutions",
                {"resolutions": [answer_complaint(kept, c).to_json() for c in against]},
            )
    except BaseException as exc:  # reported by the test
        errors.append(exc)


#: The tool talks HTTP; the server's storage is tested on both engines in-process, so
#: running these subprocess tests on PostgreSQL too would add time and no coverage.
@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_a_cheating_dealer_is_complained_about_and_named_by_the_tool(
    db_url: str, tmp_path: Path
) -> None:
    live = start(db_url, tmp_path)
    admin = Admin(live.base)
    try:
        election_id = ceremony_election(admin, definition(trustees={"n": 3, "k": 2}))
        errors: list[BaseException] = []
        cheat = threading.Thread(target=_cheating_trustee_3, args=(live, election_id, errors))
        cheat.start()
        runs = [ceremony_cli(live, election_id, p) for p in (1, 2)]
        results = [finish(p) for p in runs]
        cheat.join(timeout=300)
        assert not errors, errors
        for rc, out, err in results:
            assert rc == 0, out + err
            assert "dealer 3 was disqualified" in out
        assert "complaining about dealer 3" in results[0][1]
        transcript = admin.get(f"/api/elections/{election_id}/ceremony/remote")["transcript"]
        assert transcript["qualified"] == [1, 2]
        assert [c["complaint"] for c in transcript["complaints"]] == [
            {"dealer": 3, "recipient": 1, "reason": "inconsistent"}
        ]
        shown = _check_key(live, election_id, 1)
        assert transcript["verification_keys"]["1"] in shown
    finally:
        admin.close()
        live.stop()


def test_the_tools_recover_when_the_server_crashes_while_settling(
    db_url: str, tmp_path: Path, monkeypatch: Any
) -> None:
    from ballot.service import ceremony as ops

    real = ops.accept_transcript
    calls = {"n": 0}

    async def crash_once(*a: Any, **k: Any) -> None:
        calls["n"] += 1
        if calls["n"] == 1:
            raise RuntimeError("power cut while settling")
        await real(*a, **k)

    monkeypatch.setattr(ops, "accept_transcript", crash_once)
    live = start(db_url, tmp_path)
    admin = Admin(live.base)
    try:
        election_id = ceremony_election(admin, definition(trustees={"n": 3, "k": 2}))
        results = [finish(p) for p in [ceremony_cli(live, election_id, t) for t in (1, 2, 3)]]
        assert all(rc == 0 for rc, _, _ in results), results
        assert calls["n"] >= 2
        kinds = [e["kind"] for e in admin.get(f"/api/elections/{election_id}/board")["entries"]]
        assert kinds.count("ceremony.completed") == 1
    finally:
        admin.close()
        live.stop()
