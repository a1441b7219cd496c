"""Ranked voting on the member's page in Debian's Chromium, by keyboard only.

The page is the server's own (``ballot_page`` with the strict CSP) and its real scripts;
the browser encrypts with the real key of a 1-of-1 ceremony.  The member ranks candidates
shown in their rotated order, meets the no-gap rule (spoken through the race's live
region), sees the review in words, and checks the ballot (Benaloh audit): the opened
ballot holds the CANONICAL indices of the candidates picked on screen, in rank order,
which Python's ``check_audit`` confirms.  axe-core finds nothing at 320 and 1280 px, in
English and Korean; screenshots go to ``$BALLOT_SHOTS`` (or the test's folder).
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from ballot.crypto.ballots import check_audit
from ballot.crypto.group import Element
from ballot.crypto.manifest import ElectionManifest
from ballot.election.context import context_from_text
from ballot.election.races import display_order
from ballot.web.ballot_page import ballot_page, render
from ballot.web.ballot_questions import question_views
from ballot.web.security import CSP
from tests.support.browser import CHROMIUM, axe_violations, chromium
from tests.support.databases import require

from .race_ballots import MANIFEST, PRESIDENT, ceremony, member

pytestmark = [pytest.mark.browser]

#: localhost is a secure context (WebCrypto); every request is answered by the route.
BASE = "http://localhost"
STATIC = Path(__file__).resolve().parents[2] / "ballot" / "web" / "static"
#: A North member whose alias rotates the presidential race (it does not start with Ana).
ALIAS = "7K3QD-M9XAT"
TYPES = {".js": "text/javascript", ".css": "text/css", ".svg": "image/svg+xml"}


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    require(CHROMIUM.exists(), "Debian chromium is not installed at /usr/bin/chromium")
    with chromium() as b:
        yield b


class Site:
    """Serves the ballot page for a token, the static files, and records audits."""

    def __init__(self) -> None:
        self.audits: list[dict[str, Any]] = []
        self.errors: list[str] = []

    def handle(self, route: Any) -> None:
        request = route.request
        url = urlsplit(request.url)
        if url.path.startswith("/v/") and len(url.path) > 3:
            lang = parse_qs(url.query).get("lang", [None])[0]
            language = url.path.rsplit("-", 1)[1]
            response = ballot_page(member("North", ALIAS, language), lang, None)
            route.fulfill(
                status=response.status_code,
                body=str(response.content),
                headers={
                    "content-type": "text/html; charset=utf-8",
                    "content-security-policy": CSP,
                },
            )
        elif url.path.startswith("/static/") and (STATIC / url.path[8:]).is_file():
            path = STATIC / url.path[8:]
            route.fulfill(path=str(path), content_type=TYPES.get(path.suffix, "text/plain"))
        elif url.path == "/api/audited-ballots" and request.method == "POST":
            self.audits.append(json.loads(request.post_data))
            route.fulfill(status=200, json={"seq": 42})
        else:
            self.errors.append(f"{request.method} {url.path}")
            route.fulfill(status=404, body="")


@pytest.fixture
def site(browser: Any) -> Site:
    return Site()


def open_page(browser: Any, site: Site, language: str, width: int) -> Any:
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    page.set_default_timeout(20_000)
    page.on("pageerror", lambda e: site.errors.append(str(e)))
    page.on(
        "console",
        lambda m: site.errors.append(m.text) if "Content Security Policy" in m.text else None,
    )
    page.route(f"{BASE}/**", site.handle)
    page.goto(f"{BASE}/v/token0000North-{language}")
    page.wait_for_selector("#ballot-form:not([hidden])")
    return page


def active(page: Any) -> str:
    return str(page.evaluate("document.activeElement && document.activeElement.id"))


def focused(page: Any, selector: str) -> bool:
    return bool(
        page.evaluate(
            "s => !!document.activeElement && document.activeElement.matches(s)", selector
        )
    )


def tab_to(page: Any, element_id: str, key: str = "Tab", *, selector: str | None = None) -> None:
    """Press Tab (or Shift+Tab) until the element with ``element_id`` (or ``selector``)
    has the focus."""
    for _ in range(80):
        if focused(page, selector or f"#{element_id}"):
            return
        page.keyboard.press(key)
    raise AssertionError(f"Tab never reached {selector or element_id} (at #{active(page)})")


def pick(page: Any, menu_id: str, candidate: int) -> None:
    """Choose a candidate (canonical index) in a focused rank menu with the arrow keys."""
    tab_to(page, menu_id)
    for _ in range(70):
        value = page.eval_on_selector(f"#{menu_id}", "m => m.value")
        if value == str(candidate):
            return
        page.keyboard.press("ArrowDown")
    raise AssertionError(f"#{menu_id} never showed candidate {candidate}")


def clear(page: Any, menu_id: str) -> None:
    """Back to "No further preference", the menu's first entry: Home, one change."""
    tab_to(page, menu_id, "Shift+Tab")
    page.keyboard.press("Home")


def shot(page: Any, name: str, tmp_path: Path) -> None:
    folder = Path(os.environ.get("BALLOT_SHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(folder / f"{name}.png"), full_page=True)


def no_axe_violations(page: Any) -> None:
    found = axe_violations(page, BASE)
    assert found == [], json.dumps(found, indent=1)


WORDS = {
    "en": {
        "ranks": ["1st choice", "2nd choice", "3rd choice"],
        "gap": "Fill in your 2nd choice before your 3rd choice.",
        "moved": "Your later choices moved up one place.",
        "review": "Review your choice",
        "check": "Check this ballot instead of casting it",
        "passed": "The check passed",
    },
    "ko": {
        "ranks": ["1순위", "2순위", "3순위"],
        "gap": "3순위보다 2순위를 먼저 선택하십시오.",
        "moved": "다음 순위의 선택이 한 순위씩 올라갔습니다.",
        "review": "선택 내용 확인",
        "check": None,
        "passed": None,
    },
}


@pytest.mark.parametrize(
    ("language", "width"), [("en", 1280), ("ko", 320), ("en", 320), ("ko", 1280)]
)
def test_ranked_voting_by_keyboard_encrypts_canonical_indices(
    browser: Any, site: Site, language: str, width: int, tmp_path: Path
) -> None:
    words = WORDS[language]
    page = open_page(browser, site, language, width)
    name = f"ranked-{language}-{width}"
    # Candidates come in the member's rotated order; each value is the canonical index.
    shown = display_order(MANIFEST["questions"][0], language, ALIAS)
    assert shown[0] != 0
    menu = page.eval_on_selector_all("#q0-r0 option", "os => os.map(o => [o.value, o.textContent])")
    names = [en if language == "en" else ko for en, ko in PRESIDENT]
    assert menu[1:] == [[str(i), names[i]] for i in shown]
    labels = page.eval_on_selector_all("#q0 .rank label", "ls => ls.map(l => l.textContent)")
    assert labels == words["ranks"]
    assert page.get_attribute("#q0-error", "aria-live") == "assertive"
    # Only the member's unit's races: North's, never South's.
    assert page.locator("fieldset.question").count() == 3
    assert page.locator("#q3").count() == 0

    # The no-gap rule: a 3rd choice before a 2nd is undone, and the page says why.
    first, second, third = shown[2], shown[0], shown[4]
    page.locator("#q0-r0").focus()
    pick(page, "q0-r0", first)
    tab_to(page, "q0-r2")
    page.keyboard.press("ArrowDown")
    assert page.eval_on_selector("#q0-r2", "m => m.value") == ""
    assert page.locator("#q0-error").inner_text() == words["gap"]
    assert page.get_attribute("#q0-r2", "aria-invalid") == "true"
    shot(page, f"{name}-gap", tmp_path)
    no_axe_violations(page)
    # No repeats: the 1st choice is disabled in the other menus.
    disabled = page.eval_on_selector_all("#q0-r1 option:disabled", "os => os.map(o => o.value)")
    assert disabled == [str(first)]
    # Emptying a rank moves the later choices up, and says so.
    clear(page, "q0-r0")  # from the 3rd menu back to the 1st (Shift+Tab)
    pick(page, "q0-r0", second)
    pick(page, "q0-r1", first)
    clear(page, "q0-r0")
    assert page.eval_on_selector("#q0-r0", "m => m.value") == str(first)
    assert page.eval_on_selector("#q0-r1", "m => m.value") == ""
    assert page.locator("#q0-error").inner_text() == words["moved"]
    pick(page, "q0-r1", second)
    pick(page, "q0-r2", third)
    assert page.locator("#q0-error").inner_text() == ""
    assert page.get_attribute("#q0", "aria-invalid") is None

    # The choose race (two seats, alphabetical) by Space, the North race's 1st choice.
    tab_to(page, "q1-o1")
    page.keyboard.press("Space")
    pick(page, "q2-r0", 2)
    shot(page, f"{name}-ballot", tmp_path)
    no_axe_violations(page)

    # Review: the ranking in words, in rank order.
    tab_to(page, "review-button")
    page.keyboard.press("Enter")
    page.wait_for_selector("#review:not([hidden])")
    review = page.locator("#review-list").inner_text()
    ranking = f"1. {names[first]}, 2. {names[second]}, 3. {names[third]}"
    assert ranking in review, review
    assert f"1. {'김하나' if language == 'ko' else 'Hana Kim'}" in review
    shot(page, f"{name}-review", tmp_path)
    no_axe_violations(page)

    # The Benaloh check opens the ballot: canonical indices, in rank order.
    tab_to(page, "", selector="#audit-offer summary")
    page.keyboard.press("Enter")
    tab_to(page, "audit-button")
    page.keyboard.press("Enter")
    page.wait_for_selector("#audit:not([hidden])")
    page.wait_for_function("document.getElementById('audit-status').textContent !== ''")
    assert "result-ok" in (page.get_attribute("#audit-result", "class") or "")
    if words["passed"]:
        assert words["passed"] in page.locator("#audit-result").inner_text()
    audit = json.loads(page.locator("#audit-json").input_value())
    assert site.audits and site.audits[-1]["audit"] == audit
    president = [s["plaintext"] for s in audit["secrets"][0]]
    assert president == [first + 1, second + 1, third + 1]  # rank r holds candidate i as i+1
    context = context_from_text(json.dumps(MANIFEST), ceremony(json.dumps(MANIFEST))[0])
    opened = check_audit(
        ElectionManifest.from_definition(MANIFEST),
        Element.from_hex(context.public_key_hex),
        context.fingerprint,
        audit,
        unit="North",
    )
    assert opened == ((first, second, third), (1,), (2,))
    shot(page, f"{name}-audit", tmp_path)
    if width == 320:
        assert page.evaluate("document.documentElement.scrollWidth") <= 320
    assert site.errors == []
    page.context.close()


def test_a_first_choice_is_needed_without_blank_ballots(browser: Any, site: Site) -> None:
    """Reviewing with an empty 1st choice (no blank ballots) says so and focuses it."""
    page = open_page(browser, site, "en", 800)
    page.evaluate(
        "() => { const f = document.getElementById('q0'); f.dataset.min = '1'; }"
    )  # as an election without blank ballots renders it
    page.locator("#review-button").focus()
    page.keyboard.press("Enter")
    assert page.locator("#q0-error").inner_text() == "Fill in at least your 1st choice."
    assert active(page) == "q0-r0"
    assert page.locator("#review").is_hidden()
    page.context.close()


@pytest.mark.parametrize(("language", "width"), [("en", 1280), ("ko", 320)])
def test_the_committees_preview_of_races(
    browser: Any, site: Site, language: str, width: int, tmp_path: Path
) -> None:
    """The preview (same partials): every unit's race, canonical order, unit labels, axe."""
    html = str(
        render(
            language,
            "vote/preview.html",
            title=MANIFEST["title"][language],
            questions=question_views(MANIFEST, language, None),
            languages=["en", "ko"],
            language_name="English",
            election_id=MANIFEST["election_id"],
            committee={"name": "Committee"},
            time_zone="UTC",
        ).content
    )
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    page.route(
        f"{BASE}/**",
        lambda route: (
            route.fulfill(body=html, headers={"content-type": "text/html; charset=utf-8"})
            if urlsplit(route.request.url).path == "/preview"
            else site.handle(route)
        ),
    )
    page.goto(f"{BASE}/preview")
    assert page.locator("fieldset.question").count() == 4
    assert page.locator(".race-unit").count() == 2
    values = page.eval_on_selector_all("#q0-r0 option", "os => os.map(o => o.value)")
    assert values == ["", "0", "1", "2", "3", "4"]
    shot(page, f"preview-{language}-{width}", tmp_path)
    no_axe_violations(page)
    if width == 320:
        assert page.evaluate("document.documentElement.scrollWidth") <= 320
    context.close()
