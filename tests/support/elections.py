"""An OPEN election with a real (local) key ceremony: what casting needs.

The stand-in transcript of ``asgi.make_ready`` lacks trustee verification keys; this
one has them, so the election fingerprint exists and ballots made with Python's
encryptor verify on the server.  ``open_with_ceremony`` drives the in-process app;
``open_by_api`` any synchronous client (a server on a port, Schemathesis's).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from litestar import Litestar

from ballot.crypto.ballots import EncryptedBallot, encrypt_ballot
from ballot.crypto.ceremony import local_ceremony
from ballot.crypto.group import Element
from ballot.crypto.manifest import ElectionManifest, election_fingerprint

from .asgi import Web, create_draft, member_links

ROLL = """member_id,name,email,language,unit,challenged
K001,Kim Min-jun,kim@example.org,ko,North,
K002,Ana Lopez,ana@example.org,es,North,
K003,Ben Carter,ben@example.org,en,South,
K004,Chen Wei,chen@example.org,en,South,
K005,Ed Park,ed@example.org,en,South,yes
K006,Fay Green,fay@example.org,en,East,
"""

DEFINITION: dict[str, Any] = {
    "kind": "recognition",
    "title": {
        "en": "Recognition vote",
        "es": "Votación de reconocimiento",
        "ko": "노동조합 인정 투표",
    },
    "instructions": {
        "en": "Choose one.",
        "es": "Elija una.",
        "ko": "하나를 선택하십시오.",
    },
    "opens_at": "2026-05-02T09:00:00Z",
    "closes_at": "2026-05-09T17:00:00Z",
    "rule": "majority",
    "trustees": {"n": 1, "k": 1},
    "questions": [
        {
            "text": {
                "en": "Do you want the union?",
                "es": "¿Quiere el sindicato?",
                "ko": "노동조합을 원하십니까?",
            },
            "min": 1,
            "max": 1,
            "options": [
                {"en": "Yes", "es": "Sí", "ko": "예"},
                {"en": "No", "es": "No", "ko": "아니요"},
            ],
        }
    ],
}


@dataclass
class CastElection:
    id: str
    definition: dict[str, Any]
    manifest: ElectionManifest
    public_key: Element
    fingerprint: bytes
    links: dict[str, str] = field(default_factory=dict)

    def ballot(self, *choices: int) -> EncryptedBallot:
        """A fresh honest ballot (one choice per question; default: the first option)."""
        selections = [[c] for c in choices] or [[0] for _ in self.manifest.questions]
        return encrypt_ballot(self.manifest, self.public_key, self.fingerprint, selections)[0]

    def ballot_json(self, *choices: int) -> dict[str, Any]:
        return self.ballot(*choices).to_json()


def keyed(election_id: str, ceremony: dict[str, Any], transcript: dict[str, Any]) -> CastElection:
    """The election as a voter's encryptor sees it once its ceremony (the committee's
    ``/ceremony`` answer) produced ``transcript``: the manifest, joint key, fingerprint."""
    key = Element.from_hex(str(transcript["joint_public_key"]))
    vkeys = transcript["verification_keys"]
    assert isinstance(vkeys, dict)
    fp = election_fingerprint(
        bytes.fromhex(ceremony["manifest_hash"]),
        key,
        [Element.from_hex(vkeys[i]) for i in sorted(vkeys, key=int)],
    )
    manifest_json = ceremony["manifest"]
    return CastElection(
        election_id, manifest_json, ElectionManifest.from_definition(manifest_json), key, fp
    )


async def open_with_ceremony(
    app: Litestar,
    admin: Web,
    captured: dict[int, str],
    definition: dict[str, Any],
    roll: str,
) -> CastElection:
    election_id = await create_draft(admin, **definition)
    r = await admin.post(f"/api/elections/{election_id}/roll", content=roll.encode())
    assert r.status_code == 200, r.text
    r = await admin.post(f"/api/elections/{election_id}/state", json={"target": "key_ceremony"})
    assert r.status_code == 200, r.text
    r = await admin.get(f"/api/elections/{election_id}/ceremony")
    ceremony = r.json()
    transcript, _secrets = local_ceremony(1, 1, bytes.fromhex(ceremony["manifest_hash"]))
    r = await admin.post(
        f"/api/elections/{election_id}/ceremony/transcript", json=json.loads(json.dumps(transcript))
    )
    assert r.status_code == 200, r.text
    for target in ("ready", "open"):
        r = await admin.post(f"/api/elections/{election_id}/state", json={"target": target})
        assert r.status_code == 200, r.text
    election = keyed(election_id, ceremony, transcript)
    election.links = await member_links(app, election_id, captured)
    return election


def open_by_api(
    post: Callable[..., Any], get: Callable[[str], Any], definition: dict[str, Any], roll: str
) -> CastElection:
    """Define, key (a local 1-of-1 ceremony) and open an election through the committee's
    JSON API with any client: ``post(path, **request)`` sends as a signed-in committee
    member (the roll as ``content=``) and returns the answer's JSON, having checked that
    it succeeded; ``get(path)`` returns the JSON at ``path``."""
    election_id = str(post("/api/elections", json=definition)["id"])
    post(f"/api/elections/{election_id}/roll", content=roll.encode())
    post(f"/api/elections/{election_id}/state", json={"target": "key_ceremony"})
    ceremony = get(f"/api/elections/{election_id}/ceremony")
    transcript, _ = local_ceremony(1, 1, bytes.fromhex(ceremony["manifest_hash"]))
    post(
        f"/api/elections/{election_id}/ceremony/transcript", json=json.loads(json.dumps(transcript))
    )
    post(f"/api/elections/{election_id}/state", json={"target": "ready"})
    post(f"/api/elections/{election_id}/state", json={"target": "open"})
    return keyed(election_id, ceremony, transcript)


@pytest.fixture
async def cast_election(
    app: Litestar,
    admin: Web,
    captured_tokens: dict[int, str],
) -> CastElection:
    return await open_with_ceremony(app, admin, captured_tokens, DEFINITION, ROLL)
