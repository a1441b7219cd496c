"""The pages an election is shown on keep working while its ranked ballots are mixed,
and name the new states in the reader's language."""

from __future__ import annotations

import pytest
from litestar import Litestar

from tests.mix.conftest import mixing_election
from tests.support.asgi import Web

#: The state in the committee's list of elections (committee_words.STATES)...
WORDS = {
    ("mixing", "en"): "Shuffling the ranked ballots",
    ("mixing", "ko"): "순위 투표지 섞는 중",
    ("decrypting_mixed", "en"): "Decrypting the mixed ballots",
    ("decrypting_mixed", "ko"): "섞인 투표지 복호화 중",
}
#: ... and as a member would say it, on the election's page and the public board.
SAID = {
    ("mixing", "en"): "Voting closed; trustees are shuffling the ranked ballots",
    ("mixing", "ko"): "투표 종료; 키 관리인들이 순위 투표지를 섞는 중",
    ("decrypting_mixed", "en"): "Voting closed; trustees are decrypting the mixed ballots",
    ("decrypting_mixed", "ko"): "투표 종료; 키 관리인들이 섞인 투표지를 복호화하는 중",
}


@pytest.mark.parametrize("state", ["mixing", "decrypting_mixed"])
async def test_pages_show_an_election_whose_ranked_ballots_are_mixed(
    app: Litestar, admin: Web, state: str
) -> None:
    election = await mixing_election(app, admin, state=state)
    try:
        for language in ("en", "ko"):
            page = await admin.get(f"/committee/elections/{election.id}?ui={language}")
            assert page.status_code == 200, page.text
            assert SAID[state, language] in page.text
            if language == "en":  # no step to take: the trustees act (not "certified")
                assert "the trustees shuffle the ranked ballots, then decrypt" in page.text
            dashboard = await admin.get(f"/committee?ui={language}")
            assert dashboard.status_code == 200 and WORDS[state, language] in dashboard.text
            for path in ("/board/{id}", "/board/{id}/result", "/board/{id}/verify"):
                r = await admin.get(path.format(id=election.id) + f"?lang={language}")
                assert r.status_code == 200, (path, r.text)
        audit = await admin.get("/committee/audit")
        assert audit.status_code == 200, audit.text
    finally:
        for t in election.trustees:
            await t.web.client.aclose()
