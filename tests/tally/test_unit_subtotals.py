"""Subtotals per unit through the service: the committee asks for them, ballots carry
the voter's unit from the roll, the tally is pooled (a small unit never gets its own
subtotal), trustees decrypt every pool, the result lists them, the observer page shows
them and the downloaded record verifies."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from litestar import Litestar

from tests.support.asgi import Web

from .conftest import NO, YES, CountedElection, cast, open_counted_election
from .test_count_api import board, close, decrypt, record_verifies, take


async def test_subtotals_pooled_counted_shown_and_verified(
    app: Litestar, web: Web, admin: Web, captured_tokens: dict[int, str], tmp_path: Path
) -> None:
    election: CountedElection = await open_counted_election(
        app, admin, captured_tokens, objection_days=0, subtotals={"by": "unit", "min_size": 2}
    )
    try:
        info = (await admin.get(f"/api/elections/{election.id}")).json()
        assert info["subtotals"] == {"by": "unit", "min_size": 2}
        assert election.manifest.election_id == election.id
        # North 2 (yes, yes), South 3 (no, no, yes), East 1 (yes) and an undecided East
        # challenge (not determinative: 4 to 2)
        votes = [
            ("C001", YES),
            ("C002", YES),
            ("C003", NO),
            ("C004", NO),
            ("C005", YES),
            ("C006", YES),
            ("X001", NO),
        ]
        for member, choice in votes:
            await cast(web, election, member, choice)
        entries = await board(web, election)
        ballots = [e["payload"] for e in entries if e["kind"].startswith("ballot.")]
        assert [b["unit"] for b in ballots] == ["North"] * 2 + ["South"] * 3 + ["East"] * 2
        # The unit and the voter's alias (PROTOCOL 11.8), never the voter.
        assert all(set(b) <= {"alias", "ballot", "tracker", "challenge", "unit"} for b in ballots)
        await close(admin, election)
        await take(admin, election)
        pending = (await election.trustees[0].web.get(f"/api/elections/{election.id}/tally")).json()
        # East alone (1 ballot) is too small; the other units' pool then takes the smallest
        # named unit (North, 2): published pools are South and other units
        assert sorted(pending["units"]) == ["", "South"]
        assert {p: t["ballots"] for p, t in pending["units"].items()} == {"": 3, "South": 3}

        # A trustee whose unit decryptions are missing or wrong is refused, by name.
        trustee = election.trustees[0]
        body = {"round": 1, "partials": trustee.partials(election, pending)}
        r = await trustee.web.post(f"/api/elections/{election.id}/tally/partials", json=body)
        assert r.status_code == 400 and "trustee 1 is invalid: 'units'" in r.json()["error"]
        units = trustee.unit_partials(election, pending)
        units[""], units["South"] = units["South"], units[""]
        r = await trustee.web.post(
            f"/api/elections/{election.id}/tally/partials", json={**body, "units": units}
        )
        assert r.status_code == 400, r.text
        assert "trustee 1 is invalid for unit" in r.json()["error"]

        answer = await decrypt(election, 1, 2)
        result = answer["result"]
        assert result["questions"][0]["counts"] == {"q1-o1": 4, "q1-o2": 2}
        assert result["determinative"] is False
        assert result["units"] == [
            {
                "unit": "South",
                "ballots": 3,
                "questions": [
                    {"id": "q1", "counts": {"q1-o1": 1, "q1-o2": 2}, "blank": 0, "valid": 3}
                ],
            },
            {
                "unit": "",
                "ballots": 3,
                "questions": [
                    {"id": "q1", "counts": {"q1-o1": 3, "q1-o2": 0}, "blank": 0, "valid": 3}
                ],
            },
        ]

        page = (await web.get(f"/board/{election.id}/result")).text
        units_table = page[page.index("units-table") :]
        units_table = units_table[: units_table.index("</table>")]
        cells = re.findall(r"<t[hd][^>]*>([^<]*)</t[hd]>", units_table)
        assert "South" in cells and "Other units" in cells
        assert "North" not in page and "East" not in page  # below min_size: never alone

        r = await web.get(f"/api/elections/{election.id}/record.zip")
        assert r.status_code == 200, r.text
        record_verifies(r.content, tmp_path)
    finally:
        for t in election.trustees:
            await t.web.client.aclose()


async def test_without_subtotals_nothing_mentions_units(
    web: Web, admin: Web, counted: CountedElection
) -> None:
    await cast(web, counted, "C001", YES)
    await close(admin, counted)
    await take(admin, counted)
    pending: dict[str, Any] = (
        await counted.trustees[0].web.get(f"/api/elections/{counted.id}/tally")
    ).json()
    assert "units" not in pending
    result = (await decrypt(counted, 1, 2))["result"]
    assert "units" not in result
    entries = await board(web, counted)
    assert all("unit" not in e["payload"] for e in entries if e["kind"] == "ballot.cast")
    assert "units-table" not in (await web.get(f"/board/{counted.id}/result")).text


async def test_round_two_keeps_the_round_one_pools(
    app: Litestar, web: Web, admin: Web, captured_tokens: dict[int, str], tmp_path: Path
) -> None:
    """North 2 and South 2 cast; three East ballots challenged.  East could only ever join
    the other units' pool, which then takes North (smallest, by label) in round 1 already;
    round 2 adds the overruled East ballots to that same pool."""
    election = await open_counted_election(
        app, admin, captured_tokens, objection_days=0, subtotals={"by": "unit", "min_size": 2}
    )
    try:
        for member, choice in [("C001", YES), ("C002", YES), ("C003", NO), ("C004", NO)]:
            await cast(web, election, member, choice)
        for member, choice in [("X001", YES), ("X002", NO), ("X003", YES)]:
            await cast(web, election, member, choice)
        await close(admin, election)
        await take(admin, election)
        first = (await decrypt(election, 1, 2))["result"]
        assert first["determinative"] is True
        assert [(u["unit"], u["ballots"]) for u in first["units"]] == [("South", 2), ("", 2)]
        view = (await admin.get(f"/api/elections/{election.id}/challenges")).json()
        ids = {c["member_id"]: c["id"] for c in view["challenges"]}
        for member, decision in [
            ("X001", "overruled"),
            ("X002", "overruled"),
            ("X003", "sustained"),
        ]:
            r = await admin.post(
                f"/api/elections/{election.id}/challenges/{ids[member]}",
                json={"decision": decision, "reason": "checked the roll"},
            )
            assert r.status_code == 200, r.text
        await take(admin, election)
        final = (await decrypt(election, 3, 1))["result"]
        assert [(u["unit"], u["ballots"]) for u in final["units"]] == [("South", 2), ("", 4)]
        assert final["units"][1]["questions"][0]["counts"] == {"q1-o1": 3, "q1-o2": 1}
        r = await web.get(f"/api/elections/{election.id}/record.zip")
        assert r.status_code == 200, r.text
        record_verifies(r.content, tmp_path)
    finally:
        for t in election.trustees:
            await t.web.client.aclose()
