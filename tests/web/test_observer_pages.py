"""Observer pages: the result read from the board, how to verify, and the audit log's chain.

A finished election is simulated by appending its public board entries directly (the
same kinds and payload shapes the service writes; results made by the verifier's own
``expected_result``), so these tests pin what observers are shown for a given board.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import AsyncIterator, Sequence
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from litestar import Litestar
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from ballot.crypto.manifest import ElectionManifest
from ballot.crypto.tally import OptionCounts
from ballot.record.chain import parse_at
from ballot.record.election_record import read_record
from ballot.record.synthetic import (
    Challenge,
    generate_record,
    officer_definition,
    recognition_definition,
)
from ballot.record.verify import expected_result, verify_record
from ballot.store.board import append_board, board_entries, sign_board_head
from ballot.store.models import ActivityEntryRow
from ballot.store.record_export import RecordUnavailable, export_record
from ballot.web import observer_pages
from ballot.web.observer import verify_page
from ballot.web.security import CSP
from tests.support.browser import ARGS, AXE, CHROMIUM, require_browser

from .conftest import client_for
from .helpers import BASE, ROLL, T0, Web, create_draft, make_account

FINGERPRINT = "ab" * 32


@pytest.fixture(autouse=True)
def no_record_export(monkeypatch: pytest.MonkeyPatch) -> None:
    """These boards are simulated (no encrypted tally): no record file is built from them."""

    async def unavailable(*a: Any) -> None:
        raise RecordUnavailable("the board has no final result yet")

    monkeypatch.setattr(verify_page, "_write_record", unavailable)
    verify_page._DIGESTS.clear()


@pytest.fixture
async def observer(app: Litestar) -> AsyncIterator[Web]:
    await make_account(app, "observer@example.org", "observer")
    async with client_for(app) as client:
        w = Web(client)
        assert (await w.login("observer@example.org")).status_code == 200
        yield w


def bilingual(election_id: str) -> dict[str, Any]:
    d = recognition_definition(election_id)
    d["languages"] = ["en", "es"]
    d["title"] = {"en": "Union recognition vote", "es": "Votación de reconocimiento"}
    q = d["questions"][0]
    q["text"] = {
        "en": "Do you want Local 1 to represent you?",
        "es": "¿Quiere que el Local 1 le represente?",
    }
    # Option texts under "text", as the service's own definitions have them.
    q["options"] = [
        {"id": "yes", "text": {"en": "Yes", "es": "Sí"}},
        {"id": "no", "text": {"en": "No", "es": "No"}},
    ]
    return d


def result_of(
    definition: dict[str, Any],
    counts: Sequence[tuple[Sequence[int], int]],
    *,
    eligible: int,
    cast: int,
    challenged: int,
    sustained: int = 0,
    overruled: int = 0,
) -> dict[str, Any]:
    manifest = ElectionManifest.from_definition(definition)
    return expected_result(
        definition,
        manifest,
        [OptionCounts(tuple(options), blank) for options, blank in counts],
        eligible=eligible,
        cast=cast,
        challenged=challenged,
        sustained=sustained,
        overruled=overruled,
    )


class Board:
    """Appends public entries to one election's board, a minute apart."""

    def __init__(self, app: Litestar, election_id: str) -> None:
        self.app, self.election_id, self.at = app, election_id, T0
        self.hashes: dict[str, str] = {}

    async def add(self, kind: str, payload: dict[str, Any]) -> str:
        self.at += timedelta(minutes=1)
        async with self.app.state.session_factory() as db:
            row = await append_board(db, self.election_id, kind, payload, self.at)
            await sign_board_head(db, self.election_id, self.app.state.secrets.board_key, self.at)
            await db.commit()
            return row.hash

    async def start(self, definition: dict[str, Any], eligible: int) -> None:
        await self.add("election.defined", {"definition": definition, "manifest_hash": "cd" * 32})
        await self.add("ceremony.completed", {"transcript": {}, "fingerprint": FINGERPRINT})
        await self.add("roll.frozen", {"eligible": eligible})
        await self.add("election.opened", {})

    async def close(self, cast: int, challenged: int) -> None:
        await self.add("election.closed", {"cast": cast, "challenged": challenged})

    async def result(self, round_: int, result: dict[str, Any]) -> str:
        return await self.add("tally.result", {"round": round_, "result": result})

    async def certify(self, round_: int, result_hash: str) -> None:
        await self.add(
            "result.certified",
            {"round": round_, "result_hash": result_hash, "reason": "no objections filed"},
        )


def text_of(html: str) -> str:
    """The page's text with tags dropped and white space collapsed (for phrase checks)."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def sheet_row(html: str, label: str) -> str:
    """The number in the tally sheet row headed ``label`` (first sheet on the page)."""
    found = re.search(
        r'<th scope="row">' + re.escape(label) + r'</th><td class="num">([^<]*)</td>', html
    )
    assert found, f"no row {label!r}"
    return found.group(1)


async def finished_recognition(app: Litestar, admin: Web) -> tuple[str, Board, str]:
    """2,654 yes / 2,131 no, 40 void, 67 challenged of about 8,300: decided, not certified."""
    election_id = await create_draft(admin)
    board = Board(app, election_id)
    d = bilingual(election_id)
    await board.start(d, 8300)
    await board.close(4825, 67)
    result = result_of(d, [((2654, 2131), 40)], eligible=8300, cast=4825, challenged=67)
    assert result["determinative"] is False
    return election_id, board, await board.result(1, result)


async def test_tally_sheet_is_provisional_until_certified(
    app: Litestar, admin: Web, web: Web
) -> None:
    election_id, board, _result_hash = await finished_recognition(app, admin)
    r = await web.get(f"/board/{election_id}/result")
    assert r.status_code == 200, r.text
    html, words = r.text, text_of(r.text)
    assert sheet_row(html, "Approximate number of eligible voters") == "8300"
    assert sheet_row(html, "Void ballots") == "40"
    assert sheet_row(html, "Votes for Yes") == "2654"
    assert sheet_row(html, "Votes for No") == "2131"
    assert sheet_row(html, "Valid votes counted") == "4785"
    assert sheet_row(html, "Challenged ballots") == "67"
    assert sheet_row(html, "Challenges are determinative") == "No"
    assert "PROVISIONAL" in words and "Certified on" not in words
    assert "Outcome: Approved" in words
    assert "The 67 challenged ballots are not determinative" in words
    assert "more than half of the valid votes" in words

    # A certification of another entry does not certify this result.
    await board.certify(1, "00" * 32)
    words = text_of((await web.get(f"/board/{election_id}/result")).text)
    assert "PROVISIONAL" in words and "does not name this result" in words


async def test_certified_result_names_the_date(app: Litestar, admin: Web, web: Web) -> None:
    election_id, board, result_hash = await finished_recognition(app, admin)
    await board.certify(1, result_hash)
    words = text_of((await web.get(f"/board/{election_id}/result")).text)
    assert "PROVISIONAL" not in words
    # The certification is the board's 7th entry: T0 + 7 minutes, in the election's
    # time zone (UTC: this definition names none), with the zone's name.
    assert "Certified: Fri, May 1, 2026, 9:07 AM UTC." in words
    assert "Reason given: no objections filed" in words


async def test_determinative_challenges_and_the_revised_tally(
    app: Litestar, admin: Web, web: Web
) -> None:
    election_id = await create_draft(admin)
    board = Board(app, election_id)
    d = bilingual(election_id)
    await board.start(d, 50)
    await board.close(38, 5)
    first = result_of(d, [((20, 18), 0)], eligible=50, cast=38, challenged=5)
    assert first["determinative"] is True
    await board.result(1, first)

    r = await web.get(f"/board/{election_id}/result")
    words = text_of(r.text)
    assert sheet_row(r.text, "Challenges are determinative") == "Yes"
    assert "PROVISIONAL" in words
    assert "The 5 undecided challenged ballots are determinative" in words
    assert (
        "Outcome of this count, not final because the challenged ballots could change it: Approved"
        in words
    )
    # No final result yet: the record cannot be downloaded.
    verify = await web.get(f"/board/{election_id}/verify")
    assert "/record.zip" not in verify.text
    assert "once the final result is on the board" in text_of(verify.text)

    for i, decision in enumerate(["sustained", "overruled", "overruled", "sustained", "overruled"]):
        await board.add(
            "challenge.decided",
            {"challenge": f"C-{i + 1}", "decision": decision, "reason": "checked the roll"},
        )
    second = result_of(
        d, [((21, 20), 0)], eligible=50, cast=38, challenged=5, sustained=2, overruled=3
    )
    final_hash = await board.result(2, second)
    r = await web.get(f"/board/{election_id}/result")
    words = text_of(r.text)
    assert "Revised tally (round 2): the final result" in words
    assert "First tally (round 1)" in words
    assert "Challenges resolved: 2 sustained, 3 overruled." in words
    # The final round comes first on the page.
    assert sheet_row(r.text, "Votes for Yes") == "21"
    # Ballot order (yes before no), although the board's canonical JSON sorts the keys.
    assert r.text.index("Votes for Yes") < r.text.index("Votes for No")
    assert sheet_row(r.text, "Challenges sustained (not counted)") == "2"
    assert sheet_row(r.text, "Challenges overruled (counted)") == "3"
    assert sheet_row(r.text, "Challenges are determinative") == "No"
    assert words.count("Outcome: Approved") == 1  # round 2
    assert "Outcome: Rejected" not in words and "PROVISIONAL" in words
    assert words.index("Revised tally") < words.index("First tally")
    assert "Challenge decisions on the board" in words and "C-5" in words

    await board.certify(2, final_hash)
    words = text_of((await web.get(f"/board/{election_id}/result")).text)
    assert "Certified: " in words and "PROVISIONAL" not in words
    verify = await web.get(f"/board/{election_id}/verify")
    assert f'href="/api/elections/{election_id}/record.zip"' in verify.text


async def test_outcomes_in_words(app: Litestar, admin: Web, web: Web) -> None:
    # A tie fails.
    tie_id = await create_draft(admin)
    board = Board(app, tie_id)
    d = bilingual(tie_id)
    await board.start(d, 10)
    await board.close(8, 0)
    await board.result(1, result_of(d, [((4, 4), 0)], eligible=10, cast=8, challenged=0))
    words = text_of((await web.get(f"/board/{tie_id}/result")).text)
    assert "Rejected: the vote is tied, and a tie fails." in words
    assert "There were no challenged ballots." in words

    # Officer election without a majority: a runoff of the top two, by name.
    runoff_id = await create_draft(admin)
    board = Board(app, runoff_id)
    d = officer_definition(runoff_id)
    await board.start(d, 30)
    await board.close(20, 0)
    await board.result(1, result_of(d, [((9, 7, 4), 0)], eligible=30, cast=20, challenged=0))
    words = text_of((await web.get(f"/board/{runoff_id}/result")).text)
    assert "No majority: a runoff between R. Alvarez, T. Brooks follows." in words
    html = (await web.get(f"/board/{runoff_id}/result")).text
    assert html.index("R. Alvarez") < html.index("T. Brooks") < html.index("M. Chen")
    assert "otherwise the top two go to a runoff" in words

    # A strike vote with a quorum of half the members: 30 of 100 is not enough.
    quorum_id = await create_draft(admin)
    board = Board(app, quorum_id)
    d = recognition_definition(quorum_id)
    d["rule"] = {"kind": "supermajority", "threshold": "2/3", "quorum_fraction": "1/2"}
    await board.start(d, 100)
    await board.close(30, 0)
    await board.result(1, result_of(d, [((25, 5), 0)], eligible=100, cast=30, challenged=0))
    words = text_of((await web.get(f"/board/{quorum_id}/result")).text)
    assert "No decision: turnout is below the quorum." in words
    assert "at least 2/3 of the valid votes" in words
    assert "at least 1/2 of the eligible members" in words
    assert "The quorum was not met." in words


async def test_an_outcome_that_does_not_follow_is_flagged(
    app: Litestar, admin: Web, web: Web
) -> None:
    election_id = await create_draft(admin)
    board = Board(app, election_id)
    d = bilingual(election_id)
    await board.start(d, 10)
    await board.close(9, 0)
    edited = result_of(d, [((4, 5), 0)], eligible=10, cast=9, challenged=0)
    edited["questions"][0]["outcome"]["result"] = "approved"  # 4 of 9 is not a majority
    await board.result(1, edited)
    words = text_of((await web.get(f"/board/{election_id}/result")).text)
    assert "Outcome: Approved" in words  # what the board says, shown as it is
    assert "does not follow from these counts" in words


async def test_result_page_languages(app: Litestar, admin: Web, web: Web) -> None:
    election_id, _board, _hash = await finished_recognition(app, admin)
    r = await web.get(f"/board/{election_id}/result?lang=es")
    assert '<html lang="es">' in r.text
    assert "Votación de reconocimiento" in r.text
    assert "¿Quiere que el Local 1 le represente?" in r.text
    assert "Sí" in r.text and "Do you want Local 1" not in r.text
    # The switcher offers the definition's languages, and the browser's language is used.
    assert 'hreflang="en"' in r.text and 'hreflang="es"' in r.text and 'hreflang="ko"' not in r.text
    r = await web.get(f"/board/{election_id}/result", headers={"accept-language": "es-MX"})
    assert '<html lang="es">' in r.text
    # A language the election does not have falls back to its first.
    r = await web.get(f"/board/{election_id}/result?lang=ko")
    assert '<html lang="en">' in r.text and "Do you want Local 1" in r.text


async def test_pages_before_the_count(app: Litestar, admin: Web, web: Web) -> None:
    election_id = await create_draft(admin)
    words = text_of((await web.get(f"/board/{election_id}/result")).text)
    assert "Voting has not opened yet." in words
    assert "How this vote is decided" not in words  # no definition on the board yet
    board = Board(app, election_id)
    await board.start(bilingual(election_id), 6)
    words = text_of((await web.get(f"/board/{election_id}/result")).text)
    assert "Voting is open." in words
    await board.close(5, 1)
    r = await web.get(f"/board/{election_id}/result")
    words = text_of(r.text)
    assert "Voting has closed. The count has not been published yet." in words
    assert "Ballots cast 5" in words and "Challenged ballots 1" in words
    assert (await web.get("/board/no-such-election/result")).status_code == 404
    assert (await web.get("/board/no-such-election/verify")).status_code == 404


async def test_how_to_verify(
    app: Litestar, admin: Web, web: Web, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[int] = []

    async def fake_export(db: AsyncSession, election_id: str, key: str, path: Path) -> None:
        n = len(await board_entries(db, election_id))
        calls.append(n)
        path.write_bytes(b"record of %d entries" % n)

    monkeypatch.setattr(verify_page, "_write_record", fake_export)
    election_id, board, _hash = await finished_recognition(app, admin)
    r = await web.get(f"/board/{election_id}/verify")
    assert r.status_code == 200
    words = text_of(r.text)
    assert FINGERPRINT in r.text
    assert f"ballot verify election-{election_id}.zip" in words
    assert f"ballot verify --tracker ABCD-EFGH-IJKL-MNOP election-{election_id}.zip" in words
    assert observer_pages.INSTALL_COMMAND in words
    assert "docs/THREAT_MODEL.md" in words
    assert "What a pass does not mean" in words
    assert f'href="/api/elections/{election_id}/record.zip"' in r.text
    digest = hashlib.sha256(b"record of 6 entries").hexdigest()
    assert f'<code class="hex" id="record-sha256">{digest}</code>' in r.text
    async with app.state.session_factory() as db:
        from ballot.store.board import latest_head

        head = await latest_head(db, election_id)
        assert head is not None
    assert f'<code class="hex" id="board-head">{head.head}</code>' in r.text
    # The record is built once per board state.
    await web.get(f"/board/{election_id}/verify")
    assert calls == [6]
    await board.certify(1, _hash)
    r = await web.get(f"/board/{election_id}/verify")
    assert calls == [6, 7]
    assert hashlib.sha256(b"record of 7 entries").hexdigest() in r.text


async def test_no_digest_without_an_exporter(
    app: Litestar, admin: Web, web: Web, monkeypatch: pytest.MonkeyPatch
) -> None:
    election_id, _board, _hash = await finished_recognition(app, admin)
    r = await web.get(f"/board/{election_id}/verify")
    assert r.status_code == 200 and "record-sha256" not in r.text and "sha256sum" not in r.text

    async def broken(*a: Any) -> None:
        raise AssertionError("the exporter failed")

    monkeypatch.setattr(verify_page, "_write_record", broken)
    r = await web.get(f"/board/{election_id}/verify")
    assert r.status_code == 200 and "record-sha256" not in r.text
    assert f'href="/api/elections/{election_id}/record.zip"' in r.text


async def test_board_page_links_to_result_and_verification(
    app: Litestar, admin: Web, web: Web
) -> None:
    election_id, _board, _hash = await finished_recognition(app, admin)
    # (The board page reads its languages from the stored election, English here.)
    r = await web.get(f"/board/{election_id}")
    assert f'href="/board/{election_id}/result?lang=en"' in r.text
    assert f'href="/board/{election_id}/verify?lang=en"' in r.text


async def test_security_headers_and_no_inline_script(app: Litestar, admin: Web, web: Web) -> None:
    election_id, _board, _hash = await finished_recognition(app, admin)
    for path in (f"/board/{election_id}/result", f"/board/{election_id}/verify"):
        r = await web.get(path)
        assert r.headers["content-security-policy"] == CSP
        assert r.headers["x-frame-options"] == "DENY"
        assert r.headers["x-content-type-options"] == "nosniff"
        assert r.headers["referrer-policy"] == "no-referrer"
        assert "<script" not in r.text and "style=" not in r.text


# --------------------------------------------------------------------------- audit log


async def test_audit_log_is_for_observers_only(
    app: Litestar, admin: Web, web: Web, observer: Web
) -> None:
    await create_draft(admin)
    r = await web.get("/committee/audit", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/login")
    assert (await web.get("/api/audit/chain")).status_code == 401
    await make_account(app, "trustee@example.org", "trustee")
    async with client_for(app) as client:
        trustee = Web(client)
        assert (await trustee.login("trustee@example.org")).status_code == 200
        assert (await trustee.get("/committee/audit")).status_code == 403
        assert (await trustee.get("/api/audit/chain")).status_code == 403
    r = await observer.get("/committee/audit")
    assert r.status_code == 200
    assert r.headers["content-security-policy"] == CSP
    assert "<script" not in r.text


async def test_audit_chain_intact_and_kept_heads(app: Litestar, admin: Web, observer: Web) -> None:
    election_id = await create_draft(admin)
    async with app.state.session_factory() as db:
        rows = list(await db.scalars(select(ActivityEntryRow).order_by(ActivityEntryRow.seq)))
    n, last = len(rows), rows[-1]
    assert n >= 3  # two sign-ins and the new election

    r = await observer.get("/committee/audit")
    words = text_of(r.text)
    assert f"Chain intact: {n} entries." in words
    assert f'<dd id="head-seq">{last.seq}</dd>' in r.text
    assert re.sub(r"<wbr>", "", r.text).count(last.hash) == 1
    assert "Election created" in words and election_id in words

    body = (await observer.get("/api/audit/chain")).json()
    assert body["intact"] is True and body["count"] == n and body["problem"] is None
    assert body["head"] == {"seq": last.seq, "hash": last.hash}
    assert [e["hash"] for e in body["entries"]] == [row.hash for row in rows]
    assert body["kept"] is None

    kept = (await observer.get(f"/api/audit/chain?seq=0&hash={rows[0].hash}")).json()["kept"]
    assert kept == {"seq": 0, "hash": rows[0].hash, "found": True, "matches": True}
    kept = (await observer.get(f"/api/audit/chain?seq=0&hash={'0' * 64}")).json()["kept"]
    assert kept["found"] and not kept["matches"]
    words = text_of((await observer.get(f"/committee/audit?seq=0&hash={rows[0].hash}")).text)
    assert "The log still holds this head at entry 0." in words
    words = text_of((await observer.get("/committee/audit?seq=999&hash=abc")).text)
    assert "The log has no entry 999" in words

    # One election's entries only; the chain is still checked over the whole log.
    r = await observer.get(f"/committee/audit?election={election_id}")
    words = text_of(r.text)
    assert f"Entries for election {election_id}" in words and "sign_in" not in words
    assert f"Chain intact: {n} entries." in words

    # Details read as key=value pairs (the election has its own column).
    r = await admin.post(f"/api/elections/{election_id}/roll", content=ROLL.encode())
    assert r.status_code == 200, r.text
    words = text_of((await observer.get("/committee/audit")).text)
    assert "Roll imported" in words and "rows=6" in words


@pytest.mark.parametrize("where", ["middle", "last", "column"])
async def test_a_tampered_audit_row_is_named(
    app: Litestar, admin: Web, observer: Web, where: str
) -> None:
    election_id = await create_draft(admin)
    async with app.state.session_factory() as db:
        rows = list(await db.scalars(select(ActivityEntryRow).order_by(ActivityEntryRow.seq)))
        target = rows[1] if where == "middle" else rows[-1]
        if where == "column":
            change: dict[str, Any] = {"election_id": "someother"}
            target = next(r for r in rows if r.election_id == election_id)
        else:
            change = {"actor": "account:someone-else@example.org"}
        await db.execute(
            update(ActivityEntryRow).where(ActivityEntryRow.seq == target.seq).values(**change)
        )
        await db.commit()
    words = text_of((await observer.get("/committee/audit")).text)
    assert f"Chain broken at entry {target.seq}" in words
    assert "Chain intact" not in words
    body = (await observer.get("/api/audit/chain")).json()
    assert body["intact"] is False and body["broken_seq"] == target.seq


# --------------------------------------------------------------------------- in a browser


@pytest.mark.browser
# The pages are the same whatever the engine: run the browser once, on SQLite.
@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
async def test_pages_in_chromium_at_320px(
    app: Litestar, admin: Web, web: Web, observer: Web, db_url: str
) -> None:
    """No horizontal scrolling on a small phone, nothing refused by the CSP, and no
    serious or critical accessibility violation under axe-core."""
    require_browser()
    from playwright.async_api import async_playwright

    election_id = await create_draft(admin)
    board = Board(app, election_id)
    d = officer_definition(election_id)
    await board.start(d, 30)
    await board.close(20, 2)
    first = result_of(d, [((9, 7, 4), 0)], eligible=30, cast=20, challenged=2)
    await board.result(1, first)
    pages = {
        f"/board/{election_id}/result": web,
        f"/board/{election_id}/verify": web,
        "/committee/audit": observer,
    }

    async def serve(route: Any) -> None:
        url = route.request.url
        path = url.removeprefix(BASE)
        if path.startswith("/static/__axe.min.js"):
            await route.fulfill(path=str(AXE), content_type="text/javascript")
            return
        client = next((c for p, c in pages.items() if path.startswith(p)), web)
        r = await client.get(path)
        await route.fulfill(status=r.status_code, headers=dict(r.headers), body=r.content)

    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            context = await browser.new_context(viewport={"width": 320, "height": 640})
            await context.route(f"{BASE}/**", serve)
            page = await context.new_page()
            problems: list[str] = []
            page.on(
                "console",
                lambda m: problems.append(m.text) if "Content Security Policy" in m.text else None,
            )
            page.on(
                "response",
                lambda r: problems.append(f"{r.status} {r.url}") if r.status >= 400 else None,
            )
            for path in pages:
                response = await page.goto(BASE + path)
                assert response is not None and response.status == 200, path
                width = await page.evaluate("document.documentElement.scrollWidth")
                assert width <= 320, f"{path}: horizontal scrolling at 320 px ({width} px)"
                await page.add_script_tag(url=f"{BASE}/static/__axe.min.js")
                found = await page.evaluate(
                    "async () => (await axe.run(document, {runOnly: ['wcag2a', 'wcag2aa', "
                    "'wcag21aa', 'wcag22aa']})).violations"
                    ".filter(v => ['serious', 'critical'].includes(v.impact)).map(v => v.id)"
                )
                assert found == [], f"{path}: {found}"
            assert problems == []
        finally:
            await browser.close()


# --------------------------------------------------------------------------- a real record


async def test_a_real_two_round_election_on_the_pages(
    app: Litestar, admin: Web, web: Web, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """A complete election (real encryption, tally, partial decryptions; synthetic) loaded
    onto the service's board: the pages show what the record proves, the digest shown is
    the digest of the download, and the download verifies."""
    monkeypatch.setattr(verify_page, "_write_record", export_record)
    election_id = await create_draft(admin)
    d = recognition_definition(election_id)
    later = [
        Challenge([[1]], "overruled", after_count=True),
        Challenge([[1]], "overruled", after_count=True),
        Challenge([[0]], "sustained", after_count=True),
    ]
    source = generate_record(
        tmp_path / "source.zip",
        d,
        [[[0]]] * 3 + [[[1]]] * 2,
        challenges=later,
        certify="no objections filed",
        jobs=1,
        server_key=app.state.secrets.board_key,  # bound in the definition: the key that signs
    )
    assert source.result["questions"][0]["outcome"]["result"] == "rejected"  # 3 yes, 4 no
    lines = read_record(source.path).board_lines()
    async with app.state.session_factory() as db:
        for line in lines:
            e = json.loads(line)
            row = await append_board(db, election_id, e["kind"], e["payload"], parse_at(e["at"]))
            assert row.hash == e["hash"]
        await sign_board_head(db, election_id, app.state.secrets.board_key, parse_at(e["at"]))
        await db.commit()

    r = await web.get(f"/board/{election_id}/result")
    words = text_of(r.text)
    assert "Certified: Mon, Nov 2, 2026" in words and "PROVISIONAL" not in words
    assert "Revised tally (round 2): the final result" in words
    assert "Challenges resolved: 1 sustained, 2 overruled." in words
    assert sheet_row(r.text, "Votes for Yes") == "3"
    assert sheet_row(r.text, "Votes for No") == "4"
    assert sheet_row(r.text, "Challenged ballots") == "3"
    assert "Outcome: Rejected: the votes in favour do not meet the rule." in words
    assert "does not follow" not in words

    page = await web.get(f"/board/{election_id}/verify")
    shown = re.search(r'id="record-sha256">([0-9a-f]{64})<', page.text)
    assert shown, "the record's SHA-256 is shown"
    download = await web.get(f"/api/elections/{election_id}/record.zip")
    assert download.status_code == 200
    # Saved under the name the commands on the page use.
    assert f'filename="election-{election_id}.zip"' in download.headers["content-disposition"]
    assert hashlib.sha256(download.content).hexdigest() == shown.group(1)
    record = tmp_path / f"election-{election_id}.zip"
    record.write_bytes(download.content)
    report = verify_record(record, jobs=1)
    assert report.ok, report.failure


# --------------------------------------------------------------------------- pure parts


def test_a_redefinition_starts_the_facts_over() -> None:
    """After election.withdrawn, the later election.defined is the definition in force."""

    def posted(seq: int, kind: str, payload: dict[str, Any]) -> observer_pages.Posted:
        return observer_pages.Posted(seq, kind, "2026-05-01T09:00:00Z", f"{seq:064x}", payload)

    first, second = bilingual("e1"), officer_definition("e1")
    facts = observer_pages.facts_from(
        [
            posted(0, "election.defined", {"definition": first, "manifest_hash": "aa" * 32}),
            posted(1, "ceremony.completed", {"transcript": {}, "fingerprint": "01" * 32}),
            posted(2, "election.withdrawn", {"manifest_hash": "aa" * 32, "reason": "typo"}),
            posted(3, "election.defined", {"definition": second, "manifest_hash": "bb" * 32}),
            posted(4, "roll.frozen", {"eligible": 12}),
        ]
    )
    assert facts.definition == second and facts.manifest_hash == "bb" * 32
    assert facts.fingerprint is None and facts.eligible == 12
    assert facts.final is None and facts.certified is None


def test_an_empty_audit_log_is_intact() -> None:
    chain = observer_pages.check_audit_chain([])
    assert chain.intact and chain.to_json() == {
        "intact": True,
        "count": 0,
        "head": None,
        "problem": None,
        "broken_seq": None,
    }
