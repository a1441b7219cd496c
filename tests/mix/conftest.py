"""Fixtures for the mix-net: a 2-of-3 election whose ranked races await the trustees'
shuffles (tests/mix/seed.py), its trustees signed in."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import pytest
from litestar import Litestar

from ballot.crypto.shuffle import shuffle_and_prove
from ballot.crypto.threshold import partial_decrypt_tally
from ballot.record.mix import labelled
from tests.mix.seed import Seeded, seed_mixing
from tests.support.asgi import Web, client_for, create_draft, make_account


@dataclass
class MixTrustee:
    position: int
    web: Web


@dataclass
class MixingElection:
    id: str
    seeded: Seeded
    trustees: list[MixTrustee]  # index 0 = trustee 1

    def mix_path(self, tail: str = "") -> str:
        return f"/api/elections/{self.id}/mix{tail}"

    async def status(self) -> dict[str, Any]:
        r = await self.trustees[0].web.get(self.mix_path())
        assert r.status_code == 200, r.text
        return dict(r.json())

    def shuffle_of(self, status: dict[str, Any], position: int | None = None) -> dict[str, Any]:
        """Every race's shuffle of the current lists, at the given (default: next) position."""
        e = self.seeded.election
        at = position or status["position"]
        out: dict[str, Any] = {}
        for race in status["races"]:
            items = [[_ct(c) for c in item] for item in race["list"]]
            out[race["id"]] = (
                shuffle_and_prove(e.fingerprint, at, e.joint_public_key, items).to_json()
                if items
                else None
            )
        return out

    def partials_of(self, status: dict[str, Any], trustee: int) -> dict[str, Any]:
        share = self.seeded.shares[trustee - 1]
        out: dict[str, Any] = {}
        for race in status["races"]:
            items = [tuple(_ct(c) for c in item) for item in race["list"]]
            cts = labelled(race["id"], items)
            mine = partial_decrypt_tally(
                trustee, share.secret_share, cts, self.seeded.election.fingerprint
            )
            out[race["id"]] = [p.to_json() for p in mine]
        return out


def _ct(obj: Any) -> Any:
    from ballot.crypto.elgamal import Ciphertext

    return Ciphertext.from_json(obj)


async def mixing_election(app: Litestar, admin: Web, state: str = "mixing") -> MixingElection:
    election_id = await create_draft(admin, trustees={"n": 3, "k": 2}, objection_days=0)
    trustees = []
    for position in (1, 2, 3):
        email = f"mixer{position}-{election_id}@example.org"
        await make_account(app, email, "trustee")
        r = await admin.post(
            f"/api/elections/{election_id}/trustees", json={"email": email, "position": position}
        )
        assert r.status_code == 201, r.text
        web = Web(client_for(app))
        assert (await web.login(email)).status_code == 200
        trustees.append(MixTrustee(position, web))
    async with app.state.session_factory() as db:
        seeded = await seed_mixing(db, election_id, state=state)
    return MixingElection(election_id, seeded, trustees)


@pytest.fixture
async def mixing(app: Litestar, admin: Web) -> AsyncIterator[MixingElection]:
    election = await mixing_election(app, admin)
    yield election
    for t in election.trustees:
        await t.web.client.aclose()
