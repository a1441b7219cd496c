"""Debian's Chromium through Playwright, and axe-core, as every browser test uses them.

One place for the launch options the developers' guide fixes, for the checks every page
passes (its screenshot, no sideways scrolling, axe-core) and for the committee's sign-in,
so a new page test is a few lines and every test checks the same rules.  The live
server a module's browser tests share is in ``browser_fixtures``.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from .accounts import ADMIN, PASSWORD
from .databases import require

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
    "async ([region, rules]) => (await axe.run(region || document, {runOnly: rules}))"
    ".violations.map(v => ({id: v.id, impact: v.impact, nodes: v.nodes.map(n => n.target)}))"
)
#: The widths every page is looked at: a small phone and a desktop.
WIDTHS = (320, 1280)
#: The languages every page is looked at in: English and one that lays words out unlike it.
LANGUAGES = ("en", "ko")


def require_chromium() -> None:
    require(CHROMIUM.exists(), "Debian chromium is not installed at /usr/bin/chromium")


def require_axe() -> None:
    require(AXE.exists(), f"axe-core not found at {AXE} (npm install --no-save axe-core)")


def require_browser() -> None:
    """Chromium and axe-core both, for a test that needs them from its first step."""
    require_chromium()
    require_axe()


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


def off_thread(work: Any, *args: Any) -> Any:
    """Run ``work`` in another thread: Playwright's sync API owns this thread's event loop,
    and the server helpers (``LiveServer.deliver``) start one of their own."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(work, *args).result()


def shots_folder(default: Path, *parts: str, fallback: Path | None = None) -> Path:
    """Where a test saves its screenshots for people to look at: ``BALLOT_SHOTS``/parts
    when the variable is set, else ``default``/parts, made if missing; ``fallback`` (a
    temporary folder) when it cannot be made (a checkout where /work is not writable)."""
    root = os.environ.get("BALLOT_SHOTS")
    folder = (Path(root) if root else default).joinpath(*parts)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        if fallback is None:
            raise
        return fallback
    return folder


# ----------------------------------------------------------------------------- axe-core


def inject_axe(page: Any, base: str) -> None:
    """axe-core as a same-origin script (routed from the local file): the strict CSP
    refuses inline scripts, so it is loaded as the page would load its own."""
    url = f"{base}/static/__axe.min.js"
    page.route(url, lambda route: route.fulfill(path=str(AXE), content_type="text/javascript"))
    page.add_script_tag(url=url)


def axe_violations(page: Any, base: str, region: str | None = None) -> list[dict[str, Any]]:
    """What axe-core finds on the page as it is now (every impact), in the part the CSS
    selector ``region`` names or, by default, in all of it."""
    inject_axe(page, base)
    found: list[dict[str, Any]] = page.evaluate(_RUN_AXE, [region, AXE_RULES])
    return found


def serious(found: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The serious and critical findings among ``found``."""
    return [v for v in found if v["impact"] in ("serious", "critical")]


def assert_accessible(page: Any, base: str, where: Any, region: str | None = None) -> None:
    """No serious or critical axe-core finding on the page (or in ``region``)."""
    require_axe()
    bad = serious(axe_violations(page, base, region))
    assert bad == [], (where, bad)


# ----------------------------------------------------------------------------- one page


def screenshot(page: Any, shot: Path, region: str | None = None) -> None:
    """The whole page (or only the part the CSS selector ``region`` names) into ``shot``."""
    if region is None:
        page.screenshot(path=str(shot), full_page=True)
    else:
        page.locator(region).screenshot(path=str(shot))


def assert_fits(page: Any, width: int, where: Any) -> None:
    """Nothing on the page is wider than ``width``: no scrolling sideways."""
    wide = page.evaluate("document.documentElement.scrollWidth")
    assert wide <= width, (where, f"{wide} px wide at {width} px")


def check_page(page: Any, base: str, width: int, shot: Path, *, scrolls: bool = False) -> None:
    """The page as it is now, at ``width``: its screenshot saved as ``shot``, nothing wider
    than the window (unless the page is known to ``scrolls``), no serious or critical
    axe-core finding."""
    screenshot(page, shot)
    if not scrolls:
        assert_fits(page, width, shot.name)
    assert_accessible(page, base, shot.name)


# ----------------------------------------------------------------------------- every language


def _viewport(page: Any, width: int) -> None:
    page.set_viewport_size({"width": width, "height": 900})


def check_languages(
    page: Any, live: Any, folder: Path, name: str, region: str | None = None
) -> dict[str, str]:
    """The page ``page`` is on, in each of LANGUAGES (``?ui=``) at each of WIDTHS, loaded
    again for each: nothing wider than 320 px, a screenshot of each in ``folder``
    (``engine-name-lang-width.png``; of ``region`` alone when a CSS selector names the part
    to judge), no serious axe-core finding in each language (or in ``region``).

    Returns the text of each language's ``main``; leaves the page in English at 1280 px.
    """
    parts = urlsplit(page.url)
    query = [(k, v) for k, v in parse_qsl(parts.query) if k != "ui"]
    url = urlunsplit(parts._replace(query=urlencode(query)))
    sep = "&" if query else "?"
    texts = {}
    for lang in LANGUAGES:
        for width in WIDTHS:
            _viewport(page, width)
            page.goto(f"{url}{sep}ui={lang}")
            if width == 320:
                assert_fits(page, 320, (name, lang))
            screenshot(page, folder / f"{live.engine}-{name}-{lang}-{width}.png", region)
        assert_accessible(page, live.base, (name, lang), region)
        texts[lang] = str(page.inner_text("main"))
    _viewport(page, 1280)
    page.goto(f"{url}{sep}ui=en")
    return texts


def check_as_it_stands(
    page: Any, live: Any, folder: Path, name: str, lang: str, widths: Sequence[int] = WIDTHS
) -> None:
    """A page that cannot be loaded again (the answer to a form), made each of ``widths``
    wide in turn: nothing wider than 320 px, a screenshot at each width in ``folder``
    (``engine-name-lang-width.png``), no serious axe-core finding at the last; then back
    to 1280 px."""
    for width in widths:
        _viewport(page, width)
        if width == 320:
            assert_fits(page, 320, (name, lang))
        screenshot(page, folder / f"{live.engine}-{name}-{lang}-{width}.png")
    assert_accessible(page, live.base, (name, lang))
    _viewport(page, 1280)


# ----------------------------------------------------------------------------- signing in


def sign_in_here(page: Any, email: str = ADMIN, password: str = PASSWORD) -> None:
    """Fill in the sign-in form the page shows, by its labels, and send it."""
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()
    assert not page.url.endswith("/login"), f"{email} is not signed in: {page.url}"


def signed_in(
    browser: Any,
    base: str,
    email: str = ADMIN,
    password: str = PASSWORD,
    *,
    width: int = 1280,
    **options: Any,
) -> Any:
    """A page in a new browser context (``options``; ``width`` px wide unless they name a
    viewport), signed in through the sign-in form as a committee member would."""
    options.setdefault("viewport", {"width": width, "height": 900})
    context = browser.new_context(**options)
    context.set_default_timeout(20_000)
    page = context.new_page()
    page.goto(f"{base}/login")
    sign_in_here(page, email, password)
    return page
