"""The mix-net over the JSON API, on both engines: trustees shuffle, then decrypt the
shuffled ballots; every refusal is a 4xx that posts nothing (PROTOCOL 18)."""

from __future__ import annotations

import asyncio
import copy
from typing import Any

from litestar import Litestar

from tests.mix.conftest import MixingElection, mixing_election
from tests.mix.seed import NORTH, PRESIDENT
from tests.support.asgi import Web, create_draft


async def board_kinds(admin: Web, election_id: str) -> list[str]:
    r = await admin.get(f"/api/elections/{election_id}/board")
    return [e["kind"] for e in r.json()["entries"]]


async def state_of(admin: Web, election_id: str) -> str:
    r = await admin.get(f"/api/elections/{election_id}")
    return str(r.json()["state"])


async def test_two_trustees_shuffle_then_two_decrypt_and_the_ranked_result_is_posted(
    mixing: MixingElection, admin: Web
) -> None:
    t1, t2, t3 = (t.web for t in mixing.trustees)
    status = await mixing.status()
    assert status["awaiting"] == "shuffles" and status["position"] == 1
    assert [(r["id"], r["ballots"], r["ranks"]) for r in status["races"]] == [
        ("president", 5, 3),
        ("north", 3, 2),
    ]
    r = await t2.post(mixing.mix_path("/shuffles"), json={"races": mixing.shuffle_of(status)})
    assert r.status_code == 200, r.text
    assert r.json()["position"] == 1 and not r.json()["completed"]
    status = await mixing.status()
    assert status["shufflers"] == [2] and status["position"] == 2
    r = await t3.post(mixing.mix_path("/shuffles"), json={"races": mixing.shuffle_of(status)})
    assert r.status_code == 200 and r.json()["completed"], r.text
    assert await state_of(admin, mixing.id) == "decrypting_mixed"
    entries = (await admin.get(f"/api/elections/{mixing.id}/board")).json()["entries"]
    completed = [e for e in entries if e["kind"] == "mix.completed"]
    assert [e["payload"] for e in completed] == [{"shufflers": [2, 3]}]
    status = await mixing.status()
    assert status["awaiting"] == "partials" and status["position"] is None
    r = await t1.post(mixing.mix_path("/partials"), json={"races": mixing.partials_of(status, 1)})
    assert r.status_code == 200 and not r.json()["combined"], r.text
    r = await t3.post(mixing.mix_path("/partials"), json={"races": mixing.partials_of(status, 3)})
    assert r.status_code == 200 and r.json()["combined"], r.text
    races = r.json()["result"]["races"]
    assert sorted(map(repr, races["president"]["ballots"])) == sorted(map(repr, PRESIDENT))
    assert sorted(map(repr, races["north"]["ballots"])) == sorted(map(repr, NORTH))
    president = races["president"]["count"]
    assert president["tie_seed"] == mixing.seeded.election.fingerprint_hex
    assert president["elected"] == ["ana"] and president["blank"] == 1
    assert races["north"]["count"]["seats"] == 2
    assert await state_of(admin, mixing.id) == "tallied"
    kinds = await board_kinds(admin, mixing.id)
    assert kinds[-6:] == [
        "mix.shuffled",
        "mix.shuffled",
        "mix.completed",
        "mix.partial",
        "mix.partial",
        "mix.result",
    ]
    r = await admin.post(f"/api/elections/{mixing.id}/certify", json={"reason": "no objections"})
    assert r.status_code == 200 and r.json()["state"] == "certified", r.text


async def test_refused_shuffles_post_nothing(mixing: MixingElection, admin: Web) -> None:
    t1, t2, _t3 = (t.web for t in mixing.trustees)
    path = mixing.mix_path("/shuffles")
    status = await mixing.status()
    before = await board_kinds(admin, mixing.id)

    bad = mixing.shuffle_of(status)
    tampered = copy.deepcopy(bad)
    out = tampered["president"]["output"]
    out[0], out[1] = out[1], out[0]  # the proof no longer fits the output
    r = await t1.post(path, json={"races": tampered})
    assert r.status_code == 400 and "proof" in r.json()["error"], r.text

    wrong_place = mixing.shuffle_of(status, position=2)
    r = await t1.post(path, json={"races": wrong_place})
    assert r.status_code == 409 and "position" in r.json()["error"], r.text

    r = await t1.post(path, json={"races": {"president": bad["president"]}})
    assert r.status_code == 400 and "ranked races" in r.json()["error"], r.text
    r = await t1.post(path, json={"races": bad, "trustee": 3})
    assert r.status_code == 400, r.text

    r = await t1.post(mixing.mix_path("/partials"), json={"races": mixing.partials_of(status, 1)})
    assert r.status_code == 409 and "mixing" in r.json()["error"], r.text

    r = await admin.post(path, json={"races": bad})
    assert r.status_code == 403, r.text
    # A shuffle of thousands of ranked ballots is larger than other requests may be: it is
    # read (and judged) like any other, not refused for its size.
    padded = copy.deepcopy(tampered)
    padded["president"]["output"].append(
        [{"alpha": "0" * 64, "beta": "0" * 64}] * 80_000
    )  # about 12 MB
    r = await t1.post(path, json={"races": padded})
    assert r.status_code == 400, (r.status_code, r.text[:300])
    assert await board_kinds(admin, mixing.id) == before

    r = await t1.post(path, json={"races": bad})
    assert r.status_code == 200, r.text
    r = await t1.post(path, json={"races": mixing.shuffle_of(await mixing.status())})
    assert r.status_code == 409 and "already shuffled" in r.json()["error"], r.text
    r = await t2.post(path, json={"races": bad})  # trustee 1's, replayed
    assert r.status_code == 409, r.text
    assert (await board_kinds(admin, mixing.id)).count("mix.shuffled") == 1


async def test_refused_partials_post_nothing(mixing: MixingElection, admin: Web) -> None:
    t1, t2, _t3 = (t.web for t in mixing.trustees)
    for t in (t1, t2):
        r = await t.post(
            mixing.mix_path("/shuffles"), json={"races": mixing.shuffle_of(await mixing.status())}
        )
        assert r.status_code == 200, r.text
    status = await mixing.status()
    path = mixing.mix_path("/partials")
    before = await board_kinds(admin, mixing.id)
    reordered = mixing.partials_of(status, 1)
    reordered["president"].reverse()
    r = await t1.post(path, json={"races": reordered})
    assert r.status_code == 400 and "list order" in r.json()["error"], r.text
    theirs = mixing.partials_of(status, 2)  # trustee 2's partials, sent by trustee 1
    r = await t1.post(path, json={"races": theirs})
    assert r.status_code == 400, r.text
    forged = mixing.partials_of(status, 1)
    forged["north"][0]["share"] = forged["north"][1]["share"]
    r = await t1.post(path, json={"races": forged})
    assert r.status_code == 400 and "trustee 1" in r.json()["error"], r.text
    r = await t1.post(mixing.mix_path("/shuffles"), json={"races": mixing.shuffle_of(status, 3)})
    assert r.status_code == 409, r.text
    assert await board_kinds(admin, mixing.id) == before
    r = await t1.post(path, json={"races": mixing.partials_of(status, 1)})
    assert r.status_code == 200, r.text
    r = await t1.post(path, json={"races": mixing.partials_of(status, 1)})
    assert r.status_code == 409 and "already decrypted" in r.json()["error"], r.text


async def test_two_trustees_shuffling_at_once_get_one_answer_each(
    mixing: MixingElection, admin: Web
) -> None:
    status = await mixing.status()
    path = mixing.mix_path("/shuffles")
    first, second = mixing.shuffle_of(status), mixing.shuffle_of(status)
    answers = await asyncio.gather(
        mixing.trustees[0].web.post(path, json={"races": first}),
        mixing.trustees[1].web.post(path, json={"races": second}),
    )
    assert sorted(a.status_code for a in answers) == [200, 409], [a.text for a in answers]
    assert (await board_kinds(admin, mixing.id)).count("mix.shuffled") == 1


async def test_lists_can_be_left_out_and_observers_read_the_status(
    mixing: MixingElection, admin: Web
) -> None:
    r = await admin.get(mixing.mix_path("?lists=false"))
    assert r.status_code == 200, r.text
    assert all("list" not in race for race in r.json()["races"])
    assert r.json()["trustees"] == {"k": 2, "n": 3}


async def test_no_mix_without_ranked_races_or_before_the_final_result(
    app: Litestar, admin: Web
) -> None:
    plain = await create_draft(admin)
    r = await admin.get(f"/api/elections/{plain}/mix")
    assert r.status_code == 409, r.text
    early = await mixing_election(app, admin, state="closed")
    try:
        r = await admin.get(early.mix_path())
        assert r.status_code == 409 and "after the final result" in r.json()["error"], r.text
        status: dict[str, Any] = {"races": [], "position": 1}
        r = await early.trustees[0].web.post(early.mix_path("/shuffles"), json={"races": status})
        assert r.status_code == 409, r.text
    finally:
        for t in early.trustees:
            await t.web.client.aclose()
