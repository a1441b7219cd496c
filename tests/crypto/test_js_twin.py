"""The browser twin (ballot/web/static/js/crypto) against the Python crypto.

Node runs the very ES modules the voter page loads (tests/js/twin_cli.mjs);
Python checks what they produce with its own verifier.  Why it matters: a
ballot the browser encrypts must verify on the server and on every
independent verifier, and the tracker the voter is shown must be the one the
board publishes.  Skipped without Node locally; fails under CI=true.
"""

from __future__ import annotations

import copy
import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from ballot.crypto.ballots import (
    EncryptedBallot,
    check_audit,
    encrypt_ballot,
    tracker,
    tracker_display,
    verify_ballot,
)
from ballot.crypto.group import Scalar, base_mul
from ballot.crypto.manifest import (
    ElectionManifest,
    canonical_json,
    election_fingerprint,
    manifest_hash,
)
from tests.support.databases import require

ROOT = Path(__file__).resolve().parents[2]
CLI = ROOT / "tests" / "js" / "twin_cli.mjs"
NODE = shutil.which("node")

SECRET = Scalar.from_int(0x7A11E5)
KEY = base_mul(SECRET)
TRUSTEE_KEYS = [base_mul(Scalar.from_int(1001)), base_mul(Scalar.from_int(1002))]

DEFINITION: dict[str, Any] = {
    "election_id": "branch-42-2025",
    "title": {
        "en": "Strike ballot",
        "es": "Votación de huelga",
        "ko": "파업 투표",
        "zh": "罢工投票",
    },
    "outcome": {"rule": "simple-majority", "turnout_threshold_percent": 50},
    "questions": [
        {"id": "strike", "min": 1, "max": 1, "options": [{"id": "yes"}, {"id": "no"}]},
        {"id": "officer", "min": 1, "max": 1, "options": [{"id": f"o{i}"} for i in range(3)]},
        {"id": "approve", "min": 0, "max": 1, "options": [{"id": "a"}, {"id": "b"}]},
        {"id": "committee", "min": 0, "max": 3, "options": [{"id": f"c{i}"} for i in range(5)]},
        {"id": "delegates", "min": 2, "max": 2, "options": [{"id": f"d{i}"} for i in range(4)]},
        {"id": "board", "min": 1, "max": 3, "options": [{"id": f"b{i}"} for i in range(4)]},
    ],
}
MANIFEST = ElectionManifest.from_definition(DEFINITION)
FP = election_fingerprint(manifest_hash(DEFINITION), KEY, [KEY, *TRUSTEE_KEYS])

#: Selections covering every shape's edge: implied last option, blank, full, minimum.
SELECTIONS = [
    [[0], [2], [], [], [0, 3], [1]],
    [[1], [0], [1], [0, 2, 4], [1, 2], [0, 1, 3]],
    [[0], [1], [0], [4], [2, 3], [2, 3]],
]


def run_node(requests: list[dict[str, Any]]) -> list[dict[str, Any]]:
    require(NODE is not None, "node is not installed (needed for the browser crypto twin)")
    assert NODE is not None
    done = subprocess.run(
        [NODE, str(CLI)],
        input=json.dumps(requests),
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    results: list[dict[str, Any]] = json.loads(done.stdout)
    return results


def election(**extra: Any) -> dict[str, Any]:
    return {"definition": DEFINITION, "public_key": KEY.hex(), "fingerprint": FP.hex(), **extra}


@pytest.fixture(scope="module")
def js_ballots() -> list[dict[str, Any]]:
    return run_node([{"op": "encrypt", **election(selections=s)} for s in SELECTIONS])


def test_ballots_encrypted_in_the_browser_verify_in_python(
    js_ballots: list[dict[str, Any]],
) -> None:
    for result in js_ballots:
        verify_ballot(MANIFEST, KEY, FP, result["ballot"])


def test_browser_tracker_is_the_python_tracker_of_the_same_json(
    js_ballots: list[dict[str, Any]],
) -> None:
    for result in js_ballots:
        parsed = EncryptedBallot.from_json(result["ballot"])
        assert result["tracker"] == tracker(result["ballot"]) == tracker(parsed)
        assert result["trackerShort"] == tracker_display(result["tracker"])
        # the JSON the browser sends is already the unique canonical form
        assert parsed.to_json() == result["ballot"]


def test_browser_audit_opens_to_the_voters_selections(js_ballots: list[dict[str, Any]]) -> None:
    for selections, result in zip(SELECTIONS, js_ballots, strict=True):
        opened = check_audit(MANIFEST, KEY, FP, result["audit"])
        expected = []
        for spec, chosen in zip(MANIFEST.questions, selections, strict=True):
            # choose-one with the last option selected is encoded by all-zero slots
            expected.append(tuple(sorted(chosen)))
            assert spec.min <= len(chosen) <= spec.max
        assert [tuple(sorted(s)) for s in opened] == expected


def test_same_randomness_gives_byte_identical_ballots() -> None:
    """With the Python rng's scalars replayed, the browser draws them in the same order."""
    drawn: list[Scalar] = []

    def rng() -> Scalar:
        s = Scalar.from_int(int.from_bytes(bytes([len(drawn) + 1]) * 32, "little"))
        drawn.append(s)
        return s

    selections = SELECTIONS[1]
    ballot, _ = encrypt_ballot(MANIFEST, KEY, FP, selections, rng=rng)
    [result] = run_node(
        [{"op": "encrypt", **election(selections=selections, nonces=[s.hex() for s in drawn])}]
    )
    assert result["ballot"] == ballot.to_json()
    assert result["tracker"] == tracker(ballot)


def test_browser_verifier_accepts_python_ballots_and_rejects_tampered_ones() -> None:
    ballot, _ = encrypt_ballot(MANIFEST, KEY, FP, SELECTIONS[0])
    good: Any = ballot.to_json()
    bad_proof = copy.deepcopy(good)
    proof = bad_proof["questions"][3]["slots"][1]["proof"]
    proof["responses"][0] = proof["responses"][1]
    swapped = copy.deepcopy(good)
    swapped["questions"][2]["slots"].reverse()
    other_election = copy.deepcopy(good)
    other_election["election"] = "00" * 32
    upper = copy.deepcopy(good)
    upper["questions"][0]["slots"][0]["alpha"] = good["questions"][0]["slots"][0]["alpha"].upper()
    results = run_node(
        [
            {"op": "verify", **election(ballot=b)}
            for b in (good, bad_proof, swapped, other_election, upper)
        ]
    )
    assert results[0] == {"ok": True}
    assert not results[1]["ok"] and "question 3 ('committee'), slot 1" in results[1]["error"]
    assert not results[2]["ok"] and "question 2 ('approve'), slot 0" in results[2]["error"]
    assert not results[3]["ok"] and "another election" in results[3]["error"]
    assert not results[4]["ok"] and "question 0, slot 0" in results[4]["error"]


def test_browser_fingerprint_and_canonical_json_match_python() -> None:
    tricky = {
        "b": [1, 2, {"z": None, "a": True}],
        "a": 'line\nbreak "quoted" \\ tab\t \u0001 é 파업 😀',
        "\u00e9": 0,
        "\U0001f600": 1,
        "\ufb01": 2,
        "A": 9007199254740991,
    }
    results = run_node(
        [
            {
                "op": "fingerprint",
                "definition": DEFINITION,
                "public_key": KEY.hex(),
                "verification_keys": [KEY.hex(), *(k.hex() for k in TRUSTEE_KEYS)],
            },
            {"op": "canonical", "value": tricky},
        ]
    )
    assert results[0]["manifest_hash"] == manifest_hash(DEFINITION).hex()
    assert results[0]["fingerprint"] == FP.hex()
    assert results[1]["text"].encode("utf-8") == canonical_json(tricky)


CHROMIUM = Path("/usr/bin/chromium")
STATIC = ROOT / "ballot" / "web" / "static"

_PAGE = """<!doctype html><meta charset="utf-8"><script type="module">
import { encryptBallot } from "/static/js/crypto/ballot.js";
const request = JSON.parse(document.getElementById("request").textContent);
try {
  const out = await encryptBallot(request.definition, request.public_key, request.fingerprint,
                                  request.selections);
  window.result = { ballot: out.ballot, tracker: out.tracker };
} catch (err) { window.result = { error: String(err) }; }
</script><script type="application/json" id="request">REQUEST</script>"""


def test_modules_run_in_chromium_and_the_ballot_verifies_in_python() -> None:
    """The same files, unbundled, as a real browser loads them (ES modules, the
    vendored library by relative import, BigInt, WebCrypto in a secure
    context); Python verifies the result."""
    require(CHROMIUM.exists(), "Debian chromium is not installed at /usr/bin/chromium")
    try:
        from playwright.sync_api import Route, sync_playwright
    except ImportError:  # pragma: no cover - playwright is a dev dependency
        require(False, "playwright is not installed")
        raise
    origin = "http://localhost:8719"  # never contacted: every request is routed below
    request = election(selections=SELECTIONS[2])
    page_html = _PAGE.replace("REQUEST", json.dumps(request).replace("</", "<\\/"))

    def serve(route: Route) -> None:
        path = route.request.url.removeprefix(origin)
        if path == "/vote":
            route.fulfill(status=200, content_type="text/html", body=page_html)
            return
        file = (STATIC / path.removeprefix("/static/")).resolve()
        served = path.startswith(("/static/js/crypto/", "/static/vendor/"))
        if served and file.is_relative_to(STATIC) and file.is_file():
            route.fulfill(status=200, content_type="text/javascript", body=file.read_text("utf-8"))
        else:
            route.fulfill(status=404, body="")

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
        try:
            page = browser.new_page()
            page.route(f"{origin}/**", serve)
            page.goto(f"{origin}/vote")
            page.wait_for_function("window.result !== undefined", timeout=60_000)
            result = page.evaluate("window.result")
        finally:
            browser.close()
    assert "error" not in result, result
    verify_ballot(MANIFEST, KEY, FP, result["ballot"])
    assert result["tracker"] == tracker(result["ballot"])
