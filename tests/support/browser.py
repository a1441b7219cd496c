"""Debian's Chromium through Playwright, and axe-core, as every browser test uses them.

One place for the launch options the developers' guide fixes and for the accessibility
check, so a new page test is a few lines and every test checks the same rules.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

CHROMIUM = Path("/usr/bin/chromium")
ROOT = Path(__file__).resolve().parents[2]
AXE = Path(os.environ.get("BALLOT_AXE_JS", ROOT / "node_modules" / "axe-core" / "axe.min.js"))
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
#: The rule sets every page is checked against.
AXE_RULES = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]
_RUN_AXE = (
    "async (rules) => (await axe.run(document, {runOnly: rules})).violations"
    ".map(v => ({id: v.id, impact: v.impact, nodes: v.nodes.map(n => n.target)}))"
)


@contextmanager
def chromium() -> Iterator[Any]:
    """A headless Chromium (sync Playwright), closed afterwards."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            yield browser
        finally:
            browser.close()


def inject_axe(page: Any, base: str) -> None:
    """axe-core as a same-origin script (routed from the local file): the strict CSP
    refuses inline scripts, so it is loaded as the page would load its own."""
    url = f"{base}/static/__axe.min.js"
    page.route(url, lambda route: route.fulfill(path=str(AXE), content_type="text/javascript"))
    page.add_script_tag(url=url)


def axe_violations(page: Any, base: str) -> list[dict[str, Any]]:
    """What axe-core finds on the page as it is now (every impact)."""
    inject_axe(page, base)
    found: list[dict[str, Any]] = page.evaluate(_RUN_AXE, AXE_RULES)
    return found


def serious(found: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The serious and critical findings among ``found``."""
    return [v for v in found if v["impact"] in ("serious", "critical")]
