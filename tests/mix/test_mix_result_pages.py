"""The result pages follow a real mix-net through the service: who has shuffled, who has
decrypted, then each ranked race round by round (the pages read only the board)."""

from __future__ import annotations

import re

from tests.mix.conftest import MixingElection
from tests.support.asgi import Web


def words(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


async def test_the_pages_follow_the_mix_to_the_rounds(mixing: MixingElection, admin: Web) -> None:
    t1, t2, t3 = (t.web for t in mixing.trustees)
    public = f"/board/{mixing.id}/result"
    committee = f"/committee/elections/{mixing.id}"
    text = words((await admin.get(public)).text)
    assert "Mixing the ranked ballots: no trustee has shuffled yet; 2 are needed." in text
    status = await mixing.status()
    r = await t2.post(mixing.mix_path("/shuffles"), json={"races": mixing.shuffle_of(status)})
    assert r.status_code == 200, r.text
    for url in (public, committee):
        text = words((await admin.get(url)).text)
        assert "Mixing the ranked ballots: trustee 2 has shuffled. 1 more is needed." in text, url
    status = await mixing.status()
    r = await t3.post(mixing.mix_path("/shuffles"), json={"races": mixing.shuffle_of(status)})
    assert r.status_code == 200, r.text
    status = await mixing.status()
    r = await t1.post(mixing.mix_path("/partials"), json={"races": mixing.partials_of(status, 1)})
    assert r.status_code == 200, r.text
    for url in (public, committee):
        text = words((await admin.get(url)).text)
        assert "Decrypting the mixed ballots: 1 of 2 trustees have decrypted." in text, url
    r = await t3.post(mixing.mix_path("/partials"), json={"races": mixing.partials_of(status, 3)})
    assert r.status_code == 200 and r.json()["combined"], r.text
    for url in (public, committee):
        page = await admin.get(url)
        text = words(page.text)
        assert "Mixing" not in text and "Decrypting the mixed" not in text, url
        assert "Votes in each round" in text and "Elected: Ana." in text, url
        assert "Only members of the unit North vote in this race." in text, url
        assert "cannot be read" not in text, url
    spanish = words((await admin.get(public + "?lang=es")).text)
    assert "Elegido/a: Ana." in spanish and "Votos en cada ronda" in spanish
    sheet = await admin.get(f"{committee}/tally-sheet.pdf?lang=en")
    assert sheet.status_code == 200 and sheet.headers["content-type"] == "application/pdf"
