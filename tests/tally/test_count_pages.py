"""The committee page drives the count: take each round, decide challenges (with the
warning when one overruled ballot would be deducible), certify."""

from __future__ import annotations

import re

from tests.support.asgi import Web

from .conftest import NO, YES, CountedElection, cast

#: The ticked box every irreversible step's form needs (see tests/web/test_confirmations.py).
TICK = {"understood": "yes"}


async def test_committee_page_takes_rounds_decides_challenges_and_certifies(
    web: Web, admin: Web, counted: CountedElection
) -> None:
    page = f"/committee/elections/{counted.id}"
    await cast(web, counted, "C001", YES)
    await cast(web, counted, "C002", NO)
    await cast(web, counted, "X001", YES)  # challenged: 1 to 1 could become 2 to 1
    r = await admin.get(page)
    assert "Take the tally" not in r.text  # still voting
    r = await admin.post(page + "/state", data={"target": "closed", "members": "9", **TICK})
    assert r.status_code in (200, 303)

    r = await admin.get(page)
    assert "Take the tally for round 1" in r.text and "Move to tallied" not in r.text
    r = await admin.post(page + "/tally", data=TICK)
    assert r.status_code == 200 and "The tally for round 1 is taken" in r.text
    r = await admin.post(page + "/tally", data=TICK)
    assert r.status_code == 409 and "awaits" in r.text
    for trustee in counted.trustees[:2]:
        assert (await trustee.decrypt(counted)).status_code == 200

    r = await admin.get(page)
    assert "the challenged ballots could change the result" in r.text
    # Why, in words: recomputed as codes from the counts (a v1 result has English prose).
    assert "has 1 vote and 1 against: exactly 1/2 of the valid votes is a tie" in r.text
    assert "If the 1 undecided challenged ballot were for " in r.text
    assert "Record the decision" in r.text and "X001" in r.text
    assert "Take the tally for round 2" not in r.text  # a challenge is undecided
    challenge = (await admin.get(f"/api/elections/{counted.id}/challenges")).json()
    (cid,) = [c["id"] for c in challenge["challenges"]]
    r = await admin.post(page + f"/challenges/{cid}", data={"decision": "overruled", "reason": ""})
    assert r.status_code == 400
    decided = {"decision": "overruled", "reason": "on the roll"}
    # A decision is final: without the ticked box nothing is recorded, and what was typed stays.
    r = await admin.post(page + f"/challenges/{cid}", data=decided)
    assert r.status_code == 400 and "the decision is final" in r.text
    assert re.search(rf'<input type="checkbox" id="understood-{cid}"[^>]*aria-invalid', r.text)
    assert 'value="on the roll"' in r.text
    left = (await admin.get(f"/api/elections/{counted.id}/challenges")).json()["challenges"]
    assert left[0].get("decision") in (None, "")
    r = await admin.post(page + f"/challenges/{cid}", data={**decided, **TICK})
    assert r.status_code == 200, r.text
    assert "anyone can work out its vote" in r.text  # one overruled ballot alone
    assert "Overruled (counted)" in r.text and "Take the tally for round 2" in r.text

    r = await admin.post(page + "/tally", data=TICK)
    assert "The tally for round 2 is taken" in r.text
    for trustee in counted.trustees[1:]:
        assert (await trustee.decrypt(counted)).status_code == 200
    r = await admin.get(page)
    assert "Certify the result" in r.text and "Download the election record" in r.text
    r = await admin.post(page + "/certify", data={"reason": "no objections were filed", **TICK})
    assert r.status_code == 200 and "The result is certified" in r.text
    assert (await admin.get(f"/api/elections/{counted.id}")).json()["state"] == "certified"


async def test_withdrawing_a_definition_from_the_page_states_the_reason(admin: Web) -> None:
    from tests.support.asgi import create_draft

    election_id = await create_draft(admin)
    page = f"/committee/elections/{election_id}"
    sent = {"target": "key_ceremony", **TICK}
    assert (await admin.post(page + "/state", data=sent)).status_code == 303
    r = await admin.get(page + "/confirm/back-to-draft")
    assert "Why the definition is withdrawn" in r.text
    sent = {"target": "draft", "reason": "option order", **TICK}
    r = await admin.post(page + "/state", data=sent)
    assert r.status_code == 303
    entries = (await admin.get(f"/api/elections/{election_id}/board")).json()["entries"]
    assert entries[-1]["kind"] == "election.withdrawn"
    assert entries[-1]["payload"]["reason"] == "option order"
