"""Voter roll import: all or nothing, each bad row reported by line, duplicates caught."""

from __future__ import annotations

from .helpers import ROLL, OpenElection, Web, create_draft

HEADER = "member_id,name,email,language,unit,challenged\n"


async def roll_size(admin: Web, election_id: str) -> int:
    return int((await admin.get(f"/api/elections/{election_id}")).json()["roll_size"])


async def test_good_file_imports(admin: Web) -> None:
    election_id = await create_draft(admin)
    r = await admin.post(f"/api/elections/{election_id}/roll", content=ROLL.encode())
    assert r.status_code == 200 and r.json()["imported"] == 6
    roll = (await admin.get(f"/api/elections/{election_id}/roll")).json()
    assert {v["member_id"] for v in roll} == {f"M00{i}" for i in range(1, 7)}
    assert [v["member_id"] for v in roll if v["challenged"]] == ["M005"]
    assert {v["language"] for v in roll} == {"en", "es"}


async def test_bad_rows_import_nothing_and_are_reported_by_line(admin: Web) -> None:
    election_id = await create_draft(admin)
    bad = (
        HEADER
        + "M1,Good Row,good@example.org,en,North,\n"  # line 2
        + "M2,No Email,,en,North,\n"  # line 3
        + "M3,Bad Language,three@example.org,xx,North,\n"  # line 4
        + "M1,Same Member,other@example.org,en,North,\n"  # line 5
        + "M5,Same Email,good@example.org,en,North,\n"  # line 6
    )
    r = await admin.post(f"/api/elections/{election_id}/roll", content=bad.encode())
    assert r.status_code == 422
    problems = r.json()["problems"]
    lines = {p["line"] for p in problems}
    assert {3, 4, 5, 6} <= lines and 2 not in lines
    assert all(p["message"] for p in problems)
    assert await roll_size(admin, election_id) == 0


async def test_duplicates_against_the_existing_roll(admin: Web) -> None:
    election_id = await create_draft(admin)
    assert (
        await admin.post(f"/api/elections/{election_id}/roll", content=ROLL.encode())
    ).status_code == 200
    more = (
        HEADER
        + "M100,New Person,new@example.org,en,West,\nM001,Clash,clash@example.org,en,West,\nM101,Mail Clash,BEN@example.org,en,West,\n"
    )
    r = await admin.post(f"/api/elections/{election_id}/roll", content=more.encode())
    assert r.status_code == 422
    assert {(p["line"], p["column"]) for p in r.json()["problems"]} == {
        (3, "member_id"),
        (4, "email"),
    }
    assert await roll_size(admin, election_id) == 6


async def test_roll_edits_allowed_until_open_then_frozen(
    admin: Web, open_election: OpenElection
) -> None:
    more = HEADER + "M100,Late Joiner,late@example.org,en,West,\n"
    r = await admin.post(f"/api/elections/{open_election.id}/roll", content=more.encode())
    assert r.status_code == 409 and "open" in r.json()["error"]
    r = await admin.delete(f"/api/elections/{open_election.id}/roll/M001")
    assert r.status_code == 409
    assert await roll_size(admin, open_election.id) == 6


async def test_remove_a_voter_before_opening(admin: Web) -> None:
    election_id = await create_draft(admin)
    await admin.post(f"/api/elections/{election_id}/roll", content=ROLL.encode())
    assert (await admin.delete(f"/api/elections/{election_id}/roll/M006")).status_code == 200
    assert await roll_size(admin, election_id) == 5


async def test_roll_upload_through_the_web_form(admin: Web) -> None:
    election_id = await create_draft(admin)
    token = await admin.csrf()
    page = f"/committee/elections/{election_id}"
    bad = HEADER + "M1,No Email,,en,North,\n"
    r = await admin.client.post(
        page + "/roll",
        data={"_csrf_token": token},
        files={"roll": ("roll.csv", bad.encode(), "text/csv")},
    )
    assert r.status_code == 422 and "not imported" in r.text and "<td>2</td>" in r.text
    r = await admin.client.post(
        page + "/roll",
        data={"_csrf_token": token},
        files={"roll": ("roll.csv", ROLL.encode(), "text/csv")},
    )
    assert r.status_code == 200 and "Imported 6 members" in r.text
    assert await roll_size(admin, election_id) == 6


async def test_committee_pages_render(admin: Web, open_election: OpenElection) -> None:
    r = await admin.get("/committee")
    assert r.status_code == 200 and "Recognition vote" in r.text
    r = await admin.get(f"/committee/elections/{open_election.id}")
    assert r.status_code == 200 and "Turnout" in r.text and "Open for voting" in r.text
    assert "default-src 'self'" in r.headers["content-security-policy"]
    assert (await admin.get("/committee/audit")).status_code == 200
    assert (await admin.get("/committee/elections/new")).status_code == 200


async def test_correct_one_member_before_opening(admin: Web) -> None:
    election_id = await create_draft(admin)
    await admin.post(f"/api/elections/{election_id}/roll", content=ROLL.encode())
    url = f"/api/elections/{election_id}/roll/M002"
    r = await admin.put(url, json={"language": "Spanish", "unit": "West"})
    assert r.status_code == 200 and r.json()["language"] == "es" and r.json()["unit"] == "West"
    r = await admin.put(url, json={"email": "ana@example.org"})  # Ana's address
    assert r.status_code == 422 and "already on the roll" in r.text
    r = await admin.put(url, json={"email": "not an email"})
    assert r.status_code == 422
    r = await admin.put(url, json={"member_id": "M999"})
    assert r.status_code == 422
    roll = {
        v["member_id"]: v for v in (await admin.get(f"/api/elections/{election_id}/roll")).json()
    }
    assert roll["M002"]["email"] == "ben@example.org" and roll["M002"]["language"] == "es"
