"""Debian's Chromium through Playwright, for tests that walk the web pages as people do.

A :class:`Tour` looks at every page a test visits: it saves a full-page screenshot
(numbered, so the folder reads in the order of the story), checks that nothing is wider
than the window and runs axe-core on it.  Problems are gathered, not raised at once, so
one run names every page that needs work; the test asserts the list is empty at its end.

Screenshots go to ``BALLOT_SHOTS`` when it is set, else to the test's temporary folder.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .browser import (
    axe_violations,
    chromium,
    off_thread,
    require_browser,
    shots_folder,
    sign_in_here,
)

__all__ = ["Tour", "chromium", "off_thread", "press", "require_browser", "shots_folder", "sign_in"]


@dataclass
class Tour:
    """Every page a test looks at, at one window width, with what was wrong on each."""

    base: str
    width: int
    folder: Path
    prefix: str = ""
    seen: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        """Screenshots of an earlier run at this width would mix with this run's."""
        for old in self.folder.glob(f"{self.prefix}{self.width}-*.png"):
            old.unlink()

    def context(self, browser: Any, **options: Any) -> Any:
        """A new browser context at this tour's width (axe-core served from its file)."""
        context = browser.new_context(viewport={"width": self.width, "height": 900}, **options)
        context.set_default_timeout(20_000)
        return context

    def page(self, browser: Any, **options: Any) -> Any:
        return self.context(browser, **options).new_page()

    def look(self, page: Any, name: str) -> None:
        """Screenshot, width and axe-core for the page as it is now."""
        page.wait_for_load_state()
        self.seen.append(name)
        number = len(self.seen)
        shot = self.folder / f"{self.prefix}{self.width}-{number:02}-{name}.png"
        page.screenshot(path=str(shot), full_page=True)
        wide = page.evaluate("document.documentElement.scrollWidth")
        if wide > self.width:
            self.problems.append(f"{number:02} {name}: {wide} px wide at {self.width} px")
        for v in axe_violations(page, self.base):
            nodes = v["nodes"][:3]
            self.problems.append(f"{number:02} {name}: axe {v['id']} ({v['impact']}) {nodes}")

    def visit(self, page: Any, path: str, name: str) -> Any:
        """Open ``path`` (expecting 200) and look at it."""
        response = page.goto(self.base + path)
        status = response.status if response is not None else None
        if status != 200:
            self.problems.append(f"{name}: {path} answered {status}")
        self.look(page, name)
        return response

    def report(self) -> None:
        """Leave the list of problems in the folder, beside the screenshots."""
        report = self.folder / f"{self.prefix}{self.width}-problems.txt"
        report.write_text("".join(f"{p}\n" for p in self.problems))

    def assert_clean(self) -> None:
        """No page had a problem."""
        self.report()
        assert self.problems == [], "\n".join(self.problems)


def sign_in(tour: Tour, browser: Any, email: str, password: str) -> Any:
    """A new browser context signed in through the sign-in form (its page is returned)."""
    page = tour.page(browser)
    page.goto(tour.base + "/login")
    tour_once(tour, page, "sign-in")
    sign_in_here(page, email, password)
    return page


def tour_once(tour: Tour, page: Any, name: str) -> None:
    """Look at a page that every part of the story passes through only the first time."""
    if name not in tour.seen:
        tour.look(page, name)


def press(page: Any, name: str | re.Pattern[str], **options: Any) -> None:
    """Click the button named ``name`` and wait for the page it leads to."""
    page.get_by_role("button", name=name, **options).click()
    page.wait_for_load_state()


def text_of(page: Any, selector: str = "main") -> str:
    return str(page.locator(selector).inner_text())
