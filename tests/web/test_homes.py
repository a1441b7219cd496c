"""Where things live: the committee's acts in ballot.service, HTTP only in ballot.web,
board kinds only through ballot.record.kinds, and the CLI loadable without the server."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import ballot
from ballot.record.kinds import NOTE_PREFIX, Kind

ROOT = Path(ballot.__file__).parent
#: Layers below the web: they refuse with Refused and never speak HTTP.
BELOW_WEB = [ROOT / "service", ROOT / "store", ROOT / "mail"]
SERVER_PACKAGES = ("litestar", "sqlalchemy", "asyncpg", "uvicorn", "aiosmtplib", "aiosqlite")


def _sources(*folders: Path) -> list[Path]:
    return [p for folder in folders for p in sorted(folder.rglob("*.py"))]


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def test_nothing_below_the_web_imports_it_or_litestar() -> None:
    for path in _sources(*BELOW_WEB):
        for name in _imports(path):
            assert not name.startswith(("ballot.web", "ballot.cli", "litestar")), (path, name)


def test_the_service_is_imported_by_web_cli_and_demo_not_by_the_store() -> None:
    for path in _sources(ROOT / "store", ROOT / "mail"):
        assert not any(n.startswith("ballot.service") for n in _imports(path)), path


def test_service_store_and_mail_do_not_spell_board_kinds() -> None:
    for path in _sources(ROOT / "service", ROOT / "store" / "count", ROOT / "mail"):
        source = path.read_text(encoding="utf-8")
        for kind in [*(k.value for k in Kind), NOTE_PREFIX + "state"]:
            for quote in ('"', "'"):
                assert f"{quote}{kind}{quote}" not in source, (path.name, kind)


def test_service_modules_stay_small() -> None:
    for path in _sources(ROOT / "service", ROOT / "store" / "count"):
        assert len(path.read_text(encoding="utf-8").splitlines()) <= 400, path


def test_the_cli_loads_without_the_server() -> None:
    code = (
        "import sys, ballot.cli\n"
        f"loaded = sorted({{m.split('.')[0] for m in sys.modules}} & set({SERVER_PACKAGES!r}))\n"
        "print(','.join(loaded))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""
