"""The voter's page in Debian's Chromium against a real uvicorn server, on SQLite and on
PostgreSQL.

One server and one browser per engine: a Korean member opens the link from their
inbox, votes, gets a receipt and finds the tracker on the public board; the link is
then refused; a Benaloh audit round-trips (browser -> server -> Python check_audit ->
the public audit page); axe-core finds no serious or critical violation; the page works
at 320 px, without JavaScript it says what is needed, and a wrong fingerprint stops it.

Every test runs on both engines (the page-only checks too: they are quick, and in CI
no browser test may be skipped).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from playwright.sync_api import expect

from ballot.crypto.ballots import check_audit, encrypt_ballot
from ballot.crypto.group import Element
from ballot.crypto.manifest import ElectionManifest
from ballot.i18n import translations
from ballot.web.ballot_page import refusal_strings, ui_strings
from tests.support.browser import assert_accessible, inject_axe, require_axe
from tests.support.browser_fixtures import ENGINES, browser_fixture, live_server
from tests.support.live import LiveServer, open_election

from .conftest import DEFINITION, ROLL

pytestmark = [pytest.mark.browser]


MULTI = {
    "kind": "officer",
    "title": {"en": "Stewards committee"},
    "opens_at": "2026-05-02T09:00:00Z",
    "closes_at": "2026-05-09T17:00:00Z",
    "rule": "majority",
    "trustees": {"n": 1, "k": 1},
    "questions": [
        {
            "text": {"en": "Elect up to two stewards"},
            "min": 1,
            "max": 2,
            "options": [{"en": "Ana"}, {"en": "Ben"}, {"en": "Chen"}, {"en": "Dolores"}],
        }
    ],
}
MULTI_ROLL = """member_id,name,email,language,unit,challenged
S001,Sam One,sam1@multi.example.org,en,North,
"""
#: Voters whose casts the server refuses, in their own languages.
REFUSED_ROLL = """member_id,name,email,language,unit,challenged
R001,Park Ji-woo,park@refused.example.org,ko,North,
R002,Lucia Diaz,lucia@refused.example.org,es,South,
"""

ELECTIONS: dict[str, str] = {}


@pytest.fixture(scope="module", params=ENGINES)
def live(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveServer]:
    with live_server(request.param, tmp_path_factory.mktemp("live"), inbox=True) as server:
        yield from _opened(server)


def _opened(server: LiveServer) -> Iterator[LiveServer]:
    try:
        open_election(server, DEFINITION, ROLL)
        # A second election (opened before the browser starts: Playwright's sync API runs
        # its own event loop) with a choose-up-to-two question.
        ELECTIONS["multi"] = open_election(server, MULTI, MULTI_ROLL)
        ELECTIONS["refused"] = open_election(server, DEFINITION, REFUSED_ROLL)
        yield server
    finally:
        ELECTIONS.clear()


browser = browser_fixture()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 800, "height": 900})
    p = context.new_page()
    p.set_default_timeout(15_000)
    p.csp_errors = []  # type: ignore[attr-defined]
    p.on(
        "console",
        lambda m: (
            p.csp_errors.append(m.text)  # type: ignore[attr-defined]
            if "Content Security Policy" in m.text
            else None
        ),
    )
    p.on(
        "response",
        lambda r: (
            p.csp_errors.append(f"{r.status} {r.url}")  # type: ignore[attr-defined]
            if r.status >= 400 and "favicon" not in r.url and "/api/" not in r.url
            else None
        ),
    )
    p.on("pageerror", lambda e: p.csp_errors.append(str(e)))  # type: ignore[attr-defined]
    try:
        yield p
    finally:
        context.close()


def api(live: LiveServer, path: str) -> Any:
    return httpx.get(live.base + path, timeout=10).json()


def open_ballot(page: Any, link: str) -> None:
    response = page.goto(link)
    assert response is not None and response.status == 200
    headers = response.headers
    assert headers["referrer-policy"] == "no-referrer"
    assert "script-src 'self'" in headers["content-security-policy"]
    page.wait_for_selector("#ballot-form:not([hidden])")


def test_korean_voter_votes_gets_a_receipt_and_finds_the_tracker(
    live: LiveServer, page: Any
) -> None:
    link = live.links["kim@example.org"]
    open_ballot(page, link)
    assert page.locator("html").get_attribute("lang") == "ko"
    assert page.locator("h1").inner_text() == "노동조합 인정 투표"
    # The token left the address bar at once.
    assert page.url.endswith("/v/") and link.rsplit("/", 1)[1] not in page.url
    # Secrecy is explained before the member votes, in their language.
    secrecy = page.locator("section.secrecy")
    assert secrecy.is_visible()
    assert secrecy.locator("h2").inner_text() == translations("ko").gettext("Your vote is secret")
    page.get_by_label("예").check()
    page.get_by_role("button", name="선택 내용 확인").click()  # Review your choice
    page.wait_for_selector("#review:not([hidden])")
    assert "예" in page.locator("#review-list").inner_text()
    short = page.locator("#review-tracker").inner_text()
    page.get_by_role("button", name="투표하기").click()  # Cast my ballot
    page.wait_for_selector("#receipt:not([hidden])")
    # The receipt says it in words first: recorded, secret, the tracker and the time.
    assert page.locator("#receipt-title").inner_text() == "투표가 기록되었습니다"
    assert "비밀" in page.locator("#receipt .notice").inner_text()
    assert page.locator("#receipt-short").inner_text() == short
    assert page.locator("#receipt-time").inner_text().strip() != ""
    assert page.locator("#receipt-save").get_attribute("href", timeout=1000).startswith("blob:")
    # ... and no longer offers to vote.
    assert not page.locator("#state").is_visible()
    assert not page.locator("#cast-button").is_visible()
    tracker = page.locator("#receipt-tracker").text_content() or ""
    listed = api(live, f"/api/elections/{live.election_id}/trackers")["trackers"]
    assert tracker in [t["tracker"] for t in listed]
    page.get_by_role("link", name="내 추적 코드 찾기").click()  # Find my tracker
    page.wait_for_selector("#search-result")
    assert "found" in (page.locator("#search-result p").get_attribute("class") or "")
    assert tracker in page.locator("#search-result").inner_text()
    assert page.locator("tr.found").count() == 1
    assert page.csp_errors == []  # type: ignore[attr-defined]

    # A second visit with the same link is refused: the page says the vote is done ...
    page.goto(link)
    assert page.locator("#state").get_attribute("data-state") == "voted"
    assert "이미 투표하셨습니다." in page.locator("#state").inner_text()
    assert page.locator("#ballot-form").count() == 0
    # ... and the cast endpoint refuses the link.
    r = httpx.post(
        live.base + "/api/cast",
        json={"token": link.rsplit("/", 1)[1], "ballot": {}},
        timeout=10,
    )
    assert r.status_code == 409 and "already been used" in r.json()["error"]


def test_benaloh_audit_round_trip_then_a_fresh_ballot_is_cast(live: LiveServer, page: Any) -> None:
    open_ballot(page, live.links["ben@example.org"])
    page.get_by_label("No").check()
    page.get_by_role("button", name="Review your choice").click()
    page.wait_for_selector("#review:not([hidden])")
    audited_short = page.locator("#review-tracker").inner_text()
    # The check is an optional, folded step apart from Cast and Change.
    assert not page.get_by_role(
        "button", name="Check this ballot instead of casting it"
    ).is_visible()
    page.locator("#audit-offer summary").click()
    page.get_by_role("button", name="Check this ballot instead of casting it").click()
    page.wait_for_selector("#audit:not([hidden])")
    # It says plainly that the member has not voted, and gives the check's result in words.
    assert "You have not voted yet." in page.locator("#audit .not-yet").inner_text()
    page.wait_for_selector("#audit-result.result-ok")
    assert page.locator("#audit-result").inner_text().startswith("The check passed")
    expect(page.locator("#audit-status")).to_contain_text("position")
    audit = json.loads(page.locator("#audit-json").input_value())

    # The audit opens, in Python, to exactly the voter's choice ("No" = option 1).
    public = api(live, f"/api/elections/{live.election_id}/public")
    selections = check_audit(
        ElectionManifest.from_definition(public["definition"]),
        Element.from_hex(public["joint_public_key"]),
        bytes.fromhex(public["fingerprint"]),
        audit,
    )
    assert selections == ((1,),)
    entries = api(live, f"/api/elections/{live.election_id}/board/entries")["entries"]
    audited = [e for e in entries if e["kind"] == "ballot.audited"]
    assert audited and audited[-1]["payload"]["audit"] == audit

    # The audited ballot can never be cast, even by hand.
    token = live.links["ben@example.org"].rsplit("/", 1)[1]
    r = httpx.post(
        live.base + "/api/cast", json={"token": token, "ballot": audit["ballot"]}, timeout=10
    )
    assert r.status_code == 409 and "replayed" in r.json()["error"]

    # Voting goes on with a freshly encrypted ballot.
    page.get_by_role("button", name="Vote now with a fresh ballot").click()
    page.get_by_role("button", name="Review your choice").click()
    page.wait_for_selector("#review:not([hidden])")
    assert page.locator("#review-tracker").inner_text() != audited_short
    page.get_by_role("button", name="Cast my ballot").click()
    page.wait_for_selector("#receipt:not([hidden])")

    # Anyone can check the audit on our audit page: in the browser and on the server.
    page.goto(f"{live.base}/audit?election={live.election_id}")
    page.fill("#audit-input", json.dumps(audit))
    page.get_by_role("button", name="Check").click()
    page.wait_for_selector("#server-result.result-ok")
    assert page.locator("#browser-result").get_attribute("class") == "result-ok"
    assert page.locator("#browser-choices").inner_text().strip().endswith("No")
    audit["secrets"][0][0]["plaintext"] = 1 - audit["secrets"][0][0]["plaintext"]
    page.fill("#audit-input", json.dumps(audit))
    page.get_by_role("button", name="Check").click()
    page.wait_for_selector("#server-result.result-bad")
    assert page.locator("#browser-result").get_attribute("class") == "result-bad"
    assert page.csp_errors == []  # type: ignore[attr-defined]


def test_no_serious_accessibility_violations_and_usable_at_320px(
    live: LiveServer, browser: Any
) -> None:
    require_axe()
    context = browser.new_context(viewport={"width": 320, "height": 640})
    try:
        page = context.new_page()
        open_ballot(page, live.links["chen@example.org"])
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 320, f"horizontal scrolling at 320 px ({width} px)"
        small = page.evaluate(
            """() => [...document.querySelectorAll('button, .option, .languages a')]
                .filter(e => e.offsetParent !== null)
                .map(e => e.getBoundingClientRect())
                .filter(r => r.height < 44).length"""
        )
        assert small == 0, "touch targets under 44 px"
        # Keyboard only: Tab to the first choice, Space selects it.
        page.keyboard.press("Tab")
        for _ in range(12):
            if page.evaluate("document.activeElement.name") == "q0":
                break
            page.keyboard.press("Tab")
        page.keyboard.press("Space")
        assert page.locator("input[name=q0]:checked").count() == 1

        for where in ("ballot", "review"):
            if where == "review":
                page.get_by_role("button", name="Review your choice").click()
                page.wait_for_selector("#review:not([hidden])")
            assert_accessible(page, live.base, where)
        page.goto(f"{live.base}/board/{live.election_id}")
        inject_axe(page, live.base)
        result = page.evaluate(
            "async () => (await axe.run()).violations.map(v => ({id: v.id, impact: v.impact}))"
        )
        assert [v for v in result if v["impact"] in ("serious", "critical")] == []
        assert page.evaluate("document.documentElement.scrollWidth") <= 320
    finally:
        context.close()


def test_without_javascript_the_page_says_what_is_needed(live: LiveServer, browser: Any) -> None:
    context = browser.new_context(java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto(live.links["fay@example.org"])
        text = page.locator("main").inner_text()
        assert "needs JavaScript" in text
        assert not page.locator("#ballot-form").is_visible()
    finally:
        context.close()


def test_a_wrong_fingerprint_stops_the_page_before_encrypting(live: LiveServer, page: Any) -> None:

    def tamper(route: Any) -> None:
        response = route.fetch()
        body = response.text()
        data = json.loads(body.split('id="election-data">', 1)[1].split("</script>", 1)[0])
        fake = data["fingerprint"][:-1] + ("0" if data["fingerprint"][-1] != "0" else "1")
        route.fulfill(response=response, body=body.replace(data["fingerprint"], fake))

    page.route("**/v/*", tamper)
    page.goto(live.links["fay@example.org"])
    page.wait_for_selector("#alert:not([hidden])")
    assert "fingerprint" in page.locator("#alert").inner_text()
    assert not page.locator("#ballot-form").is_visible()


def test_checkboxes_stop_at_the_maximum_and_the_ballot_verifies(
    live: LiveServer, page: Any
) -> None:
    election_id = ELECTIONS["multi"]
    open_ballot(page, live.links["sam1@multi.example.org"])
    boxes = page.locator("input[name=q0]")
    assert boxes.count() == 4 and boxes.first.get_attribute("type") == "checkbox"
    # Nothing chosen: the page says what is missing instead of encrypting.
    page.get_by_role("button", name="Review your choice").click()
    assert page.locator("#q0-error").is_visible()
    assert page.locator("#q0").get_attribute("aria-invalid") == "true"
    page.get_by_label("Ana").check()
    page.get_by_label("Chen").check()
    # Over-voting is impossible: the other boxes are disabled at the maximum.
    assert page.get_by_label("Ben").is_disabled() and page.get_by_label("Dolores").is_disabled()
    page.get_by_label("Chen").uncheck()
    assert page.get_by_label("Ben").is_enabled()
    page.get_by_label("Dolores").check()
    page.get_by_role("button", name="Review your choice").click()
    page.wait_for_selector("#review:not([hidden])")
    assert "Ana, Dolores" in page.locator("#review-list").inner_text()
    page.get_by_role("button", name="Cast my ballot").click()
    page.wait_for_selector("#receipt:not([hidden])")
    tracker = page.locator("#receipt-tracker").text_content() or ""
    listed = api(live, f"/api/elections/{election_id}/trackers")["trackers"]
    assert [t["tracker"] for t in listed] == [tracker]


def test_language_switcher_and_reload_keep_the_ballot(live: LiveServer, page: Any) -> None:
    open_ballot(page, live.links["ana@example.org"])  # Ana's roll language is Spanish
    assert page.locator("html").get_attribute("lang") == "es"
    assert page.locator("h1").inner_text() == "Votación de reconocimiento"
    page.get_by_role("link", name="English").click()
    page.wait_for_selector("#ballot-form:not([hidden])")
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.locator("h1").inner_text() == "Recognition vote"
    assert "/v/?lang=en" in page.url  # the token left the address bar again
    page.reload()  # lands on /v/, which goes back to this tab's ballot
    page.wait_for_selector("#ballot-form:not([hidden])")
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.get_by_label("Yes").is_visible()


def refused_text(language: str, code: str) -> str:
    """What the page must say for a refusal ``code``: the catalogue's sentence."""
    return ui_strings(language)["refused"] + " " + refusal_strings(language)[code]


def test_refusals_are_told_in_the_voters_language(live: LiveServer, page: Any) -> None:
    election_id = ELECTIONS["refused"]
    # The Korean voter's link is used behind the page's back (another device, say) ...
    link = live.links["park@refused.example.org"]
    open_ballot(page, link)
    public = api(live, f"/api/elections/{election_id}/public")
    ballot, _ = encrypt_ballot(
        ElectionManifest.from_definition(public["definition"]),
        Element.from_hex(public["joint_public_key"]),
        bytes.fromhex(public["fingerprint"]),
        [[1]],
    )
    r = httpx.post(
        live.base + "/api/cast",
        json={"token": link.rsplit("/", 1)[1], "ballot": ballot.to_json()},
        timeout=10,
    )
    assert r.status_code == 201, r.text
    # ... so the page's cast is refused, and it says why in Korean (a translated sentence).
    page.get_by_label("예").check()
    page.get_by_role("button", name="선택 내용 확인").click()
    page.wait_for_selector("#review:not([hidden])")
    page.get_by_role("button", name="투표하기").click()
    page.wait_for_selector("#alert:not([hidden])")
    assert page.locator("#alert").get_attribute("data-code") == "link_used"
    said = page.locator("#alert").inner_text()
    assert said == refused_text("ko", "link_used")
    assert said.startswith(translations("ko").gettext("Your ballot was not accepted:"))
    assert "already been used" not in said  # not the API's English message
    # A refused ballot leaves nothing to press and no tracker that will never appear.
    assert not page.locator("#cast-button").is_visible()
    assert not page.locator("#review-tracker").is_visible()
    assert not page.locator("#change-button").is_visible()

    # A ballot damaged on the way is refused without using the Spanish voter's link ...
    def tamper(route: Any) -> None:
        body = json.loads(route.request.post_data)
        challenges = body["ballot"]["questions"][0]["slots"][0]["proof"]["challenges"]
        first = challenges[0]  # change its lowest byte: still a valid scalar, a false proof
        challenges[0] = ("1" if first[0] == "0" else "0") + first[1:]
        route.continue_(post_data=json.dumps(body))

    page.route("**/api/cast", tamper)
    open_ballot(page, live.links["lucia@refused.example.org"])
    assert page.locator("html").get_attribute("lang") == "es"
    page.locator("input[name=q0]").first.check()
    page.locator("#review-button").click()
    page.wait_for_selector("#review:not([hidden])")
    page.locator("#cast-button").click()
    page.wait_for_selector("#alert:not([hidden])")
    assert page.locator("#alert").get_attribute("data-code") == "ballot_invalid"
    assert page.locator("#alert").inner_text() == refused_text("es", "ballot_invalid")
    # The refused ballot's Cast button and tracker are gone; the link still works, so the
    # page offers to start again.
    assert not page.locator("#cast-button").is_visible()
    assert not page.locator("#review-tracker").is_visible()
    assert page.locator("#change-button").is_visible()
    # ... who then votes with the same link.
    page.unroute("**/api/cast")
    page.locator("#change-button").click()
    page.locator("#review-button").click()
    page.wait_for_selector("#review:not([hidden])")
    page.locator("#cast-button").click()
    page.wait_for_selector("#receipt:not([hidden])")
    assert page.csp_errors == []  # type: ignore[attr-defined]


def test_the_invalid_link_page_has_a_heading_and_every_language(
    live: LiveServer, browser: Any
) -> None:
    require_axe()
    context = browser.new_context(viewport={"width": 320, "height": 640})
    try:
        page = context.new_page()
        response = page.goto(f"{live.base}/v/not-a-real-link-at-all?lang=zh")
        assert response is not None and response.status == 404
        assert page.locator("html").get_attribute("lang", timeout=1000).startswith("zh")
        assert page.locator("h1").inner_text() == translations("zh").gettext(
            "This link is not valid"
        )
        assert page.locator("nav.languages a").count() == 6
        inject_axe(page, live.base)
        result = page.evaluate(
            "async () => (await axe.run()).violations.map(v => ({id: v.id, impact: v.impact}))"
        )
        assert result == []
        assert page.evaluate("document.documentElement.scrollWidth") <= 320
    finally:
        context.close()
