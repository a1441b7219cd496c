"""Every lifecycle transition over HTTP, legal and illegal, with board and audit entries."""

from __future__ import annotations

import pytest

from ballot.record.activity_log import ActivityEntry, verify_activity_log
from ballot.record.board import BoardEntry, verify_chain
from ballot.record.signing import SignedHead, verify_head_against_board, verify_head_sequence

from .helpers import ROLL, OpenElection, Web, create_draft, make_ready, record_local_transcript

ALL = ["draft", "key_ceremony", "ready", "open", "closed", "tallied", "certified"]
LEGAL = {
    "draft": {"key_ceremony"},
    "key_ceremony": {"ready", "draft"},
    "ready": {"open", "draft"},
    "open": {"closed"},
    "closed": {"tallied"},
    "tallied": {"certified"},
    "certified": set(),
}


async def state(admin: Web, election_id: str) -> str:
    return (await admin.get(f"/api/elections/{election_id}")).json()["state"]


async def test_full_lifecycle_and_every_illegal_step_is_refused(admin: Web) -> None:
    election_id = await create_draft(admin)
    r = await admin.post(f"/api/elections/{election_id}/roll", content=ROLL.encode())
    assert r.status_code == 200
    path = ["key_ceremony", "ready", "open", "closed"]
    for target in path:
        current = await state(admin, election_id)
        for illegal in sorted(set(ALL) - LEGAL[current] - {target}):
            r = await admin.post(f"/api/elections/{election_id}/state", json={"target": illegal})
            assert r.status_code == 409, (current, illegal, r.text)
            assert f"state: {current}" in r.json()["error"] and illegal in r.json()["error"]
            assert await state(admin, election_id) == current
        if target == "ready":
            r = await admin.post(f"/api/elections/{election_id}/state", json={"target": "ready"})
            assert r.status_code == 409 and "ceremony" in r.json()["error"]
            r = await record_local_transcript(admin, election_id)
            assert r.status_code == 200
        r = await admin.post(f"/api/elections/{election_id}/state", json={"target": target})
        assert r.status_code == 200, (target, r.text)
        assert await state(admin, election_id) == target

    # Tallied and certified follow from the tally and certification, never from asking.
    for target in ("tallied", "certified"):
        r = await admin.post(f"/api/elections/{election_id}/state", json={"target": target})
        assert r.status_code == 409 and "state: closed" in r.json()["error"], r.text
    assert await state(admin, election_id) == "closed"

    published = (await admin.get(f"/api/elections/{election_id}/board")).json()
    board = [BoardEntry.from_json(e) for e in published["entries"]]
    assert [e.kind for e in board] == [
        "election.defined",
        "ceremony.completed",
        "note.state",
        "roll.frozen",
        "election.opened",
        "election.closed",
    ]
    assert board[2].payload == {"from": "key_ceremony", "to": "ready"}
    assert board[5].payload == {"cast": 0, "challenged": 0}
    assert board[0].payload["definition"]["rule"]["kind"] == "majority"
    verify_chain(board)
    heads = [SignedHead.from_json(h) for h in published["heads"]]
    verify_head_sequence(heads, published["board_key"])
    verify_head_against_board(heads[-1], board, published["board_key"])
    assert heads[-1].seq == board[-1].seq
    audit = [ActivityEntry.from_json(a) for a in (await admin.get("/api/audit")).json()]
    verify_activity_log(audit)
    assert [a.details["to"] for a in audit if a.action == "transition"] == path


async def test_ceremony_can_go_back_to_draft_and_the_manifest_is_dropped(admin: Web) -> None:
    election_id = await create_draft(admin)
    assert (
        await admin.post(f"/api/elections/{election_id}/state", json={"target": "key_ceremony"})
    ).status_code == 200
    digest = (await admin.get(f"/api/elections/{election_id}")).json()["manifest_hash"]
    assert digest
    r = await admin.post(f"/api/elections/{election_id}/state", json={"target": "draft"})
    assert r.status_code == 200
    assert (await admin.get(f"/api/elections/{election_id}")).json()["manifest_hash"] is None
    entries = (await admin.get(f"/api/elections/{election_id}/board")).json()["entries"]
    assert [e["kind"] for e in entries] == ["election.defined", "election.withdrawn"]
    assert entries[1]["payload"]["manifest_hash"] == digest and entries[1]["payload"]["reason"]


async def test_a_transcript_that_does_not_verify_is_refused_with_the_reason(admin: Web) -> None:
    from ballot.crypto.ceremony import local_ceremony

    election_id = await create_draft(admin)
    await admin.post(f"/api/elections/{election_id}/state", json={"target": "key_ceremony"})
    r = await admin.post(
        f"/api/elections/{election_id}/ceremony/transcript",
        json={"joint_public_key": "58" + "66" * 31},
    )
    assert r.status_code == 400 and "does not verify" in r.json()["error"]
    transcript, _ = local_ceremony(1, 1, bytes(32))  # bound to another manifest
    r = await admin.post(f"/api/elections/{election_id}/ceremony/transcript", json=transcript)
    assert r.status_code == 400 and "another election" in r.json()["error"], r.text
    entries = (await admin.get(f"/api/elections/{election_id}/board")).json()["entries"]
    assert [e["kind"] for e in entries] == ["election.defined"]


async def test_definition_is_frozen_after_the_ceremony_starts(admin: Web) -> None:
    from .helpers import definition

    election_id = await create_draft(admin)
    await admin.post(f"/api/elections/{election_id}/state", json={"target": "key_ceremony"})
    r = await admin.put(f"/api/elections/{election_id}", json=definition())
    assert r.status_code == 409 and "key_ceremony" in r.json()["error"]


async def test_unknown_state_is_a_bad_request(admin: Web) -> None:
    election_id = await create_draft(admin)
    r = await admin.post(f"/api/elections/{election_id}/state", json={"target": "finished"})
    assert r.status_code == 400


async def test_cannot_open_while_a_roll_language_lacks_texts(admin: Web) -> None:
    election_id = await create_draft(admin)
    roll = ROLL + "M007,Kim Min,kim@example.org,ko,East,\n"
    assert (
        await admin.post(f"/api/elections/{election_id}/roll", content=roll.encode())
    ).status_code == 200
    r = await admin.post(f"/api/elections/{election_id}/state", json={"target": "key_ceremony"})
    assert r.status_code == 409
    message = r.json()["error"]
    assert "ko" in message and "title" in message and "question 1 option 2" in message
    # Supplying Korean texts fixes it.
    texts = (await admin.get(f"/api/elections/{election_id}")).json()["texts"]["en"]
    r = await admin.put(
        f"/api/elections/{election_id}/translations/ko",
        json={k: f"[ko] {v}" for k, v in texts.items()},
    )
    assert r.status_code == 200 and r.json()["missing_translations"] == {}
    r = await admin.post(f"/api/elections/{election_id}/state", json={"target": "key_ceremony"})
    assert r.status_code == 200


async def test_open_refused_when_roll_added_a_language_after_ceremony(admin: Web) -> None:
    election_id = await create_draft(admin)
    await make_ready(admin, election_id)
    r = await admin.post(
        f"/api/elections/{election_id}/roll",
        content=b"member_id,name,email,language,unit,challenged\nM9,Vu,vu@example.org,vi,East,\n",
    )
    assert r.status_code == 200
    r = await admin.post(f"/api/elections/{election_id}/state", json={"target": "open"})
    assert r.status_code == 409 and "vi" in r.json()["error"]
    assert await state(admin, election_id) == "ready"


@pytest.mark.parametrize(
    "change, problem",
    [
        ({"kind": "referendum"}, "kind"),
        ({"trustees": {"n": 2, "k": 3}}, "trustees"),
        ({"rule": "supermajority"}, "supermajority"),
        ({"closes_at": "2026-05-01T09:00:00Z"}, "closes_at"),
        ({"questions": [{"text": "Q", "min": 0, "max": 1, "options": ["A", "B"]}]}, "blank"),
        ({"questions": [{"text": "Q", "min": 1, "max": 3, "options": ["A", "B"]}]}, "max"),
        ({"title": {"es": "Sólo español"}}, "English"),
    ],
)
async def test_bad_definitions_are_refused_with_a_reason(
    admin: Web, change: dict, problem: str
) -> None:
    from .helpers import definition

    r = await admin.post("/api/elections", json=definition(**change))
    assert r.status_code == 400
    assert problem in r.json()["error"]
    assert (await admin.get("/api/elections")).json() == []


async def test_blank_allowed_when_the_election_allows_it(admin: Web) -> None:
    from .helpers import definition

    d = definition(
        allow_blank=True, questions=[{"text": "Q", "min": 0, "max": 1, "options": ["A", "B"]}]
    )
    assert (await admin.post("/api/elections", json=d)).status_code == 201


async def test_schedule_opens_and_closes_on_time(
    app, admin: Web, clock, open_election: OpenElection
) -> None:
    from ballot.service.schedule import run_schedule_once

    st = app.state
    # The fixture opened one by hand; a second election opens on schedule.
    election_id = await create_draft(admin)
    await make_ready(admin, election_id)
    assert (
        await run_schedule_once(st.session_factory, st.settings, st.secrets.board_key, clock())
        == []
    )
    clock.now = clock.now.replace(day=2, hour=9, minute=0, second=1)
    done = await run_schedule_once(st.session_factory, st.settings, st.secrets.board_key, clock())
    assert (election_id, "open") in done
    await admin.login("admin@example.org")  # a day later: the old session has expired
    assert await state(admin, election_id) == "open"
    clock.now = clock.now.replace(day=9, hour=17, minute=0, second=0)
    done = await run_schedule_once(st.session_factory, st.settings, st.secrets.board_key, clock())
    assert set(done) == {(election_id, "closed"), (open_election.id, "closed")}
    await admin.login("admin@example.org")
    assert await state(admin, election_id) == "closed"
    audit = (await admin.get("/api/audit")).json()
    assert any(a["actor"] == "scheduler" and a["details"].get("to") == "closed" for a in audit)


async def test_background_schedule_loop_opens_then_stops(app, admin: Web, clock) -> None:
    import asyncio

    from ballot.service.schedule import schedule_loop

    st = app.state
    election_id = await create_draft(admin)
    await make_ready(admin, election_id)
    clock.now = clock.now.replace(day=3)
    stop = asyncio.Event()
    loop = asyncio.create_task(
        schedule_loop(
            st.session_factory,
            st.settings.with_(schedule_interval=0.05),
            st.secrets.board_key,
            clock,
            stop,
        )
    )
    for _ in range(100):
        async with st.session_factory() as db:
            from ballot.store.models import Election

            if (await db.get(Election, election_id)).state == "open":
                break
        await asyncio.sleep(0.05)
    stop.set()
    await asyncio.wait_for(loop, timeout=5)
    await admin.login("admin@example.org")
    assert await state(admin, election_id) == "open"
