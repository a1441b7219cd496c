"""A printed letter's code, on both engines: the letter prints the short address and the code
in groups of five (the QR code keeps the whole link); typed on /v in lower case, with
spaces, O for 0 and I or L for 1, it opens the ballot and votes; a wrong code, or the code
of a letter printed again, is refused with the same words for anyone; every try counts
against the token rate limit; the code is stored only as its hash."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator

import httpx
import pytest
from litestar import Litestar
from sqlalchemy import select

from ballot.config import Settings
from ballot.store.models import VoterToken
from ballot.store.tokens import LETTER_ALPHABET, hash_token, letter_token_of, new_letter_token
from ballot.web.ratelimit import RateLimits
from tests.support.asgi import BASE, Web, member_links
from tests.support.elections import CastElection

from .helpers import open_election, pdf_pages, qr_codes

C = "/committee/elections"
SHAPE = re.compile(r"^[0-9A-HJKMNP-TV-Z]{5}(-[0-9A-HJKMNP-TV-Z]{5}){3}$")


@pytest.fixture
async def election(app: Litestar, admin: Web, captured_tokens: dict[int, str]) -> CastElection:
    return await open_election(app, admin, captured_tokens)


def test_a_letter_code_has_100_bits_in_unambiguous_groups() -> None:
    codes = {new_letter_token() for _ in range(200)}
    assert len(codes) == 200 and all(SHAPE.match(c) for c in codes)
    assert len(LETTER_ALPHABET) == 32 and not set("ILOU") & set(LETTER_ALPHABET)
    code = "7K3MQ-9XZ4R-0B1HT-VW5NP"
    for typed in (
        code,
        code.lower(),
        "7k3mq 9xz4r 0b1ht vw5np",
        "7K3MQ9XZ4RoB1HTVW5NP",  # o for 0
        "7K3MQ-9XZ4R-0BIHT-VW5NP",  # I for 1
        "7K3MQ-9XZ4R-0BlHT-VW5NP",  # l for 1
        " 7K3MQ - 9XZ4R - 0B1HT - VW5NP ",
        f"{BASE}/v/{code.lower()}",
    ):
        assert letter_token_of(typed) == code, typed
    for wrong in ("", "7K3MQ-9XZ4R-0B1HT-VW5N", "7K3MQ-9XZ4R-0B1HT-VW5NPX", "UUUUU" * 4, "x" * 500):
        assert letter_token_of(wrong) is None, wrong


async def print_letter(admin: Web, election_id: str, member: str) -> httpx.Response:
    r = await admin.post(
        f"{C}/{election_id}/letters",
        data={"confirm": "yes", "selection": "member", "member": member},
    )
    assert r.status_code == 200, r.text
    return r


def loosely(code: str) -> str:
    """The code as a member might type it: small letters, spaces, O for 0, I for 1."""
    return code.lower().replace("-", " ").replace("0", "O").replace("1", "i")


async def test_the_letter_prints_the_code_and_typing_it_opens_the_ballot(
    app: Litestar, admin: Web, web: Web, election: CastElection, captured_tokens: dict[int, str]
) -> None:
    r = await print_letter(admin, election.id, "K002")
    code = (await member_links(app, election.id, captured_tokens))["K002"]
    assert SHAPE.match(code)
    (text,) = pdf_pages(r.content)
    assert f"{BASE}/v".replace(" ", "") in text and code in text.replace("--", "-")
    assert f"{BASE}/v/{code}" not in text  # the long link is only in the QR code
    assert qr_codes(r.content) == [[f"{BASE}/v/{code}"]]
    async with app.state.session_factory() as db:
        hashes = set(await db.scalars(select(VoterToken.token_hash)))
    assert hash_token(code) in hashes and code not in hashes

    page = await web.get("/v?lang=ko")
    assert page.status_code == 200 and 'name="code"' in page.text
    assert "편지" in page.text  # the page is in Korean
    r = await web.client.post("/v", data={"code": loosely(code), "lang": "es"})
    assert r.status_code == 303 and r.headers["location"] == f"/v/{code}?lang=es"
    ballot = await web.get(r.headers["location"])
    assert ballot.status_code == 200 and "Votación de reconocimiento" in ballot.text
    assert 'id="election-data"' in ballot.text
    # Typed straight into the address bar, loosely, it goes on to the ballot as well.
    r = await web.get(f"/v/{loosely(code).replace(' ', '-')}?lang=es")
    assert r.status_code == 303 and r.headers["location"] == f"/v/{code}?lang=es"
    cast = await web.client.post(
        "/api/cast", json={"token": code, "ballot": election.ballot_json(0)}
    )
    assert cast.status_code == 201, cast.text


async def test_a_wrong_or_replaced_code_is_refused_saying_nothing(
    app: Litestar, admin: Web, web: Web, election: CastElection, captured_tokens: dict[int, str]
) -> None:
    await print_letter(admin, election.id, "K001")
    first = (await member_links(app, election.id, captured_tokens))["K001"]
    await print_letter(admin, election.id, "K001")  # a new letter: the first code dies
    newest = (await member_links(app, election.id, captured_tokens))["K001"]
    assert newest != first

    refusals = []
    for typed in (new_letter_token(), new_letter_token()):
        r = await web.client.post("/v", data={"code": typed})
        assert r.status_code == 404
        refusals.append(r.text.replace(typed, ""))
    assert refusals[0] == refusals[1]
    assert "does not open a ballot" in refusals[0] and "aria-invalid" in refusals[0]
    for member in ("K001", "K002", "김민준", "Ana"):
        assert member not in refusals[0]
    short = await web.client.post("/v", data={"code": "7K3MQ-9XZ4R"})
    assert short.status_code == 400 and "20 letters and digits" in short.text
    assert (await web.client.post("/v", data={})).status_code == 400

    # The first letter's code leads to its link's state (replaced), never to a ballot.
    r = await web.client.post("/v", data={"code": first})
    assert r.status_code == 303
    old = await web.get(r.headers["location"])
    assert 'id="election-data"' not in old.text
    refused = await web.client.post(
        "/api/cast", json={"token": first, "ballot": election.ballot_json(0)}
    )
    assert refused.status_code == 410 and refused.json()["code"] == "link_replaced"


@pytest.fixture
async def limited(app: Litestar, settings: Settings) -> AsyncIterator[Litestar]:
    app.state.rate_limits = RateLimits.from_settings(settings.with_(token_rate=3, rate_window=60))
    yield app


async def test_typed_codes_count_against_the_token_limit(limited: Litestar) -> None:
    transport = httpx.ASGITransport(app=limited, client=("203.0.113.9", 40000))
    async with httpx.AsyncClient(transport=transport, base_url=BASE) as client:
        for _ in range(3):
            assert (await client.post("/v", data={"code": new_letter_token()})).status_code == 404
        r = await client.post("/v", data={"code": new_letter_token()})
        assert r.status_code == 429 and r.headers["retry-after"] == "60"
        assert (await client.get("/v/" + new_letter_token())).status_code == 429
