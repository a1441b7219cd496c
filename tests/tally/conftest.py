"""Fixtures for the count: an election keyed by a real 2-of-3 local ceremony, trustees
signed in with their opened key files, and voters casting real encrypted ballots.

The committee runs the demo ceremony through ``/api/elections/{id}/ceremony/local``,
which hands back each trustee's sealed key file; each trustee here opens theirs with
the passphrase (as the trustee CLI does) and decrypts with
:func:`ballot.crypto.threshold.partial_decrypt_tally`.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass, field
from typing import Any

import pytest
from litestar import Litestar

from ballot.crypto.ballots import encrypt_ballot
from ballot.crypto.ceremony import TrusteeShare
from ballot.crypto.elgamal import Ciphertext
from ballot.crypto.group import Element
from ballot.crypto.keyfile import open_key
from ballot.crypto.manifest import ElectionManifest, election_fingerprint
from ballot.crypto.tally import EncryptedTally
from ballot.crypto.threshold import partial_decrypt_tally
from ballot.record.units import unit_labelled
from tests.support.asgi import Web, client_for, create_draft, make_account, member_links

#: Six members in good standing, three whose eligibility is challenged.
ROLL = """member_id,name,email,language,unit,challenged
C001,Ana Lopez,ana@example.org,es,North,
C002,Ben Carter,ben@example.org,en,North,
C003,Chen Wei,chen@example.org,en,South,
C004,Dolores Ruiz,dolores@example.org,es,South,
C005,Ed Park,ed@example.org,en,South,
C006,Fay Green,fay@example.org,en,East,
X001,Gus Hill,gus@example.org,en,East,yes
X002,Hana Kim,hana@example.org,en,East,yes
X003,Ivo Petrov,ivo@example.org,en,East,yes
"""

PASSPHRASES = ["first trustee phrase", "second trustee phrase", "third trustee phrase"]
YES, NO = 0, 1


@dataclass
class Trustee:
    position: int
    web: Web
    share: TrusteeShare

    async def decrypt(self, election: CountedElection) -> Any:
        """Fetch the tally awaiting decryption and post this trustee's partials."""
        r = await self.web.get(f"/api/elections/{election.id}/tally")
        assert r.status_code == 200, r.text
        pending = r.json()
        body = {"round": pending["round"], "partials": self.partials(election, pending)}
        if "units" in pending:
            body["units"] = self.unit_partials(election, pending)
        return await self.web.post(f"/api/elections/{election.id}/tally/partials", json=body)

    def unit_partials(self, election: CountedElection, pending: dict[str, Any]) -> Any:
        """Partial decryptions of each pooled unit subtotal (PROTOCOL 10.5)."""
        out = {}
        for pool, subtotal in pending["units"].items():
            labelled = unit_labelled(pool, EncryptedTally.from_json(subtotal, election.manifest))
            mine = partial_decrypt_tally(
                self.position, self.share.secret_share, labelled, election.fingerprint
            )
            out[pool] = [p.to_json() for p in mine]
        return out

    def partials(self, election: CountedElection, pending: dict[str, Any]) -> list[Any]:
        slots = [ct for q in pending["tally"]["questions"] for ct in q["slots"]]
        labelled = {
            label: Ciphertext.from_json(ct, allow_identity=True)
            for label, ct in zip(pending["labels"], slots, strict=True)
        }
        mine = partial_decrypt_tally(
            self.position, self.share.secret_share, labelled, election.fingerprint
        )
        return [p.to_json() for p in mine]


@dataclass
class CountedElection:
    id: str
    manifest: ElectionManifest
    public_key: Element
    fingerprint: bytes
    trustees: list[Trustee]
    links: dict[str, str] = field(default_factory=dict)

    def ballot(self, choice: int) -> dict[str, Any]:
        return encrypt_ballot(self.manifest, self.public_key, self.fingerprint, [[choice]])[
            0
        ].to_json()


async def open_counted_election(
    app: Litestar,
    admin: Web,
    captured: dict[int, str],
    **definition: Any,
) -> CountedElection:
    """Define (2 of 3 trustees), name trustees, hold the local ceremony, open."""
    definition.setdefault("trustees", {"n": 3, "k": 2})
    election_id = await create_draft(admin, **definition)
    r = await admin.post(f"/api/elections/{election_id}/roll", content=ROLL.encode())
    assert r.status_code == 200, r.text
    for position in (1, 2, 3):
        email = f"trustee{position}-{election_id}@example.org"
        await make_account(app, email, "trustee")
        r = await admin.post(
            f"/api/elections/{election_id}/trustees", json={"email": email, "position": position}
        )
        assert r.status_code == 201, r.text
    r = await admin.post(f"/api/elections/{election_id}/state", json={"target": "key_ceremony"})
    assert r.status_code == 200, r.text
    r = await admin.post(
        f"/api/elections/{election_id}/ceremony/local", json={"passphrases": PASSPHRASES}
    )
    assert r.status_code == 200, r.text
    sealed = [base64.b64decode(s) for s in r.json()["trustee_keys"]]
    for target in ("ready", "open"):
        r = await admin.post(f"/api/elections/{election_id}/state", json={"target": target})
        assert r.status_code == 200, r.text
    ceremony = (await admin.get(f"/api/elections/{election_id}/ceremony")).json()
    definition_json = ceremony["manifest"]
    digest = bytes.fromhex(ceremony["manifest_hash"])
    board = (await admin.get(f"/api/elections/{election_id}/board")).json()["entries"]
    (completed,) = [e for e in board if e["kind"] == "ceremony.completed"]
    transcript = completed["payload"]["transcript"]
    key = Element.from_hex(transcript["joint_public_key"])
    vkeys = transcript["verification_keys"]
    fingerprint = election_fingerprint(
        digest, key, [Element.from_hex(vkeys[i]) for i in sorted(vkeys, key=int)]
    )
    assert fingerprint.hex() == completed["payload"]["fingerprint"]
    trustees = []
    for position, blob, phrase in zip((1, 2, 3), sealed, PASSPHRASES, strict=True):
        share = TrusteeShare.from_bytes(open_key(blob, phrase))
        assert share.index == position
        client = client_for(app)
        w = Web(client)
        assert (await w.login(f"trustee{position}-{election_id}@example.org")).status_code == 200
        trustees.append(Trustee(position, w, share))
    return CountedElection(
        election_id,
        ElectionManifest.from_definition(definition_json),
        key,
        fingerprint,
        trustees,
        await member_links(app, election_id, captured),
    )


async def cast(
    web: Web,
    election: CountedElection,
    member: str,
    choice: int,
) -> dict[str, Any]:
    r = await web.client.post(
        "/api/cast", json={"token": election.links[member], "ballot": election.ballot(choice)}
    )
    assert r.status_code == 201, r.text
    return dict(r.json())


@pytest.fixture
async def counted(
    app: Litestar,
    admin: Web,
    captured_tokens: dict[int, str],
) -> Any:
    election = await open_counted_election(app, admin, captured_tokens, objection_days=0)
    yield election
    for t in election.trustees:
        await t.web.client.aclose()
