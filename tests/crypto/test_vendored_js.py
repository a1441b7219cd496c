"""The vendored JavaScript is exactly the pinned registry release, and loads without a bundler.

Why: the browser's group arithmetic is third-party code served to every voter
(ballot/web/static/vendor/, see docs/BROWSER_CRYPTO.md).  An edit to it, by
hand or by a formatter, would silently make it code nobody audited.  So every
file is checked against the SHA-256 sums in PINNED.json, and those sums
against the tarball the npm registry serves for the pinned version (fetched
with ``npm pack`` into a temporary directory; skipped locally without the
registry, required in CI).  And since the pages load ES modules as they are,
every import in the browser's crypto must be a relative path to a file that
exists: a bare name like ``@noble/hashes`` would need an import map.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import shutil
import subprocess
import tarfile
from pathlib import Path
from typing import Any

import pytest

from tests.support.databases import require

ROOT = Path(__file__).resolve().parents[2]
STATIC = ROOT / "ballot" / "web" / "static"
VENDOR = STATIC / "vendor"
PINNED: list[dict[str, Any]] = json.loads((VENDOR / "PINNED.json").read_text("utf-8"))["packages"]
IDS = [f"{p['name']}@{p['version']}" for p in PINNED]

#: import ... from "x" / export ... from "x" / import "x" / import("x")
IMPORT = re.compile(
    r"""(?:^|[;\s])(?:import|export)\b[^'"`;]*?\bfrom\s*["']([^"']+)["']"""
    r"""|(?:^|[;\s])import\s*["']([^"']+)["']|\bimport\(\s*["']([^"']+)["']\s*\)""",
    re.MULTILINE,
)


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def test_every_vendored_file_is_pinned_and_matches_its_sum() -> None:
    pinned_dirs = {p["directory"] for p in PINNED}
    present_dirs = {d.name for d in VENDOR.iterdir() if d.is_dir()}
    assert present_dirs == pinned_dirs, (
        "a vendored directory without a PINNED.json entry, or the reverse"
    )
    for package in PINNED:
        base = VENDOR / package["directory"]
        present = {str(p.relative_to(base)) for p in base.rglob("*") if p.is_file()}
        assert present == set(package["files"]), f"{package['name']}: files differ from PINNED.json"
        for name, digest in package["files"].items():
            assert sha256((base / name).read_bytes()) == digest, (
                f"{package['name']}: {name} was changed"
            )
        assert (base / "LICENSE").is_file(), f"{package['name']}: its licence must ship with it"


def _npm_pack(name: str, version: str, into: Path) -> Path | None:
    """The registry's tarball for name@version, or None when the registry cannot be reached."""
    npm = shutil.which("npm")
    if npm is None:
        return None
    try:
        done = subprocess.run(
            [npm, "pack", f"{name}@{version}", "--silent", "--pack-destination", str(into)],
            cwd=into,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return None
    tarballs = list(into.glob("*.tgz"))
    if done.returncode != 0 or len(tarballs) != 1:
        return None
    return tarballs[0]


@pytest.mark.parametrize("package", PINNED, ids=IDS)
def test_vendored_files_are_the_registry_release(package: dict[str, Any], tmp_path: Path) -> None:
    tarball = _npm_pack(package["name"], package["version"], tmp_path)
    require(
        tarball is not None,
        f"npm registry unreachable: cannot fetch {package['name']}@{package['version']}",
    )
    assert tarball is not None
    raw = tarball.read_bytes()
    integrity = "sha512-" + base64.b64encode(hashlib.sha512(raw).digest()).decode()
    assert integrity == package["integrity"], "the registry's tarball is not the pinned one"
    base = VENDOR / package["directory"]
    with tarfile.open(tarball) as archive:
        for name in package["files"]:
            member = archive.extractfile(f"package/{name}")
            assert member is not None, f"{name} is not in the release"
            assert member.read() == (base / name).read_bytes(), f"{name} differs from the release"


def _code(module: Path) -> str:
    """The module's text without comments (the library's doc comments show bare imports)."""
    text = re.sub(r"/\*.*?\*/", "", module.read_text("utf-8"), flags=re.DOTALL)
    return re.sub(r"(^|[^:\\])//.*$", r"\1", text, flags=re.MULTILINE)


def _modules() -> list[Path]:
    return sorted((STATIC / "js").rglob("*.js")) + sorted(VENDOR.rglob("*.js"))


def test_every_import_is_a_relative_or_rooted_path_to_a_file_that_exists() -> None:
    """No bare specifiers: the pages have no import map and no bundler."""
    problems = []
    for module in _modules():
        for match in IMPORT.finditer(_code(module)):
            spec = next(g for g in match.groups() if g)
            if spec.startswith("/static/"):
                target = STATIC / spec.removeprefix("/static/")
            elif spec.startswith(("./", "../")):
                target = (module.parent / spec).resolve()
            else:
                problems.append(f"{module.relative_to(ROOT)}: bare import {spec!r}")
                continue
            if not target.is_file():
                problems.append(f"{module.relative_to(ROOT)}: {spec!r} does not exist")
    assert not problems, "\n".join(problems)


def test_the_browser_crypto_loads_its_group_arithmetic_from_the_vendored_library() -> None:
    group = (STATIC / "js" / "crypto" / "group.js").read_text("utf-8")
    for package in PINNED:
        assert f"/vendor/{package['directory']}/" in group
    # the hand-written field and curve code is gone
    for old in ("field.js", "ed25519.js"):
        assert not (STATIC / "js" / "crypto" / old).exists()
