"""The trustees and key ceremony page is safe by default (issue 13).

A definition that names no trustees gets 2 of 3 (never 1 of 1); 1 needed is warned
about; the ceremony held here needs a ticked box; once it is done its forms give way
to a summary (trustees, k of n, fingerprint, times in the election's own time zone).
The browser side (key files saved before continuing) is tests/web/test_ceremony_browser.py.
"""

from __future__ import annotations

import re
from typing import Any

from .helpers import ROLL, Web, definition
from .test_confirmations import text_of

PHRASES = {f"passphrase_{i}": f"trustee phrase number {i}" for i in (1, 2, 3)}


async def draft_without_trustees(admin: Web, **overrides: Any) -> str:
    body = definition(**overrides)
    del body["trustees"]
    r = await admin.post("/api/elections", json=body)
    assert r.status_code == 201, r.text
    election_id = str(r.json()["id"])
    r = await admin.post(f"/api/elections/{election_id}/roll", content=ROLL.encode())
    assert r.status_code == 200, r.text
    return election_id


async def test_no_trustees_named_means_two_of_three(admin: Web) -> None:
    election_id = await draft_without_trustees(admin)
    assert (await admin.get(f"/api/elections/{election_id}")).json()["trustees"] == {
        "n": 3,
        "k": 2,
    }
    page = (await admin.get(f"/committee/elections/{election_id}/ceremony")).text
    assert re.search(r'<input id="trustees_n"[^>]*value="3"', page)
    assert re.search(r'<input id="trustees_k"[^>]*value="2"', page)
    assert 'id="passphrase_3"' in page and "alone could decrypt" not in page
    r = await admin.post(
        f"/committee/elections/{election_id}/ceremony/trustees",
        data={"trustees_n": "1", "trustees_k": "1"},
    )
    assert r.status_code == 200
    assert "that one trustee alone could decrypt the tally" in r.text


async def test_the_forms_give_way_to_a_summary_once_the_ceremony_is_done(admin: Web) -> None:
    election_id = await draft_without_trustees(admin, time_zone="Asia/Seoul")
    url = f"/committee/elections/{election_id}/ceremony"
    r = await admin.post(url + "/local", data={**PHRASES, "understood": "yes"})
    assert r.status_code == 200, r.text
    assert len(re.findall(r'<input type="checkbox" id="saved-\d" required', r.text)) == 3
    assert "Continue to the election" in r.text
    page = (await admin.get(url)).text
    words = text_of(page)
    assert "The key ceremony is done" in words
    assert "2 of 3 trustees are needed to decrypt the tally" in words
    assert 'id="fingerprint"' in page
    moment = r"\w{3}, \w{3} \d+, 20\d\d, \d+:\d\d [AP]M \(Korean Standard Time\)"
    assert re.search("Started " + moment, words), words
    assert re.search("Finished " + moment, words), words
    for gone in ("Run the key ceremony", "Save trustee numbers", "Name trustee", "passphrase_1"):
        assert gone not in page, gone
    assert "base64," not in page  # the key files were shown once only
