"""Every page a person sees (``tests.support.pages.PAGES``) in Debian's Chromium, at 320 and
1280 px, in English and Korean: axe-core finds nothing, nothing scrolls sideways at 320 px
(a wide table scrolls inside its own named, focusable region), and the page can be used
from the keyboard: the first Tab reaches the skip link, every control shows a focus ring,
there is one h1, and no internal name ("key_ceremony", "q1-o1", "(admin)") is on it.

The elections are made in this test's event loop and the same database is then served
over HTTP; one browser and one page visit everything.  With ``BALLOT_SHOTS=folder`` each
page is also saved there as a screenshot, for people to look at.
The pages are the same on both databases, so this runs on SQLite only; the words test
(``tests/i18n/test_no_english.py``) renders them on both.
"""

from __future__ import annotations

import asyncio
import os
from pathlib import Path
from typing import Any

import pytest
from litestar import Litestar

from ballot.config import Settings
from tests.support.asgi import Web
from tests.support.browser import AXE_RULES, chromium, inject_axe, require_browser, signed_in
from tests.support.live import serve
from tests.support.pages import PAGES, Page, Site, build_site

pytestmark = [pytest.mark.browser]

#: Screenshots only when asked for (they cost a third of the run): BALLOT_SHOTS=folder.
SHOTS = Path(os.environ["BALLOT_SHOTS"]) if os.environ.get("BALLOT_SHOTS") else None
#: What a page must have finished before it is judged (its script fills it in).
READY = {"voter-ballot": "#ballot-form:not([hidden])"}

#: Run in the page: the facts the keyboard and the words depend on.
INSPECT = """() => {
  const focusable = [...document.querySelectorAll(
    'a[href], button, input:not([type=hidden]), select, textarea, summary, [tabindex]')]
    .filter(e => !e.disabled && e.tabIndex >= 0 && e.getClientRects().length > 0
                 && getComputedStyle(e).visibility !== 'hidden');
  const noRing = [];
  for (const e of focusable) {
    e.focus();
    if (document.activeElement !== e) continue;
    const s = getComputedStyle(e);
    const ring = (s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) >= 2)
      || (s.boxShadow && s.boxShadow !== 'none');
    if (!ring) noRing.push(e.outerHTML.slice(0, 80));
  }
  if (document.activeElement) document.activeElement.blur();
  const positive = [...document.querySelectorAll('[tabindex]')]
    .filter(e => e.tabIndex > 0).map(e => e.outerHTML.slice(0, 80));
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT, {acceptNode: n => {
    const p = n.parentElement;
    if (!p || p.closest('script, style, code, [translate=no], [hidden]')) return NodeFilter.FILTER_REJECT;
    return NodeFilter.FILTER_ACCEPT;
  }});
  let text = '';
  while (walker.nextNode()) text += walker.currentNode.textContent + ' ';
  return {
    h1: [...document.querySelectorAll('h1')].map(h => h.textContent.trim()),
    noRing, positive, text,
    title: document.title,
  };
}"""


def axe(page: Any, base: str, contrast: bool) -> list[Any]:
    """axe-core's violations; colour contrast (half of axe's time, and the same colours at
    every width) is checked at one width only."""
    inject_axe(page, base)
    found: list[Any] = page.evaluate(
        "async ([tags, contrast]) => (await axe.run(document, {runOnly: tags,"
        " rules: {'color-contrast': {enabled: contrast}}})).violations"
        ".map(v => ({id: v.id, impact: v.impact, nodes: v.nodes.map(n => n.target).slice(0, 3)}))",
        [AXE_RULES, contrast],
    )
    return found


def judge(page: Any, base: str, item: Page, site: Site, lang: str, width: int) -> list[str]:
    """Everything wrong with one page at one width in one language."""
    where = f"{item.name} [{lang} {width}px]"
    problems: list[str] = []
    response = page.goto(base + item.url(site, lang))
    if response is None or response.status != item.status:
        return [f"{where}: HTTP {response.status if response else '?'}"]
    if item.name in READY:
        page.wait_for_selector(READY[item.name])
    if width == 320:
        wide = page.evaluate("document.documentElement.scrollWidth")
        if wide > 320:
            problems.append(f"{where}: {wide} px wide")
    if SHOTS is not None:
        page.screenshot(path=str(SHOTS / f"{item.name}-{lang}-{width}.png"), full_page=True)
    found = axe(page, base, contrast=width == 320)
    problems += [f"{where}: axe {v['id']} ({v['impact']}) {v['nodes']}" for v in found]
    if width == 1280:
        page.keyboard.press("Tab")  # nothing has had the focus yet on this page
        first = page.evaluate("document.activeElement && document.activeElement.className")
        if first != "skip":
            problems.append(f"{where}: the first Tab reaches {first!r}, not the skip link")
        facts = page.evaluate(INSPECT)
        if len(facts["h1"]) != 1 or not facts["h1"][0]:
            problems.append(f"{where}: h1 {facts['h1']}")
        problems += [f"{where}: no focus ring on {e}" for e in facts["noRing"]]
        problems += [f"{where}: tabindex > 0 on {e}" for e in facts["positive"]]
        if lang == "en":
            import re

            for name in re.findall(
                r"\b[a-z]+_[a-z_]+\b|\bq\d+-o\d+\b|\((?:admin|trustee|observer)\)", facts["text"]
            ):
                problems.append(f"{where}: internal name {name!r}")
    return problems


def browse(base: str, site: Site) -> list[str]:
    if SHOTS is not None:
        SHOTS.mkdir(parents=True, exist_ok=True)
    problems: list[str] = []
    with chromium() as browser:
        page = signed_in(browser, base)
        for item in PAGES:
            if item.kind != "html":
                continue
            for lang in ("en", "ko"):
                for width in (320, 1280):
                    page.set_viewport_size({"width": width, "height": 900})
                    problems += judge(page, base, item, site, lang, width)
        page.context.close()
    return problems


@pytest.mark.parametrize("migrated_db_url", ["sqlite"], indirect=True)
async def test_every_page_is_accessible_fits_a_phone_and_works_from_the_keyboard(
    app: Litestar, settings: Settings, admin: Web, web: Web, captured_tokens: dict[int, str]
) -> None:
    require_browser()
    site = await build_site(app, admin, web, captured_tokens)
    base, server, thread = serve(settings)
    try:
        problems = await asyncio.to_thread(browse, base, site)
    finally:
        server.should_exit = True
        await asyncio.to_thread(thread.join, 15)
    assert problems == [], "\n".join(problems)
