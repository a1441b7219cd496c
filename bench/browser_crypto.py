"""Time the voter page's ballot encryption in Chromium: a git ref's browser crypto against ours.

Run from the repository root (Debian's /usr/bin/chromium, Playwright's Python package):

    .venv/bin/python bench/browser_crypto.py              # main's files against the worktree's
    .venv/bin/python bench/browser_crypto.py --ref HEAD~3 --rounds 40 --runs 1 --node
    .venv/bin/python bench/browser_crypto.py --smoke       # HEAD against the worktree, once

Why in one run: this machine's CPUs are throttled in bursts, so two figures
taken minutes apart can differ several-fold for no reason of their own.  Here
both versions are loaded side by side in one browser, each in its own page and
origin, and the rounds alternate between them, so a stall hits both alike; the
ratio is the figure to read.  Each cell gives the median and the best sample:
the best is the least throttled run (as in cpu_duty.py), the steadier of the two here.  The CPU duty (``shared/tools/cpu_duty.py``) is
printed before and after, so wall x duty estimates the unthrottled cost.

What is measured: ``encryptBallot`` from ``/static/js/crypto/ballot.js``
exactly as the voter page imports it (unbundled ES modules, BigInt, WebCrypto),
served with the application's Content-Security-Policy, for a one-question
yes/no ballot and a three-question ballot; "cold" is the first ballot of a
fresh page, including ``warmUp`` (key validation and the base-point table).
The "before" files are read from the ref with ``git show``, nothing is checked out.
``--node`` repeats the alternating rounds in Node, whose older V8 weighs BigInt
operations differently.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
STATIC = ROOT / "ballot" / "web" / "static"
CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

#: A throwaway fingerprint: encryption cost does not depend on its value (nor on the key's).
FINGERPRINT = "ab" * 32

BALLOTS: dict[str, tuple[dict[str, Any], list[list[int]]]] = {
    "1 question (yes/no)": (
        {
            "election_id": "bench-1",
            "questions": [
                {"id": "strike", "min": 1, "max": 1, "options": [{"id": "y"}, {"id": "n"}]}
            ],
        },
        [[0]],
    ),
    "3 questions (yes/no, 1 of 4, up to 3 of 6)": (
        {
            "election_id": "bench-3",
            "questions": [
                {"id": "strike", "min": 1, "max": 1, "options": [{"id": "y"}, {"id": "n"}]},
                {"id": "chair", "min": 1, "max": 1, "options": [{"id": f"c{i}"} for i in range(4)]},
                {"id": "board", "min": 0, "max": 3, "options": [{"id": f"b{i}"} for i in range(6)]},
            ],
        },
        [[1], [2], [0, 3, 5]],
    ),
}

PAGE = """<!doctype html><meta charset="utf-8"><title>bench</title>
<script type="module" src="/bench.js"></script>"""

#: Loaded as a file, not inline, so the page runs under the real CSP (script-src 'self').
SCRIPT = """import { encryptBallot, warmUp } from "/static/js/crypto/ballot.js";
window.cold = async (definition, key, fp, selections) => {
  const t = performance.now();
  warmUp(key);
  await encryptBallot(definition, key, fp, selections);
  return performance.now() - t;
};
window.encrypt = async (definition, key, fp, selections, runs) => {
  const out = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    await encryptBallot(definition, key, fp, selections);
    out.push(performance.now() - t);
  }
  return out;
};
window.ready = true;
"""


def cpu_duty(seconds: float) -> str:
    """The share of wall time a CPU-bound loop gets now, or "n/a" without the tool."""
    for base in (ROOT.parent, ROOT.parent.parent, Path("/work")):
        tool = base / "shared" / "tools" / "cpu_duty.py"
        if tool.is_file():
            done = subprocess.run(
                [sys.executable, str(tool), str(seconds)],
                capture_output=True,
                text=True,
                check=False,
            )
            return done.stdout.strip() or "n/a"
    return "n/a"


def export_static(ref: str, into: Path) -> None:
    """Write the ref's ballot/web/static tree (only what the crypto needs) into ``into``."""
    names = subprocess.run(
        ["git", "ls-tree", "-r", "--name-only", ref, "ballot/web/static/"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    for name in names:
        if not name.startswith(("ballot/web/static/js/crypto/", "ballot/web/static/vendor/")):
            continue
        blob = subprocess.run(
            ["git", "show", f"{ref}:{name}"], cwd=ROOT, capture_output=True, check=True
        ).stdout
        target = into / name.removeprefix("ballot/web/static/")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(blob)


def crypto_weight(static: Path) -> tuple[int, int, int]:
    """(files, bytes, gzip bytes) of every module a page loads for encryption."""
    import gzip

    files = sorted(
        p
        for sub in ("js/crypto", "vendor")
        if (static / sub).is_dir()
        for p in (static / sub).rglob("*.js")
    )
    raw = sum(p.stat().st_size for p in files)
    packed = sum(len(gzip.compress(p.read_bytes(), 9)) for p in files)
    return len(files), raw, packed


NODE_SCRIPT = """
const [before, after, key, fp, ballots, rounds] = JSON.parse(process.argv[1]);
const sides = { before: await import(before), after: await import(after) };
const out = {};
for (const [name, [definition, selections]] of Object.entries(ballots)) {
  for (const m of Object.values(sides)) { m.warmUp(key); await m.encryptBallot(definition, key, fp, selections); }
  for (let i = 0; i < rounds; i++) {
    for (const side of i % 2 ? ["before", "after"] : ["after", "before"]) {
      const t = performance.now();
      await sides[side].encryptBallot(definition, key, fp, selections);
      (out[`${side}|${name}`] ??= []).push(performance.now() - t);
    }
  }
}
process.stdout.write(JSON.stringify(out));
"""


def node_results(
    before: Path, after: Path, key: str, rounds: int
) -> dict[tuple[str, str], list[float]]:
    """The same alternating encryptions in Node (another V8), for comparison."""
    arg = json.dumps(
        [
            (before / "js" / "crypto" / "ballot.js").as_uri(),
            (after / "js" / "crypto" / "ballot.js").as_uri(),
            key,
            FINGERPRINT,
            BALLOTS,
            rounds,
        ]
    )
    done = subprocess.run(
        ["node", "--input-type=module", "-e", NODE_SCRIPT, arg],
        capture_output=True,
        text=True,
        check=True,
    )
    raw: dict[str, list[float]] = json.loads(done.stdout)
    return {tuple(k.split("|", 1)): v for k, v in raw.items()}  # type: ignore[misc]


def print_table(
    results: dict[tuple[str, str], list[float]], colds: dict[tuple[str, str], float]
) -> None:
    print(f"{'ballot':44} {'before ms':>10} {'after ms':>10} {'after/before':>13}")
    for name in BALLOTS:
        before, after = results[("before", name)], results[("after", name)]
        for stat, fn in (("median", statistics.median), ("best", min)):
            b, a = fn(before), fn(after)
            print(f"{name + ', ' + stat:44} {b:10.1f} {a:10.1f} {a / b:13.2f}")
        if (("before", name)) in colds:
            cb, ca = colds[("before", name)], colds[("after", name)]
            print(
                f"{'  cold (warmUp + first ballot), median':44} {cb:10.1f} {ca:10.1f} {ca / cb:13.2f}"
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--ref", default="main", help="git ref of the 'before' files")
    parser.add_argument("--after", help="git ref of the 'after' files (default: the worktree)")
    parser.add_argument("--rounds", type=int, default=9, help="alternating rounds per ballot")
    parser.add_argument("--runs", type=int, default=3, help="encryptions per round")
    parser.add_argument("--colds", type=int, default=3, help="fresh pages per cold figure")
    parser.add_argument("--node", action="store_true", help="also run the rounds in Node")
    parser.add_argument("--duty-seconds", type=float, default=3.0)
    parser.add_argument(
        "--smoke", action="store_true", help="HEAD against the worktree, one round: does it run?"
    )
    args = parser.parse_args()
    if args.smoke:  # HEAD exists in any clone, main not always
        args.ref, args.rounds, args.runs, args.colds, args.duty_seconds = "HEAD", 1, 1, 1, 0.3

    from playwright.sync_api import Route, sync_playwright

    from ballot.crypto.group import Scalar, base_mul
    from ballot.web.security import CSP

    public_key = base_mul(Scalar.from_int(0x7A11E5)).hex()

    with tempfile.TemporaryDirectory(prefix="bench-browser-") as tmp:
        before_static = Path(tmp) / "before"
        export_static(args.ref, before_static)
        after_static = STATIC
        if args.after is not None:
            after_static = Path(tmp) / "after"
            export_static(args.after, after_static)
        sides = {"before": before_static, "after": after_static}
        origins = {"before": "http://localhost:8731", "after": "http://localhost:8732"}
        for side, static in sides.items():
            n, raw, packed = crypto_weight(static)
            label = args.ref if side == "before" else (args.after or "worktree")
            print(f"weight {side:6} ({label}): {n} modules, {raw:,} bytes, {packed:,} gzip -9")

        def server(static: Path, origin: str):  # type: ignore[no-untyped-def]
            def serve(route: Route) -> None:
                path = route.request.url.removeprefix(origin)
                headers = {"Content-Security-Policy": CSP}
                if path == "/vote":
                    route.fulfill(status=200, content_type="text/html", body=PAGE, headers=headers)
                    return
                if path == "/bench.js":
                    route.fulfill(status=200, content_type="text/javascript", body=SCRIPT)
                    return
                file = (static / path.removeprefix("/static/")).resolve()
                if path.startswith("/static/") and file.is_relative_to(static) and file.is_file():
                    route.fulfill(
                        status=200, content_type="text/javascript", body=file.read_bytes()
                    )
                else:
                    route.fulfill(status=404, body="")

            return serve

        print(f"cpu duty before: {cpu_duty(args.duty_seconds)}")
        results: dict[tuple[str, str], list[float]] = {}
        colds: dict[tuple[str, str], float] = {}
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            try:
                pages = {}
                for side in sides:
                    page = browser.new_page()
                    page.route(f"{origins[side]}/**", server(sides[side], origins[side]))
                    page.goto(f"{origins[side]}/vote")
                    page.wait_for_function("window.ready === true", timeout=30_000)
                    pages[side] = page
                for name, (definition, selections) in BALLOTS.items():
                    for side, page in pages.items():
                        cold = []
                        for _ in range(args.colds):
                            fresh = browser.new_page()
                            fresh.route(f"{origins[side]}/**", server(sides[side], origins[side]))
                            fresh.goto(f"{origins[side]}/vote")
                            fresh.wait_for_function("window.ready === true", timeout=30_000)
                            cold.append(
                                fresh.evaluate(
                                    "([d, k, f, s]) => window.cold(d, k, f, s)",
                                    [definition, public_key, FINGERPRINT, selections],
                                )
                            )
                            fresh.close()
                        colds[(side, name)] = statistics.median(cold)
                        # warm the long-lived page too, so the rounds time encryption only
                        page.evaluate(
                            "([d, k, f, s]) => window.cold(d, k, f, s)",
                            [definition, public_key, FINGERPRINT, selections],
                        )
                    for r in range(args.rounds):
                        order = list(pages) if r % 2 == 0 else list(reversed(pages))
                        for side in order:
                            times = pages[side].evaluate(
                                "([d, k, f, s, n]) => window.encrypt(d, k, f, s, n)",
                                [definition, public_key, FINGERPRINT, selections, args.runs],
                            )
                            results.setdefault((side, name), []).extend(times)
            finally:
                browser.close()
        print(f"cpu duty after:  {cpu_duty(args.duty_seconds)}")
        print()
        print_table(results, colds)
        samples = len(results[("before", next(iter(BALLOTS)))])
        print(f"\n{samples} encryptions per cell, rounds alternating; {time.ctime()}")
        if args.node:
            version = subprocess.run(["node", "--version"], capture_output=True, text=True).stdout
            print(f"\nNode {version.strip()}, same ballots, {args.rounds} alternating rounds:")
            print_table(node_results(before_static, after_static, public_key, args.rounds), {})


if __name__ == "__main__":
    main()
